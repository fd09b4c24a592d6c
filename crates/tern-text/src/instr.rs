//! Instructions → bytes, plain and folded, with labels and symbolic
//! indices resolved. The mnemonics, opcodes and immediate kinds come from
//! `tern-binary`'s operator table; only instructions whose text syntax
//! differs from their binary layout are handled by hand.

use crate::cursor::Cursor;
use crate::error::{Error, Result};
use crate::lexer::{BRANCH_HINT, Tok};
use crate::literal;
use crate::wat::{FunctionContext, ModuleEncoder, Ref, Space, index_ref, write_memarg_value};
use std::collections::HashMap;
use std::sync::OnceLock;
use tern_binary::{BlockType, write_u32};

/// How an immediate is written in text.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Imm {
    Func,
    Local,
    Global,
    /// An optional table index (default 0).
    Table,
    Type,
    Tag,
    Label,
    Data,
    Elem,
    /// An optional memory index (default 0).
    Mem,
    MemArg,
    Value,
    Lane,
    Shuffle,
    HeapType,
    BlockType,
    BrTable,
    TryTable,
    SelectTypes,
    /// A reserved zero byte with no text form (`atomic.fence`).
    Zero,
    /// A struct field of the type given by the previous immediate.
    Field,
    /// A plain `u32` literal (`array.new_fixed`'s size).
    U32,
}

macro_rules! imm_of {
    (reserved) => {
        Imm::Zero
    };
    (blockty) => {
        Imm::BlockType
    };
    (tag_index) => {
        Imm::Tag
    };
    (relative_depth) => {
        Imm::Label
    };
    (targets) => {
        Imm::BrTable
    };
    (function_index) => {
        Imm::Func
    };
    (type_index) => {
        Imm::Type
    };
    (table_index) => {
        Imm::Table
    };
    (tys) => {
        Imm::SelectTypes
    };
    (try_table) => {
        Imm::TryTable
    };
    (local_index) => {
        Imm::Local
    };
    (global_index) => {
        Imm::Global
    };
    (table) => {
        Imm::Table
    };
    (dst_table) => {
        Imm::Table
    };
    (src_table) => {
        Imm::Table
    };
    (memarg) => {
        Imm::MemArg
    };
    (mem) => {
        Imm::Mem
    };
    (dst_mem) => {
        Imm::Mem
    };
    (src_mem) => {
        Imm::Mem
    };
    (value) => {
        Imm::Value
    };
    (hty) => {
        Imm::HeapType
    };
    (data_index) => {
        Imm::Data
    };
    (elem_index) => {
        Imm::Elem
    };
    (lane) => {
        Imm::Lane
    };
    (lanes) => {
        Imm::Shuffle
    };
    (struct_type_index) => {
        Imm::Type
    };
    (array_type_index) => {
        Imm::Type
    };
    (dst_array_type_index) => {
        Imm::Type
    };
    (src_array_type_index) => {
        Imm::Type
    };
    (field_index) => {
        Imm::Field
    };
    (array_size) => {
        Imm::U32
    };
    (array_data_index) => {
        Imm::Data
    };
    (array_elem_index) => {
        Imm::Elem
    };
    // `ref.test`, `ref.cast` and `br_on_cast(_fail)` are parsed by hand
    // (their text gives reference types, their opcode or flags the
    // nullability).
    (cast_hty) => {
        Imm::HeapType
    };
    (cast_null_hty) => {
        Imm::HeapType
    };
    (cast) => {
        Imm::Zero
    };
}

/// One row of the operator table, as the text parser needs it.
struct OpInfo {
    pre: u8,
    code: u32,
    imms: &'static [Imm],
}

macro_rules! define_op_infos {
    ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
        fn op_table() -> &'static HashMap<&'static str, OpInfo> {
            static TABLE: OnceLock<HashMap<&'static str, OpInfo>> = OnceLock::new();
            TABLE.get_or_init(|| {
                let mut m = HashMap::new();
                $(
                    // `select` has two rows (plain and typed); the plain one
                    // is handled by hand.
                    m.entry($text).or_insert(OpInfo { pre: $pre, code: $code, imms: &[$(imm_of!($f)),*] });
                )*
                m
            })
        }
    };
}

