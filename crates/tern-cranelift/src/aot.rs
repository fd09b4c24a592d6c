//! The ahead-of-time artifact format (`.cwasm`): a linked [`Artifact`]
//! plus what is needed to trust it here, and the original module bytes
//! (from which the runtime recovers all other metadata).
//!
//! Layout, little-endian:
//!
//! ```text
//! magic  "\0terncw\x01"   8 bytes
//! format version          u32
//! payload length          u64
//! image, trap sites, module bytes: 3 × (u64 start, u64 length), offsets
//!                         in the payload
//! checksum                u64 (of the three ranges and the payload
//!                         without those three parts; see `seal`)
//! payload:
//!   engine version, features, target (triple + every codegen flag):  strings (u32 length + UTF-8)
//!   bounds checks, fuel, checks (bit 0 interrupt flag, bit 1 epoch,
//!   bit 2 deterministic relaxed SIMD):                                 3 × u8
//!   image block hashes:  u32 count × u64 (`block_hash` of each 16 KiB
//!                    block of the image)
//!   image:           u64 length, u32 padding length, that many zero
//!                    bytes (so that a large image starts at a file offset
//!                    that is a multiple of 64 KiB and can be mapped from
//!                    the file instead of copied), bytes
//!   relocations:     u32 count × (u32 offset, u8 kind, u32 target, i64 addend)
//!   trap sites:      u32 count, block hashes (u32 count × u64), then
//!                    count × (u32 offset, u8 trap code)
//!   exception handlers: u32 count × (u32 return address, u32 landing pad, u32 sp-to-fp)
//!   function, array-call and foreign trampoline offsets: 3 × (u32 count × u32;
//!                    u32::MAX for a trampoline that is not there: a type
//!                    that has none, a function that cannot reach the host)
//!   inlined code:    u32 count × (u32 offset, u32 count × u32 function index)
//!   memory image:    u64 start in memory 0, u64 length (0: none), u32
//!                    padding length, that many zero bytes (so that the
//!                    image starts at a 64 KiB file offset), bytes: memory
//!                    0's initial contents in whole 64 KiB pages, for a
//!                    module whose data segments all go there at constant
//!                    offsets (`memory_image`)
//!   function bodies: u8 (1 when recorded), u32 count × (u32 offset,
//!                    u32 length) in the module's bytes
//!   unchecked module ranges: u32 count × (u64 start, u64 end) (in the
//!                    module's bytes: its code and `name` sections)
//!   module block hashes: u32 count × u64 (of its 16 KiB blocks)
//!   module bytes:    u64 length + bytes
//! ```
//!
//! The image, the trap sites and the module's bytes, nearly all of an
//! artifact, are checked block by block against their hashes (which the
//! checksum covers), so that loading a mapped artifact checks only what
//! it uses: the trap sites when a trap first looks them up,
//! the module's bytes outside its code and `name` sections at once (they
//! are decoded and copied into memories and tables), the image's blocks
//! when code first touches them (`tern_vm::code::LazyCheck`: they stay
//! inaccessible until then), and the function bodies and names never
//! (nothing runs from them: the bodies only map code positions to module
//! offsets and the names label frames, where damage can only misplace an
//! offset or a name; writing the module out again carries the recorded
//! hashes over rather than hashing what may be damaged).
//! [`deserialize`] (from bytes in memory) checks everything.
//!
//! [`deserialize`] refuses, with a message saying what differs, an artifact
//! that is truncated, corrupt, of another format version, or made by
//! another engine version, for other features, another target or CPU
//! flags, or another compilation configuration; it never panics.

use crate::compile::CompileConfig;
use crate::link::{Artifact, CallHandler, Image, LoadReloc, LoadTarget, MemoryImage, Symbol, TrapTable};
use crate::translate::BoundsChecks;
use std::ops::Range;
use std::sync::Arc;
use tern_vm::TrapCode;
use tern_vm::code::MappedFile;

/// First bytes of every artifact.
pub const MAGIC: [u8; 8] = *b"\0terncw\x01";
/// The format version this build reads and writes.
/// (3: libcall numbering and epoch checks; 4: compiled code stores its
/// exit registers before libcalls; 5: exception handlers of call sites;
/// 6: word-wise checksum; 7: page-aligned image, libcalls through stubs,
/// eight-lane checksum, the null-function-reference trap code; 8: a
/// function that cannot reach the host may have no array-call trampoline,
/// as in the image a lazily compiled module links; 9: table 0's elements
/// and global 0's cell in the context, the checksum over independent
/// blocks; 10: the image and the module's bytes checked per block, so
/// that loading a mapped artifact checks them as they are used; 11: GC
/// in compiled code: the `GcOp` and `FuncSubtype` libcalls, the GC view in
/// the store context, the null-`i31` trap code; 12: the GC heap as words,
/// with compiled code allocating inline through the view's bump run.)
pub const FORMAT_VERSION: u32 = 12;

/// Images at least this large start at a file offset that is a multiple
/// of [`IMAGE_ALIGN`], so that loading maps them instead of copying;
/// smaller ones are copied (padding would outweigh them).
const MAP_IMAGE_FROM: usize = 1 << 20;
/// The alignment of mapped images: the largest page size of the targets
/// tern supports (64 KiB pages exist on aarch64 Linux).
const IMAGE_ALIGN: usize = 1 << 16;
/// Bytes before the payload: magic, version, length, the ranges of the
/// image, the trap sites and the module's bytes, checksum.
const HEADER: usize = 76;
/// The size of the blocks the image and the module's bytes are checked in.
pub const VERIFY_BLOCK: usize = 1 << 14;

/// What an artifact must agree on with the engine that loads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AotMeta {
    /// The engine's version.
    pub engine_version: String,
    /// The enabled features, as text.
    pub features: String,
    /// [`crate::isa_fingerprint`] of the target.
    pub target: String,
    pub config: CompileConfig,
}

