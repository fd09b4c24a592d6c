//! The feature set: one switch per post-MVP feature.
//!
//! Each feature is a row of `for_each_feature!`; adding a proposal means
//! adding a row (and the checks that consult it).

macro_rules! for_each_feature {
    ($m:ident) => {
        $m! {
            // Variant        flag-name                         in Wasm 2.0  in 3.0  implemented
            MutableGlobal        "mutable-global"                      true     true     true
            SignExtension        "sign-extension"                      true     true     true
            SaturatingFloatToInt "nontrapping-float-to-int"            true     true     true
            MultiValue           "multi-value"                         true     true     true
            BulkMemory           "bulk-memory"                         true     true     true
            ReferenceTypes       "reference-types"                     true     true     true
            Simd                 "simd"                                true     true     true
            Exceptions           "exceptions"                          false    true     true
            LegacyExceptions     "legacy-exceptions"                   false    false    true
            TailCall             "tail-call"                           false    true     true
            ExtendedConst        "extended-const"                      false    true     true
            Memory64             "memory64"                            false    true     true
            MultiMemory          "multi-memory"                        false    true     true
            CustomPageSizes      "custom-page-sizes"                   false    false    true
            RelaxedSimd          "relaxed-simd"                        false    true     true
            FunctionReferences   "function-references"                 false    true     true
            Gc                   "gc"                                  false    true     true
            Threads              "threads"                             false    false    true
            WideArithmetic       "wide-arithmetic"                     false    false    true
        }
    };
}

macro_rules! define_features {
    ($( $name:ident $flag:literal $v2:literal $v3:literal $implemented:literal )*) => {
        /// A post-MVP WebAssembly feature.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Feature {
            $( $name, )*
        }

        impl Feature {
            /// Every feature, in table order.
            pub const ALL: &'static [Feature] = &[ $( Feature::$name, )* ];

            /// The feature's name as used on command lines and in errors.
            pub fn name(self) -> &'static str {
                match self { $( Feature::$name => $flag, )* }
            }

            /// Whether the feature is part of the Wasm 2.0 standard.
            pub fn in_wasm2(self) -> bool {
                match self { $( Feature::$name => $v2, )* }
            }

            /// Whether the feature is part of the Wasm 3.0 standard.
            pub fn in_wasm3(self) -> bool {
                match self { $( Feature::$name => $v3, )* }
            }

            /// Whether tern can validate modules using this feature. (GC is
            /// validated, parsed and printed, and runs on the interpreter;
            /// the compiler tier refuses GC modules.)
            pub fn implemented(self) -> bool {
                match self { $( Feature::$name => $implemented, )* }
            }

            /// Looks a feature up by its name.
            pub fn from_name(name: &str) -> Option<Feature> {
                match name { $( $flag => Some(Feature::$name), )* _ => None }
            }
        }
    };
}

for_each_feature!(define_features);

/// A set of enabled features.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Features {
    bits: u64,
}

impl Features {
    /// The MVP: no post-MVP feature.
    pub const fn mvp() -> Features {
        Features { bits: 0 }
    }

    /// Wasm 2.0: MVP plus every feature standardised in 2.0.
    pub fn wasm2() -> Features {
        let mut f = Features::mvp();
        for &x in Feature::ALL {
            if x.in_wasm2() {
                f.set(x, true);
            }
        }
        f
    }

    /// Wasm 3.0 (GC included: tern validates GC modules, though its
    /// runtime refuses to run them), and the legacy exception instructions
    /// that toolchains still emit: the embedding API's default, as
    /// wasmtime's.
    pub fn wasm3() -> Features {
        let mut f = Features::mvp();
        for &x in Feature::ALL {
            if x.implemented() && (x.in_wasm3() || x == Feature::LegacyExceptions) {
                f.set(x, true);
            }
        }
        f
    }

    /// Every feature tern implements.
    pub fn all() -> Features {
        let mut f = Features::mvp();
        for &x in Feature::ALL {
            if x.implemented() {
                f.set(x, true);
            }
        }
        f
    }

    /// Turns `feature` on or off.
    pub fn set(&mut self, feature: Feature, on: bool) -> &mut Self {
        let bit = 1u64 << feature as u8;
        if on {
            self.bits |= bit;
        } else {
            self.bits &= !bit;
        }
        self
    }

    /// Builder form of [`Features::set`].
    pub fn with(mut self, feature: Feature, on: bool) -> Self {
        self.set(feature, on);
        self
    }

    /// Whether `feature` is on.
    #[inline]
    pub fn enabled(&self, feature: Feature) -> bool {
        self.bits & (1u64 << feature as u8) != 0
    }
}

impl Default for Features {
    /// Every implemented feature: Wasm 2.0, exception handling (with the
    /// legacy instructions that toolchains still emit) and tail calls.
    fn default() -> Self {
        Features::all()
    }
}

impl std::fmt::Debug for Features {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries(Feature::ALL.iter().filter(|x| self.enabled(**x)).map(|x| x.name()))
            .finish()
    }
}
