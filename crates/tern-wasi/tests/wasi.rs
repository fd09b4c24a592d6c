//! WASI preview1 through the embedding API: small WAT programs run with
//! captured output, and a "driver" module that re-exports every preview1
//! import so that a test can call them one at a time against guest memory.

use std::path::Path;
use tern::{Engine, Instance, Linker, Memory, Module, Store, Val, ValType};
use tern_wasi::{OutputBuffer, WasiCtx, WasiCtxBuilder};

const ESUCCESS: i32 = 0;
const EBADF: i32 = 8;
const EEXIST: i32 = 20;
const EFAULT: i32 = 21;
const EINVAL: i32 = 28;
const EISDIR: i32 = 31;
const ENAMETOOLONG: i32 = 37;
const ENOENT: i32 = 44;
const ENOTDIR: i32 = 54;
const ENOTEMPTY: i32 = 55;
const ENOTSOCK: i32 = 57;
const ENOTSUP: i32 = 58;
const EPERM: i32 = 63;
const ESPIPE: i32 = 70;
const ENOTCAPABLE: i32 = 76;

const RIGHT_READ: i64 = 1 << 1;
const RIGHT_WRITE: i64 = 1 << 6;
const RW: i64 = RIGHT_READ | RIGHT_WRITE;
const O_CREAT: i64 = 1;
const O_DIRECTORY: i64 = 2;
const O_EXCL: i64 = 4;
const O_TRUNC: i64 = 8;
const FDFLAG_APPEND: i64 = 1;

/// Runs a WASI program's `_start`: (exit status, stdout, stderr).
fn run_program(wasm_or_wat: impl AsRef<[u8]>, setup: impl FnOnce(&mut WasiCtxBuilder)) -> (i32, String, String) {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm_or_wat).expect("module");
    let (out, err) = (OutputBuffer::new(), OutputBuffer::new());
    let mut b = WasiCtxBuilder::new();
    b.stdout(Box::new(out.clone())).stderr(Box::new(err.clone()));
    setup(&mut b);
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    tern_wasi::add_to_linker(&mut linker, |cx| cx).unwrap();
    let mut store = Store::new(&engine, b.build());
    let instance = linker.instantiate(&mut store, &module).expect("instantiate");
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start").unwrap();
    let status = match start.call(&mut store, ()) {
        Ok(()) => 0,
        Err(e) => tern_wasi::exit_code(&e).unwrap_or_else(|| panic!("trap: {e}")),
    };
    (status, out.string(), err.string())
}

/// Every preview1 function with its parameters (`i` i32, `I` i64).
const SIGS: &[(&str, &str)] = &[
    ("args_get", "ii"),
    ("args_sizes_get", "ii"),
    ("environ_get", "ii"),
    ("environ_sizes_get", "ii"),
    ("clock_res_get", "ii"),
    ("clock_time_get", "iIi"),
    ("fd_advise", "iIIi"),
    ("fd_allocate", "iII"),
    ("fd_close", "i"),
    ("fd_datasync", "i"),
    ("fd_fdstat_get", "ii"),
    ("fd_fdstat_set_flags", "ii"),
    ("fd_fdstat_set_rights", "iII"),
    ("fd_filestat_get", "ii"),
    ("fd_filestat_set_size", "iI"),
    ("fd_filestat_set_times", "iIIi"),
    ("fd_pread", "iiiIi"),
    ("fd_prestat_get", "ii"),
    ("fd_prestat_dir_name", "iii"),
    ("fd_pwrite", "iiiIi"),
    ("fd_read", "iiii"),
    ("fd_readdir", "iiiIi"),
    ("fd_renumber", "ii"),
    ("fd_seek", "iIii"),
    ("fd_sync", "i"),
    ("fd_tell", "ii"),
    ("fd_write", "iiii"),
    ("path_create_directory", "iii"),
    ("path_filestat_get", "iiiii"),
    ("path_filestat_set_times", "iiiiIIi"),
    ("path_link", "iiiiiii"),
    ("path_open", "iiiiiIIii"),
    ("path_readlink", "iiiiii"),
    ("path_remove_directory", "iii"),
    ("path_rename", "iiiiii"),
    ("path_symlink", "iiiii"),
    ("path_unlink_file", "iii"),
    ("poll_oneoff", "iiii"),
    ("proc_raise", "i"),
    ("sched_yield", ""),
    ("random_get", "ii"),
    ("sock_accept", "iii"),
    ("sock_recv", "iiiiii"),
    ("sock_send", "iiiii"),
    ("sock_shutdown", "ii"),
];

/// A module importing every preview1 function and exporting a wrapper of
/// each, with one page of memory.
fn driver_wat() -> String {
    let mut imports = String::from("(module\n");
    let mut funcs = String::new();
    for (name, sig) in SIGS {
        let params: Vec<&str> = sig.chars().map(|c| if c == 'I' { "i64" } else { "i32" }).collect();
        let params = params.join(" ");
        imports +=
            &format!("  (import \"wasi_snapshot_preview1\" \"{name}\" (func ${name} (param {params}) (result i32)))\n");
        // A wasm wrapper, so that the host function has a calling instance
        // (whose memory it uses).
        let gets: String = (0..sig.len()).map(|i| format!(" (local.get {i})")).collect();
        funcs += &format!("  (func (export \"{name}\") (param {params}) (result i32) (call ${name}{gets}))\n");
    }
    imports += "  (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $proc_exit (param i32)))\n";
    imports + &funcs + "  (memory (export \"memory\") 1))\n"
}

struct Guest {
    store: Store<WasiCtx>,
    inst: Instance,
    mem: Memory,
    out: OutputBuffer,
}

/// Scratch addresses in the driver's memory.
const PATH: u32 = 1024;
const PATH2: u32 = 2048;
const OUT: u32 = 64;
const IOV: u32 = 128;
const BUF: u32 = 4096;

impl Guest {
    fn new(setup: impl FnOnce(&mut WasiCtxBuilder)) -> Guest {
        let engine = Engine::default();
        let module = Module::new(&engine, driver_wat()).expect("driver module");
        let out = OutputBuffer::new();
        let mut b = WasiCtxBuilder::new();
        b.stdout(Box::new(out.clone()));
        setup(&mut b);
        let mut linker: Linker<WasiCtx> = Linker::new(&engine);
        tern_wasi::add_to_linker(&mut linker, |cx| cx).unwrap();
        let mut store = Store::new(&engine, b.build());
        let inst = linker.instantiate(&mut store, &module).expect("instantiate");
        let mem = inst.get_memory(&mut store, "memory").unwrap();
        Guest { store, inst, mem, out }
    }

