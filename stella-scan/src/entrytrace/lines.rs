//! Finding the few lines of a big source file that matter, with SIMD substring search.

use memchr::memmem::Finder;

/// Most candidate lines considered in one file.
pub(crate) const MAX_CANDIDATES: usize = 100_000;

/// Byte offsets of the starts of the lines holding any of the patterns, sorted, unique.
pub(crate) fn interesting_line_starts(data: &[u8], finders: &[Finder<'_>]) -> Vec<usize> {
    let mut starts = Vec::new();
    for f in finders {
        for p in f.find_iter(data) {
            let start = data
                .get(..p)
                .and_then(|b| memchr::memrchr(b'\n', b))
                .map_or(0, |n| n + 1);
            starts.push(start);
            if starts.len() >= MAX_CANDIDATES {
                break;
            }
        }
    }
    starts.sort_unstable();
    starts.dedup();
    starts
}

/// The line starting at `at` (without its `\n`) and the offset of the next line.
pub(crate) fn line_at(data: &[u8], at: usize) -> (&[u8], usize) {
    let rest = data.get(at..).unwrap_or(&[]);
    match memchr::memchr(b'\n', rest) {
        Some(n) => (rest.get(..n).unwrap_or(rest), at + n + 1),
        None => (rest, data.len()),
    }
}

/// 1-based line numbers of increasing offsets, counting newlines incrementally.
#[derive(Debug, Default)]
pub(crate) struct LineCounter {
    offset: usize,
    newlines: usize,
}

impl LineCounter {
    /// The line number of the byte at `at` (offsets must not decrease between calls).
    pub(crate) fn line_of(&mut self, data: &[u8], at: usize) -> usize {
        if at > self.offset {
            let span = data.get(self.offset..at).unwrap_or(&[]);
            self.newlines += memchr::memchr_iter(b'\n', span).count();
            self.offset = at;
        }
        self.newlines + 1
    }
}