tern_binary::for_each_operator!(define_op_infos);

/// The natural alignment (log2 bytes) of a memory instruction, from its
/// mnemonic: an explicit width (`load8`, `store16`, `load32_zero`,
/// `load8x8`) or the type's size.
fn natural_align(mnemonic: &str) -> u32 {
    let (ty, op) = mnemonic.split_once('.').unwrap_or(("", mnemonic));
    // Atomics: `i32.atomic.load8_u`, `i64.atomic.rmw16.add_u`,
    // `memory.atomic.wait64`, `memory.atomic.notify` (32 bits).
    let op = op.strip_prefix("atomic.").unwrap_or(op);
    let digits_after = |prefix: &str| -> Option<u32> {
        let rest = op.strip_prefix(prefix)?;
        let d: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let mut bits: u32 = d.parse().ok()?;
        if let Some(x) = rest[d.len()..].strip_prefix('x') {
            let n: String = x.chars().take_while(|c| c.is_ascii_digit()).collect();
            bits *= n.parse::<u32>().ok()?;
        }
        Some(bits)
    };
    let bits = digits_after("load")
        .or_else(|| digits_after("store"))
        .or_else(|| digits_after("rmw"))
        .or_else(|| digits_after("wait"))
        .unwrap_or(match ty {
            "i32" | "f32" | "memory" => 32,
            "i64" | "f64" => 64,
            _ => 128,
        });
    (bits / 8).trailing_zeros()
}

/// What closes a sequence of instructions inside a folded instruction.
enum SeqEnd {
    /// `(block ...)`, `(loop ...)`, `(try_table ...)`: emit `end`.
    End,
    /// `(then ...)` of an `if`.
    IfThen,
    /// `(else ...)` of an `if`.
    IfElse,
    /// `(do ...)` of a legacy `try`.
    TryDo,
    /// `(catch ...)` / `(catch_all ...)` of a legacy `try`.
    TryHandler,
}

/// A folded instruction being read.
enum Fold {
    /// Instructions up to `)`.
    Seq(SeqEnd),
    /// Folded operands up to `)`, then these bytes (the operator), with
    /// its branch hint.
    Operands(Vec<u8>, Option<u32>),
    /// An `if`'s condition operands, until `(then`; the `if`'s branch hint.
    IfCond(BlockType, (Option<String>, Option<String>), Option<u32>),
    /// After `(then ...)`: an `(else ...)` or the closing `)`.
    IfAfterThen,
    /// After `(do ...)` or a handler: more handlers, `(delegate l)`, or `)`.
    TryHandlers,
    /// The closing `)`, then `end` if set.
    Close { end: bool },
}

/// Encodes instructions into `out`.
pub(crate) struct Instrs<'e, 'f, 't, 'a> {
    pub(crate) enc: &'e mut ModuleEncoder<'f, 't, 'a>,
    pub(crate) cx: &'e mut FunctionContext,
    pub(crate) out: &'e mut Vec<u8>,
    pub(crate) uses_data: &'e mut bool,
}

impl Instrs<'_, '_, '_, '_> {
    /// Instructions up to a closing parenthesis or the end of the range.
    pub(crate) fn seq(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        while !c.is_eof() && !c.at_rparen() {
            self.instr(c)?;
        }
        Ok(())
    }

    fn instr(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        match c.peek() {
            Some(Tok::LParen) => self.folded(c),
            Some(Tok::Keyword(_)) => self.plain(c),
            Some(Tok::Annotation(BRANCH_HINT)) => self.branch_hint(c),
            Some(Tok::Annotation(_)) => c.skip_item(),
            _ => Err(c.err("expected an instruction")),
        }
    }

    /// `(@metadata.code.branch_hint "\00" or "\01")`: a hint for the next
    /// instruction (or the head of the next folded instruction).
    fn branch_hint(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let at = c.offset();
        c.pos += 1;
        let value = match &*c.string()? {
            [v @ (0 | 1)] => *v as u32,
            _ => return Err(Error::new("invalid value for a branch hint", at)),
        };
        c.rparen()?;
        self.cx.set_branch_hint(value, at)
    }