    fn with_dir(dir: &Path) -> Guest {
        Guest::new(|b| {
            b.preopened_dir(dir, "/sandbox").unwrap();
        })
    }

    fn call(&mut self, name: &str, args: &[i64]) -> i32 {
        let f = self.inst.get_func(&mut self.store, name).unwrap();
        let ty = f.ty(&self.store);
        let params: Vec<Val> = ty
            .params()
            .iter()
            .zip(args)
            .map(|(t, &a)| match *t {
                ValType::I64 => Val::I64(a),
                _ => Val::I32(a as i32),
            })
            .collect();
        assert_eq!(params.len(), args.len(), "{name}: wrong argument count");
        let mut results = [Val::I32(-1)];
        f.call(&mut self.store, &params, &mut results).unwrap();
        results[0].i32().unwrap()
    }

    fn put(&mut self, at: u32, bytes: &[u8]) {
        self.mem.write(&mut self.store, at as usize, bytes).unwrap();
    }

    fn get(&self, at: u32, len: usize) -> Vec<u8> {
        let mut b = vec![0; len];
        self.mem.read(&self.store, at as usize, &mut b).unwrap();
        b
    }

    fn u32(&self, at: u32) -> u32 {
        u32::from_le_bytes(self.get(at, 4).try_into().unwrap())
    }

    fn u64(&self, at: u32) -> u64 {
        u64::from_le_bytes(self.get(at, 8).try_into().unwrap())
    }

    /// Writes `p` at `at`; returns (ptr, len) arguments.
    fn path(&mut self, at: u32, p: &str) -> [i64; 2] {
        self.put(at, p.as_bytes());
        [at as i64, p.len() as i64]
    }

    fn open(&mut self, dirfd: i32, p: &str, oflags: i64, rights: i64, fdflags: i64) -> Result<i32, i32> {
        let [pp, pl] = self.path(PATH, p);
        match self.call(
            "path_open",
            &[dirfd as i64, 1, pp, pl, oflags, rights, 0, fdflags, OUT as i64],
        ) {
            0 => Ok(self.u32(OUT) as i32),
            e => Err(e),
        }
    }

    fn write(&mut self, fd: i32, data: &[u8]) -> Result<u32, i32> {
        self.put(BUF, data);
        self.put(IOV, &BUF.to_le_bytes());
        self.put(IOV + 4, &(data.len() as u32).to_le_bytes());
        match self.call("fd_write", &[fd as i64, IOV as i64, 1, OUT as i64]) {
            0 => Ok(self.u32(OUT)),
            e => Err(e),
        }
    }

    fn read(&mut self, fd: i32, len: u32) -> Result<Vec<u8>, i32> {
        self.put(IOV, &BUF.to_le_bytes());
        self.put(IOV + 4, &len.to_le_bytes());
        match self.call("fd_read", &[fd as i64, IOV as i64, 1, OUT as i64]) {
            0 => {
                let n = self.u32(OUT) as usize;
                Ok(self.get(BUF, n))
            }
            e => Err(e),
        }
    }

    fn simple_path(&mut self, func: &str, dirfd: i32, p: &str) -> i32 {
        let [pp, pl] = self.path(PATH, p);
        self.call(func, &[dirfd as i64, pp, pl])
    }

    /// (filetype, size) of `p` (following symlinks when `follow`).
    fn stat(&mut self, dirfd: i32, p: &str, follow: bool) -> Result<(u8, u64), i32> {
        let [pp, pl] = self.path(PATH, p);
        match self.call("path_filestat_get", &[dirfd as i64, follow as i64, pp, pl, BUF as i64]) {
            0 => Ok((self.get(BUF + 16, 1)[0], self.u64(BUF + 32))),
            e => Err(e),
        }
    }

    /// (base, inheriting) rights of `fd`.
    fn rights(&mut self, fd: i32) -> (u64, u64) {
        assert_eq!(self.call("fd_fdstat_get", &[fd as i64, BUF as i64]), 0);
        (self.u64(BUF + 8), self.u64(BUF + 16))
    }

    fn set_rights(&mut self, fd: i32, base: u64, inheriting: u64) -> i32 {
        self.call("fd_fdstat_set_rights", &[fd as i64, base as i64, inheriting as i64])
    }

    /// path_link from `a` beneath `d1` to `b` beneath `d2`.
    fn link(&mut self, d1: i32, flags: i64, a: &str, d2: i32, b: &str) -> i32 {
        let [ap, al] = self.path(PATH, a);
        let [bp, bl] = self.path(PATH2, b);
        self.call("path_link", &[d1 as i64, flags, ap, al, d2 as i64, bp, bl])
    }

    /// Names from fd_readdir starting at `cookie` with a buffer of `len`
    /// bytes: (name, d_next) of each complete entry.
    fn readdir(&mut self, fd: i32, cookie: u64, len: u32) -> Vec<(String, u64)> {
        assert_eq!(
            self.call(
                "fd_readdir",
                &[fd as i64, BUF as i64, len as i64, cookie as i64, OUT as i64]
            ),
            0
        );
        let used = self.u32(OUT);
        let data = self.get(BUF, used as usize);
        let mut out = Vec::new();
        let mut at = 0;
        while at + 24 <= data.len() {
            let next = u64::from_le_bytes(data[at..at + 8].try_into().unwrap());
            let namlen = u32::from_le_bytes(data[at + 16..at + 20].try_into().unwrap()) as usize;
            if at + 24 + namlen > data.len() {
                break;
            }
            out.push((
                String::from_utf8(data[at + 24..at + 24 + namlen].to_vec()).unwrap(),
                next,
            ));
            at += 24 + namlen;
        }
        out
    }
}

const HELLO: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, world\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))))
"#;

#[test]
fn hello_stdout_and_stderr() {
    let (status, out, err) = run_program(HELLO, |_| {});
    assert_eq!(status, 0);
    assert_eq!(out, "hello, world\n");
    assert_eq!(err, "hello, world\n");
}

