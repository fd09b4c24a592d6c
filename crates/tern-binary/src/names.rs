//! The `name` custom section: module, function and local names, and the
//! extended name maps (labels, types, tables, memories, globals, elements,
//! data, fields, tags, and the parameter names of function types and tags).

use crate::encode::{write_bytes, write_name, write_u32};
use crate::error::Result;
use crate::reader::Reader;

/// An index → name map, sorted by index as the format requires.
pub type NameMap<'a> = Vec<(u32, &'a str)>;

/// A decoded name section.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Names<'a> {
    pub module: Option<&'a str>,
    pub functions: NameMap<'a>,
    /// Per function: its local names.
    pub locals: Vec<(u32, NameMap<'a>)>,
    /// Other subsections with an indirect map (labels = 3, fields = 10, and
    /// as `wasm-tools` writes them: parameters of function types = 12,
    /// parameters of tags = 13).
    pub indirect: Vec<(u8, Vec<(u32, NameMap<'a>)>)>,
    /// Other subsections with a direct map (types = 4, tables = 5,
    /// memories = 6, globals = 7, elements = 8, data = 9, tags = 11).
    pub direct: Vec<(u8, NameMap<'a>)>,
}

fn read_map<'a>(r: &mut Reader<'a>) -> Result<NameMap<'a>> {
    let n = r.count(2)?;
    let mut v = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let idx = r.u32()?;
        v.push((idx, r.name()?));
    }
    Ok(v)
}

fn read_indirect<'a>(r: &mut Reader<'a>) -> Result<Vec<(u32, NameMap<'a>)>> {
    let n = r.count(2)?;
    let mut v = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let idx = r.u32()?;
        v.push((idx, read_map(r)?));
    }
    Ok(v)
}

impl<'a> Names<'a> {
    /// Decodes the payload of a `name` custom section found at absolute
    /// offset `offset`. Unknown subsections are skipped.
    pub fn decode(data: &'a [u8], offset: usize) -> Result<Names<'a>> {
        let mut r = Reader::new(data, offset);
        let mut names = Names::default();
        while !r.eof() {
            let id = r.u8()?;
            let size = r.u32()? as usize;
            let mut s = r.sub(size)?;
            match id {
                0 => names.module = Some(s.name()?),
                1 => names.functions = read_map(&mut s)?,
                2 => names.locals = read_indirect(&mut s)?,
                3 | 10 | 12 | 13 => names.indirect.push((id, read_indirect(&mut s)?)),
                4..=9 | 11 => names.direct.push((id, read_map(&mut s)?)),
                _ => continue,
            }
            if !s.eof() {
                return Err(s.error("name subsection size mismatch"));
            }
        }
        Ok(names)
    }

    /// Encodes the payload of a `name` custom section.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut sub = Vec::new();
        let map = |b: &mut Vec<u8>, m: &NameMap<'_>| {
            write_u32(b, m.len() as u32);
            for (i, n) in m {
                write_u32(b, *i);
                write_name(b, n);
            }
        };
        let indirect = |b: &mut Vec<u8>, m: &Vec<(u32, NameMap<'_>)>| {
            write_u32(b, m.len() as u32);
            for (i, inner) in m {
                write_u32(b, *i);
                map(b, inner);
            }
        };
        let emit = |out: &mut Vec<u8>, id: u8, sub: &mut Vec<u8>| {
            out.push(id);
            write_bytes(out, sub);
            sub.clear();
        };
        if let Some(m) = self.module {
            write_name(&mut sub, m);
            emit(&mut out, 0, &mut sub);
        }
        if !self.functions.is_empty() {
            map(&mut sub, &self.functions);
            emit(&mut out, 1, &mut sub);
        }
        if !self.locals.is_empty() {
            indirect(&mut sub, &self.locals);
            emit(&mut out, 2, &mut sub);
        }
        let mut rest: Vec<(u8, bool, usize)> = Vec::new();
        rest.extend(self.indirect.iter().enumerate().map(|(i, (id, _))| (*id, true, i)));
        rest.extend(self.direct.iter().enumerate().map(|(i, (id, _))| (*id, false, i)));
        rest.sort();
        for (id, is_indirect, i) in rest {
            if is_indirect {
                indirect(&mut sub, &self.indirect[i].1);
            } else {
                map(&mut sub, &self.direct[i].1);
            }
            emit(&mut out, id, &mut sub);
        }
        out
    }
}