/// Why an artifact was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AotError {
    #[error("not a tern precompiled module (bad magic number)")]
    NotAnArtifact,
    #[error("precompiled module has format version {0}, this tern reads version {FORMAT_VERSION}")]
    Version(u32),
    #[error("precompiled module is truncated ({0})")]
    Truncated(&'static str),
    #[error("precompiled module is corrupt: checksum mismatch")]
    Checksum,
    #[error("precompiled module is corrupt: checksum mismatch in {0}")]
    BlockChecksum(&'static str),
    #[error("precompiled module is malformed: {0}")]
    Malformed(String),
    #[error("precompiled module was made by tern {artifact}, this is tern {engine}")]
    EngineVersion { artifact: String, engine: String },
    #[error("precompiled module was compiled with features [{artifact}], the engine enables [{engine}]")]
    Features { artifact: String, engine: String },
    #[error("precompiled module was compiled for another target or CPU: `{artifact}`, this host is `{engine}`")]
    Target { artifact: String, engine: String },
    #[error("precompiled module was compiled with another configuration ({artifact}), the engine uses {engine}")]
    Config { artifact: String, engine: String },
}

/// The payload's checksum: the payload is cut into blocks of
/// [`CHECKSUM_BLOCK`] bytes, each hashed on its own (in parallel: a large
/// artifact is hashed by every core, so checking a 280 MB one takes half
/// the wall time on two), and the block hashes and then the length are
/// folded together in order. A block's hash is FNV-1a's xor-and-multiply
/// over 64-bit words in eight independent lanes (so the multiplies
/// overlap; a byte at a time, FNV-1a took 0.4 s on a 284 MB artifact), the
/// tail bytes into the first lane, then the lanes and the block's length
/// folded. Every step is a bijection of the lane it updates, so any change
/// to one word is caught. It detects damage, not forgery.
fn checksum(bytes: &[u8]) -> u64 {
    checksum_in_blocks(bytes, CHECKSUM_BLOCK)
}

/// [`checksum`] with blocks of `block` bytes.
fn checksum_in_blocks(bytes: &[u8], block: usize) -> u64 {
    use rayon::prelude::*;
    let hash = |b: &[u8]| {
        let mut h = BlockHasher::new();
        h.update(b);
        h.finish()
    };
    let blocks: Vec<u64> = if bytes.len() > block {
        bytes.par_chunks(block).map(hash).collect()
    } else {
        bytes.chunks(block).map(hash).collect()
    };
    let mut h = FNV_OFFSET;
    for b in blocks {
        h = fold(h, b);
    }
    fold(h, bytes.len() as u64)
}

/// The size of the blocks [`checksum`] hashes independently.
const CHECKSUM_BLOCK: usize = 16 << 20;
const FNV_PRIME: u64 = 0x0100_0000_01b3;
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fold(h: u64, v: u64) -> u64 {
    (h ^ v).wrapping_mul(FNV_PRIME)
}

/// [`checksum`] of bytes that come in pieces (an artifact written to a
/// file straight from the image it describes, without first gathering it
/// in memory): the same value, however the bytes are split.
struct Checksum {
    block: usize,
    /// The hash of the blocks so far.
    h: u64,
    /// The current block's.
    current: BlockHasher,
    in_block: usize,
    len: u64,
}

impl Checksum {
    fn new() -> Checksum {
        Checksum::in_blocks(CHECKSUM_BLOCK)
    }

    fn in_blocks(block: usize) -> Checksum {
        Checksum {
            block,
            h: FNV_OFFSET,
            current: BlockHasher::new(),
            in_block: 0,
            len: 0,
        }
    }

    fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        while !bytes.is_empty() {
            let n = (self.block - self.in_block).min(bytes.len());
            self.current.update(&bytes[..n]);
            self.in_block += n;
            bytes = &bytes[n..];
            if self.in_block == self.block {
                let done = std::mem::replace(&mut self.current, BlockHasher::new());
                self.h = fold(self.h, done.finish());
                self.in_block = 0;
            }
        }
    }

    fn finish(self) -> u64 {
        let mut h = self.h;
        if self.in_block > 0 {
            h = fold(h, self.current.finish());
        }
        fold(h, self.len)
    }
}

/// One block's hash, of bytes that may come in pieces.
struct BlockHasher {
    lanes: [u64; 8],
    /// Bytes of an unfinished 64-byte group.
    pending: [u8; 64],
    npending: usize,
    len: u64,
}

impl BlockHasher {
    fn new() -> BlockHasher {
        let mut lanes = [FNV_OFFSET; 8];
        for (i, lane) in lanes.iter_mut().enumerate() {
            *lane ^= i as u64;
        }
        BlockHasher {
            lanes,
            pending: [0; 64],
            npending: 0,
            len: 0,
        }
    }

    fn group(lanes: &mut [u64; 8], group: &[u8]) {
        for (lane, word) in lanes.iter_mut().zip(group.chunks_exact(8)) {
            let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
            *lane = fold(*lane, w);
        }
    }

    fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.npending > 0 {
            let n = (64 - self.npending).min(bytes.len());
            self.pending[self.npending..self.npending + n].copy_from_slice(&bytes[..n]);
            self.npending += n;
            bytes = &bytes[n..];
            if self.npending < 64 {
                return;
            }
            let group = self.pending;
            BlockHasher::group(&mut self.lanes, &group);
            self.npending = 0;
        }
        let mut groups = bytes.chunks_exact(64);
        for group in &mut groups {
            BlockHasher::group(&mut self.lanes, group);
        }
        let rest = groups.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.npending = rest.len();
    }

    fn finish(mut self) -> u64 {
        for &b in &self.pending[..self.npending] {
            self.lanes[0] = fold(self.lanes[0], b as u64);
        }
        let mut h = self.len;
        for lane in self.lanes {
            h = fold(h, lane);
        }
        h
    }
}

/// The hash of one block of the image or of the module's bytes.
pub fn block_hash(bytes: &[u8]) -> u64 {
    let mut h = BlockHasher::new();
    h.update(bytes);
    h.finish()
}

/// [`block_hash`] of each [`VERIFY_BLOCK`]-byte block of `bytes` (the
/// last may be shorter), on every core.
pub fn block_hashes(bytes: &[u8]) -> Vec<u64> {
    use rayon::prelude::*;
    bytes.par_chunks(VERIFY_BLOCK).map(block_hash).collect()
}

/// Whether `hashes` are the block hashes of `bytes`, checking (on every
/// core) only the blocks whose index `check` selects.
fn blocks_match(bytes: &[u8], hashes: &[u64], check: impl Fn(usize) -> bool + Sync) -> bool {
    use rayon::prelude::*;
    bytes.len().div_ceil(VERIFY_BLOCK) == hashes.len()
        && bytes
            .par_chunks(VERIFY_BLOCK)
            .zip(hashes.par_iter())
            .enumerate()
            .all(|(i, (b, &h))| !check(i) || block_hash(b) == h)
}

/// Whether `hashes` are the block hashes of `bytes`.
pub fn verify_blocks(bytes: &[u8], hashes: &[u64]) -> bool {
    blocks_match(bytes, hashes, |_| true)
}

