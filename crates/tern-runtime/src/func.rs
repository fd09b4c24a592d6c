//! Functions: wasm or host, called dynamically ([`Func::call`]) or with
//! static types ([`TypedFunc::call`]).

use crate::error::{Error, Result};
use crate::store::{AsContext, AsContextMut, Caller, HostFuncEntry, StoreId, StoreInner};
use crate::values::{ExternRef, V128, Val, type_error, val_from_slots, val_matches, val_to_slots};
use std::marker::PhantomData;
use std::sync::Arc;
use tern_binary::{FuncType, ValType};
use tern_vm::{FuncEntity, FuncKind, Trap, slots_of_all};

/// A host function over raw slots: arguments in, results out.
pub(crate) type HostFn<T> = Arc<dyn Fn(Caller<'_, T>, &mut [u64]) -> Result<(), Trap> + Send + Sync>;

/// A function in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Func {
    pub(crate) store: StoreId,
    pub(crate) index: u32,
}

/// Registers a host function in the store.
pub(crate) fn new_host_func<T>(s: &mut StoreInner<T>, ty: FuncType, func: HostFn<T>) -> Func {
    let sig = s.engine.inner.sigs.intern(&ty);
    let index = s.hosts.len() as u32;
    let entity = FuncEntity {
        sig,
        kind: FuncKind::Host { index },
        param_slots: slots_of_all(ty.params()),
        result_slots: slots_of_all(ty.results()),
    };
    s.hosts.push(HostFuncEntry { func });
    s.vm.funcs.push(entity);
    s.jit.sync_funcs(&s.vm);
    Func {
        store: s.id,
        index: s.vm.funcs.len() as u32 - 1,
    }
}

/// Adapts a closure over dynamic values to the host-function calling
/// convention (arguments and results in 64-bit slots), checking that the
/// results have the declared types.
pub(crate) fn dynamic_host_fn<T: 'static>(
    ty: FuncType,
    f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
) -> HostFn<T> {
    Arc::new(move |caller: Caller<'_, T>, slots: &mut [u64]| {
        let id = caller.inner.id;
        // GC references the function receives are rooted while it runs.
        let mark = caller.inner.vm.gc.root_mark();
        let mut params = Vec::with_capacity(ty.params().len());
        let mut at = 0;
        for &t in ty.params() {
            params.push(val_from_slots(&caller.inner.vm, id, t, &slots[at..]));
            at += tern_vm::slots_of(t) as usize;
        }
        let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
        let vm: *const tern_vm::StoreData = &caller.inner.vm;
        let r = f(caller, &params, &mut results);
        // SAFETY: the store outlives the call; `caller` (its only other
        // path) is gone.
        let vm = unsafe { &*vm };
        let out = r.and_then(|()| {
            let mut at = 0;
            for (v, &t) in results.iter().zip(ty.results()) {
                if !val_matches(v, t) {
                    return Err(Trap::msg(format!(
                        "host function returned a value of type {} where {t} was expected",
                        v.ty()
                    )));
                }
                at += val_to_slots(vm, id, v, &mut slots[at..]).map_err(|e| Trap::msg(e.to_string()))?;
            }
            Ok(())
        });
        vm.gc.unroot_to(mark);
        out
    })
}

impl Func {
    /// A host function of type `ty` taking and returning dynamic values.
    pub fn new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Func {
        let raw = dynamic_host_fn(ty.clone(), f);
        new_host_func(store.as_context_mut().0, ty, raw)
    }