    fn at_branch_hint(c: &Cursor<'_, '_>) -> bool {
        matches!(c.peek(), Some(Tok::Annotation(BRANCH_HINT)))
    }

    /// A `)` closing a folded instruction: no branch hint may be waiting.
    fn no_pending_hint(&self, c: &Cursor<'_, '_>) -> Result<()> {
        if self.cx.has_pending_branch_hint() {
            return Err(c.err("a branch hint must precede an instruction"));
        }
        Ok(())
    }

    /// An optional label id, and its name-section name.
    fn opt_label(&mut self, c: &mut Cursor<'_, '_>) -> (Option<String>, Option<String>) {
        let id = c.opt_id();
        let name = c.def_name(&id);
        (id.map(|(n, _)| n), name)
    }

    fn block_type(&mut self, c: &mut Cursor<'_, '_>) -> Result<BlockType> {
        self.enc.block_type(c)
    }

    fn write_block_type(&mut self, bt: BlockType) {
        match bt {
            BlockType::Empty => self.out.push(0x40),
            BlockType::Value(t) => t.encode(self.out),
            BlockType::Func(i) => tern_binary::write_s33(self.out, i as i64),
        }
    }

    /// `end $label?` / `else $label?`: an optional label that must name the
    /// innermost block.
    fn check_end_label(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        if let Some((name, at)) = c.opt_id() {
            match self.cx.innermost_label() {
                Some(Some(l)) if *l == name => {}
                _ => return Err(Error::new("mismatching label", at)),
            }
        }
        Ok(())
    }

    /// A folded instruction, parsed with an explicit stack rather than by
    /// recursion, so nesting depth is bounded by memory, not by the host
    /// stack.
    fn folded(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let mut stack: Vec<Fold> = Vec::new();
        self.open(c, &mut stack)?;
        while let Some(top) = stack.last_mut() {
            if c.is_eof() {
                return Err(c.err("unexpected end of input: unclosed folded instruction"));
            }
            match top {
                Fold::Seq(_) => {
                    if c.at_rparen() {
                        self.no_pending_hint(c)?;
                        c.pos += 1;
                        let Some(Fold::Seq(after)) = stack.pop() else {
                            unreachable!()
                        };
                        match after {
                            SeqEnd::End => {
                                self.cx.pop_label();
                                self.out.push(0x0b);
                            }
                            SeqEnd::IfThen => stack.push(Fold::IfAfterThen),
                            SeqEnd::IfElse => stack.push(Fold::Close { end: true }),
                            SeqEnd::TryDo | SeqEnd::TryHandler => stack.push(Fold::TryHandlers),
                        }
                    } else if c.at_lparen() {
                        self.open(c, &mut stack)?;
                    } else {
                        self.instr(c)?;
                    }
                }
                Fold::Operands(..) => {
                    if c.at_rparen() {
                        self.no_pending_hint(c)?;
                        c.pos += 1;
                        let Some(Fold::Operands(op, hint)) = stack.pop() else {
                            unreachable!()
                        };
                        self.cx.record_branch_hint(hint, self.out.len());
                        self.out.extend_from_slice(&op);
                    } else if Self::at_branch_hint(c) {
                        self.branch_hint(c)?;
                    } else if c.at_lparen() {
                        self.open(c, &mut stack)?;
                    } else {
                        return Err(c.err("expected a folded operand or `)`"));
                    }
                }
                Fold::IfCond(bt, ..) => {
                    if c.take_paren_kw("then") {
                        let bt = *bt;
                        let Some(Fold::IfCond(_, label, hint)) = stack.pop() else {
                            unreachable!()
                        };
                        self.no_pending_hint(c)?;
                        self.cx.record_branch_hint(hint, self.out.len());
                        self.out.push(0x04);
                        self.write_block_type(bt);
                        self.cx.push_label(label);
                        stack.push(Fold::Seq(SeqEnd::IfThen));
                    } else if Self::at_branch_hint(c) {
                        self.branch_hint(c)?;
                    } else if c.at_lparen() {
                        self.open(c, &mut stack)?;
                    } else {
                        return Err(c.err("expected `(then ...)`"));
                    }
                }
                Fold::IfAfterThen => {
                    stack.pop();
                    if c.take_paren_kw("else") {
                        self.out.push(0x05);
                        stack.push(Fold::Seq(SeqEnd::IfElse));
                    } else {
                        stack.push(Fold::Close { end: true });
                    }
                }
                Fold::TryHandlers => {
                    // A handler replaces this state: its end brings it back.
                    if c.take_paren_kw("catch") {
                        let r = index_ref(c)?;
                        self.out.push(0x07);
                        let t = self.enc.resolve(Space::Tag, &r)?;
                        write_u32(self.out, t);
                        stack.pop();
                        stack.push(Fold::Seq(SeqEnd::TryHandler));
                    } else if c.take_paren_kw("catch_all") {
                        self.out.push(0x19);
                        stack.pop();
                        stack.push(Fold::Seq(SeqEnd::TryHandler));
                    } else if c.take_paren_kw("delegate") {
                        self.cx.pop_label();
                        let r = index_ref(c)?;
                        let d = self.cx.label(&r)?;
                        self.out.push(0x18);
                        write_u32(self.out, d);
                        c.rparen()?;
                        stack.pop();
                        stack.push(Fold::Close { end: false });
                    } else {
                        stack.pop();
                        stack.push(Fold::Close { end: true });
                    }
                }
                Fold::Close { end } => {
                    let end = *end;
                    c.rparen()?;
                    stack.pop();
                    if end {
                        self.cx.pop_label();
                        self.out.push(0x0b);
                    }
                }
            }
        }
        Ok(())
    }