/// [`verify_blocks`] on this thread alone: a plain computation, for the
/// signal handler.
pub(crate) fn verify_blocks_here(bytes: &[u8], hashes: &[u64]) -> bool {
    bytes.len().div_ceil(VERIFY_BLOCK) == hashes.len()
        && bytes.chunks(VERIFY_BLOCK).zip(hashes).all(|(b, &h)| block_hash(b) == h)
}

/// The header's checksum: [`checksum`] of the header's range fields and
/// of each stretch of the payload around the image and the module's
/// bytes, folded in order.
fn seal(parts: impl IntoIterator<Item = u64>) -> u64 {
    parts.into_iter().fold(FNV_OFFSET, fold)
}

pub(crate) const TRAP_CODES: [TrapCode; 13] = [
    TrapCode::Unreachable,
    TrapCode::MemoryOutOfBounds,
    TrapCode::TableOutOfBounds,
    TrapCode::UndefinedElement,
    TrapCode::UninitializedElement,
    TrapCode::IndirectCallTypeMismatch,
    TrapCode::IntegerDivideByZero,
    TrapCode::IntegerOverflow,
    TrapCode::InvalidConversionToInteger,
    TrapCode::StackOverflow,
    TrapCode::OutOfFuel,
    TrapCode::NullReference,
    TrapCode::NullFunctionReference,
];

fn config_bytes(c: &CompileConfig) -> [u8; 3] {
    [
        match c.bounds_checks {
            BoundsChecks::Guard => 0,
            BoundsChecks::Explicit => 1,
        },
        c.fuel as u8,
        c.interrupts as u8 | (c.epochs as u8) << 1 | (c.relaxed_simd_deterministic as u8) << 2,
    ]
}

fn describe_config(b: [u8; 3]) -> String {
    format!(
        "{} bounds checks, fuel {}, interruption {}, epoch interruption {}{}",
        if b[0] == 0 { "guard-page" } else { "explicit" },
        if b[1] != 0 { "on" } else { "off" },
        if b[2] & 1 != 0 { "on" } else { "off" },
        if b[2] & 2 != 0 { "on" } else { "off" },
        if b[2] & 4 != 0 {
            ", deterministic relaxed SIMD"
        } else {
            ""
        }
    )
}

/// An artifact's payload being laid out: small fields gathered in
/// buffers, the bulk (the image, the module's bytes) borrowed where it
/// lies, so that it can be written out without a copy of it all.
struct Writer<'a> {
    pieces: Vec<std::borrow::Cow<'a, [u8]>>,
    /// Indices in `pieces` of the image and the module's bytes (which the
    /// checksum leaves out), and their offsets in the payload.
    holes: Vec<(usize, usize)>,
    cur: Vec<u8>,
    /// Bytes laid out so far, the header included.
    len: usize,
}

impl<'a> Writer<'a> {
    fn u8(&mut self, v: u8) {
        self.raw(&[v]);
    }
    fn u32(&mut self, v: u32) {
        self.raw(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.raw(&v.to_le_bytes());
    }
    fn raw(&mut self, b: &[u8]) {
        self.cur.extend_from_slice(b);
        self.len += b.len();
    }
    /// Bytes that stay where they are.
    fn borrowed(&mut self, b: &'a [u8]) {
        self.piece(b.into());
    }
    /// Bytes as a piece of their own.
    fn piece(&mut self, b: std::borrow::Cow<'a, [u8]>) {
        if !self.cur.is_empty() {
            self.pieces.push(std::mem::take(&mut self.cur).into());
        }
        self.len += b.len();
        self.pieces.push(b);
    }
    /// Bytes that stay where they are and are checked by their block
    /// hashes, not by the checksum.
    fn hole(&mut self, b: &'a [u8]) {
        let at = self.len - HEADER;
        self.borrowed(b);
        self.holes.push((self.pieces.len() - 1, at));
    }
    /// [`Writer::hole`] of bytes made here.
    fn hole_owned(&mut self, b: Vec<u8>) {
        let at = self.len - HEADER;
        self.piece(b.into());
        self.holes.push((self.pieces.len() - 1, at));
    }
    fn u64s(&mut self, v: &[u64]) {
        self.u32(v.len() as u32);
        for &x in v {
            self.u64(x);
        }
    }
    fn bytes32(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.raw(b);
    }
    fn u32s(&mut self, v: &[u32]) {
        self.u32(v.len() as u32);
        for &x in v {
            self.u32(x);
        }
    }
    fn finish(mut self) -> Vec<std::borrow::Cow<'a, [u8]>> {
        if !self.cur.is_empty() {
            self.pieces.push(std::mem::take(&mut self.cur).into());
        }
        self.pieces
    }
}

/// An artifact laid out: its header and its payload's pieces, in order.
struct Laid<'a> {
    header: [u8; HEADER],
    payload: Vec<std::borrow::Cow<'a, [u8]>>,
}

impl Laid<'_> {
    fn len(&self) -> usize {
        HEADER + self.payload.iter().map(|p| p.len()).sum::<usize>()
    }
}

/// Where each function body lies in a module's bytes (offset, length),
/// as `tern_binary::decode_with_bodies` takes them; `None` when an offset
/// does not fit in 32 bits.
fn body_ranges(m: &tern_binary::Module<'_>) -> Option<Vec<(u32, u32)>> {
    m.code
        .iter()
        .map(|b| Some((u32::try_from(b.offset).ok()?, u32::try_from(b.bytes.len()).ok()?)))
        .collect()
}

/// The size of the pages of a memory image.
const IMAGE_PAGE: u64 = 1 << 16;

/// The value of a constant expression that is a single `i32.const` or
/// `i64.const` (as an unsigned offset), or `None`.
fn const_offset(expr: &[u8], memory64: bool) -> Option<u64> {
    let (&op, rest) = expr.split_first()?;
    if op != if memory64 { 0x42 } else { 0x41 } {
        return None;
    }
    let (mut v, mut shift, mut at) = (0i64, 0, 0);
    loop {
        let &b = rest.get(at)?;
        at += 1;
        v |= ((b & 0x7f) as i64) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            if shift < 64 && b & 0x40 != 0 {
                v |= -1 << shift;
            }
            break;
        }
        if shift >= 70 {
            return None;
        }
    }
    if rest.get(at..) != Some(&[0x0b][..]) {
        return None;
    }
    Some(if memory64 { v as u64 } else { v as u32 as u64 })
}