#[test]
fn proc_exit_code() {
    let wat = r#"
    (module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (func (export "_start") (call $exit (i32.const 42)) unreachable))
    "#;
    let (status, _, _) = run_program(wat, |_| {});
    assert_eq!(status, 42);
}

/// Prints each argument, then each environment variable, one per line.
const ECHO: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "\n")
  ;; writes the NUL-terminated string at $p and a newline
  (func $puts (param $p i32) (local $n i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $l)))
    (i32.store (i32.const 16) (local.get $p))
    (i32.store (i32.const 20) (local.get $n))
    (i32.store (i32.const 24) (i32.const 8))
    (i32.store (i32.const 28) (i32.const 1))
    (if (call $fd_write (i32.const 1) (i32.const 16) (i32.const 2) (i32.const 32)) (then (call $exit (i32.const 9)))))
  ;; prints a list: count at 0, vector at 1024, strings at 4096
  (func $print (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
      (call $puts (i32.load (i32.add (i32.const 1024) (i32.mul (local.get $i) (i32.const 4)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))
  (func (export "_start")
    (if (call $args_sizes_get (i32.const 0) (i32.const 4)) (then (call $exit (i32.const 2))))
    (if (call $args_get (i32.const 1024) (i32.const 4096)) (then (call $exit (i32.const 3))))
    (call $print)
    (if (call $environ_sizes_get (i32.const 0) (i32.const 4)) (then (call $exit (i32.const 4))))
    (if (call $environ_get (i32.const 1024) (i32.const 4096)) (then (call $exit (i32.const 5))))
    (call $print)))
"#;

#[test]
fn args_and_environment() {
    let (status, out, _) = run_program(ECHO, |b| {
        b.args(["prog.wasm", "one", "two words", ""])
            .env("A", "1")
            .env("EMPTY", "");
    });
    assert_eq!(status, 0);
    assert_eq!(out, "prog.wasm\none\ntwo words\n\nA=1\nEMPTY=\n");
    let (status, out, _) = run_program(ECHO, |_| {});
    assert_eq!((status, out.as_str()), (0, ""));
}

#[test]
fn args_sizes_through_the_driver() {
    let mut g = Guest::new(|b| {
        b.args(["x", "yz"]);
    });
    assert_eq!(g.call("args_sizes_get", &[0, 4]), 0);
    assert_eq!((g.u32(0), g.u32(4)), (2, 5));
    assert_eq!(g.call("args_get", &[16, 32]), 0);
    assert_eq!((g.u32(16), g.u32(20)), (32, 34));
    assert_eq!(g.get(32, 5), b"x\0yz\0");
}

#[test]
fn bad_pointers_are_efault() {
    let mut g = Guest::new(|b| {
        b.args(["x", "yz"]);
    });
    let end = 65536i64;
    assert_eq!(g.call("args_sizes_get", &[end - 2, 0]), EFAULT);
    assert_eq!(g.call("args_get", &[16, end - 3]), EFAULT);
    assert_eq!(g.call("args_get", &[-1, 32]), EFAULT);
    // an iovec whose buffer runs past the end of memory
    g.put(IOV, &(65530u32).to_le_bytes());
    g.put(IOV + 4, &(100u32).to_le_bytes());
    assert_eq!(g.call("fd_write", &[1, IOV as i64, 1, OUT as i64]), EFAULT);
    assert_eq!(g.call("fd_read", &[0, IOV as i64, 1, OUT as i64]), EFAULT);
    // an iovec array past the end, and a huge count
    assert_eq!(g.call("fd_write", &[1, end - 4, 1, OUT as i64]), EFAULT);
    assert_eq!(g.call("fd_write", &[1, IOV as i64, 0x2000_0000, OUT as i64]), EFAULT);
    // the result pointer out of bounds
    g.put(IOV + 4, &(1u32).to_le_bytes());
    g.put(IOV, &(BUF).to_le_bytes());
    assert_eq!(g.call("fd_write", &[1, IOV as i64, 1, end]), EFAULT);
    assert_eq!(g.call("clock_time_get", &[0, 0, end - 7]), EFAULT);
    assert_eq!(g.call("random_get", &[end - 10, 11]), EFAULT);
    assert_eq!(g.call("fd_fdstat_get", &[1, end - 23]), EFAULT);
    assert_eq!(g.out.string(), "");
}

#[test]
fn stdio_descriptors() {
    let mut g = Guest::new(|b| {
        b.stdin(Box::new(&b"input"[..]));
    });
    assert_eq!(g.write(1, b"abc"), Ok(3));
    assert_eq!(g.out.string(), "abc");
    assert_eq!(g.read(0, 3), Ok(b"inp".to_vec()));
    assert_eq!(g.read(0, 10), Ok(b"ut".to_vec()));
    assert_eq!(g.read(0, 10), Ok(vec![]));
    assert_eq!(g.write(0, b"x"), Err(EBADF));
    assert_eq!(g.write(99, b"x"), Err(EBADF));
    assert_eq!(g.read(-1, 1), Err(EBADF));
    // stdio that is not a terminal is of unknown type (as in wasmtime), and
    // carries only its read or write right
    assert_eq!(g.call("fd_fdstat_get", &[1, BUF as i64]), 0);
    assert_eq!(g.get(BUF, 1)[0], 0);
    assert_eq!(g.u64(BUF + 8), RIGHT_WRITE as u64);
    assert_eq!(g.call("fd_fdstat_get", &[0, BUF as i64]), 0);
    assert_eq!(g.u64(BUF + 8), RIGHT_READ as u64);
    assert_eq!(g.call("fd_seek", &[1, 0, 0, OUT as i64]), 70);
    // no preopens: fd 3 is EBADF for fd_prestat_get (how libc stops scanning)
    assert_eq!(g.call("fd_prestat_get", &[3, OUT as i64]), EBADF);
    assert_eq!(g.call("fd_close", &[1]), 0);
    assert_eq!(g.write(1, b"x"), Err(EBADF));
    assert_eq!(g.call("fd_close", &[1]), EBADF);
}

#[test]
fn prestat() {
    let tmp = tempfile::tempdir().unwrap();
    let mut g = Guest::with_dir(tmp.path());
    assert_eq!(g.call("fd_prestat_get", &[3, OUT as i64]), 0);
    assert_eq!(g.get(OUT, 1)[0], 0);
    assert_eq!(g.u32(OUT + 4), 8);
    assert_eq!(g.call("fd_prestat_dir_name", &[3, BUF as i64, 4]), ENAMETOOLONG);
    assert_eq!(g.call("fd_prestat_dir_name", &[3, BUF as i64, 8]), 0);
    assert_eq!(g.get(BUF, 8), b"/sandbox");
    assert_eq!(g.call("fd_prestat_get", &[4, OUT as i64]), EBADF);
    assert_eq!(g.call("fd_fdstat_get", &[3, BUF as i64]), 0);
    assert_eq!(g.get(BUF, 1)[0], 3);
}

#[test]
fn file_create_write_read_seek_stat() {
    let tmp = tempfile::tempdir().unwrap();
    let mut g = Guest::with_dir(tmp.path());
    let fd = g.open(3, "a.txt", O_CREAT, RW, 0).unwrap();
    assert_eq!(fd, 4);
    assert_eq!(g.write(fd, b"hello world"), Ok(11));
    // tell, seek
    assert_eq!(g.call("fd_tell", &[fd as i64, OUT as i64]), 0);
    assert_eq!(g.u64(OUT), 11);
    assert_eq!(g.call("fd_seek", &[fd as i64, 6, 0, OUT as i64]), 0);
    assert_eq!(g.u64(OUT), 6);
    assert_eq!(g.read(fd, 100), Ok(b"world".to_vec()));
    assert_eq!(g.call("fd_seek", &[fd as i64, -5, 1, OUT as i64]), 0);
    assert_eq!(g.u64(OUT), 6);
    assert_eq!(g.call("fd_seek", &[fd as i64, -1, 2, OUT as i64]), 0);
    assert_eq!(g.u64(OUT), 10);
    assert_eq!(g.call("fd_seek", &[fd as i64, -1, 0, OUT as i64]), EINVAL);
    assert_eq!(g.call("fd_seek", &[fd as i64, 0, 3, OUT as i64]), EINVAL);
    // stat through the descriptor and through the path
    assert_eq!(g.call("fd_filestat_get", &[fd as i64, BUF as i64]), 0);
    assert_eq!(g.get(BUF + 16, 1)[0], 4);
    assert_eq!(g.u64(BUF + 32), 11);
    assert_eq!(g.u64(BUF + 24), 1);
    assert_eq!(g.stat(3, "a.txt", true), Ok((4, 11)));
    assert_eq!(g.stat(3, "missing", true), Err(ENOENT));
    // pread/pwrite do not move the position
    g.put(BUF, b"HELLO");
    g.put(IOV, &BUF.to_le_bytes());
    g.put(IOV + 4, &5u32.to_le_bytes());
    assert_eq!(g.call("fd_pwrite", &[fd as i64, IOV as i64, 1, 0, OUT as i64]), 0);
    assert_eq!(g.u32(OUT), 5);
    g.put(IOV, &(BUF + 100).to_le_bytes());
    g.put(IOV + 4, &3u32.to_le_bytes());
    assert_eq!(g.call("fd_pread", &[fd as i64, IOV as i64, 1, 8, OUT as i64]), 0);
    assert_eq!(g.get(BUF + 100, g.u32(OUT) as usize), b"rld");
    assert_eq!(g.call("fd_tell", &[fd as i64, OUT as i64]), 0);
    assert_eq!(g.u64(OUT), 10);
    // size changes
    assert_eq!(g.call("fd_filestat_set_size", &[fd as i64, 5]), 0);
    // (preallocation is not offered, as in wasmtime)
    assert_eq!(g.call("fd_allocate", &[fd as i64, 0, 8]), ENOTSUP);
    assert_eq!(g.call("fd_filestat_set_size", &[fd as i64, 8]), 0);
    assert_eq!(g.call("fd_advise", &[fd as i64, 0, 8, 1]), 0);
    assert_eq!(g.call("fd_advise", &[fd as i64, 0, 8, 9]), EINVAL);
    assert_eq!(g.call("fd_sync", &[fd as i64]), 0);
    assert_eq!(g.call("fd_datasync", &[fd as i64]), 0);
    assert_eq!(g.call("fd_close", &[fd as i64]), 0);
    assert_eq!(std::fs::read(tmp.path().join("a.txt")).unwrap(), b"HELLO\0\0\0");
    // times
    g.path(PATH, "a.txt");
    assert_eq!(
        g.call(
            "path_filestat_set_times",
            &[3, 1, PATH as i64, 5, 0, 1_000_000_000_000, 4]
        ),
        0
    );
    let m = std::fs::metadata(tmp.path().join("a.txt")).unwrap();
    assert_eq!(
        m.modified().unwrap(),
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(1000)
    );
    assert_eq!(
        g.call("path_filestat_set_times", &[3, 1, PATH as i64, 5, 0, 0, 4 | 8]),
        EINVAL
    );
    let fd = g.open(3, "a.txt", 0, RIGHT_READ, 0).unwrap();
    assert_eq!(
        g.call("fd_filestat_set_times", &[fd as i64, 2_000_000_000_000, 0, 1]),
        0
    );
    let m = std::fs::metadata(tmp.path().join("a.txt")).unwrap();
    assert_eq!(
        m.accessed().unwrap(),
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(2000)
    );
    // read-only descriptor: no writes
    assert_eq!(g.write(fd, b"x"), Err(EBADF));
}

#[test]
fn open_flags() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("f"), b"0123456789").unwrap();
    std::fs::create_dir(tmp.path().join("d")).unwrap();
    let mut g = Guest::with_dir(tmp.path());
    assert_eq!(g.open(3, "nope", 0, RW, 0), Err(ENOENT));
    assert_eq!(g.open(3, "f", O_CREAT | O_EXCL, RW, 0), Err(EEXIST));
    assert_eq!(g.open(3, "f", O_DIRECTORY, RW, 0), Err(ENOTDIR));
    assert_eq!(g.open(3, "d", 0, RW, 0), Err(EISDIR));
    assert_eq!(g.open(3, "d", O_DIRECTORY | O_CREAT, RW, 0), Err(EINVAL));
    // append
    let fd = g.open(3, "f", 0, RW, FDFLAG_APPEND).unwrap();
    assert_eq!(g.write(fd, b"ab"), Ok(2));
    assert_eq!(g.call("fd_fdstat_get", &[fd as i64, BUF as i64]), 0);
    assert_eq!(g.get(BUF, 4), [4, 0, 1, 0]);
    assert_eq!(g.call("fd_fdstat_set_flags", &[fd as i64, 0]), 0);
    assert_eq!(g.call("fd_seek", &[fd as i64, 0, 0, OUT as i64]), 0);
    assert_eq!(g.write(fd, b"X"), Ok(1));
    assert_eq!(std::fs::read(tmp.path().join("f")).unwrap(), b"X123456789ab");
    // trunc
    let fd = g.open(3, "f", O_TRUNC, RIGHT_WRITE, 0).unwrap();
    assert_eq!(g.read(fd, 1), Err(EBADF));
    assert_eq!(std::fs::read(tmp.path().join("f")).unwrap(), b"");
    // a directory opened with O_DIRECTORY, and files opened relative to it
    let d = g.open(3, "d", O_DIRECTORY, 0, 0).unwrap();
    let f = g.open(d, "inner", O_CREAT, RW, 0).unwrap();
    assert_eq!(g.write(f, b"in"), Ok(2));
    assert_eq!(std::fs::read(tmp.path().join("d/inner")).unwrap(), b"in");
    assert_eq!(g.read(d, 1), Err(EBADF));
    // a file is not a directory descriptor
    assert_eq!(g.open(f, "x", O_CREAT, RW, 0), Err(ENOTDIR));
    // renumber
    assert_eq!(g.call("fd_renumber", &[f as i64, d as i64]), 0);
    assert_eq!(g.write(d, b"!"), Ok(1));
    assert_eq!(g.call("fd_close", &[f as i64]), EBADF);
    assert_eq!(g.call("fd_renumber", &[d as i64, 77]), EBADF);
}

#[test]
fn directories_rename_unlink_links() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let mut g = Guest::with_dir(root);
    assert_eq!(g.simple_path("path_create_directory", 3, "sub"), 0);
    assert_eq!(g.simple_path("path_create_directory", 3, "sub"), EEXIST);
    assert!(root.join("sub").is_dir());
    let fd = g.open(3, "sub/file", O_CREAT, RW, 0).unwrap();
    assert_eq!(g.write(fd, b"data"), Ok(4));
    assert_eq!(g.simple_path("path_remove_directory", 3, "sub"), ENOTEMPTY);
    assert_eq!(g.simple_path("path_unlink_file", 3, "sub"), EISDIR);
    // rename within and across directory descriptors
    let [op, ol] = g.path(PATH, "sub/file");
    let [np, nl] = g.path(PATH2, "moved");
    assert_eq!(g.call("path_rename", &[3, op, ol, 3, np, nl]), 0);
    assert!(!root.join("sub/file").exists());
    assert_eq!(std::fs::read(root.join("moved")).unwrap(), b"data");
    let sub = g.open(3, "sub", O_DIRECTORY, 0, 0).unwrap();
    let [op, ol] = g.path(PATH, "moved");
    let [np, nl] = g.path(PATH2, "back");
    assert_eq!(g.call("path_rename", &[3, op, ol, sub as i64, np, nl]), 0);
    assert!(root.join("sub/back").is_file());
    // hard link and symlink
    let [op, ol] = g.path(PATH, "sub/back");
    let [np, nl] = g.path(PATH2, "hard");
    assert_eq!(g.call("path_link", &[3, 0, op, ol, 3, np, nl]), 0);
    assert_eq!(std::fs::read(root.join("hard")).unwrap(), b"data");
    let [op, ol] = g.path(PATH, "sub/back");
    let [np, nl] = g.path(PATH2, "soft");
    assert_eq!(g.call("path_symlink", &[op, ol, 3, np, nl]), 0);
    assert_eq!(g.stat(3, "soft", false).map(|s| s.0), Ok(7));
    assert_eq!(g.stat(3, "soft", true), Ok((4, 4)));
    let [pp, pl] = g.path(PATH, "soft");
    assert_eq!(g.call("path_readlink", &[3, pp, pl, BUF as i64, 100, OUT as i64]), 0);
    assert_eq!(g.get(BUF, g.u32(OUT) as usize), b"sub/back");
    assert_eq!(g.call("path_readlink", &[3, pp, pl, BUF as i64, 3, OUT as i64]), 0);
    assert_eq!(g.u32(OUT), 3);
    // unlink and rmdir
    assert_eq!(g.simple_path("path_unlink_file", 3, "soft"), 0);
    assert_eq!(g.simple_path("path_unlink_file", 3, "hard"), 0);
    assert_eq!(g.simple_path("path_unlink_file", 3, "hard"), ENOENT);
    assert_eq!(g.simple_path("path_unlink_file", 3, "sub/back"), 0);
    assert_eq!(g.simple_path("path_remove_directory", 3, "sub"), 0);
    assert_eq!(std::fs::read_dir(root).unwrap().count(), 0);
}

