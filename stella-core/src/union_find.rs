//! Disjoint sets over `0..n` ("union-find"), with a deterministic representative.
//!
//! Both the vulnerability matcher (records that share an alias are one finding) and the VEX merge
//! (ids named together are one vulnerability) group things this way. The representative of each
//! set is always its **smallest member**, whatever order the unions came in and however the paths
//! were compressed, so output that is keyed or ordered by representative is deterministic.
//!
//! ```
//! use stella_core::union_find::DisjointSets;
//!
//! let mut sets = DisjointSets::new(5);
//! sets.union(4, 2);
//! sets.union(2, 3);
//! assert_eq!(sets.find(4), 2);
//! assert_eq!(sets.find(3), 2);
//! assert_eq!(sets.find(1), 1);
//! let fresh = sets.push();
//! assert_eq!((fresh, sets.find(fresh)), (5, 5));
//! ```

/// A forest of disjoint sets over the indices `0..len()`; see the [module docs](self).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisjointSets {
    parent: Vec<usize>,
}

impl DisjointSets {
    /// `n` singleton sets, `{0}`, `{1}`, … `{n - 1}`.
    pub fn new(n: usize) -> Self {
        let mut sets = Self::default();
        sets.reset(n);
        sets
    }

    /// Makes this `n` singleton sets again, keeping the allocation (for callers that group many
    /// small batches).
    pub fn reset(&mut self, n: usize) {
        self.parent.clear();
        self.parent.extend(0..n);
    }

    /// Adds a new singleton set and returns its index (the previous `len()`).
    pub fn push(&mut self) -> usize {
        let i = self.parent.len();
        self.parent.push(i);
        i
    }

    /// How many elements the sets hold together.
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    /// The representative (smallest member) of `i`'s set, halving the path on the way. An index
    /// out of range is its own set.
    pub fn find(&mut self, mut i: usize) -> usize {
        while let Some(&p) = self.parent.get(i) {
            if p == i {
                break;
            }
            let grandparent = self.parent.get(p).copied().unwrap_or(p);
            if let Some(slot) = self.parent.get_mut(i) {
                *slot = grandparent;
            }
            i = p;
        }
        i
    }

    /// Joins the sets of `a` and `b`; the smaller representative stays the representative.
    /// Returns that representative.
    pub fn union(&mut self, a: usize, b: usize) -> usize {
        let (ra, rb) = (self.find(a), self.find(b));
        let (lo, hi) = if ra <= rb { (ra, rb) } else { (rb, ra) };
        if lo != hi
            && let Some(slot) = self.parent.get_mut(hi)
        {
            *slot = lo;
        }
        lo
    }
}

#[cfg(test)]
mod tests {
    use super::DisjointSets;
    use proptest::prelude::*;

    /// The obvious quadratic model: a label per element, relabelled on union.
    fn model(n: usize, unions: &[(usize, usize)]) -> Vec<usize> {
        let mut label: Vec<usize> = (0..n).collect();
        for &(a, b) in unions {
            let (la, lb) = (label[a], label[b]);
            let keep = la.min(lb);
            for l in &mut label {
                if *l == la || *l == lb {
                    *l = keep;
                }
            }
        }
        label
    }

    proptest! {
        #[test]
        fn representative_is_the_smallest_member(
            n in 1usize..40,
            raw in proptest::collection::vec((0usize..40, 0usize..40), 0..80),
        ) {
            let unions: Vec<(usize, usize)> = raw.into_iter().map(|(a, b)| (a % n, b % n)).collect();
            let mut sets = DisjointSets::new(n);
            for &(a, b) in &unions {
                sets.union(a, b);
            }
            let got: Vec<usize> = (0..n).map(|i| sets.find(i)).collect();
            prop_assert_eq!(got, model(n, &unions));
        }
    }

    #[test]
    fn out_of_range_is_its_own_set_and_reset_forgets() {
        let mut sets = DisjointSets::new(3);
        assert_eq!(sets.find(7), 7);
        assert_eq!(sets.union(0, 2), 0);
        sets.reset(3);
        assert_eq!(sets.find(2), 2);
        assert_eq!(sets.len(), 3);
        assert!(!sets.is_empty());
    }
}
