//! Instructions: the per-operator immediates (generated from the operator
//! table), block structure with labels, and the folded form.

use tern_binary::{
    BinaryError, BlockType, BrOnCast, BrTable, CatchKind, ConstExpr, HeapType, Ieee32, Ieee64, MemArg, Operator,
    OperatorsReader, TryTable, V128, ValType,
};

use super::Printer;
use super::names::{Kind, Named};
use super::text::{push_f32, push_f64, push_hex, push_i64, push_str_lit, push_u32, push_u64};

/// What kind of block a control frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FrameKind {
    Func,
    Block,
    Loop,
    If,
    Else,
    Try,
    Catch,
    TryTable,
}

/// One open block of the function being printed.
#[derive(Clone, Copy, Debug)]
pub(super) struct Frame<'a> {
    kind: FrameKind,
    label: Option<Named<'a>>,
    /// Number of values a branch to this label carries.
    arity: u32,
    /// Printed as an S-expression (closed by `)` rather than `end`).
    folded: bool,
}

/// An expression printed on its own line in folded mode, that a later
/// instruction may take as an operand.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pending {
    /// Offset in the output of the line's leading newline.
    start: usize,
    /// Number of values it leaves on the stack (`None`: unknown or
    /// unreachable afterwards; such a line is never folded).
    results: Option<u32>,
}

/// Operand and result counts of an operator.
#[derive(Clone, Copy, Debug)]
enum Arity {
    Fixed(u32, u32),
    /// Depends on the module (calls, branches) or is handled by hand.
    Special,
}

/// The log2 of the natural alignment of a memory access, from its mnemonic:
/// the access width (`load8`, `store16`, `load8x8` = 64 bits) or the width
/// of the value type.
const fn natural_align(text: &str) -> u32 {
    let b = text.as_bytes();
    let ty_bits: u32 = match (b[0], b[1]) {
        (b'i', b'6') | (b'f', b'6') => 64,
        (b'v', _) => 128,
        _ => 32,
    };
    let mut i = 0;
    while i < b.len() && b[i] != b'.' {
        i += 1;
    }
    i += 1;
    // Past the operation's letters, and for atomics past `atomic.` and
    // `rmw`/`wait` (`i64.atomic.rmw16.add_u`, `memory.atomic.wait64`).
    while i < b.len() && (b[i].is_ascii_lowercase() || b[i] == b'.') {
        i += 1;
    }
    let mut n: u32 = 0;
    let mut any = false;
    while i < b.len() && b[i].is_ascii_digit() {
        n = n * 10 + (b[i] - b'0') as u32;
        i += 1;
        any = true;
    }
    let bits = if !any {
        ty_bits
    } else if i < b.len() && b[i] == b'x' {
        64
    } else {
        n
    };
    (bits / 8).trailing_zeros()
}