    /// Reads `(` and the head of a folded instruction, pushing what the
    /// rest of it needs.
    fn open(&mut self, c: &mut Cursor<'_, '_>, stack: &mut Vec<Fold>) -> Result<()> {
        c.lparen()?;
        let Some(kw) = c.peek_kw() else {
            return Err(c.err("expected an instruction"));
        };
        // A branch hint before a folded instruction is for its head.
        let hint = self.cx.take_branch_hint();
        match kw {
            "block" | "loop" => {
                c.pos += 1;
                let label = self.opt_label(c);
                let bt = self.block_type(c)?;
                self.cx.record_branch_hint(hint, self.out.len());
                self.out.push(if kw == "block" { 0x02 } else { 0x03 });
                self.write_block_type(bt);
                self.cx.push_label(label);
                stack.push(Fold::Seq(SeqEnd::End));
            }
            "if" => {
                c.pos += 1;
                let label = self.opt_label(c);
                let bt = self.block_type(c)?;
                stack.push(Fold::IfCond(bt, label, hint));
            }
            "try_table" => {
                c.pos += 1;
                let label = self.opt_label(c);
                self.cx.record_branch_hint(hint, self.out.len());
                self.try_table_head(c)?;
                self.cx.push_label(label);
                stack.push(Fold::Seq(SeqEnd::End));
            }
            "try" => {
                c.pos += 1;
                let label = self.opt_label(c);
                let bt = self.block_type(c)?;
                self.cx.record_branch_hint(hint, self.out.len());
                self.out.push(0x06);
                self.write_block_type(bt);
                self.cx.push_label(label);
                if !c.take_paren_kw("do") {
                    return Err(c.err("expected `(do ...)`"));
                }
                stack.push(Fold::Seq(SeqEnd::TryDo));
            }
            _ => {
                // A plain instruction whose operands follow it, folded.
                let start = self.out.len();
                self.plain(c)?;
                let op = self.out.split_off(start);
                stack.push(Fold::Operands(op, hint));
            }
        }
        Ok(())
    }

    fn try_table_head(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let bt = self.block_type(c)?;
        self.out.push(0x1f);
        self.write_block_type(bt);
        let mut catches = Vec::new();
        loop {
            let kind = match c.paren_kw() {
                Some("catch") => 0u8,
                Some("catch_ref") => 1,
                Some("catch_all") => 2,
                Some("catch_all_ref") => 3,
                _ => break,
            };
            c.pos += 2;
            let tag = if kind < 2 {
                Some(self.enc.resolve(Space::Tag, &index_ref(c)?)?)
            } else {
                None
            };
            // Catch labels are resolved outside the try_table's own label.
            let label = self.cx.label(&index_ref(c)?)?;
            c.rparen()?;
            catches.push((kind, tag, label));
        }
        write_u32(self.out, catches.len() as u32);
        for (kind, tag, label) in catches {
            self.out.push(kind);
            if let Some(t) = tag {
                write_u32(self.out, t);
            }
            write_u32(self.out, label);
        }
        Ok(())
    }