/// The initial contents of memory 0 as an image, for a module whose
/// memory 0 is its own (not imported, not shared, 64 KiB pages) and whose
/// every data segment is active on it at a constant offset inside its
/// initial size: where the image starts in the memory and its bytes, both
/// in whole 64 KiB pages. `None` for other modules, and when the image
/// would be mostly zeros.
fn memory_image(m: &tern_binary::Module<'_>) -> Option<(u64, Vec<u8>)> {
    use tern_binary::{DataMode, ImportType};
    if m.imports.iter().any(|i| matches!(i.ty, ImportType::Memory(_))) {
        return None;
    }
    let mem = m.memories.first()?;
    if mem.shared || mem.page_size_log2.is_some_and(|l| l != 16) {
        return None;
    }
    let size = mem.limits.min.checked_mul(IMAGE_PAGE)?;
    let mut segments = Vec::with_capacity(m.data.len());
    for d in &m.data {
        let DataMode::Active { memory: 0, offset } = &d.mode else {
            return None;
        };
        let at = const_offset(offset.bytes, mem.memory64)?;
        if at.checked_add(d.bytes.len() as u64)? > size {
            return None;
        }
        if !d.bytes.is_empty() {
            segments.push((at, d.bytes));
        }
    }
    let lo = segments.iter().map(|s| s.0).min()? / IMAGE_PAGE * IMAGE_PAGE;
    let hi = segments
        .iter()
        .map(|s| s.0 + s.1.len() as u64)
        .max()?
        .next_multiple_of(IMAGE_PAGE);
    let total: u64 = segments.iter().map(|s| s.1.len() as u64).sum();
    if hi - lo > 2 * total + 4 * IMAGE_PAGE || hi - lo > u32::MAX as u64 {
        return None;
    }
    let mut image = vec![0; (hi - lo) as usize];
    // In order: a later segment's bytes win, as at instantiation.
    for (at, bytes) in segments {
        let from = (at - lo) as usize;
        image[from..from + bytes.len()].copy_from_slice(bytes);
    }
    Some((lo, image))
}

/// The parts of a module's bytes that loading a mapped artifact leaves
/// unchecked: the code section's contents, the `name` section's and, when
/// the artifact has a memory image (`imaged`), the data section's (none
/// when the bytes are not a module's). Nothing runs from them: the bodies
/// only map code positions to offsets, the names only label frames, and
/// the image (checked) stands for the data segments.
fn unchecked_ranges(module: &[u8], imaged: bool) -> Vec<Range<usize>> {
    tern_binary::sections(module)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.id == 10 || (s.id == 11 && imaged) || (s.id == 0 && s.name == "name"))
        .map(|s| s.contents..s.contents + s.size)
        .collect()
}

/// Lays an artifact out.
fn lay_out<'a>(meta: &AotMeta, artifact: &'a Artifact, module_bytes: &'a [u8]) -> Laid<'a> {
    let mut w = Writer {
        pieces: Vec::new(),
        holes: Vec::new(),
        cur: Vec::with_capacity(1024),
        len: HEADER,
    };
    w.bytes32(meta.engine_version.as_bytes());
    w.bytes32(meta.features.as_bytes());
    w.bytes32(meta.target.as_bytes());
    for b in config_bytes(&meta.config) {
        w.u8(b);
    }
    // A loaded artifact's recorded hashes are written out again as they
    // are: hashing bytes that were never checked would vouch for them.
    match &artifact.image {
        Image::Mapped { hashes, .. } => w.u64s(hashes),
        image => w.u64s(&block_hashes(image)),
    }
    w.u64(artifact.image.len() as u64);
    let pad = if artifact.image.len() >= MAP_IMAGE_FROM {
        let at = w.len + 4;
        at.next_multiple_of(IMAGE_ALIGN) - at
    } else {
        0
    };
    w.u32(pad as u32);
    w.raw(&vec![0; pad]);
    w.hole(&artifact.image);
    w.u32(artifact.relocs.len() as u32);
    for r in &artifact.relocs {
        w.u32(r.offset);
        match r.target {
            LoadTarget::Image(o) => {
                w.u8(0);
                w.u32(o);
            }
            LoadTarget::Symbol(s) => {
                w.u8(1);
                w.u32(s.id());
            }
        }
        w.u64(r.addend as u64);
    }
    w.u32(artifact.traps.len() as u32);
    match &artifact.traps {
        TrapTable::Mapped { .. } => {
            let (bytes, hashes) = artifact.traps.mapped_bytes().expect("a mapped table");
            w.u64s(hashes);
            w.hole(bytes);
        }
        TrapTable::Owned(t) => {
            let mut sites = Vec::with_capacity(t.len() * 5);
            for &(off, code) in t.iter() {
                sites.extend_from_slice(&off.to_le_bytes());
                sites.push(TRAP_CODES.iter().position(|&c| c == code).unwrap_or(0) as u8);
            }
            w.u64s(&block_hashes(&sites));
            w.hole_owned(sites);
        }
    }
    w.u32(artifact.handlers.len() as u32);
    for h in artifact.handlers.iter() {
        w.u32(h.ret);
        w.u32(h.pad);
        w.u32(h.sp_to_fp);
    }
    w.u32s(&artifact.funcs);
    w.u32s(&artifact.array_calls);
    w.u32s(&artifact.foreign);
    w.u32(artifact.inlined.len() as u32);
    for (o, frames) in &artifact.inlined {
        w.u32(*o);
        w.u32s(frames);
    }
    // Memory 0's initial contents, page-aligned in the file so that
    // instantiation can map them: a loaded artifact's as they are (they
    // were checked; the data section they come from may not have been).
    // The module is decoded (once) only for what a loaded artifact does
    // not carry over.
    let decoded = (artifact.memory_image.is_none() || artifact.module_bodies.is_none())
        .then(|| tern_binary::decode(module_bytes).ok())
        .flatten();
    let memory: Option<(u64, std::borrow::Cow<'a, [u8]>)> = match &artifact.memory_image {
        Some(m) => Some((m.at, std::borrow::Cow::Borrowed(&m.bytes[..]))),
        None => decoded
            .as_ref()
            .and_then(memory_image)
            .map(|(at, b)| (at, std::borrow::Cow::Owned(b))),
    };
    let (at, image) = memory.unwrap_or((0, std::borrow::Cow::Borrowed(&[])));
    let imaged = !image.is_empty();
    w.u64(at);
    w.u64(image.len() as u64);
    let pad = if imaged {
        let at = w.len + 4;
        at.next_multiple_of(IMAGE_ALIGN) - at
    } else {
        0
    };
    w.u32(pad as u32);
    w.raw(&vec![0; pad]);
    w.piece(image);
    // The function bodies' ranges (so that loading need not read the code
    // section to find them): a flag, then the ranges.
    let bodies = match &artifact.module_bodies {
        Some(b) => Some(std::borrow::Cow::Borrowed(&b[..])),
        None => decoded.as_ref().and_then(body_ranges).map(std::borrow::Cow::Owned),
    };
    w.u8(bodies.is_some() as u8);
    let bodies = bodies.unwrap_or_default();
    w.u32(bodies.len() as u32);
    for &(o, l) in bodies.iter() {
        w.u32(o);
        w.u32(l);
    }
    let unchecked = unchecked_ranges(module_bytes, imaged);
    w.u32(unchecked.len() as u32);
    for r in unchecked {
        w.u64(r.start as u64);
        w.u64(r.end as u64);
    }
    match &artifact.module_hashes {
        Some(h) if h.len() == module_bytes.len().div_ceil(VERIFY_BLOCK) => w.u64s(h),
        _ => w.u64s(&block_hashes(module_bytes)),
    }
    w.u64(module_bytes.len() as u64);
    w.hole(module_bytes);
    let payload_len = (w.len - HEADER) as u64;
    let holes = std::mem::take(&mut w.holes);
    let payload = w.finish();
    let mut ranges = [0u8; 48];
    for (i, &(piece, at)) in holes.iter().enumerate() {
        ranges[i * 16..i * 16 + 8].copy_from_slice(&(at as u64).to_le_bytes());
        ranges[i * 16 + 8..i * 16 + 16].copy_from_slice(&(payload[piece].len() as u64).to_le_bytes());
    }
    // The stretches of the payload around the holes, each checksummed as
    // one run of bytes.
    let mut parts = vec![checksum(&ranges)];
    let mut sum = Checksum::new();
    for (i, p) in payload.iter().enumerate() {
        if holes.iter().any(|&(h, _)| h == i) {
            parts.push(std::mem::replace(&mut sum, Checksum::new()).finish());
        } else {
            sum.update(p);
        }
    }
    parts.push(sum.finish());
    let mut header = [0; HEADER];
    header[..8].copy_from_slice(&MAGIC);
    header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    header[12..20].copy_from_slice(&payload_len.to_le_bytes());
    header[20..68].copy_from_slice(&ranges);
    header[68..76].copy_from_slice(&seal(parts).to_le_bytes());
    Laid { header, payload }
}