    /// A host function from a Rust closure with typed parameters and
    /// results, optionally taking a [`Caller`] first.
    pub fn wrap<T, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        f: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let (ty, raw) = f.into_host_func();
        new_host_func(store.as_context_mut().0, ty, raw)
    }

    /// The function's type.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let s = store.as_context().0;
        s.assert_owns(self.store, "function");
        let fe = s.vm.funcs[self.index as usize];
        (*s.engine.inner.sigs.get(fe.sig)).clone()
    }

    /// Calls the function with dynamically typed values.
    pub fn call(&self, mut store: impl AsContextMut, params: &[Val], results: &mut [Val]) -> Result<()> {
        let s = store.as_context_mut().0;
        s.check(self.store, "function")?;
        let fe = s.vm.funcs[self.index as usize];
        let ty = s.sig(fe.sig);
        if params.len() != ty.params().len() {
            return Err(Error::usage(format!(
                "expected {} arguments, got {}",
                ty.params().len(),
                params.len()
            )));
        }
        if results.len() != ty.results().len() {
            return Err(Error::usage(format!(
                "expected room for {} results, got {}",
                ty.results().len(),
                results.len()
            )));
        }
        let n = (fe.param_slots.max(fe.result_slots) as usize).max(1);
        // Most calls need a few slots: no allocation for them.
        let mut small = [0u64; 8];
        let mut large = Vec::new();
        let slots: &mut [u64] = if n <= small.len() {
            &mut small[..n]
        } else {
            large.resize(n, 0);
            &mut large
        };
        let mut at = 0;
        for (v, &t) in params.iter().zip(ty.params()) {
            if !crate::values::val_matches_in(&s.vm, v, t) {
                return Err(type_error(t, v));
            }
            at += val_to_slots(&s.vm, s.id, v, &mut slots[at..])?;
        }
        crate::call::invoke(s, self.index, slots)?;
        let mut at = 0;
        for (r, &t) in results.iter_mut().zip(ty.results()) {
            *r = val_from_slots(&s.vm, s.id, t, &slots[at..]);
            at += tern_vm::slots_of(t) as usize;
        }
        Ok(())
    }

    /// A typed view of the function; errors when the types differ.
    pub fn typed<P: WasmParams, R: WasmResults>(&self, store: impl AsContext) -> Result<TypedFunc<P, R>> {
        store.as_context().0.check(self.store, "function")?;
        let ty = self.ty(&store);
        if ty.params() != P::valtypes().as_slice() || ty.results() != R::valtypes().as_slice() {
            return Err(Error::usage(format!(
                "type mismatch: the function has type {ty:?}, not {:?} -> {:?}",
                P::valtypes(),
                R::valtypes()
            )));
        }
        Ok(TypedFunc {
            func: *self,
            _m: PhantomData,
        })
    }
}

/// A function with statically known parameter and result types.
pub struct TypedFunc<P, R> {
    func: Func,
    _m: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    /// The underlying function.
    pub fn func(&self) -> &Func {
        &self.func
    }

    /// Calls the function.
    pub fn call(&self, mut store: impl AsContextMut, params: P) -> Result<R> {
        let s = store.as_context_mut().0;
        s.check(self.func.store, "function")?;
        let n = P::SLOTS.max(R::SLOTS).max(1);
        let mut buf = [0u64; 16];
        let mut heap;
        let slots: &mut [u64] = if n <= 16 {
            &mut buf[..n]
        } else {
            heap = vec![0u64; n];
            &mut heap
        };
        params.store_all(s.id, slots)?;
        crate::call::invoke(s, self.func.index, slots)?;
        Ok(R::load_all(s.id, slots))
    }
}

/// A Rust type that is a Wasm value.
pub trait WasmTy: Sized + 'static {
    /// Value slots it takes.
    const SLOTS: usize;
    fn valtype() -> ValType;
    #[doc(hidden)]
    fn store_slots(self, store: StoreId, out: &mut [u64]) -> Result<()>;
    #[doc(hidden)]
    fn load_slots(store: StoreId, slots: &[u64]) -> Self;
}

macro_rules! wasm_ty_num {
    ($($t:ty => $vt:ident, |$x:ident| $to:expr, |$s:ident| $from:expr;)*) => {$(
        impl WasmTy for $t {
            const SLOTS: usize = 1;
            fn valtype() -> ValType {
                ValType::$vt
            }
            fn store_slots(self, _store: StoreId, out: &mut [u64]) -> Result<()> {
                let $x = self;
                out[0] = $to;
                Ok(())
            }
            fn load_slots(_store: StoreId, slots: &[u64]) -> Self {
                let $s = slots[0];
                $from
            }
        }
    )*};
}