    fn plain(&mut self, c: &mut Cursor<'_, '_>) -> Result<()> {
        let at = c.offset();
        let Some(kw) = c.peek_kw() else {
            return Err(c.err("expected an instruction"));
        };
        let hint = self.cx.take_branch_hint();
        self.cx.record_branch_hint(hint, self.out.len());
        c.pos += 1;
        match kw {
            "block" | "loop" | "if" | "try" => {
                let label = self.opt_label(c);
                let bt = self.block_type(c)?;
                self.out.push(match kw {
                    "block" => 0x02,
                    "loop" => 0x03,
                    "if" => 0x04,
                    _ => 0x06,
                });
                self.write_block_type(bt);
                self.cx.push_label(label);
                return Ok(());
            }
            "try_table" => {
                let label = self.opt_label(c);
                self.try_table_head(c)?;
                self.cx.push_label(label);
                return Ok(());
            }
            "end" => {
                self.check_end_label(c)?;
                self.cx.pop_label();
                self.out.push(0x0b);
                return Ok(());
            }
            "else" => {
                self.check_end_label(c)?;
                self.out.push(0x05);
                return Ok(());
            }
            "catch" => {
                let r = index_ref(c)?;
                self.check_end_label(c)?;
                self.out.push(0x07);
                let t = self.enc.resolve(Space::Tag, &r)?;
                write_u32(self.out, t);
                return Ok(());
            }
            "catch_all" => {
                self.check_end_label(c)?;
                self.out.push(0x19);
                return Ok(());
            }
            "delegate" => {
                self.cx.pop_label();
                let r = index_ref(c)?;
                let d = self.cx.label(&r)?;
                self.out.push(0x18);
                write_u32(self.out, d);
                return Ok(());
            }
            "select" => {
                let mut tys = Vec::new();
                let mut typed = false;
                while c.take_paren_kw("result") {
                    typed = true;
                    while !c.at_rparen() {
                        tys.push(self.enc.valtype(c)?);
                    }
                    c.rparen()?;
                }
                if !typed {
                    self.out.push(0x1b);
                } else {
                    self.out.push(0x1c);
                    write_u32(self.out, tys.len() as u32);
                    tys.iter().for_each(|t| t.encode(self.out));
                }
                return Ok(());
            }
            "call_indirect" | "return_call_indirect" => {
                let table = self.opt_index(c, Space::Table)?;
                let ty = self.enc.call_type_use(c)?;
                self.out.push(if kw == "call_indirect" { 0x11 } else { 0x13 });
                write_u32(self.out, ty);
                write_u32(self.out, table);
                return Ok(());
            }
            "table.init" => {
                let a = index_ref(c)?;
                let (table, elem) = match c.peek() {
                    Some(Tok::Num(_) | Tok::Id(_)) => {
                        let b = index_ref(c)?;
                        (self.enc.resolve(Space::Table, &a)?, self.enc.resolve(Space::Elem, &b)?)
                    }
                    _ => (0, self.enc.resolve(Space::Elem, &a)?),
                };
                self.out.extend_from_slice(&[0xfc, 12]);
                write_u32(self.out, elem);
                write_u32(self.out, table);
                return Ok(());
            }
            "memory.init" => {
                let a = index_ref(c)?;
                let (mem, data) = match c.peek() {
                    Some(Tok::Num(_) | Tok::Id(_)) => {
                        let b = index_ref(c)?;
                        (self.enc.resolve(Space::Memory, &a)?, self.enc.resolve(Space::Data, &b)?)
                    }
                    _ => (0, self.enc.resolve(Space::Data, &a)?),
                };
                *self.uses_data = true;
                self.out.extend_from_slice(&[0xfc, 8]);
                write_u32(self.out, data);
                write_u32(self.out, mem);
                return Ok(());
            }
            "ref.test" | "ref.cast" => {
                let rt = self.ref_type(c)?;
                let code = match (kw, rt.nullable) {
                    ("ref.test", false) => 0x14,
                    ("ref.test", true) => 0x15,
                    (_, false) => 0x16,
                    (_, true) => 0x17,
                };
                self.out.push(0xfb);
                write_u32(self.out, code);
                rt.heap.encode(self.out);
                return Ok(());
            }
            "br_on_cast" | "br_on_cast_fail" => {
                let r = index_ref(c)?;
                let label = self.cx.label(&r)?;
                let from = self.ref_type(c)?;
                let to = self.ref_type(c)?;
                self.out.push(0xfb);
                write_u32(self.out, if kw == "br_on_cast" { 0x18 } else { 0x19 });
                self.out.push(from.nullable as u8 | (to.nullable as u8) << 1);
                write_u32(self.out, label);
                from.heap.encode(self.out);
                to.heap.encode(self.out);
                return Ok(());
            }
            "i32.const" | "i64.const" => {
                let nat = c.offset();
                let n = c.num()?;
                if kw == "i32.const" {
                    let v = literal::parse_int(n, 32).ok_or_else(|| Error::new("constant out of range", nat))?;
                    self.out.push(0x41);
                    tern_binary::write_i32(self.out, v as u32 as i32);
                } else {
                    let v = literal::parse_int(n, 64).ok_or_else(|| Error::new("constant out of range", nat))?;
                    self.out.push(0x42);
                    tern_binary::write_i64(self.out, v as i64);
                }
                return Ok(());
            }
            "f32.const" => {
                let bits = self.f32_lit(c)?;
                self.out.push(0x43);
                self.out.extend_from_slice(&bits.to_le_bytes());
                return Ok(());
            }
            "f64.const" => {
                let bits = self.f64_lit(c)?;
                self.out.push(0x44);
                self.out.extend_from_slice(&bits.to_le_bytes());
                return Ok(());
            }
            "v128.const" => {
                let bytes = self.v128_lit(c)?;
                self.out.extend_from_slice(&[0xfd, 12]);
                self.out.extend_from_slice(&bytes);
                return Ok(());
            }
            _ => {}
        }
        let Some(info) = op_table().get(kw) else {
            return Err(Error::new(format!("unknown operator `{kw}`"), at));
        };
        let mut imm_bytes = Vec::new();
        // Memory instructions take an optional memory index before the
        // memarg (multi-memory).
        let mut mem_for_memarg = None;
        // The last type immediate: the struct type a field belongs to.
        let mut last_type = 0;
        for imm in info.imms {
            match imm {
                Imm::Field => {
                    let r = index_ref(c)?;
                    write_u32(&mut imm_bytes, self.enc.field_index(last_type, &r)?);
                }
                Imm::U32 => {
                    let n = c.u32()?;
                    write_u32(&mut imm_bytes, n);
                }
                Imm::Func => {
                    let r = index_ref(c)?;
                    write_u32(&mut imm_bytes, self.enc.resolve(Space::Func, &r)?);
                }
                Imm::Global => {
                    let r = index_ref(c)?;
                    write_u32(&mut imm_bytes, self.enc.resolve(Space::Global, &r)?);
                }
                Imm::Tag => {
                    let r = index_ref(c)?;
                    write_u32(&mut imm_bytes, self.enc.resolve(Space::Tag, &r)?);
                }
                Imm::Type => {
                    let r = index_ref(c)?;
                    last_type = self.enc.resolve(Space::Type, &r)?;
                    write_u32(&mut imm_bytes, last_type);
                }
                Imm::Data => {
                    let r = index_ref(c)?;
                    *self.uses_data = true;
                    write_u32(&mut imm_bytes, self.enc.resolve(Space::Data, &r)?);
                }
                Imm::Elem => {
                    let r = index_ref(c)?;
                    write_u32(&mut imm_bytes, self.enc.resolve(Space::Elem, &r)?);
                }
                Imm::Local => {
                    let r = index_ref(c)?;
                    write_u32(&mut imm_bytes, self.cx.local(&r)?);
                }
                Imm::Label => {
                    let r = index_ref(c)?;
                    write_u32(&mut imm_bytes, self.cx.label(&r)?);
                }
                Imm::Table => {
                    let t = self.opt_index(c, Space::Table)?;
                    write_u32(&mut imm_bytes, t);
                }
                Imm::Mem => {
                    let m = self.opt_index(c, Space::Memory)?;
                    write_u32(&mut imm_bytes, m);
                }
                Imm::MemArg => {
                    // A memory index comes first when given. For lane
                    // instructions a lone number is the lane, so a number
                    // is a memory index only if another number or a memarg
                    // keyword follows it.
                    let lane_op = info.imms.contains(&Imm::Lane);
                    let explicit_mem = match (c.peek(), c.peek_at(1)) {
                        (Some(Tok::Id(_)), _) => true,
                        (Some(Tok::Num(_)), Some(Tok::Num(_))) => true,
                        (Some(Tok::Num(_)), Some(Tok::Keyword(k))) => {
                            !lane_op || k.starts_with("offset=") || k.starts_with("align=")
                        }
                        (Some(Tok::Num(_)), _) => !lane_op,
                        _ => false,
                    };
                    let mem = match mem_for_memarg.take() {
                        Some(m) => m,
                        None if explicit_mem => self.opt_index(c, Space::Memory)?,
                        None => 0,
                    };
                    let (align, offset) = memarg(c, natural_align(kw))?;
                    write_memarg_value(&mut imm_bytes, align, offset, mem);
                }
                Imm::Zero => imm_bytes.push(0),
                Imm::Lane => {
                    let lat = c.offset();
                    let n = c.num()?;
                    let v = literal::parse_u32(n)
                        .filter(|v| *v < 256)
                        .ok_or_else(|| Error::new("malformed lane index", lat))?;
                    imm_bytes.push(v as u8);
                }
                Imm::Shuffle => {
                    for _ in 0..16 {
                        let lat = c.offset();
                        let n = c.num().map_err(|_| Error::new("invalid lane length", lat))?;
                        let v = literal::parse_u32(n)
                            .filter(|v| *v < 256)
                            .ok_or_else(|| Error::new("malformed lane index", lat))?;
                        imm_bytes.push(v as u8);
                    }
                    if c.at_num() {
                        return Err(c.err("invalid lane length"));
                    }
                }
                Imm::HeapType => {
                    let h = self.enc.heap_type(c)?;
                    h.encode(&mut imm_bytes);
                }
                Imm::BrTable => {
                    let mut targets = Vec::new();
                    while matches!(c.peek(), Some(Tok::Num(_) | Tok::Id(_))) {
                        let r = index_ref(c)?;
                        targets.push(self.cx.label(&r)?);
                    }
                    let Some(default) = targets.pop() else {
                        return Err(c.err("br_table needs at least a default label"));
                    };
                    write_u32(&mut imm_bytes, targets.len() as u32);
                    targets.iter().for_each(|t| write_u32(&mut imm_bytes, *t));
                    write_u32(&mut imm_bytes, default);
                }
                Imm::Value | Imm::BlockType | Imm::TryTable | Imm::SelectTypes => {
                    return Err(Error::new(format!("unsupported instruction syntax `{kw}`"), at));
                }
            }
        }
        if info.pre == 0 {
            self.out.push(info.code as u8);
        } else {
            self.out.push(info.pre);
            write_u32(self.out, info.code);
        }
        self.out.extend_from_slice(&imm_bytes);
        Ok(())
    }