/// Writes an artifact.
pub fn serialize(meta: &AotMeta, artifact: &Artifact, module_bytes: &[u8]) -> Vec<u8> {
    let laid = lay_out(meta, artifact, module_bytes);
    let mut out = Vec::with_capacity(laid.len());
    out.extend_from_slice(&laid.header);
    for p in &laid.payload {
        out.extend_from_slice(p);
    }
    out
}

/// Writes the artifact [`serialize`] makes to `out`, without gathering it
/// in memory first (the image and the module's bytes are written from
/// where they lie); returns its length.
pub fn serialize_to(
    meta: &AotMeta,
    artifact: &Artifact,
    module_bytes: &[u8],
    out: &mut dyn std::io::Write,
) -> std::io::Result<u64> {
    let laid = lay_out(meta, artifact, module_bytes);
    out.write_all(&laid.header)?;
    for p in &laid.payload {
        out.write_all(p)?;
    }
    Ok(laid.len() as u64)
}

/// Whether `bytes` start like an artifact.
pub fn is_artifact(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], AotError> {
        let end =
            self.at.checked_add(n).filter(|&e| e <= self.b.len()).ok_or_else(|| {
                AotError::Malformed(format!("a field at payload offset {} runs past the end", self.at))
            })?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, AotError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, AotError> {
        let mut a = [0; 4];
        a.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(a))
    }
    fn u64(&mut self) -> Result<u64, AotError> {
        let mut a = [0; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
    fn bytes32(&mut self) -> Result<&'a [u8], AotError> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn bytes64(&mut self) -> Result<&'a [u8], AotError> {
        let n = usize::try_from(self.u64()?).map_err(|_| AotError::Malformed("length overflows".into()))?;
        self.take(n)
    }
    fn string(&mut self) -> Result<String, AotError> {
        let b = self.bytes32()?;
        String::from_utf8(b.to_vec()).map_err(|_| AotError::Malformed("a string is not UTF-8".into()))
    }
    /// A count of items of at least `min_size` bytes each, checked against
    /// what is left (so that a corrupt count cannot make us allocate).
    fn count(&mut self, min_size: usize) -> Result<usize, AotError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_size) > self.b.len() - self.at {
            return Err(AotError::Malformed(format!("count {n} exceeds the data")));
        }
        Ok(n)
    }
    fn u32s(&mut self) -> Result<Vec<u32>, AotError> {
        let n = self.count(4)?;
        (0..n).map(|_| self.u32()).collect()
    }
    fn u64s(&mut self) -> Result<Vec<u64>, AotError> {
        let n = self.count(8)?;
        (0..n).map(|_| self.u64()).collect()
    }
}

/// Reads an artifact made for `expect`, checking all of it: the linked
/// code (copied out of `bytes`) and where the module's bytes lie in
/// `bytes`.
pub fn deserialize(bytes: &[u8], expect: &AotMeta) -> Result<(Artifact, Range<usize>), AotError> {
    let Parsed {
        mut artifact,
        image,
        image_hashes: _,
        traps,
        trap_hashes: _,
        memory_image,
        module,
    } = parse(bytes, expect, Check::All)?;
    artifact.memory_image = memory_image.map(|(at, r)| MemoryImage {
        at,
        bytes: Image::Owned(bytes[r].to_vec()),
    });
    artifact.image = Image::Owned(bytes[image].to_vec());
    artifact.traps = TrapTable::Owned(
        bytes[traps]
            .chunks_exact(5)
            .map(|s| (u32::from_le_bytes([s[0], s[1], s[2], s[3]]), TRAP_CODES[s[4] as usize]))
            .collect(),
    );
    Ok((artifact, module))
}

