//! The WASI context: arguments, environment, and the descriptor table.

use cap_std::fs::{Dir, File};
use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::os::fd::BorrowedFd;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// What a guest file descriptor refers to.
pub(crate) enum Desc {
    /// Standard input, with the host descriptor behind it when inherited
    /// (so that `poll_oneoff` can wait for it).
    Stdin(Box<dyn Read + Send>, Option<BorrowedFd<'static>>),
    /// Standard output or error, likewise.
    Output(Box<dyn Write + Send>, Option<BorrowedFd<'static>>),
    File {
        file: File,
        /// `fdflags` (append is emulated by seeking to the end).
        flags: u16,
        readable: bool,
        writable: bool,
    },
    Dir {
        dir: Dir,
        /// The guest path of a pre-opened directory.
        preopen: Option<String>,
    },
}

/// A descriptor-table slot: what the descriptor refers to and the rights
/// it carries (preview1 `rights`: `base` gates operations on the
/// descriptor itself, `inheriting` caps what `path_open` grants beneath
/// it). Both only ever shrink (`fd_fdstat_set_rights`).
pub(crate) struct Entry {
    pub(crate) desc: Desc,
    pub(crate) base: u64,
    pub(crate) inheriting: u64,
}

impl Entry {
    /// A slot holding `desc` with the full rights of its kind.
    pub(crate) fn new(desc: Desc) -> Entry {
        let (base, inheriting) = crate::rights::natural(&desc);
        Entry { desc, base, inheriting }
    }
}

/// The state of a WASI guest. Build one with [`WasiCtxBuilder`].
pub struct WasiCtx {
    pub(crate) args: Vec<Vec<u8>>,
    pub(crate) env: Vec<Vec<u8>>,
    pub(crate) fds: BTreeMap<u32, Entry>,
}

impl Default for WasiCtx {
    /// A context with no arguments, no environment and no descriptors.
    fn default() -> WasiCtx {
        WasiCtx {
            args: Vec::new(),
            env: Vec::new(),
            fds: BTreeMap::new(),
        }
    }
}

impl WasiCtx {
    /// A builder.
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }

    /// Places `entry` at the lowest free descriptor number.
    pub(crate) fn push(&mut self, entry: Entry) -> u32 {
        let mut fd = 0;
        for &k in self.fds.keys() {
            if k != fd {
                break;
            }
            fd += 1;
        }
        self.fds.insert(fd, entry);
        fd
    }
}

/// Builds a [`WasiCtx`]. By default the guest gets no arguments, no
/// environment, empty stdin, discarded stdout and stderr, and no
/// directories.
pub struct WasiCtxBuilder {
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    stdin: Option<Box<dyn Read + Send>>,
    stdout: Option<Box<dyn Write + Send>>,
    stderr: Option<Box<dyn Write + Send>>,
    /// Host descriptors behind stdin, stdout and stderr when inherited.
    raw: [Option<BorrowedFd<'static>>; 3],
    preopens: Vec<(Dir, String)>,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl WasiCtxBuilder {
    /// A builder for an empty context.
    pub fn new() -> WasiCtxBuilder {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            stdin: None,
            stdout: None,
            stderr: None,
            raw: [None; 3],
            preopens: Vec::new(),
        }
    }

    /// Appends one argument (the first is the program name, `argv[0]`).
    pub fn arg(&mut self, arg: impl AsRef<str>) -> &mut Self {
        self.args.push(arg.as_ref().as_bytes().to_vec());
        self
    }

    /// Appends arguments.
    pub fn args<S: AsRef<str>>(&mut self, args: impl IntoIterator<Item = S>) -> &mut Self {
        for a in args {
            self.arg(a);
        }
        self
    }

    /// Adds an environment variable `key=value`.
    pub fn env(&mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> &mut Self {
        self.env
            .push(format!("{}={}", key.as_ref(), value.as_ref()).into_bytes());
        self
    }

    /// Standard input read from `r`.
    pub fn stdin(&mut self, r: Box<dyn Read + Send>) -> &mut Self {
        self.stdin = Some(r);
        self.raw[0] = None;
        self
    }

    /// Standard output written to `w`.
    pub fn stdout(&mut self, w: Box<dyn Write + Send>) -> &mut Self {
        self.stdout = Some(w);
        self.raw[1] = None;
        self
    }

    /// Standard error written to `w`.
    pub fn stderr(&mut self, w: Box<dyn Write + Send>) -> &mut Self {
        self.stderr = Some(w);
        self.raw[2] = None;
        self
    }

    /// The host process's standard input, output and error.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.stdin(Box::new(io::stdin()))
            .stdout(Box::new(io::stdout()))
            .stderr(Box::new(io::stderr()));
        self.raw = [
            Some(rustix::stdio::stdin()),
            Some(rustix::stdio::stdout()),
            Some(rustix::stdio::stderr()),
        ];
        self
    }

    /// Gives the guest the host directory `host` under the name `guest`.
    pub fn preopened_dir(&mut self, host: impl AsRef<Path>, guest: impl AsRef<str>) -> io::Result<&mut Self> {
        let dir = Dir::open_ambient_dir(host, cap_std::ambient_authority())?;
        self.preopens.push((dir, guest.as_ref().to_string()));
        Ok(self)
    }

    /// The context (the builder is left empty).
    pub fn build(&mut self) -> WasiCtx {
        let mut fds = BTreeMap::new();
        fds.insert(
            0,
            Entry::new(Desc::Stdin(
                self.stdin.take().unwrap_or_else(|| Box::new(io::empty())),
                self.raw[0],
            )),
        );
        fds.insert(
            1,
            Entry::new(Desc::Output(
                self.stdout.take().unwrap_or_else(|| Box::new(io::sink())),
                self.raw[1],
            )),
        );
        fds.insert(
            2,
            Entry::new(Desc::Output(
                self.stderr.take().unwrap_or_else(|| Box::new(io::sink())),
                self.raw[2],
            )),
        );
        for (i, (dir, guest)) in std::mem::take(&mut self.preopens).into_iter().enumerate() {
            fds.insert(
                3 + i as u32,
                Entry::new(Desc::Dir {
                    dir,
                    preopen: Some(guest),
                }),
            );
        }
        WasiCtx {
            args: std::mem::take(&mut self.args),
            env: std::mem::take(&mut self.env),
            fds,
        }
    }
}

/// An in-memory output stream for capturing a guest's stdout or stderr:
/// clones share the buffer.
#[derive(Clone, Default)]
pub struct OutputBuffer(Arc<Mutex<Vec<u8>>>);

impl OutputBuffer {
    /// An empty buffer.
    pub fn new() -> OutputBuffer {
        OutputBuffer::default()
    }

    /// What has been written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// What has been written so far, as (lossy) UTF-8.
    pub fn string(&self) -> String {
        String::from_utf8_lossy(&self.contents()).into_owned()
    }
}

impl Write for OutputBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
