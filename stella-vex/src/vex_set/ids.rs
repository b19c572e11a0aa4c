//! [`VulnIds`]: the vulnerability ids of a [`super::VexSet`], interned, grouped into one
//! vulnerability when a statement names them together.

use std::collections::HashMap;

use stella_core::union_find::DisjointSets;

/// Interned vulnerability ids (names and aliases) and their groups. An id's index is its order
/// of first sight; a group's representative is its smallest index ([`DisjointSets`]).
#[derive(Debug, Clone, Default)]
pub(super) struct VulnIds {
    /// Per index: the id text.
    names: Vec<String>,
    /// Id text to index.
    index: HashMap<String, usize>,
    /// The groups, over the indices.
    sets: DisjointSets,
}

impl VulnIds {
    /// The index of `name`, interned on first sight as a group of its own.
    pub(super) fn id(&mut self, name: &str) -> usize {
        if let Some(i) = self.index.get(name) {
            return *i;
        }
        let i = self.sets.push();
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }

    /// The id texts, by index.
    pub(super) fn names(&self) -> &[String] {
        &self.names
    }

    /// The index of `name`, if it was interned.
    pub(super) fn lookup(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The representative (smallest index) of `i`'s group.
    pub(super) fn find(&mut self, i: usize) -> usize {
        self.sets.find(i)
    }

    /// Joins the groups of `a` and `b` (ids named together).
    pub(super) fn union(&mut self, a: usize, b: usize) {
        self.sets.union(a, b);
    }
}