/// Reads the artifact in `file`, made for `expect`, as [`deserialize`]
/// does, except that the code stays in the file: loading maps it from
/// there ([`crate::CompiledModule::load`]) when it is page-aligned, and
/// checks its blocks as code touches them (or all of them, when it
/// copies the code instead). Of the module's bytes, only those outside
/// the code and `name` sections are checked (see the module's
/// documentation).
pub fn deserialize_mapped(file: &Arc<MappedFile>, expect: &AotMeta) -> Result<(Artifact, Range<usize>), AotError> {
    let Parsed {
        mut artifact,
        image,
        image_hashes,
        traps,
        trap_hashes,
        memory_image,
        module,
    } = parse(file.bytes(), expect, Check::Lazy)?;
    artifact.memory_image = memory_image.map(|(at, r)| MemoryImage {
        at,
        bytes: Image::Mapped {
            file: file.clone(),
            offset: r.start,
            len: r.len(),
            hashes: Arc::new([]),
        },
    });
    artifact.image = Image::Mapped {
        file: file.clone(),
        offset: image.start,
        len: image.len(),
        hashes: image_hashes.into(),
    };
    artifact.traps = TrapTable::mapped(file.clone(), traps.start, traps.len() / 5, trap_hashes.into());
    Ok((artifact, module))
}

/// An artifact checked and read but for its bulk: where the image, the
/// trap sites (5-byte records, checked one by one with [`Check::All`])
/// and the module lie in the bytes.
struct Parsed {
    artifact: Artifact,
    image: Range<usize>,
    /// The image's block hashes (checked against it with [`Check::All`]).
    image_hashes: Vec<u64>,
    /// The trap sites' block hashes (likewise).
    trap_hashes: Vec<u64>,
    /// Where memory 0's image starts in the memory, and where it lies in
    /// the bytes.
    memory_image: Option<(u64, Range<usize>)>,
    traps: Range<usize>,
    module: Range<usize>,
}

/// What [`parse`] checks of the image and the module's bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    /// All of them.
    All,
    /// The module's bytes outside its code section.
    Lazy,
}