#[test]
fn readdir_with_cookies() {
    let tmp = tempfile::tempdir().unwrap();
    for n in ["b", "a", "c"] {
        std::fs::write(tmp.path().join(n), n).unwrap();
    }
    std::fs::create_dir(tmp.path().join("dir")).unwrap();
    let mut g = Guest::with_dir(tmp.path());
    // `.` and `..`, then the entries in the host's order (as in wasmtime)
    let all = g.readdir(3, 0, 4096);
    let mut names: Vec<&str> = all.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names[..2], [".", ".."]);
    names[2..].sort();
    assert_eq!(names, [".", "..", "a", "b", "c", "dir"]);
    // the d_next cookies resume after each entry
    let rest = g.readdir(3, all[3].1, 4096);
    assert_eq!(rest, all[4..]);
    // a small buffer is filled completely (libc then grows it and retries)
    assert_eq!(g.call("fd_readdir", &[3, BUF as i64, 30, 0, OUT as i64]), 0);
    assert_eq!(g.u32(OUT), 30);
    // reading past the end gives nothing
    assert!(g.readdir(3, 100, 4096).is_empty());
    // file types
    let at = all.iter().position(|e| e.0 == "dir").unwrap() as i64;
    assert_eq!(g.call("fd_readdir", &[3, BUF as i64, 4096, at, OUT as i64]), 0);
    assert_eq!(g.get(BUF + 20, 1)[0], 3);
    // only directories can be listed
    let f = g.open(3, "a", 0, RIGHT_READ, 0).unwrap();
    assert_eq!(g.call("fd_readdir", &[f as i64, BUF as i64, 100, 0, OUT as i64]), EBADF);
    assert_eq!(g.call("fd_readdir", &[1, BUF as i64, 100, 0, OUT as i64]), EBADF);
}

