//! Names from the `name` section, turned into identifiers the text format
//! can hold: `$name` or `$"name"` when unique in their index space, and a
//! `(@name "..")` annotation (with references by index) for empty or
//! duplicate names, so that every name reads back unchanged.

use std::collections::HashSet;

use tern_binary::{NameMap, Names};

/// How a name is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// As an identifier (`$name` or `$"name"`); references use it.
    Id,
    /// As a `(@name "..")` annotation only; references use the index.
    Annotation,
}

/// A name and how it is printed.
#[derive(Clone, Copy, Debug)]
pub(super) struct Named<'a> {
    pub name: &'a str,
    pub kind: Kind,
}

/// The names of one index space, by index.
#[derive(Default)]
pub(super) struct Space<'a> {
    names: Vec<Option<Named<'a>>>,
}

impl<'a> Space<'a> {
    /// Resolves `map` for a space of `count` entities. Entries out of range
    /// and repeated indices are dropped (the printer then keeps the original
    /// name section as raw bytes).
    pub fn new(map: &[(u32, &'a str)], count: usize, used: &mut HashSet<&'a str>) -> Space<'a> {
        if map.is_empty() {
            return Space::default();
        }
        used.clear();
        let mut names = vec![None; count];
        for &(idx, name) in map {
            let Some(slot) = names.get_mut(idx as usize) else {
                continue;
            };
            if slot.is_some() {
                continue;
            }
            let kind = if !name.is_empty() && used.insert(name) {
                Kind::Id
            } else {
                Kind::Annotation
            };
            *slot = Some(Named { name, kind });
        }
        Space { names }
    }

    #[inline]
    pub fn get(&self, idx: u32) -> Option<Named<'a>> {
        self.names.get(idx as usize).copied().flatten()
    }

    /// The identifier of `idx`, if it has one.
    #[inline]
    pub fn id(&self, idx: u32) -> Option<&'a str> {
        id_of(self.get(idx))
    }

    /// The names as they will read back: index order, in range, one each.
    pub fn to_map(&self) -> NameMap<'a> {
        self.names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| n.map(|n| (i as u32, n.name)))
            .collect()
    }
}

/// A sparse, sorted index → name list (locals and labels of one function).
#[derive(Default)]
pub(super) struct Sparse<'a> {
    pub entries: Vec<(u32, Named<'a>)>,
}

impl<'a> Sparse<'a> {
    /// Resolves `map` for indices below `count`.
    pub fn fill(&mut self, map: &[(u32, &'a str)], count: u64, used: &mut HashSet<&'a str>) {
        self.entries.clear();
        used.clear();
        for &(idx, name) in map {
            if idx as u64 >= count {
                continue;
            }
            if let Some(&(last, _)) = self.entries.last()
                && last >= idx
            {
                // Unsorted or repeated: keep the first of each index.
                if self.entries.iter().any(|&(i, _)| i == idx) {
                    continue;
                }
            }
            let kind = if !name.is_empty() && used.insert(name) {
                Kind::Id
            } else {
                Kind::Annotation
            };
            self.entries.push((idx, Named { name, kind }));
        }
        self.entries.sort_by_key(|&(i, _)| i);
    }

    #[inline]
    pub fn get(&self, idx: u32) -> Option<Named<'a>> {
        if self.entries.is_empty() {
            return None;
        }
        self.entries
            .binary_search_by_key(&idx, |&(i, _)| i)
            .ok()
            .map(|k| self.entries[k].1)
    }

    #[inline]
    pub fn id(&self, idx: u32) -> Option<&'a str> {
        id_of(self.get(idx))
    }

    pub fn to_map(&self) -> NameMap<'a> {
        self.entries.iter().map(|&(i, n)| (i, n.name)).collect()
    }
}

/// Finds the name map of entity `idx` in an indirect map (sorted by
/// [`normalize`]).
pub(super) fn find_indirect<'n, 'a>(list: &'n [(u32, NameMap<'a>)], idx: u32) -> Option<&'n NameMap<'a>> {
    list.binary_search_by_key(&idx, |(i, _)| *i).ok().map(|k| &list[k].1)
}

/// Sorts the indirect maps (per function, type or tag) by index, keeping
/// the first map of a repeated index, so that lookups are binary searches.
/// A name section that was not in this form is printed raw anyway: the
/// names the printer writes would not encode to the same bytes.
pub(super) fn normalize(names: &mut Names<'_>) {
    fn fix(list: &mut Vec<(u32, NameMap<'_>)>) {
        if !list.is_sorted_by(|a, b| a.0 < b.0) {
            list.sort_by_key(|(i, _)| *i);
            list.dedup_by_key(|(i, _)| *i);
        }
    }
    fix(&mut names.locals);
    for (_, list) in &mut names.indirect {
        fix(list);
    }
}

/// The subsection ids of the extended name maps.
pub(super) mod sub {
    pub const LABELS: u8 = 3;
    pub const TYPES: u8 = 4;
    pub const TABLES: u8 = 5;
    pub const MEMORIES: u8 = 6;
    pub const GLOBALS: u8 = 7;
    pub const ELEMS: u8 = 8;
    pub const DATA: u8 = 9;
    /// Field names of struct types.
    pub const FIELDS: u8 = 10;
    pub const TAGS: u8 = 11;
    /// Parameter names of function types (written by `wasm-tools`).
    pub const TYPE_PARAMS: u8 = 12;
    /// Parameter names of tags (written by `wasm-tools`).
    pub const TAG_PARAMS: u8 = 13;
}

/// The direct map with subsection `id`, or an empty one.
pub(super) fn direct<'n, 'a>(names: &'n Names<'a>, id: u8) -> &'n [(u32, &'a str)] {
    names
        .direct
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, m)| m.as_slice())
        .unwrap_or(&[])
}

/// The indirect map with subsection `id`, or an empty one.
pub(super) fn indirect<'n, 'a>(names: &'n Names<'a>, id: u8) -> &'n [(u32, NameMap<'a>)] {
    names
        .indirect
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, m)| m.as_slice())
        .unwrap_or(&[])
}

/// The name, if it is printed as an identifier.
#[inline]
fn id_of(named: Option<Named<'_>>) -> Option<&str> {
    match named {
        Some(Named { name, kind: Kind::Id }) => Some(name),
        _ => None,
    }
}