const fn ends_with(text: &str, suffix: &str) -> bool {
    let (a, b) = (text.as_bytes(), suffix.as_bytes());
    if b.len() > a.len() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if a[a.len() - b.len() + i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn contains(text: &str, needle: &str) -> bool {
    let (a, b) = (text.as_bytes(), needle.as_bytes());
    let mut i = 0;
    while i + b.len() <= a.len() {
        let mut k = 0;
        while k < b.len() && a[i + k] == b[k] {
            k += 1;
        }
        if k == b.len() {
            return true;
        }
        i += 1;
    }
    false
}

/// Operands and results of a memory access.
const fn mem_arity(text: &str) -> Arity {
    if contains(text, "cmpxchg") || contains(text, ".wait") {
        return Arity::Fixed(3, 1);
    }
    if contains(text, ".rmw") || contains(text, ".notify") {
        return Arity::Fixed(2, 1);
    }
    let store = contains(text, ".store");
    match (store, ends_with(text, "_lane")) {
        (false, false) => Arity::Fixed(1, 1),
        (false, true) => Arity::Fixed(2, 1),
        (true, _) => Arity::Fixed(2, 0),
    }
}

/// Operands and results of a lane access.
const fn lane_arity(text: &str) -> Arity {
    if contains(text, "replace_lane") {
        Arity::Fixed(2, 1)
    } else {
        Arity::Fixed(1, 1)
    }
}

macro_rules! one {
    ($x:tt) => {
        1
    };
}

macro_rules! row_arity {
    ([$($p:ident)* -> $($r:ident)*], $t:literal; $($f:ident)*) => {
        Arity::Fixed(0 $(+ one!($p))*, 0 $(+ one!($r))*)
    };
    (_, $t:literal; memarg) => {
        const { mem_arity($t) }
    };
    (_, $t:literal; memarg lane) => {
        const { mem_arity($t) }
    };
    (_, $t:literal; lane) => {
        const { lane_arity($t) }
    };
    (_, $t:literal; $($f:ident)*) => {
        Arity::Special
    };
}

/// Prints the immediates of one operator, chosen by the names of its
/// fields in the table. Each arm gets the field names twice: once to match,
/// once as the variables bound to their values.
macro_rules! imms {
    ($p:ident, $t:literal; ; ) => {};
    ($p:ident, $t:literal; blockty; $a:ident) => {
        $p.block_type(*$a)
    };
    ($p:ident, $t:literal; tag_index; $a:ident) => {{
        $p.out.push(' ');
        $p.tag_ref(*$a)
    }};
    ($p:ident, $t:literal; relative_depth; $a:ident) => {{
        $p.out.push(' ');
        $p.label_ref(*$a)
    }};
    ($p:ident, $t:literal; targets; $a:ident) => {
        $p.br_table($a)
    };
    ($p:ident, $t:literal; function_index; $a:ident) => {{
        $p.out.push(' ');
        $p.func_ref(*$a)
    }};
    ($p:ident, $t:literal; type_index table_index; $a:ident, $b:ident) => {{
        if *$b != 0 {
            $p.out.push(' ');
            $p.table_ref(*$b);
        }
        $p.out.push(' ');
        $p.type_use(*$a);
    }};
    ($p:ident, $t:literal; type_index; $a:ident) => {{
        $p.out.push(' ');
        $p.type_ref(*$a)
    }};
    ($p:ident, $t:literal; tys; $a:ident) => {
        $p.select_types($a)
    };
    ($p:ident, $t:literal; try_table; $a:ident) => {{
        $p.block_type($a.ty);
        $p.catches($a);
    }};
    ($p:ident, $t:literal; local_index; $a:ident) => {{
        $p.out.push(' ');
        $p.local_ref(*$a)
    }};
    ($p:ident, $t:literal; global_index; $a:ident) => {{
        $p.out.push(' ');
        $p.global_ref(*$a)
    }};
    ($p:ident, $t:literal; table; $a:ident) => {{
        $p.out.push(' ');
        $p.table_ref(*$a)
    }};
    ($p:ident, $t:literal; memarg; $a:ident) => {
        $p.memarg($a, const { natural_align($t) })
    };
    ($p:ident, $t:literal; memarg lane; $a:ident, $b:ident) => {{
        $p.memarg($a, const { natural_align($t) });
        $p.out.push(' ');
        push_u32(&mut $p.out, *$b as u32);
    }};
    ($p:ident, $t:literal; mem; $a:ident) => {
        $p.mem_opt(*$a)
    };
    ($p:ident, $t:literal; value; $a:ident) => {{
        $p.out.push(' ');
        Lit::push($a, &mut $p.out)
    }};
    ($p:ident, $t:literal; hty; $a:ident) => {{
        $p.out.push(' ');
        $p.heap_type(*$a)
    }};
    ($p:ident, $t:literal; data_index; $a:ident) => {{
        $p.out.push(' ');
        $p.data_ref(*$a)
    }};
    ($p:ident, $t:literal; data_index mem; $a:ident, $b:ident) => {{
        $p.mem_opt(*$b);
        $p.out.push(' ');
        $p.data_ref(*$a)
    }};
    ($p:ident, $t:literal; dst_mem src_mem; $a:ident, $b:ident) => {{
        if *$a != 0 || *$b != 0 {
            $p.out.push(' ');
            $p.memory_ref(*$a);
            $p.out.push(' ');
            $p.memory_ref(*$b);
        }
    }};
    ($p:ident, $t:literal; elem_index; $a:ident) => {{
        $p.out.push(' ');
        $p.elem_ref(*$a)
    }};
    ($p:ident, $t:literal; elem_index table; $a:ident, $b:ident) => {{
        if *$b != 0 {
            $p.out.push(' ');
            $p.table_ref(*$b);
        }
        $p.out.push(' ');
        $p.elem_ref(*$a)
    }};
    ($p:ident, $t:literal; dst_table src_table; $a:ident, $b:ident) => {{
        if *$a != 0 || *$b != 0 {
            $p.out.push(' ');
            $p.table_ref(*$a);
            $p.out.push(' ');
            $p.table_ref(*$b);
        }
    }};
    ($p:ident, $t:literal; struct_type_index; $a:ident) => {{
        $p.out.push(' ');
        $p.type_ref(*$a)
    }};
    ($p:ident, $t:literal; array_type_index; $a:ident) => {{
        $p.out.push(' ');
        $p.type_ref(*$a)
    }};
    ($p:ident, $t:literal; struct_type_index field_index; $a:ident, $b:ident) => {{
        $p.out.push(' ');
        $p.type_ref(*$a);
        $p.out.push(' ');
        $p.field_ref(*$a, *$b)
    }};
    ($p:ident, $t:literal; array_type_index array_size; $a:ident, $b:ident) => {{
        $p.out.push(' ');
        $p.type_ref(*$a);
        $p.out.push(' ');
        push_u32(&mut $p.out, *$b)
    }};
    ($p:ident, $t:literal; array_type_index array_data_index; $a:ident, $b:ident) => {{
        $p.out.push(' ');
        $p.type_ref(*$a);
        $p.out.push(' ');
        $p.data_ref(*$b)
    }};
    ($p:ident, $t:literal; array_type_index array_elem_index; $a:ident, $b:ident) => {{
        $p.out.push(' ');
        $p.type_ref(*$a);
        $p.out.push(' ');
        $p.elem_ref(*$b)
    }};
    ($p:ident, $t:literal; dst_array_type_index src_array_type_index; $a:ident, $b:ident) => {{
        $p.out.push(' ');
        $p.type_ref(*$a);
        $p.out.push(' ');
        $p.type_ref(*$b)
    }};
    ($p:ident, $t:literal; cast_hty; $a:ident) => {{
        $p.out.push_str(" (ref ");
        $p.heap_type(*$a);
        $p.out.push(')')
    }};
    ($p:ident, $t:literal; cast_null_hty; $a:ident) => {{
        $p.out.push_str(" (ref null ");
        $p.heap_type(*$a);
        $p.out.push(')')
    }};
    ($p:ident, $t:literal; cast; $a:ident) => {{
        let c: &BrOnCast = $a;
        $p.out.push(' ');
        $p.label_ref(c.relative_depth);
        $p.out.push(' ');
        $p.ref_type(c.from);
        $p.out.push(' ');
        $p.ref_type(c.to)
    }};
    ($p:ident, $t:literal; reserved; $a:ident) => {
        let _ = $a;
    };
    ($p:ident, $t:literal; lane; $a:ident) => {{
        $p.out.push(' ');
        push_u32(&mut $p.out, *$a as u32)
    }};
    ($p:ident, $t:literal; lanes; $a:ident) => {{
        for l in $a.iter() {
            $p.out.push(' ');
            push_u32(&mut $p.out, *l as u32);
        }
    }};
}

macro_rules! define_printer {
    ($( $feat:ident $pre:literal $code:literal $name:ident $visit:ident
        { $($f:ident : $t:ty $(as $rd:ident)?),* } $text:literal $sig:tt )*) => {
        impl<'a> Printer<'a, '_> {
            /// Prints an operator's mnemonic and immediates (no structure:
            /// block operators print their block type only).
            pub(super) fn print_op(&mut self, op: &Operator<'a>) {
                match op {
                    $( Operator::$name { $($f),* } => {
                        self.out.push_str($text);
                        imms!(self, $text; $($f)*; $($f),*);
                    } )*
                }
            }
        }

        fn table_arity(op: &Operator<'_>) -> Arity {
            match op {
                $( Operator::$name { .. } => row_arity!($sig, $text; $($f)*), )*
            }
        }
    };
}

tern_binary::for_each_operator!(define_printer);

/// Literal immediates.
trait Lit {
    fn push(&self, out: &mut String);
}

impl Lit for i32 {
    fn push(&self, out: &mut String) {
        push_i64(out, *self as i64)
    }
}

impl Lit for i64 {
    fn push(&self, out: &mut String) {
        push_i64(out, *self)
    }
}

impl Lit for Ieee32 {
    fn push(&self, out: &mut String) {
        push_f32(out, self.0)
    }
}

impl Lit for Ieee64 {
    fn push(&self, out: &mut String) {
        push_f64(out, self.0)
    }
}

impl Lit for V128 {
    fn push(&self, out: &mut String) {
        out.push_str("i32x4");
        for lane in self.0.chunks_exact(4) {
            out.push(' ');
            let v = u32::from_le_bytes([lane[0], lane[1], lane[2], lane[3]]);
            push_hex(out, v as u64, 8);
        }
    }
}

/// Local declarations beyond this many are not printed (each would take a
/// few bytes of text; the binary format can declare billions in a few bytes).
const MAX_PRINTED_LOCALS: u64 = 10_000_000;

impl<'a> Printer<'a, '_> {
    // -----------------------------------------------------------------
    // Immediates

    pub(super) fn block_type(&mut self, bt: BlockType) {
        match bt {
            BlockType::Empty => {}
            BlockType::Value(t) => {
                self.out.push_str(" (result ");
                self.val_type(t);
                self.out.push(')');
            }
            BlockType::Func(i) => {
                self.out.push(' ');
                self.type_use(i);
                self.params_results(i, false);
            }
        }
    }

    /// `(type N)`.
    pub(super) fn type_use(&mut self, i: u32) {
        self.out.push_str("(type ");
        self.type_ref(i);
        self.out.push(')');
    }

    fn br_table(&mut self, t: &BrTable<'a>) {
        for target in t.targets() {
            self.out.push(' ');
            self.label_ref(target);
        }
        self.out.push(' ');
        self.label_ref(t.default());
    }

    fn select_types(&mut self, tys: &[ValType]) {
        self.out.push_str(" (result");
        for &t in tys {
            self.out.push(' ');
            self.val_type(t);
        }
        self.out.push(')');
    }

    fn catches(&mut self, t: &TryTable) {
        for c in t.catches.iter() {
            self.out.push_str(match c.kind {
                CatchKind::Catch => " (catch ",
                CatchKind::CatchRef => " (catch_ref ",
                CatchKind::CatchAll => " (catch_all ",
                CatchKind::CatchAllRef => " (catch_all_ref ",
            });
            if matches!(c.kind, CatchKind::Catch | CatchKind::CatchRef) {
                self.tag_ref(c.tag);
                self.out.push(' ');
            }
            self.label_ref(c.label);
            self.out.push(')');
        }
    }

    fn memarg(&mut self, m: &MemArg, natural: u32) {
        self.mem_opt(m.memory);
        if m.offset != 0 {
            self.out.push_str(" offset=");
            push_u64(&mut self.out, m.offset);
        }
        if m.align != natural {
            if m.align < 64 {
                self.out.push_str(" align=");
                push_u64(&mut self.out, 1u64 << m.align);
            } else {
                // Not expressible in text (and never valid).
                self.out.push_str(" (; align=2**");
                push_u32(&mut self.out, m.align);
                self.out.push_str(" ;)");
            }
        }
    }

    /// A memory index, printed only when not 0.
    fn mem_opt(&mut self, mem: u32) {
        if mem != 0 {
            self.out.push(' ');
            self.memory_ref(mem);
        }
    }

    pub(super) fn heap_type(&mut self, h: HeapType) {
        match h {
            HeapType::Concrete(i) => self.type_ref(i),
            h => {
                use std::fmt::Write;
                let _ = write!(self.out, "{h}");
            }
        }
    }

    /// A label by relative depth: its identifier when it has one, else the
    /// depth with the absolute label number `@N` as a comment.
    pub(super) fn label_ref(&mut self, depth: u32) {
        let n = self.frames.len();
        if (depth as usize) < n {
            let abs = n - 1 - depth as usize;
            if let Some(Named { name, kind: Kind::Id }) = self.frames[abs].label {
                self.id(name);
                return;
            }
            push_u32(&mut self.out, depth);
            self.out.push_str(" (;@");
            push_u32(&mut self.out, abs as u32);
            self.out.push_str(";)");
        } else {
            push_u32(&mut self.out, depth);
        }
    }

    pub(super) fn local_ref(&mut self, i: u32) {
        match self.locals.id(i) {
            Some(name) => self.id(name),
            None => push_u32(&mut self.out, i),
        }
    }

    // -----------------------------------------------------------------
    // Constant expressions

    /// Prints the operators of a constant expression, without its final
    /// `end`, separated by spaces.
    pub(super) fn const_expr_flat(&mut self, e: &ConstExpr<'a>) -> Result<(), BinaryError> {
        self.frames.clear();
        let mut ops = e.operators();
        ops.set_multi_memory(true);
        let mut first = true;
        while !ops.eof() {
            let op = ops.read()?;
            if ops.eof() && matches!(op, Operator::End {}) {
                break;
            }
            if !first {
                self.out.push(' ');
            }
            first = false;
            self.print_op(&op);
        }
        Ok(())
    }

    /// Number of operators of a constant expression, not counting its `end`.
    pub(super) fn const_expr_len(e: &ConstExpr<'a>) -> Result<usize, BinaryError> {
        let mut ops = e.operators();
        ops.set_multi_memory(true);
        let mut n: usize = 0;
        while !ops.eof() {
            ops.read()?;
            n += 1;
        }
        Ok(n.saturating_sub(1))
    }

    /// A constant expression in parentheses: `(i32.const 0)` when it is one
    /// instruction, `(KEYWORD ...)` otherwise.
    pub(super) fn const_expr_wrapped(&mut self, e: &ConstExpr<'a>, keyword: &str) -> Result<(), BinaryError> {
        self.out.push('(');
        if Self::const_expr_len(e)? != 1 {
            self.out.push_str(keyword);
            self.out.push(' ');
        }
        self.const_expr_flat(e)?;
        self.out.push(')');
        Ok(())
    }

    // -----------------------------------------------------------------
    // Function bodies

    /// Prints the local declarations (on one line) and the body of a
    /// function whose parameters are `params` and results `results`.
    pub(super) fn func_body(
        &mut self,
        body: &tern_binary::FuncBody<'a>,
        params: u32,
        results: u32,
    ) -> Result<(), BinaryError> {
        let (groups, ops) = body.locals()?;
        let total: u64 = groups.iter().map(|&(n, _)| n as u64).sum();
        if total > MAX_PRINTED_LOCALS {
            return Err(BinaryError::new(
                format!("too many locals to print ({total})"),
                body.offset,
            ));
        }
        if total > 0 {
            self.newline();
            let mut idx = params;
            let mut in_run = false;
            let mut first = true;
            for &(count, ty) in &groups {
                for _ in 0..count {
                    match self.locals.get(idx) {
                        Some(named) => {
                            if in_run {
                                self.out.push(')');
                                in_run = false;
                            }
                            if !first {
                                self.out.push(' ');
                            }
                            self.out.push_str("(local ");
                            self.decl_name(named);
                            self.out.push(' ');
                            self.val_type(ty);
                            self.out.push(')');
                        }
                        None => {
                            if !in_run {
                                if !first {
                                    self.out.push(' ');
                                }
                                self.out.push_str("(local");
                                in_run = true;
                            }
                            self.out.push(' ');
                            self.val_type(ty);
                        }
                    }
                    first = false;
                    idx = idx.wrapping_add(1);
                }
            }
            if in_run {
                self.out.push(')');
            }
        }
        self.body(ops, results)
    }

    /// A declared name: `$id` or `(@name "..")`.
    pub(super) fn decl_name(&mut self, named: Named<'a>) {
        match named.kind {
            Kind::Id => self.id(named.name),
            Kind::Annotation => {
                self.out.push_str("(@name ");
                push_str_lit(&mut self.out, named.name);
                self.out.push(')');
            }
        }
    }

    fn body(&mut self, mut ops: OperatorsReader<'a>, results: u32) -> Result<(), BinaryError> {
        ops.set_multi_memory(true);
        ops.set_memory64(true);
        self.frames.clear();
        self.pending.clear();
        self.label_count = 0;
        self.frames.push(Frame {
            kind: FrameKind::Func,
            label: None,
            arity: results,
            folded: false,
        });
        loop {
            if ops.eof() {
                return Err(BinaryError::new("unexpected end of function body", ops.offset()));
            }
            let op = ops.read()?;
            match &op {
                Operator::Block { blockty } => self.open(FrameKind::Block, "block", *blockty, None),
                Operator::Loop { blockty } => self.open(FrameKind::Loop, "loop", *blockty, None),
                Operator::If { blockty } => self.open(FrameKind::If, "if", *blockty, None),
                Operator::Try { blockty } => self.open(FrameKind::Try, "try", *blockty, None),
                Operator::TryTable { try_table } => {
                    self.open(FrameKind::TryTable, "try_table", try_table.ty, Some(try_table))
                }
                Operator::Else {} => self.else_(),
                Operator::Catch { tag_index } => self.catch(Some(*tag_index)),
                Operator::CatchAll {} => self.catch(None),
                Operator::Delegate { relative_depth } => self.delegate(*relative_depth),
                Operator::End {} => {
                    if self.frames.len() <= 1 {
                        if !ops.eof() {
                            return Err(BinaryError::new(
                                "operators after the end of the function",
                                ops.offset(),
                            ));
                        }
                        break;
                    }
                    self.end();
                }
                _ => self.leaf(&op),
            }
        }
        self.pending.clear();
        self.frames.clear();
        Ok(())
    }

    /// Branch arity of a block type: results, or parameters for a loop.
    fn block_arity(&self, bt: BlockType, kind: FrameKind) -> u32 {
        match bt {
            BlockType::Empty => 0,
            BlockType::Value(_) => (kind != FrameKind::Loop) as u32,
            BlockType::Func(i) => match self.m.types.get(i as usize) {
                Some(t) if kind == FrameKind::Loop => t.params().len() as u32,
                Some(t) => t.results().len() as u32,
                None => 0,
            },
        }
    }

    fn open(&mut self, kind: FrameKind, mnemonic: &str, bt: BlockType, tt: Option<&TryTable>) {
        let folded = self.folded && kind != FrameKind::Try;
        // The condition of a folded `if`: the expression just before it.
        let mut cond = None;
        if folded
            && kind == FrameKind::If
            && let Some(&Pending {
                start,
                results: Some(1),
            }) = self.pending.last()
        {
            self.scratch.clear();
            self.scratch.push_str(self.out[start..].trim_start());
            self.out.truncate(start);
            cond = Some(());
        }
        self.pending.clear();
        let label = self.labels.get(self.label_count);
        self.label_count = self.label_count.wrapping_add(1);
        self.newline();
        if folded {
            self.out.push('(');
        }
        self.out.push_str(mnemonic);
        if let Some(named) = label {
            self.out.push(' ');
            self.decl_name(named);
        }
        self.block_type(bt);
        if let Some(tt) = tt {
            // Catch labels are relative to the block around the try_table.
            self.catches(tt);
        }
        if cond.is_some() {
            self.out.push(' ');
            let scratch = std::mem::take(&mut self.scratch);
            self.out.push_str(&scratch);
            self.scratch = scratch;
        }
        if !matches!(label, Some(Named { kind: Kind::Id, .. })) {
            self.out.push_str("  ;; label = @");
            push_u32(&mut self.out, self.frames.len() as u32);
        }
        let arity = self.block_arity(bt, kind);
        self.frames.push(Frame {
            kind,
            label,
            arity,
            folded,
        });
        self.indent += 1;
        if folded && kind == FrameKind::If {
            self.newline();
            self.out.push_str("(then");
            self.indent += 1;
        }
    }

    fn else_(&mut self) {
        self.pending.clear();
        let top = if self.frames.len() > 1 {
            self.frames.last().copied()
        } else {
            None
        };
        match top {
            Some(f) if f.kind == FrameKind::If && f.folded => {
                self.indent -= 1;
                self.newline();
                self.out.push(')');
                self.newline();
                self.out.push_str("(else");
                self.indent += 1;
            }
            Some(f) if f.kind == FrameKind::If => {
                self.indent -= 1;
                self.newline();
                self.out.push_str("else");
                self.indent += 1;
            }
            _ => {
                self.newline();
                self.out.push_str("else");
                return;
            }
        }
        if let Some(f) = self.frames.last_mut() {
            f.kind = FrameKind::Else;
        }
    }

    fn catch(&mut self, tag: Option<u32>) {
        self.pending.clear();
        let in_try = self.frames.len() > 1
            && matches!(self.frames.last(), Some(f) if matches!(f.kind, FrameKind::Try | FrameKind::Catch) && !f.folded);
        if in_try {
            self.indent -= 1;
        }
        self.newline();
        match tag {
            Some(t) => {
                self.out.push_str("catch ");
                self.tag_ref(t);
            }
            None => self.out.push_str("catch_all"),
        }
        if in_try {
            self.indent += 1;
            if let Some(f) = self.frames.last_mut() {
                f.kind = FrameKind::Catch;
            }
        }
    }

    fn delegate(&mut self, depth: u32) {
        self.pending.clear();
        if self.frames.len() > 1 {
            self.frames.pop();
            self.indent -= 1;
        }
        self.newline();
        self.out.push_str("delegate ");
        // Relative to the block around the `try`.
        self.label_ref(depth);
    }

    fn end(&mut self) {
        self.pending.clear();
        let Some(f) = self.frames.pop() else { return };
        if f.folded {
            if matches!(f.kind, FrameKind::If | FrameKind::Else) {
                self.indent -= 1;
                self.newline();
                self.out.push(')');
            }
            self.indent -= 1;
            self.newline();
            self.out.push(')');
        } else {
            self.indent -= 1;
            self.newline();
            self.out.push_str("end");
        }
    }

    /// An instruction without block structure.
    fn leaf(&mut self, op: &Operator<'a>) {
        if !self.folded {
            self.newline();
            self.print_op(op);
            return;
        }
        let Some((params, results)) = self.arity(op) else {
            self.pending.clear();
            self.newline();
            self.print_op(op);
            return;
        };
        let n = params as usize;
        let len = self.pending.len();
        let foldable = n <= len && self.pending[len - n..].iter().all(|p| p.results == Some(1));
        if !foldable {
            self.pending.clear();
            let start = self.out.len();
            self.newline();
            self.out.push('(');
            self.print_op(op);
            self.out.push(')');
            self.push_pending(start, results);
            return;
        }
        if n == 0 {
            let start = self.out.len();
            self.newline();
            self.out.push('(');
            self.print_op(op);
            self.out.push(')');
            self.push_pending(start, results);
            return;
        }
        // Move the operand lines aside, then write `(op operand..)`.
        let first = self.pending[len - n].start;
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        scratch.push_str(&self.out[first..]);
        self.out.truncate(first);
        self.newline();
        self.out.push('(');
        self.print_op(op);
        for k in 0..n {
            let a = self.pending[len - n + k].start - first;
            let b = if k + 1 < n {
                self.pending[len - n + k + 1].start - first
            } else {
                scratch.len()
            };
            self.out.push(' ');
            self.out.push_str(scratch[a..b].trim_start());
        }
        self.out.push(')');
        self.scratch = scratch;
        self.pending.truncate(len - n);
        self.push_pending(first, results);
    }

    fn push_pending(&mut self, start: usize, results: Option<u32>) {
        if results.is_none() {
            self.pending.clear();
        } else {
            self.pending.push(Pending { start, results });
        }
    }

    /// Branch arity of the label at `depth`.
    fn label_arity(&self, depth: u32) -> Option<u32> {
        let n = self.frames.len();
        if (depth as usize) < n {
            Some(self.frames[n - 1 - depth as usize].arity)
        } else {
            None
        }
    }

    fn func_arity(&self, f: u32) -> Option<(u32, u32)> {
        let t = *self.func_types.get(f as usize)?;
        self.type_arity(t)
    }

    fn type_arity(&self, t: u32) -> Option<(u32, u32)> {
        let ft = self.m.types.get(t as usize)?;
        Some((ft.params().len() as u32, ft.results().len() as u32))
    }

    /// Operands taken and results left by `op` (`None` results: the rest of
    /// the block is unreachable), or `None` when unknown.
    fn arity(&self, op: &Operator<'a>) -> Option<(u32, Option<u32>)> {
        if let Arity::Fixed(p, r) = table_arity(op) {
            return Some((p, Some(r)));
        }
        use Operator as O;
        let fixed = |p: u32, r: u32| Some((p, Some(r)));
        match op {
            O::Unreachable {} => Some((0, None)),
            O::Br { relative_depth } => Some((self.label_arity(*relative_depth)?, None)),
            O::BrIf { relative_depth } => {
                let a = self.label_arity(*relative_depth)?;
                Some((a + 1, Some(a)))
            }
            O::BrTable { targets } => Some((self.label_arity(targets.default())? + 1, None)),
            O::Return {} => Some((self.frames.first()?.arity, None)),
            O::Call { function_index } => {
                let (p, r) = self.func_arity(*function_index)?;
                fixed(p, r)
            }
            O::ReturnCall { function_index } => Some((self.func_arity(*function_index)?.0, None)),
            O::CallIndirect { type_index, .. } => {
                let (p, r) = self.type_arity(*type_index)?;
                fixed(p + 1, r)
            }
            O::ReturnCallIndirect { type_index, .. } => Some((self.type_arity(*type_index)?.0 + 1, None)),
            O::CallRef { type_index } => {
                let (p, r) = self.type_arity(*type_index)?;
                fixed(p + 1, r)
            }
            O::ReturnCallRef { type_index } => Some((self.type_arity(*type_index)?.0 + 1, None)),
            O::RefAsNonNull {} => fixed(1, 1),
            O::AtomicFence { .. } => fixed(0, 0),
            O::BrOnNull { relative_depth } => {
                let a = self.label_arity(*relative_depth)?;
                Some((a + 1, Some(a + 1)))
            }
            O::BrOnNonNull { relative_depth } => {
                let a = self.label_arity(*relative_depth)?;
                Some((a, Some(a.checked_sub(1)?)))
            }
            O::Throw { tag_index } => {
                let t = *self.tag_types.get(*tag_index as usize)?;
                Some((self.type_arity(t)?.0, None))
            }
            O::ThrowRef {} => Some((1, None)),
            O::Rethrow { .. } => Some((0, None)),
            O::Drop {} => fixed(1, 0),
            O::Select {} | O::TypedSelect { .. } => fixed(3, 1),
            O::LocalGet { .. } | O::GlobalGet { .. } => fixed(0, 1),
            O::LocalSet { .. } | O::GlobalSet { .. } => fixed(1, 0),
            O::LocalTee { .. } => fixed(1, 1),
            O::TableGet { .. } => fixed(1, 1),
            O::TableSet { .. } => fixed(2, 0),
            O::MemorySize { .. } | O::TableSize { .. } => fixed(0, 1),
            O::MemoryGrow { .. } => fixed(1, 1),
            O::TableGrow { .. } => fixed(2, 1),
            O::MemoryInit { .. }
            | O::MemoryCopy { .. }
            | O::MemoryFill { .. }
            | O::TableInit { .. }
            | O::TableCopy { .. }
            | O::TableFill { .. } => fixed(3, 0),
            O::DataDrop { .. } | O::ElemDrop { .. } => fixed(0, 0),
            O::RefNull { .. } | O::RefFunc { .. } => fixed(0, 1),
            O::RefIsNull {} => fixed(1, 1),
            O::I8x16Shuffle { .. } => fixed(2, 1),
            O::RefEq {} => fixed(2, 1),
            O::StructNew { struct_type_index } => fixed(
                self.m
                    .type_defs
                    .get(*struct_type_index as usize)
                    .map_or(0, |d| match &d.composite {
                        tern_binary::CompositeType::Struct(f) => f.len() as u32,
                        _ => 0,
                    }),
                1,
            ),
            O::StructNewDefault { .. } => fixed(0, 1),
            O::StructGet { .. } | O::StructGetS { .. } | O::StructGetU { .. } => fixed(1, 1),
            O::StructSet { .. } => fixed(2, 0),
            O::ArrayNew { .. } => fixed(2, 1),
            O::ArrayNewDefault { .. } => fixed(1, 1),
            O::ArrayNewFixed { array_size, .. } => fixed(*array_size, 1),
            O::ArrayNewData { .. } | O::ArrayNewElem { .. } => fixed(2, 1),
            O::ArrayGet { .. } | O::ArrayGetS { .. } | O::ArrayGetU { .. } => fixed(2, 1),
            O::ArraySet { .. } => fixed(3, 0),
            O::ArrayLen {} => fixed(1, 1),
            O::ArrayFill { .. } => fixed(4, 0),
            O::ArrayCopy { .. } => fixed(5, 0),
            O::ArrayInitData { .. } | O::ArrayInitElem { .. } => fixed(4, 0),
            O::RefTest { .. } | O::RefTestNull { .. } | O::RefCast { .. } | O::RefCastNull { .. } => fixed(1, 1),
            O::BrOnCast { cast } | O::BrOnCastFail { cast } => {
                let a = self.label_arity(cast.relative_depth)?;
                Some((a, Some(a)))
            }
            O::AnyConvertExtern {} | O::ExternConvertAny {} => fixed(1, 1),
            O::RefI31 {} | O::I31GetS {} | O::I31GetU {} => fixed(1, 1),
            _ => None,
        }
    }
}