#[test]
fn sandbox_escapes_are_refused() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("root");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(outer.path().join("secret"), b"secret").unwrap();
    std::os::unix::fs::symlink(outer.path().join("secret"), root.join("link-out")).unwrap();
    std::os::unix::fs::symlink("../secret", root.join("rel-out")).unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    let mut g = Guest::with_dir(&root);
    for p in [
        "../secret",
        "sub/../../secret",
        "/etc/passwd",
        "link-out",
        "rel-out",
        "..",
    ] {
        assert_eq!(g.open(3, p, 0, RIGHT_READ, 0), Err(EPERM), "open {p}");
        assert_eq!(g.stat(3, p, true), Err(EPERM), "stat {p}");
    }
    for p in ["../new", "sub/../../new", "/tmp/tern-wasi-escape"] {
        assert_eq!(g.open(3, p, O_CREAT, RW, 0), Err(EPERM), "create {p}");
        assert_eq!(g.simple_path("path_create_directory", 3, p), EPERM, "mkdir {p}");
    }
    assert_eq!(g.simple_path("path_unlink_file", 3, "../secret"), EPERM);
    let [op, ol] = g.path(PATH, "../secret");
    let [np, nl] = g.path(PATH2, "stolen");
    assert_eq!(g.call("path_rename", &[3, op, ol, 3, np, nl]), EPERM);
    let [op, ol] = g.path(PATH, "sub");
    let [np, nl] = g.path(PATH2, "../sub");
    assert_eq!(g.call("path_rename", &[3, op, ol, 3, np, nl]), EPERM);
    // writing through a symlink that points outside
    assert_eq!(g.open(3, "link-out", O_TRUNC, RW, 0), Err(EPERM));
    // nothing happened outside
    let mut names: Vec<String> = std::fs::read_dir(outer.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["root", "secret"]);
    assert_eq!(std::fs::read(outer.path().join("secret")).unwrap(), b"secret");
    assert!(!Path::new("/tmp/tern-wasi-escape").exists());
    assert!(root.join("sub").is_dir());
    // a plain `..` inside the sandbox is fine
    assert_eq!(g.stat(3, "sub/..", true).map(|s| s.0), Ok(3));
}