wasm_ty_num! {
    i32 => I32, |x| x as u32 as u64, |s| s as u32 as i32;
    u32 => I32, |x| x as u64, |s| s as u32;
    i64 => I64, |x| x as u64, |s| s as i64;
    u64 => I64, |x| x, |s| s;
    f32 => F32, |x| x.to_bits() as u64, |s| f32::from_bits(s as u32);
    f64 => F64, |x| x.to_bits(), |s| f64::from_bits(s);
}

impl WasmTy for V128 {
    const SLOTS: usize = 2;
    fn valtype() -> ValType {
        ValType::V128
    }
    fn store_slots(self, _store: StoreId, out: &mut [u64]) -> Result<()> {
        out[0] = self.0 as u64;
        out[1] = (self.0 >> 64) as u64;
        Ok(())
    }
    fn load_slots(_store: StoreId, slots: &[u64]) -> Self {
        V128(slots[0] as u128 | ((slots[1] as u128) << 64))
    }
}

/// A nullable reference to a store entity `$ty` (with `store` and `index`
/// fields), passed as one slot: 0 for null, else the index plus one.
macro_rules! ref_wasm_ty {
    ($ty:ident, $valtype:ident, $what:literal) => {
        impl WasmTy for Option<$ty> {
            const SLOTS: usize = 1;
            fn valtype() -> ValType {
                ValType::$valtype
            }
            fn store_slots(self, store: StoreId, out: &mut [u64]) -> Result<()> {
                out[0] = match self {
                    Some(r) if r.store != store => {
                        return Err(Error::usage(concat!($what, " used with the wrong store")));
                    }
                    Some(r) => r.index as u64 + 1,
                    None => 0,
                };
                Ok(())
            }
            fn load_slots(store: StoreId, slots: &[u64]) -> Self {
                (slots[0] != 0).then(|| $ty {
                    store,
                    index: (slots[0] - 1) as u32,
                })
            }
        }
    };
}

ref_wasm_ty!(Func, FUNCREF, "function");

impl WasmTy for Option<ExternRef> {
    const SLOTS: usize = 1;
    fn valtype() -> ValType {
        ValType::EXTERNREF
    }
    fn store_slots(self, store: StoreId, out: &mut [u64]) -> Result<()> {
        out[0] = match self {
            Some(r) if r.store != store => return Err(Error::usage("externref used with the wrong store")),
            Some(r) => r.raw,
            None => 0,
        };
        Ok(())
    }
    fn load_slots(store: StoreId, slots: &[u64]) -> Self {
        (slots[0] != 0).then_some(ExternRef { store, raw: slots[0] })
    }
}

/// A list of Wasm values: `()`, one [`WasmTy`], or a tuple of them.
pub trait WasmParams: Sized + 'static {
    /// Value slots the list takes.
    const SLOTS: usize;
    fn valtypes() -> Vec<ValType>;
    #[doc(hidden)]
    fn store_all(self, store: StoreId, out: &mut [u64]) -> Result<()>;
    #[doc(hidden)]
    fn load_all(store: StoreId, slots: &[u64]) -> Self;
}

/// Result lists are parameter lists.
pub trait WasmResults: WasmParams {}

impl<T: WasmParams> WasmResults for T {}

macro_rules! single_list {
    ($($t:ty)*) => {$(
        impl WasmParams for $t {
            const SLOTS: usize = <$t as WasmTy>::SLOTS;
            fn valtypes() -> Vec<ValType> {
                vec![<$t as WasmTy>::valtype()]
            }
            fn store_all(self, store: StoreId, out: &mut [u64]) -> Result<()> {
                self.store_slots(store, out)
            }
            fn load_all(store: StoreId, slots: &[u64]) -> Self {
                <$t as WasmTy>::load_slots(store, slots)
            }
        }
    )*};
}

single_list!(i32 u32 i64 u64 f32 f64 V128 Option<Func> Option<ExternRef>);