    /// An optional index in `space` (0 when absent).
    fn opt_index(&mut self, c: &mut Cursor<'_, '_>, space: Space) -> Result<u32> {
        match c.peek() {
            Some(Tok::Num(_) | Tok::Id(_)) => {
                let r: Ref = index_ref(c)?;
                self.enc.resolve(space, &r)
            }
            _ => Ok(0),
        }
    }

    fn ref_type(&mut self, c: &mut Cursor<'_, '_>) -> Result<tern_binary::RefType> {
        let at = c.offset();
        match self.enc.valtype(c)? {
            tern_binary::ValType::Ref(r) => Ok(r),
            _ => Err(Error::new("expected a reference type", at)),
        }
    }

    fn f32_lit(&mut self, c: &mut Cursor<'_, '_>) -> Result<u32> {
        let at = c.offset();
        let t = match c.next() {
            Some(Tok::Num(n)) | Some(Tok::Keyword(n)) => *n,
            _ => return Err(Error::new("expected a float", at)),
        };
        literal::parse_f32(t)
            .ok_or_else(|| Error::new(format!("malformed float literal `{t}`: constant out of range"), at))
    }

    fn f64_lit(&mut self, c: &mut Cursor<'_, '_>) -> Result<u64> {
        let at = c.offset();
        let t = match c.next() {
            Some(Tok::Num(n)) | Some(Tok::Keyword(n)) => *n,
            _ => return Err(Error::new("expected a float", at)),
        };
        literal::parse_f64(t)
            .ok_or_else(|| Error::new(format!("malformed float literal `{t}`: constant out of range"), at))
    }

