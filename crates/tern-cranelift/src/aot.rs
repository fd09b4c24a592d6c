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
//! payload checksum        u64 (FNV-1a over words in four lanes: `checksum`)
//! payload:
//!   engine version, features, target (triple + every codegen flag):  strings (u32 length + UTF-8)
//!   bounds checks, fuel, checks (bit 0 interrupt flag, bit 1 epoch,
//!   bit 2 deterministic relaxed SIMD):                                 3 × u8
//!   image:           u64 length + bytes
//!   relocations:     u32 count × (u32 offset, u8 kind, u32 target, i64 addend)
//!   trap sites:      u32 count × (u32 offset, u8 trap code)
//!   exception handlers: u32 count × (u32 return address, u32 landing pad, u32 sp-to-fp)
//!   function, array-call and foreign trampoline offsets: 3 × (u32 count × u32)
//!   inlined code:    u32 count × (u32 offset, u32 count × u32 function index)
//!   module bytes:    u64 length + bytes
//! ```
//!
//! [`deserialize`] refuses, with a message saying what differs, an artifact
//! that is truncated, corrupt, of another format version, or made by
//! another engine version, for other features, another target or CPU
//! flags, or another compilation configuration; it never panics.

use crate::compile::CompileConfig;
use crate::link::{Artifact, CallHandler, LoadReloc, LoadTarget, Symbol};
use crate::translate::BoundsChecks;
use tern_vm::TrapCode;

/// First bytes of every artifact.
pub const MAGIC: [u8; 8] = *b"\0terncw\x01";
/// The format version this build reads and writes.
/// (3: libcall numbering and epoch checks; 4: compiled code stores its
/// exit registers before libcalls; 5: exception handlers of call sites.)
pub const FORMAT_VERSION: u32 = 6;

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

/// The payload's checksum: FNV-1a's xor-and-multiply over 64-bit words in
/// four independent lanes (so the multiplies overlap; a byte at a time,
/// FNV-1a took 0.4 s on a 284 MB artifact), the tail bytes into the first
/// lane, then the lanes and the length folded together. Every step is a
/// bijection of the lane it updates, so any change to one word is caught.
/// It detects damage, not forgery.
fn checksum(bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut lanes = [0xcbf2_9ce4_8422_2325u64; 4];
    for (i, lane) in lanes.iter_mut().enumerate() {
        *lane ^= i as u64;
    }
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
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

const TRAP_CODES: [TrapCode; 13] = [
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

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes32(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
    fn bytes64(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn u32s(&mut self, v: &[u32]) {
        self.u32(v.len() as u32);
        for &x in v {
            self.u32(x);
        }
    }
}

/// Writes an artifact.
pub fn serialize(meta: &AotMeta, artifact: &Artifact, module_bytes: &[u8]) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(artifact.image.len() + module_bytes.len() + 1024));
    w.bytes32(meta.engine_version.as_bytes());
    w.bytes32(meta.features.as_bytes());
    w.bytes32(meta.target.as_bytes());
    for b in config_bytes(&meta.config) {
        w.u8(b);
    }
    w.bytes64(&artifact.image);
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
    for &(off, code) in &artifact.traps {
        w.u32(off);
        w.u8(TRAP_CODES.iter().position(|&c| c == code).unwrap_or(0) as u8);
    }
    w.u32(artifact.handlers.len() as u32);
    for h in &artifact.handlers {
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
    w.bytes64(module_bytes);
    let payload = w.0;
    let mut out = Vec::with_capacity(payload.len() + 28);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
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
}

/// Reads an artifact made for `expect`: the linked code and the module's
/// bytes.
pub fn deserialize(bytes: &[u8], expect: &AotMeta) -> Result<(Artifact, Vec<u8>), AotError> {
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
    if bytes.len() < 28 {
        return Err(AotError::Truncated("in the header"));
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version != FORMAT_VERSION {
        return Err(AotError::Version(version));
    }
    let mut len = [0; 8];
    len.copy_from_slice(&bytes[12..20]);
    let len = u64::from_le_bytes(len);
    let mut sum = [0; 8];
    sum.copy_from_slice(&bytes[20..28]);
    let sum = u64::from_le_bytes(sum);
    let payload = &bytes[28..];
    if (payload.len() as u64) < len {
        return Err(AotError::Truncated("the payload is shorter than recorded"));
    }
    if payload.len() as u64 > len {
        return Err(AotError::Malformed("trailing bytes after the payload".into()));
    }
    if checksum(payload) != sum {
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
    let image = r.bytes64()?.to_vec();
    let ilen = image.len() as u64;
    let bad = |what: String| AotError::Malformed(what);
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
    let n = r.count(5)?;
    let mut traps = Vec::with_capacity(n);
    for _ in 0..n {
        let off = r.u32()?;
        let code = *TRAP_CODES
            .get(r.u8()? as usize)
            .ok_or_else(|| bad("unknown trap code".into()))?;
        if off as u64 >= ilen {
            return Err(bad(format!("trap site {off:#x} outside the code")));
        }
        traps.push((off, code));
    }
    if !traps.is_sorted_by_key(|t| t.0) {
        return Err(bad("trap sites out of order".into()));
    }
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
    let array_calls = offsets(false)?;
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
    let module = r.bytes64()?.to_vec();
    if r.at != payload.len() {
        return Err(bad("trailing bytes in the payload".into()));
    }
    Ok((
        Artifact {
            image,
            relocs,
            traps,
            handlers,
            funcs,
            array_calls,
            foreign,
            inlined,
        },
        module,
    ))
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
        let a = Artifact {
            image: vec![0x90; 64],
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
            traps: vec![(1, TrapCode::Unreachable), (5, TrapCode::MemoryOutOfBounds)],
            handlers: vec![CallHandler {
                ret: 9,
                pad: 20,
                sp_to_fp: 16,
            }],
            funcs: vec![0, 32],
            array_calls: vec![40, 48],
            foreign: vec![56],
            inlined: vec![(3, vec![1, 2].into_boxed_slice())],
        };
        serialize(&meta(), &a, b"\0asm\x01\0\0\0")
    }

    #[test]
    fn round_trip() {
        let bytes = sample();
        let (a, m) = deserialize(&bytes, &meta()).unwrap();
        assert_eq!(m, b"\0asm\x01\0\0\0");
        assert_eq!(a.funcs, vec![0, 32]);
        assert_eq!(a.relocs.len(), 2);
        assert_eq!(serialize(&meta(), &a, &m), bytes);
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