/// Invokes `$m!` for each arity of argument tuple the API takes (0 to 8).
macro_rules! for_each_arity {
    ($m:ident) => {
        $m!();
        $m!(A1);
        $m!(A1 A2);
        $m!(A1 A2 A3);
        $m!(A1 A2 A3 A4);
        $m!(A1 A2 A3 A4 A5);
        $m!(A1 A2 A3 A4 A5 A6);
        $m!(A1 A2 A3 A4 A5 A6 A7);
        $m!(A1 A2 A3 A4 A5 A6 A7 A8);
    };
}

macro_rules! tuple_list {
    ($($a:ident)*) => {
        #[allow(non_snake_case, unused_variables, unused_mut, unused_assignments, clippy::unused_unit)]
        impl<$($a: WasmTy),*> WasmParams for ($($a,)*) {
            const SLOTS: usize = 0 $(+ $a::SLOTS)*;
            fn valtypes() -> Vec<ValType> {
                vec![$($a::valtype()),*]
            }
            fn store_all(self, store: StoreId, out: &mut [u64]) -> Result<()> {
                let ($($a,)*) = self;
                let mut at = 0;
                $( $a.store_slots(store, &mut out[at..])?; at += $a::SLOTS; )*
                Ok(())
            }
            fn load_all(store: StoreId, slots: &[u64]) -> Self {
                let mut at = 0;
                $( let $a = $a::load_slots(store, &slots[at..]); at += $a::SLOTS; )*
                ($($a,)*)
            }
        }
    };
}

for_each_arity!(tuple_list);

/// What a host closure may return: a result list, or a result list or trap.
pub trait WasmRet: 'static {
    type List: WasmResults;
    #[doc(hidden)]
    fn into_list(self) -> Result<Self::List, Trap>;
}

impl<L: WasmResults> WasmRet for L {
    type List = L;
    fn into_list(self) -> Result<L, Trap> {
        Ok(self)
    }
}

impl<L: WasmResults> WasmRet for Result<L, Trap> {
    type List = L;
    fn into_list(self) -> Result<L, Trap> {
        self
    }
}

/// Rust closures that can become host functions. `Params` is the argument
/// tuple (with a leading `Caller` when the closure takes one).
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_host_func(self) -> (FuncType, HostFn<T>);
}

/// The host function behind every [`IntoFunc`]: loads the argument tuple
/// from the value slots, calls `f` with the caller and it, and stores the
/// results in the same slots.
fn host_fn<T, P, R>(f: impl Fn(Caller<'_, T>, P) -> R + Send + Sync + 'static) -> (FuncType, HostFn<T>)
where
    P: WasmParams,
    R: WasmRet,
{
    let ty = FuncType::new(P::valtypes(), R::List::valtypes());
    let f: HostFn<T> = Arc::new(move |caller: Caller<'_, T>, slots: &mut [u64]| {
        let id = caller.inner.id;
        let params = P::load_all(id, slots);
        let r = f(caller, params).into_list()?;
        r.store_all(id, slots).map_err(|e| Trap::msg(e.to_string()))
    });
    (ty, f)
}

macro_rules! into_func {
    ($($a:ident)*) => {
        #[allow(non_snake_case)]
        impl<T, F, R, $($a,)*> IntoFunc<T, ($($a,)*), R> for F
        where
            F: Fn($($a),*) -> R + Send + Sync + 'static,
            R: WasmRet,
            $($a: WasmTy,)*
        {
            fn into_host_func(self) -> (FuncType, HostFn<T>) {
                host_fn(move |_: Caller<'_, T>, ($($a,)*)| (self)($($a),*))
            }
        }

        #[allow(non_snake_case)]
        impl<T, F, R, $($a,)*> IntoFunc<T, (Caller<'static, T>, $($a,)*), R> for F
        where
            F: Fn(Caller<'_, T>, $($a),*) -> R + Send + Sync + 'static,
            R: WasmRet,
            $($a: WasmTy,)*
        {
            fn into_host_func(self) -> (FuncType, HostFn<T>) {
                host_fn(move |caller: Caller<'_, T>, ($($a,)*)| (self)(caller, $($a),*))
            }
        }
    };
}

for_each_arity!(into_func);
