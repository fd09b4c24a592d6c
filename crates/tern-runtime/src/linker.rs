//! The linker: a namespace of definitions by `(module, name)` that resolves
//! a module's imports at instantiation.

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::externals::Extern;
use crate::func::{HostFn, IntoFunc, new_host_func};
use crate::instance::{Instance, instantiate};
use crate::module::Module;
use crate::store::{AsContextMut, Caller};
use crate::values::Val;
use std::collections::HashMap;
use tern_binary::FuncType;
use tern_vm::Trap;

enum Definition<T> {
    Extern(Extern),
    /// A host function not yet placed in a store: instantiated into each
    /// store that uses it.
    HostFunc(FuncType, HostFn<T>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(*e),
            Definition::HostFunc(t, f) => Definition::HostFunc(t.clone(), f.clone()),
        }
    }
}

/// Definitions by module and field name, used to instantiate modules.
pub struct Linker<T> {
    engine: Engine,
    defs: HashMap<(String, String), Definition<T>>,
    allow_shadowing: bool,
}

impl<T: 'static> Linker<T> {
    /// An empty linker for `engine`.
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker {
            engine: engine.clone(),
            defs: HashMap::new(),
            allow_shadowing: false,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether a later definition may replace an earlier one of the same
    /// name (off by default: redefinition is an error).
    pub fn allow_shadowing(&mut self, allow: bool) -> &mut Self {
        self.allow_shadowing = allow;
        self
    }

    fn insert(&mut self, module: &str, name: &str, def: Definition<T>) -> Result<&mut Self> {
        let key = (module.to_string(), name.to_string());
        if !self.allow_shadowing && self.defs.contains_key(&key) {
            return Err(Error::usage(format!("`{module}::{name}` is already defined")));
        }
        self.defs.insert(key, def);
        Ok(self)
    }

    /// Defines `module::name` as `item`.
    pub fn define(&mut self, module: &str, name: &str, item: impl Into<Extern>) -> Result<&mut Self> {
        self.insert(module, name, Definition::Extern(item.into()))
    }

    /// Defines a host function from a typed Rust closure.
    pub fn func_wrap<Params, Results>(
        &mut self,
        module: &str,
        name: &str,
        f: impl IntoFunc<T, Params, Results>,
    ) -> Result<&mut Self> {
        let (ty, func) = f.into_host_func();
        self.insert(module, name, Definition::HostFunc(ty, func))
    }

    /// Defines a host function of type `ty` over dynamic values.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Trap> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        let func = crate::func::dynamic_host_fn(ty.clone(), f);
        self.insert(module, name, Definition::HostFunc(ty, func))
    }

    /// Defines every function import of `module` that this linker does not
    /// define as a host function that traps when called (`unknown import
    /// `m::n` was called`), as wasmtime's `--trap-unknown-imports` does.
    pub fn define_unknown_imports_as_traps(&mut self, module: &Module) -> Result<&mut Self> {
        for imp in module.inner.desc.imports() {
            let key = (imp.module.clone(), imp.name.clone());
            if self.defs.contains_key(&key) {
                continue;
            }
            if let tern_binary::ImportType::Func(t) = imp.ty {
                let ty = module.inner.desc.info().types[t as usize].clone();
                let msg = format!("unknown import `{}::{}` was called", imp.module, imp.name);
                self.func_new(&imp.module, &imp.name, ty, move |_, _, _| Err(Trap::msg(msg.clone())))?;
            }
        }
        Ok(self)
    }

    /// Defines every export of `instance` under module name `module`.
    pub fn instance(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self> {
        store.as_context().0.check(instance.store, "instance")?;
        for (name, ext) in instance.exports(&mut store) {
            self.define(module, &name, ext)?;
        }
        Ok(self)
    }

    /// Instantiates `module` and defines its exports under `name`.
    pub fn module(&mut self, mut store: impl AsContextMut<Data = T>, name: &str, module: &Module) -> Result<&mut Self> {
        let inst = self.instantiate(&mut store, module)?;
        self.instance(store, name, inst)
    }

    /// The definition of `module::name` as an extern of `store` (host
    /// functions are placed in the store on the way).
    pub fn get(&self, mut store: impl AsContextMut<Data = T>, module: &str, name: &str) -> Option<Extern> {
        let def = self.defs.get(&(module.to_string(), name.to_string()))?;
        Some(self.materialize(&mut store, def))
    }

    fn materialize(&self, store: &mut impl AsContextMut<Data = T>, def: &Definition<T>) -> Extern {
        match def {
            Definition::Extern(e) => *e,
            Definition::HostFunc(ty, f) => Extern::Func(new_host_func(store.as_context_mut().0, ty.clone(), f.clone())),
        }
    }

    /// Instantiates `module`, resolving its imports by name.
    pub fn instantiate(&self, mut store: impl AsContextMut<Data = T>, module: &Module) -> Result<Instance> {
        let mut imports = Vec::with_capacity(module.inner.desc.imports().len());
        for imp in module.inner.desc.imports() {
            let Some(def) = self.defs.get(&(imp.module.clone(), imp.name.clone())) else {
                return Err(Error::Link(format!(
                    "unknown import: `{}::{}` has not been defined",
                    imp.module, imp.name
                )));
            };
            imports.push(self.materialize(&mut store, def));
        }
        instantiate(store.as_context_mut().0, module, &imports)
    }
}