/// Checks and reads an artifact: everything but the image, and the ranges
/// of `bytes` that hold the image and the module.
fn parse(bytes: &[u8], expect: &AotMeta, check: Check) -> Result<Parsed, AotError> {
    if bytes.len() < MAGIC.len() {
        return if MAGIC.starts_with(bytes) && !bytes.is_empty() {
            Err(AotError::Truncated("in the header"))
        } else {
            Err(AotError::NotAnArtifact)
        };
    }
    if bytes[..8] != MAGIC {
        return Err(AotError::NotAnArtifact);
    }
    if bytes.len() < HEADER {
        return Err(AotError::Truncated("in the header"));
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version != FORMAT_VERSION {
        return Err(AotError::Version(version));
    }
    let word = |at: usize| {
        let mut w = [0; 8];
        w.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let len = word(12);
    let sum = word(68);
    let payload = &bytes[HEADER..];
    if (payload.len() as u64) < len {
        return Err(AotError::Truncated("the payload is shorter than recorded"));
    }
    if payload.len() as u64 > len {
        return Err(AotError::Malformed("trailing bytes after the payload".into()));
    }
    // The holes (image, module bytes) in order inside the payload; ranges
    // that are not are damage.
    let hole = |at: usize| -> Option<Range<usize>> {
        let start = usize::try_from(word(at)).ok()?;
        let end = start.checked_add(usize::try_from(word(at + 8)).ok()?)?;
        (end <= payload.len()).then_some(start..end)
    };
    let (Some(image_hole), Some(traps_hole), Some(module_hole)) = (hole(20), hole(36), hole(52)) else {
        return Err(AotError::Checksum);
    };
    if image_hole.end > traps_hole.start || traps_hole.end > module_hole.start {
        return Err(AotError::Checksum);
    }
    let parts = [
        checksum(&bytes[20..68]),
        checksum(&payload[..image_hole.start]),
        checksum(&payload[image_hole.end..traps_hole.start]),
        checksum(&payload[traps_hole.end..module_hole.start]),
        checksum(&payload[module_hole.end..]),
    ];
    if seal(parts) != sum {
        return Err(AotError::Checksum);
    }
    let mut r = Reader { b: payload, at: 0 };
    let engine_version = r.string()?;
    let features = r.string()?;
    let target = r.string()?;
    let cfg = [r.u8()?, r.u8()?, r.u8()?];
    if engine_version != expect.engine_version {
        return Err(AotError::EngineVersion {
            artifact: engine_version,
            engine: expect.engine_version.clone(),
        });
    }
    if features != expect.features {
        return Err(AotError::Features {
            artifact: features,
            engine: expect.features.clone(),
        });
    }
    if target != expect.target {
        return Err(AotError::Target {
            artifact: target,
            engine: expect.target.clone(),
        });
    }
    let want = config_bytes(&expect.config);
    if cfg != want {
        return Err(AotError::Config {
            artifact: describe_config(cfg),
            engine: describe_config(want),
        });
    }
    let image_hashes = r.u64s()?;
    let ilen = r.u64()?;
    let pad = r.u32()? as usize;
    r.take(pad)?;
    let image_at = HEADER + r.at;
    r.take(usize::try_from(ilen).map_err(|_| AotError::Malformed("length overflows".into()))?)?;
    let image = image_at..HEADER + r.at;
    let bad = |what: String| AotError::Malformed(what);
    if (image.start - HEADER..image.end - HEADER) != image_hole {
        return Err(bad("the image is not where the header says".into()));
    }
    if image_hashes.len() != image.len().div_ceil(VERIFY_BLOCK) {
        return Err(bad("the image's block hashes do not match its length".into()));
    }
    let n = r.count(17)?;
    let mut relocs = Vec::with_capacity(n);
    for _ in 0..n {
        let offset = r.u32()?;
        if offset as u64 + 8 > ilen {
            return Err(bad(format!("relocation at {offset:#x} outside the code")));
        }
        let target = match r.u8()? {
            0 => {
                let o = r.u32()?;
                if o as u64 > ilen {
                    return Err(bad(format!("relocation target {o:#x} outside the code")));
                }
                LoadTarget::Image(o)
            }
            1 => {
                let id = r.u32()?;
                LoadTarget::Symbol(Symbol::from_id(id).ok_or_else(|| bad(format!("unknown runtime symbol {id}")))?)
            }
            k => return Err(bad(format!("unknown relocation kind {k}"))),
        };
        let addend = r.u64()? as i64;
        relocs.push(LoadReloc { offset, target, addend });
    }
    // Trap sites are the bulk of the metadata (one per load, store and
    // division). Loading a mapped artifact uses them where they lie
    // without reading them: their hashes are checked when a trap first
    // looks them up, and the lookup survives any bytes (an unknown code
    // reads as `unreachable`, an unordered table finds wrong sites but no
    // memory outside it). Reading all of an artifact checks each site.
    let n = r.count(5)?;
    let trap_hashes = r.u64s()?;
    let sites = r.take(n * 5)?;
    if (traps_hole.start..traps_hole.end) != (r.at - sites.len()..r.at) {
        return Err(bad("the trap sites are not where the header says".into()));
    }
    if trap_hashes.len() != sites.len().div_ceil(VERIFY_BLOCK) {
        return Err(bad("the trap sites' block hashes do not match their length".into()));
    }
    if check == Check::All {
        if !verify_blocks(sites, &trap_hashes) {
            return Err(AotError::BlockChecksum("its trap sites"));
        }
        let mut last = 0;
        for site in sites.chunks_exact(5) {
            let off = u32::from_le_bytes([site[0], site[1], site[2], site[3]]);
            if site[4] as usize >= TRAP_CODES.len() {
                return Err(bad("unknown trap code".into()));
            }
            if off as u64 >= ilen {
                return Err(bad(format!("trap site {off:#x} outside the code")));
            }
            if off < last {
                return Err(bad("trap sites out of order".into()));
            }
            last = off;
        }
    }
    let traps_at = HEADER + r.at - sites.len();
    let n = r.count(12)?;
    let mut handlers = Vec::with_capacity(n);
    for _ in 0..n {
        let (ret, pad, sp_to_fp) = (r.u32()?, r.u32()?, r.u32()?);
        if ret as u64 > ilen || pad as u64 >= ilen {
            return Err(bad(format!("exception handler at {ret:#x} outside the code")));
        }
        handlers.push(CallHandler { ret, pad, sp_to_fp });
    }
    if !handlers.is_sorted_by_key(|h| h.ret) {
        return Err(bad("exception handlers out of order".into()));
    }
    let mut offsets = |absent_ok: bool| -> Result<Vec<u32>, AotError> {
        let v = r.u32s()?;
        let absent = |o: u32| absent_ok && o == crate::link::NO_TRAMPOLINE;
        if let Some(o) = v.iter().find(|&&o| o as u64 >= ilen && !absent(o)) {
            return Err(bad(format!("entry point {o:#x} outside the code")));
        }
        Ok(v)
    };
    let funcs = offsets(false)?;
    let array_calls = offsets(true)?;
    let foreign = offsets(true)?;
    if funcs.len() != array_calls.len() {
        return Err(bad("function and trampoline counts differ".into()));
    }
    let n = r.count(8)?;
    let mut inlined = Vec::with_capacity(n);
    for _ in 0..n {
        let off = r.u32()?;
        if off as u64 >= ilen {
            return Err(bad(format!("inlined code at {off:#x} outside the code")));
        }
        inlined.push((off, r.u32s()?.into_boxed_slice()));
    }
    if !inlined.is_sorted_by_key(|t| t.0) {
        return Err(bad("inlined code out of order".into()));
    }
    let memory_at = r.u64()?;
    let memory_len = usize::try_from(r.u64()?).map_err(|_| bad("length overflows".into()))?;
    let pad = r.u32()? as usize;
    r.take(pad)?;
    let memory_start = HEADER + r.at;
    r.take(memory_len)?;
    let memory_image = (memory_len != 0).then(|| (memory_at, memory_start..memory_start + memory_len));
    let bodies_known = r.u8()? != 0;
    let n = r.count(8)?;
    let mut bodies = Vec::with_capacity(n);
    for _ in 0..n {
        bodies.push((r.u32()?, r.u32()?));
    }
    let n = r.count(16)?;
    let mut unchecked = Vec::with_capacity(n);
    for _ in 0..n {
        unchecked.push((r.u64()?, r.u64()?));
    }
    let module_hashes = r.u64s()?;
    let module_bytes = r.bytes64()?;
    let module = HEADER + r.at - module_bytes.len()..HEADER + r.at;
    if r.at != payload.len() {
        return Err(bad("trailing bytes in the payload".into()));
    }
    if (module.start - HEADER..module.end - HEADER) != module_hole {
        return Err(bad("the module's bytes are not where the header says".into()));
    }
    // With `Check::Lazy`, the blocks wholly inside an unchecked range are
    // left unchecked (a range outside the module covers nothing).
    let in_code = |i: usize| {
        let b = (i * VERIFY_BLOCK) as u64..((i + 1) * VERIFY_BLOCK).min(module_bytes.len()) as u64;
        unchecked
            .iter()
            .any(|&(s, e)| s <= b.start && b.end <= e && e <= module_bytes.len() as u64)
    };
    let module_ok = match check {
        Check::All => verify_blocks(module_bytes, &module_hashes),
        Check::Lazy => blocks_match(module_bytes, &module_hashes, |i| !in_code(i)),
    };
    if !module_ok {
        return Err(AotError::BlockChecksum("the module's bytes"));
    }
    if check == Check::All && !verify_blocks(&bytes[image.clone()], &image_hashes) {
        return Err(AotError::BlockChecksum("its code"));
    }
    Ok(Parsed {
        artifact: Artifact {
            image: Image::default(),
            relocs,
            traps: TrapTable::default(),
            handlers: handlers.into(),
            funcs,
            array_calls,
            foreign,
            inlined,
            module_hashes: Some(module_hashes.into()),
            module_bodies: bodies_known.then(|| bodies.into()),
            memory_image: None,
        },
        image,
        image_hashes,
        traps: traps_at..traps_at + sites.len(),
        trap_hashes,
        memory_image,
        module,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> AotMeta {
        AotMeta {
            engine_version: "1.0".into(),
            features: "simd".into(),
            target: "x86_64 has_avx=true".into(),
            config: CompileConfig {
                bounds_checks: BoundsChecks::Guard,
                fuel: false,
                interrupts: false,
                epochs: false,
                relaxed_simd_deterministic: false,
            },
        }
    }

    fn sample() -> Vec<u8> {
        sample_with(64)
    }

    fn sample_with(image_len: usize) -> Vec<u8> {
        let a = Artifact {
            image: Image::Owned(vec![0x90; image_len]),
            relocs: vec![
                LoadReloc {
                    offset: 8,
                    target: LoadTarget::Image(16),
                    addend: -4,
                },
                LoadReloc {
                    offset: 24,
                    target: LoadTarget::Symbol(Symbol::from_id(3).unwrap()),
                    addend: 0,
                },
            ],
            traps: vec![(1, TrapCode::Unreachable), (5, TrapCode::MemoryOutOfBounds)].into(),
            handlers: vec![CallHandler {
                ret: 9,
                pad: 20,
                sp_to_fp: 16,
            }]
            .into(),
            funcs: vec![0, 32],
            array_calls: vec![40, 48],
            foreign: vec![56],
            inlined: vec![(3, vec![1, 2].into_boxed_slice())],
            module_hashes: None,
            module_bodies: None,
            memory_image: None,
        };
        serialize(&meta(), &a, b"\0asm\x01\0\0\0")
    }

    #[test]
    fn round_trip() {
        let bytes = sample();
        let (a, m) = deserialize(&bytes, &meta()).unwrap();
        assert_eq!(&bytes[m.clone()], b"\0asm\x01\0\0\0");
        assert_eq!(a.funcs, vec![0, 32]);
        assert_eq!(a.relocs.len(), 2);
        assert_eq!(serialize(&meta(), &a, &bytes[m]), bytes);
    }

    #[test]
    fn large_images_are_aligned_and_mapped_from_the_file() {
        let bytes = sample_with(MAP_IMAGE_FROM + 5);
        let (a, m) = deserialize(&bytes, &meta()).unwrap();
        assert_eq!(a.image.len(), MAP_IMAGE_FROM + 5);
        let at = bytes.windows(64).position(|w| w == [0x90; 64]).unwrap();
        assert_eq!(at % IMAGE_ALIGN, 0, "the image starts at a 64 KiB boundary");
        let path = std::env::temp_dir().join(format!("tern-aot-map-{}.cwasm", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let file = Arc::new(MappedFile::open(&path).unwrap());
        let (mapped, m2) = deserialize_mapped(&file, &meta()).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(matches!(mapped.image, Image::Mapped { offset, .. } if offset == at));
        assert_eq!(mapped, a);
        assert_eq!(m2, m);
        assert_eq!(serialize(&meta(), &mapped, &bytes[m]), bytes);
    }

    #[test]
    fn every_truncation_and_corruption_is_refused() {
        let bytes = sample();
        for n in 0..bytes.len() {
            assert!(deserialize(&bytes[..n], &meta()).is_err(), "truncated to {n}");
        }
        for i in 0..bytes.len() {
            for bit in [0x01, 0x80] {
                let mut b = bytes.clone();
                b[i] ^= bit;
                assert!(deserialize(&b, &meta()).is_err(), "flipped bit {bit:#x} of byte {i}");
            }
        }
    }

    /// A block's hash as the one-piece loop computes it: the incremental
    /// one must agree with it.
    fn reference_block(bytes: &[u8]) -> u64 {
        const PRIME: u64 = 0x0100_0000_01b3;
        let mut lanes = [0xcbf2_9ce4_8422_2325u64; 8];
        for (i, lane) in lanes.iter_mut().enumerate() {
            *lane ^= i as u64;
        }
        let mut blocks = bytes.chunks_exact(64);
        for block in &mut blocks {
            for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
                let w = u64::from_le_bytes(word.try_into().unwrap());
                *lane = (*lane ^ w).wrapping_mul(PRIME);
            }
        }
        for &b in blocks.remainder() {
            lanes[0] = (lanes[0] ^ b as u64).wrapping_mul(PRIME);
        }
        let mut h = bytes.len() as u64;
        for lane in lanes {
            h = (h ^ lane).wrapping_mul(PRIME);
        }
        h
    }

    /// The checksum as its definition says, with blocks of `block` bytes.
    fn reference_checksum(bytes: &[u8], block: usize) -> u64 {
        const PRIME: u64 = 0x0100_0000_01b3;
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for b in bytes.chunks(block) {
            h = (h ^ reference_block(b)).wrapping_mul(PRIME);
        }
        (h ^ bytes.len() as u64).wrapping_mul(PRIME)
    }

    #[test]
    fn checksum_in_pieces_is_the_checksum_of_the_whole() {
        let data: Vec<u8> = (0..1000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for block in [CHECKSUM_BLOCK, 64, 100, 320] {
            for len in [0, 1, 7, 63, 64, 65, 127, 128, 129, 500, 1000] {
                let whole = reference_checksum(&data[..len], block);
                assert_eq!(checksum_in_blocks(&data[..len], block), whole, "length {len}");
                if block == CHECKSUM_BLOCK {
                    assert_eq!(checksum(&data[..len]), whole, "length {len}");
                }
                for split in [1, 3, 8, 63, 64, 65, 100] {
                    let mut c = Checksum::in_blocks(block);
                    for piece in data[..len].chunks(split) {
                        c.update(piece);
                    }
                    c.update(&[]);
                    assert_eq!(
                        c.finish(),
                        whole,
                        "length {len} in pieces of {split}, blocks of {block}"
                    );
                }
            }
        }
    }

    #[test]
    fn serialize_to_writes_what_serialize_returns() {
        for len in [64, MAP_IMAGE_FROM + 5] {
            let bytes = sample_with(len);
            let (a, m) = deserialize(&bytes, &meta()).unwrap();
            let mut out = Vec::new();
            let n = serialize_to(&meta(), &a, &bytes[m], &mut out).unwrap();
            assert_eq!(n as usize, out.len());
            assert_eq!(out, bytes);
        }
    }

    #[test]
    fn array_call_trampolines_may_be_absent() {
        let bytes = sample();
        let (mut a, m) = deserialize(&bytes, &meta()).unwrap();
        a.array_calls[1] = crate::link::NO_TRAMPOLINE;
        let again = serialize(&meta(), &a, &bytes[m]);
        let (b, _) = deserialize(&again, &meta()).unwrap();
        assert_eq!(b.array_calls, vec![40, crate::link::NO_TRAMPOLINE]);
        // An offset past the code is refused as before.
        let mut a = b;
        a.array_calls[1] = 1000;
        let m = deserialize(&again, &meta()).unwrap().1;
        assert!(deserialize(&serialize(&meta(), &a, &again[m]), &meta()).is_err());
    }

    #[test]
    fn mismatches_say_what_differs() {
        let bytes = sample();
        let mut m = meta();
        m.engine_version = "2.0".into();
        assert!(matches!(deserialize(&bytes, &m), Err(AotError::EngineVersion { .. })));
        let mut m = meta();
        m.features = "".into();
        assert!(matches!(deserialize(&bytes, &m), Err(AotError::Features { .. })));
        let mut m = meta();
        m.target = "x86_64 has_avx=false".into();
        let e = deserialize(&bytes, &m).unwrap_err();
        assert!(e.to_string().contains("another target or CPU"), "{e}");
        let mut m = meta();
        m.config.bounds_checks = BoundsChecks::Explicit;
        assert!(matches!(deserialize(&bytes, &m), Err(AotError::Config { .. })));
        assert_eq!(deserialize(b"\0asm\x01\0\0\0", &meta()), Err(AotError::NotAnArtifact));
    }
}