#[test]
fn clocks_random_poll() {
    let mut g = Guest::new(|_| {});
    for id in 0..4 {
        assert_eq!(g.call("clock_res_get", &[id, OUT as i64]), 0, "clock {id}");
        assert!(g.u64(OUT) > 0);
        assert_eq!(g.call("clock_time_get", &[id, 1, OUT as i64]), 0, "clock {id}");
    }
    assert_eq!(g.call("clock_time_get", &[4, 1, OUT as i64]), EINVAL);
    assert_eq!(g.call("clock_time_get", &[0, 1, OUT as i64]), 0);
    let real = g.u64(OUT);
    let host = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    assert!(host.abs_diff(real) < 10_000_000_000);
    assert_eq!(g.call("clock_time_get", &[1, 1, OUT as i64]), 0);
    let t0 = g.u64(OUT);
    // poll_oneoff: sleep on a relative 20ms monotonic clock
    let mut sub = [0u8; 48];
    sub[0..8].copy_from_slice(&0xabcdu64.to_le_bytes());
    sub[16..20].copy_from_slice(&1u32.to_le_bytes());
    sub[24..32].copy_from_slice(&20_000_000u64.to_le_bytes());
    g.put(BUF, &sub);
    assert_eq!(g.call("poll_oneoff", &[BUF as i64, 512, 1, OUT as i64]), 0);
    assert_eq!(g.u32(OUT), 1);
    assert_eq!(g.u64(512), 0xabcd);
    assert_eq!(g.get(512 + 8, 3), [0, 0, 0]);
    assert_eq!(g.call("clock_time_get", &[1, 1, OUT as i64]), 0);
    assert!(g.u64(OUT) - t0 >= 20_000_000);
    assert_eq!(g.call("poll_oneoff", &[BUF as i64, 512, 0, OUT as i64]), EINVAL);
    // random
    assert_eq!(g.call("random_get", &[BUF as i64, 64]), 0);
    let a = g.get(BUF, 64);
    assert_eq!(g.call("random_get", &[BUF as i64, 64]), 0);
    assert_ne!(a, g.get(BUF, 64));
    assert_eq!(g.call("random_get", &[BUF as i64, 0]), 0);
    assert_eq!(g.call("sched_yield", &[]), 0);
}

#[test]
fn unsupported_functions_return_errno() {
    let mut g = Guest::new(|_| {});
    assert_eq!(g.call("proc_raise", &[6]), ENOTSUP);
    // no descriptor is a socket
    for fd in [0, 1, 2] {
        assert_eq!(g.call("sock_accept", &[fd, 0, OUT as i64]), ENOTSOCK);
        assert_eq!(g.call("sock_recv", &[fd, 0, 0, 0, 0, 0]), ENOTSOCK);
        assert_eq!(g.call("sock_send", &[fd, 0, 0, 0, 0]), ENOTSOCK);
        assert_eq!(g.call("sock_shutdown", &[fd, 3]), ENOTSOCK);
    }
    // on a descriptor that is not open, EBADF
    assert_eq!(g.call("sock_accept", &[3, 0, OUT as i64]), EBADF);
    assert_eq!(g.call("sock_recv", &[3, 0, 0, 0, 0, 0]), EBADF);
    assert_eq!(g.call("sock_send", &[3, 0, 0, 0, 0]), EBADF);
    assert_eq!(g.call("sock_shutdown", &[3, 0]), EBADF);
    assert_eq!(g.call("fd_fdstat_set_rights", &[1, 0, 0]), ESUCCESS);
}