    fn v128_lit(&mut self, c: &mut Cursor<'_, '_>) -> Result<[u8; 16]> {
        let at = c.offset();
        let shape = c.peek_kw().ok_or_else(|| Error::new("expected a vector shape", at))?;
        c.pos += 1;
        let mut out = [0u8; 16];
        let (lanes, bits) =
            crate::wat::vector_shape(shape).ok_or_else(|| Error::new(format!("unknown vector shape `{shape}`"), at))?;
        let bytes = (bits / 8) as usize;
        for i in 0..lanes {
            let lat = c.offset();
            let v: u64 = if shape.starts_with('f') {
                if bits == 32 {
                    self.f32_lit(c)? as u64
                } else {
                    self.f64_lit(c)?
                }
            } else {
                let n = c.num().map_err(|_| Error::new("wrong number of lane literals", lat))?;
                literal::parse_int(n, bits).ok_or_else(|| Error::new("constant out of range", lat))?
            };
            out[i * bytes..(i + 1) * bytes].copy_from_slice(&v.to_le_bytes()[..bytes]);
        }
        if c.at_num() {
            return Err(c.err("wrong number of lane literals"));
        }
        Ok(out)
    }
}

/// `offset=N? align=N?`: returns (log2 alignment, offset).
fn memarg(c: &mut Cursor<'_, '_>, natural: u32) -> Result<(u32, u64)> {
    let mut offset = 0u64;
    let mut align = natural;
    if let Some(k) = c.peek_kw()
        && let Some(v) = k.strip_prefix("offset=")
    {
        let at = c.offset();
        offset =
            literal::parse_u64(v).ok_or_else(|| Error::new("malformed memory offset: constant out of range", at))?;
        c.pos += 1;
    }
    if let Some(k) = c.peek_kw()
        && let Some(v) = k.strip_prefix("align=")
    {
        let at = c.offset();
        // Any power of two up to 2^63: one larger than natural is a
        // validation error, not a malformed module (Wasm 3.0).
        let a = literal::parse_u64(v).ok_or_else(|| Error::new("malformed memory alignment", at))?;
        if !a.is_power_of_two() {
            return Err(Error::new("alignment must be a power of two", at));
        }
        align = a.trailing_zeros();
        c.pos += 1;
    }
    Ok((align, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_alignments() {
        assert_eq!(natural_align("i32.load"), 2);
        assert_eq!(natural_align("i64.load8_s"), 0);
        assert_eq!(natural_align("i64.store32"), 2);
        assert_eq!(natural_align("f64.load"), 3);
        assert_eq!(natural_align("v128.load"), 4);
        assert_eq!(natural_align("v128.load8x8_s"), 3);
        assert_eq!(natural_align("v128.load32_zero"), 2);
        assert_eq!(natural_align("v128.load16_lane"), 1);
        assert_eq!(natural_align("v128.store64_lane"), 3);
        assert_eq!(natural_align("v128.load64_splat"), 3);
        assert_eq!(natural_align("i64.atomic.load32_u"), 2);
        assert_eq!(natural_align("i64.atomic.rmw8.cmpxchg_u"), 0);
        assert_eq!(natural_align("i64.atomic.rmw.add"), 3);
        assert_eq!(natural_align("i32.atomic.store16"), 1);
        assert_eq!(natural_align("memory.atomic.notify"), 2);
        assert_eq!(natural_align("memory.atomic.wait64"), 3);
    }
}