#[test]
fn module_without_memory_gets_efault() {
    let wat = r#"
    (module
      (import "wasi_snapshot_preview1" "args_sizes_get" (func $f (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (func (export "_start") (call $exit (call $f (i32.const 0) (i32.const 4)))))
    "#;
    assert_eq!(run_program(wat, |_| {}).0, EFAULT);
}

/// `tests/programs/files.c` compiled against wasi-libc (see `build.sh`).
#[test]
fn libc_program() {
    let wasm = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/programs/files.wasm")).unwrap();
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("sandbox");
    std::fs::create_dir(&root).unwrap();
    let (status, out, err) = run_program(&wasm, |b| {
        b.args(["files.wasm", "x", "y z"]).env("GREETING", "hi");
        b.preopened_dir(&root, "/sandbox").unwrap();
    });
    assert_eq!(
        out,
        "arg 0: files.wasm\n\
         arg 1: x\n\
         arg 2: y z\n\
         env GREETING: hi\n\
         read from 5: 13 bytes, ftell 18\n\
         size 18 regular 1\n\
         old exists: 0\n\
         entry .\n\
         entry ..\n\
         entry moved.txt\n\
         escape: refused (errno Operation not permitted)\n\
         monotonic ok: 1\n\
         realtime after 2020: 1\n\
         random differs: 1\n"
    );
    assert_eq!(err, "to stderr\n");
    assert_eq!(status, 3);
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(outer.path()).unwrap().count(), 1);
}

const R_SEEK: u64 = 1 << 2;
const R_TELL: u64 = 1 << 5;
const R_PATH_CREATE_DIRECTORY: u64 = 1 << 9;
const R_PATH_OPEN: u64 = 1 << 13;
const R_PATH_FILESTAT_GET: u64 = 1 << 18;
const R_FD_FILESTAT_GET: u64 = 1 << 21;

#[test]
fn rights_are_reported_dropped_and_enforced() {
    let tmp = tempfile::tempdir().unwrap();
    let mut g = Guest::with_dir(tmp.path());
    // the pre-open: directory rights, passing on directory and file rights
    assert_eq!(g.rights(3), (0x7b7fe00, 0xff7ffff));
    // a file has file rights only (no path_* rights), by how it was opened
    let f = g.open(3, "f", O_CREAT, RW | R_PATH_FILESTAT_GET as i64, 0).unwrap();
    let (base, inheriting) = g.rights(f);
    assert_eq!(base & (RW as u64 | R_SEEK | R_TELL), RW as u64 | R_SEEK | R_TELL);
    assert_eq!((base | inheriting) & (R_PATH_OPEN | R_PATH_FILESTAT_GET), 0);
    let ro = g.open(3, "f", 0, RIGHT_READ, 0).unwrap();
    assert_eq!(g.rights(ro).0 & RW as u64, RIGHT_READ as u64);
    // rights can be dropped, never added back
    assert_eq!(g.set_rights(f, base & !(RIGHT_WRITE as u64), 0), 0);
    assert_eq!(g.rights(f), (base & !(RIGHT_WRITE as u64), 0));
    assert_eq!(g.set_rights(f, base, 0), ENOTCAPABLE);
    assert_eq!(g.set_rights(f, 0, 1), ENOTCAPABLE);
    assert_eq!(g.set_rights(99, 0, 0), EBADF);
    // without a right: EBADF for reading and writing, ENOTCAPABLE otherwise
    assert_eq!(g.write(f, b"x"), Err(EBADF));
    assert_eq!(g.read(f, 1), Ok(vec![]));
    assert_eq!(
        g.set_rights(f, base & !(RIGHT_WRITE as u64 | R_SEEK | R_FD_FILESTAT_GET), 0),
        0
    );
    assert_eq!(g.call("fd_seek", &[f as i64, 1, 0, OUT as i64]), ENOTCAPABLE);
    // (asking the position needs only fd_tell)
    assert_eq!(g.call("fd_seek", &[f as i64, 0, 1, OUT as i64]), 0);
    assert_eq!(g.call("fd_filestat_get", &[f as i64, BUF as i64]), ENOTCAPABLE);
    assert_eq!(g.set_rights(f, 0, 0), 0);
    assert_eq!(g.read(f, 1), Err(EBADF));
    assert_eq!(g.call("fd_tell", &[f as i64, OUT as i64]), ENOTCAPABLE);
    assert_eq!(g.call("fd_sync", &[f as i64]), ENOTCAPABLE);
    // a directory descriptor: its base rights gate the path operations
    let d = g.open(3, ".", O_DIRECTORY, 0, 0).unwrap();
    let (dbase, dinh) = g.rights(d);
    assert_eq!(g.set_rights(d, dbase & !R_PATH_CREATE_DIRECTORY, dinh), 0);
    assert_eq!(g.simple_path("path_create_directory", d, "x"), ENOTCAPABLE);
    assert_eq!(g.simple_path("path_create_directory", 3, "x"), 0);
    // ... and its inheriting rights cap what path_open grants beneath it
    assert_eq!(
        g.set_rights(d, dbase & !R_PATH_CREATE_DIRECTORY, dinh & !(RIGHT_WRITE as u64)),
        0
    );
    let w = g.open(d, "f", 0, RW, 0).unwrap();
    assert_eq!(g.rights(w).0 & RW as u64, RIGHT_READ as u64);
    assert_eq!(g.write(w, b"x"), Err(EBADF));
    let sub = g.open(d, "x", O_DIRECTORY, 0, 0).unwrap();
    assert_eq!(g.rights(sub).1 & RIGHT_WRITE as u64, 0);
    assert_eq!(g.set_rights(d, 0, 0), 0);
    assert_eq!(g.open(d, "f", 0, RIGHT_READ, 0), Err(ENOTCAPABLE));
    // the same directory through the pre-open keeps its rights
    assert_eq!(
        g.open(3, "f", 0, RW, 0).map(|fd| g.rights(fd).0 & RW as u64),
        Ok(RW as u64)
    );
}

#[test]
fn directories_refuse_byte_operations() {
    let tmp = tempfile::tempdir().unwrap();
    let mut g = Guest::with_dir(tmp.path());
    let d = g.open(3, ".", O_DIRECTORY, R_SEEK as i64, 0).unwrap();
    // (asking for the seek right on a directory does not grant it)
    assert_eq!(g.rights(d).0 & R_SEEK, 0);
    for fd in [3, d] {
        for whence in 0..3 {
            assert_eq!(g.call("fd_seek", &[fd as i64, 0, whence, OUT as i64]), EBADF);
        }
        assert_eq!(g.call("fd_tell", &[fd as i64, OUT as i64]), EBADF);
        assert_eq!(g.read(fd, 1), Err(EBADF));
        assert_eq!(g.write(fd, b"x"), Err(EBADF));
        assert_eq!(g.call("fd_pread", &[fd as i64, IOV as i64, 0, 0, OUT as i64]), EBADF);
        assert_eq!(g.call("fd_pwrite", &[fd as i64, IOV as i64, 0, 0, OUT as i64]), EBADF);
        assert_eq!(g.call("fd_allocate", &[fd as i64, 0, 1]), EBADF);
        assert_eq!(g.call("fd_filestat_set_size", &[fd as i64, 0]), EBADF);
        assert_eq!(g.call("fd_advise", &[fd as i64, 0, 0, 0]), EBADF);
        assert_eq!(g.call("fd_sync", &[fd as i64]), EBADF);
        assert_eq!(g.call("fd_fdstat_set_flags", &[fd as i64, 0]), EBADF);
    }
    // streams cannot seek
    assert_eq!(g.call("fd_seek", &[1, 0, 1, OUT as i64]), ESPIPE);
    assert_eq!(g.call("fd_tell", &[0, OUT as i64]), ESPIPE);
}

#[test]
fn trailing_slashes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(root.join("file"), b"x").unwrap();
    std::fs::create_dir(root.join("dir")).unwrap();
    std::os::unix::fs::symlink("dir", root.join("dirlink")).unwrap();
    let mut g = Guest::with_dir(root);
    // a trailing slash asks for a directory
    assert_eq!(g.simple_path("path_create_directory", 3, "new/"), 0);
    assert_eq!(g.simple_path("path_remove_directory", 3, "new/"), 0);
    assert!(!root.join("new").exists());
    assert_eq!(g.simple_path("path_remove_directory", 3, "file/"), ENOTDIR);
    assert_eq!(g.simple_path("path_unlink_file", 3, "file/"), ENOTDIR);
    assert_eq!(g.simple_path("path_unlink_file", 3, "dir/"), EISDIR);
    assert_eq!(g.open(3, "file/", 0, RIGHT_READ, 0), Err(ENOTDIR));
    assert_eq!(g.open(3, "file/", O_CREAT, RW, 0), Err(EISDIR));
    assert!(g.open(3, "dir/", 0, RIGHT_READ, 0).is_ok());
    let [ap, al] = g.path(PATH, "file");
    let [bp, bl] = g.path(PATH2, "moved/");
    assert_eq!(g.call("path_rename", &[3, ap, al, 3, bp, bl]), ENOTDIR);
    assert_eq!(g.link(3, 0, "file", 3, "linked/"), ENOENT);
    assert_eq!(g.link(3, 0, "file/", 3, "linked"), ENOTDIR);
    // and follows a symlink in the last component
    let [pp, pl] = g.path(PATH, "dirlink/");
    assert_eq!(g.call("path_open", &[3, 0, pp, pl, 0, RIGHT_READ, 0, 0, OUT as i64]), 0);
    assert!(root.join("file").is_file() && root.join("dir").is_dir());
}

#[test]
fn symlinks_without_follow_are_the_links_themselves() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(root.join("target"), b"hello").unwrap();
    std::os::unix::fs::symlink("target", root.join("link")).unwrap();
    std::os::unix::fs::symlink("nowhere", root.join("dangling")).unwrap();
    std::os::unix::fs::symlink("../outside", root.join("escape")).unwrap();
    let mut g = Guest::with_dir(root);
    assert_eq!(g.stat(3, "link", false), Ok((7, 6)));
    assert_eq!(g.stat(3, "link", true), Ok((4, 5)));
    assert_eq!(g.stat(3, "dangling", false), Ok((7, 7)));
    assert_eq!(g.stat(3, "dangling", true), Err(ENOENT));
    assert_eq!(g.stat(3, "escape", false).map(|s| s.0), Ok(7));
    assert_eq!(g.stat(3, "escape", true), Err(EPERM));
    // opening a symlink without following it is ELOOP
    let [pp, pl] = g.path(PATH, "link");
    assert_eq!(
        g.call("path_open", &[3, 0, pp, pl, 0, RIGHT_READ, 0, 0, OUT as i64]),
        32
    );
    // path_link never follows: it links the symlink itself
    assert_eq!(g.link(3, 0, "dangling", 3, "dangling2"), 0);
    assert!(std::fs::symlink_metadata(root.join("dangling2")).unwrap().is_symlink());
    assert_eq!(g.link(3, 1, "link", 3, "x"), EINVAL);
    // a link's own times, without touching its target
    let [pp, pl] = g.path(PATH, "link");
    assert_eq!(
        g.call("path_filestat_set_times", &[3, 0, pp, pl, 0, 1_000_000_000_000, 4]),
        0
    );
    let own = std::fs::symlink_metadata(root.join("link"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(own, std::time::UNIX_EPOCH + std::time::Duration::from_secs(1000));
    let target = std::fs::metadata(root.join("target")).unwrap().modified().unwrap();
    assert_ne!(target, own);
}

#[test]
fn append_pwrite_and_unpollable_descriptors() {
    let tmp = tempfile::tempdir().unwrap();
    let mut g = Guest::with_dir(tmp.path());
    let fd = g.open(3, "f", O_CREAT, RW, FDFLAG_APPEND).unwrap();
    assert_eq!(g.write(fd, b"abc"), Ok(3));
    // with `append`, pwrite writes at the end whatever the offset (as on
    // Linux, and in wasmtime)
    g.put(BUF, b"XY");
    g.put(IOV, &BUF.to_le_bytes());
    g.put(IOV + 4, &2u32.to_le_bytes());
    assert_eq!(g.call("fd_pwrite", &[fd as i64, IOV as i64, 1, 0, OUT as i64]), 0);
    assert_eq!(std::fs::read(tmp.path().join("f")).unwrap(), b"abcXY");
    // a subscription on a descriptor that is closed, a directory, or a
    // stream in the wrong direction fails the whole poll_oneoff
    for (fd, tag) in [(99u32, 1u8), (3, 1), (1, 1), (0, 2)] {
        let mut sub = [0u8; 48];
        sub[8] = tag;
        sub[16..20].copy_from_slice(&fd.to_le_bytes());
        g.put(BUF, &sub);
        assert_eq!(
            g.call("poll_oneoff", &[BUF as i64, 512, 1, OUT as i64]),
            EBADF,
            "fd {fd}"
        );
    }
}
