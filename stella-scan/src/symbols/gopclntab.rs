//! The Go function table (`pclntab`): the function names a Go binary links, read as Go's own
//! `debug/gosym` reads them, bounded.
//!
//! Four header layouts are read, told apart by the magic at offset 0 (either byte order):
//!
//! | magic        | Go        | header words after `magic, 0, 0, quantum, ptrsize`                         |
//! |--------------|-----------|-----------------------------------------------------------------------------|
//! | `0xfffffffb` | 1.2–1.15  | `nfunc`, then the function table `(pc, funcoff)` (pointer-sized fields)      |
//! | `0xfffffffa` | 1.16–1.17 | `nfunc, nfiles, funcnametab, cutab, filetab, pctab, functab`                 |
//! | `0xfffffff0` | 1.18–1.19 | `nfunc, nfiles, textStart, funcnametab, cutab, filetab, pctab, functab`      |
//! | `0xfffffff1` | 1.20+     | as 1.18                                                                     |
//!
//! The functions are the function table's entries: each points at a `_func` record whose name
//! offset indexes the name table (the whole pclntab for 1.2). From 1.16 on, the name table
//! also holds the names of functions that were only ever inlined (the inline trees point into
//! it); those are returned apart, as [`GoFunctions::inlined`].
//!
//! Bounds: every offset is checked against the table before it is read, the function count
//! against the bytes its table needs, and names are at most [`MAX_NAME`] bytes; nothing is
//! allocated from a count before that check.

use std::collections::BTreeSet;

/// Longest function name read (longer ones are a malformed table).
pub const MAX_NAME: usize = 64 << 10;

/// Why a function table could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PclntabError {
    /// The first bytes are not a pclntab magic with its padding, quantum and pointer size.
    #[error("not a Go pclntab header")]
    BadHeader,
    /// A header offset, a function entry or a name points outside the table.
    #[error("pclntab {what} out of bounds")]
    OutOfBounds {
        /// Which field.
        what: &'static str,
    },
    /// A function name is not NUL-terminated within [`MAX_NAME`] bytes.
    #[error("pclntab function name unterminated or longer than 64 KiB")]
    BadName,
    /// The distinct names add up to more than twice the table's bytes: entries point into each
    /// other's names (a real table's names do not overlap), which could otherwise make a small
    /// input expand into gigabytes of names.
    #[error("pclntab function names overlap beyond the table's size")]
    NamesOverlap,
}

/// The pclntab layout, by its magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PclntabVersion {
    /// Go 1.2 to 1.15.
    Go12,
    /// Go 1.16 and 1.17.
    Go116,
    /// Go 1.18 and 1.19.
    Go118,
    /// Go 1.20 and later.
    Go120,
}

impl PclntabVersion {
    fn of_magic(magic: u32) -> Option<Self> {
        match magic {
            0xffff_fffb => Some(Self::Go12),
            0xffff_fffa => Some(Self::Go116),
            0xffff_fff0 => Some(Self::Go118),
            0xffff_fff1 => Some(Self::Go120),
            _ => None,
        }
    }

    /// A short label (`go1.2`, `go1.16`, `go1.18`, `go1.20`).
    pub fn label(&self) -> &'static str {
        match self {
            Self::Go12 => "go1.2",
            Self::Go116 => "go1.16",
            Self::Go118 => "go1.18",
            Self::Go120 => "go1.20",
        }
    }
}

/// The function names of a pclntab.
///
/// ```
/// use stella_scan::symbols::gopclntab::{parse_pclntab, PclntabError};
/// assert_eq!(parse_pclntab(b"not a table").unwrap_err(), PclntabError::BadHeader);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoFunctions {
    /// The layout read.
    pub version: PclntabVersion,
    /// Names of the functions in the function table (compiled functions), sorted, unique.
    pub functions: Vec<String>,
    /// Names in the name table that no function-table entry has: functions only inlined
    /// (Go 1.16 and later; empty for 1.2), sorted, unique.
    pub inlined: Vec<String>,
}

#[derive(Clone, Copy)]
struct Reader<'a> {
    data: &'a [u8],
    big_endian: bool,
    ptr: usize,
}

impl Reader<'_> {
    /// The `N` bytes at `at`, in little-endian order (reversed for a big-endian table).
    fn bytes<const N: usize>(
        &self,
        at: usize,
        what: &'static str,
    ) -> Result<[u8; N], PclntabError> {
        let mut b: [u8; N] = at
            .checked_add(N)
            .and_then(|end| self.data.get(at..end))
            .and_then(|s| s.try_into().ok())
            .ok_or(PclntabError::OutOfBounds { what })?;
        if self.big_endian {
            b.reverse();
        }
        Ok(b)
    }

    fn u32_at(&self, at: usize, what: &'static str) -> Result<u32, PclntabError> {
        self.bytes(at, what).map(u32::from_le_bytes)
    }

    fn word_at(&self, at: usize, what: &'static str) -> Result<u64, PclntabError> {
        if self.ptr == 4 {
            return self.u32_at(at, what).map(u64::from);
        }
        self.bytes(at, what).map(u64::from_le_bytes)
    }

    /// Header word `n` (after the 8-byte prefix) as an offset into the table.
    fn header_offset(&self, n: usize, what: &'static str) -> Result<usize, PclntabError> {
        let v = self.word_at(8 + n * self.ptr, what)?;
        usize::try_from(v)
            .ok()
            .filter(|v| *v <= self.data.len())
            .ok_or(PclntabError::OutOfBounds { what })
    }
}

/// Reads the header: version, byte order and pointer size; `None` when `data` does not start
/// with a pclntab header.
fn header(data: &[u8]) -> Option<(PclntabVersion, Reader<'_>)> {
    let magic: [u8; 4] = data.get(..4)?.try_into().ok()?;
    let (version, big_endian) = match PclntabVersion::of_magic(u32::from_le_bytes(magic)) {
        Some(v) => (v, false),
        None => (PclntabVersion::of_magic(u32::from_be_bytes(magic))?, true),
    };
    let (pad, quantum, ptr) = (data.get(4..6)?, *data.get(6)?, *data.get(7)?);
    if pad != [0, 0] || !matches!(quantum, 1 | 2 | 4) || !matches!(ptr, 4 | 8) {
        return None;
    }
    Some((
        version,
        Reader {
            data,
            big_endian,
            ptr: usize::from(ptr),
        },
    ))
}

/// The NUL-terminated name at `off` of `table`.
fn name_at(table: &[u8], off: usize) -> Result<&[u8], PclntabError> {
    let rest = table.get(off..).ok_or(PclntabError::OutOfBounds {
        what: "name offset",
    })?;
    let window = rest.get(..MAX_NAME + 1).unwrap_or(rest);
    let end = memchr::memchr(0, window).ok_or(PclntabError::BadName)?;
    window.get(..end).ok_or(PclntabError::BadName)
}

/// Reads the function names of the pclntab that starts at `data[0]` (the `.gopclntab` section,
/// or the bytes from a magic found in a binary without sections; trailing bytes are ignored).
pub fn parse_pclntab(data: &[u8]) -> Result<GoFunctions, PclntabError> {
    let (version, r) = header(data).ok_or(PclntabError::BadHeader)?;
    let nfunc = usize::try_from(r.word_at(8, "function count")?).unwrap_or(usize::MAX);
    // (functab, field size, funcdata base, name table, name table end, _func entry size)
    let (functab_off, field, funcdata, names, names_end) = match version {
        PclntabVersion::Go12 => (8 + r.ptr, r.ptr, 0, 0, data.len()),
        PclntabVersion::Go116 => {
            let ft = r.header_offset(6, "function table offset")?;
            let nt = r.header_offset(2, "name table offset")?;
            let cu = r.header_offset(3, "cu table offset")?;
            (ft, r.ptr, ft, nt, cu.max(nt))
        }
        PclntabVersion::Go118 | PclntabVersion::Go120 => {
            let ft = r.header_offset(7, "function table offset")?;
            let nt = r.header_offset(3, "name table offset")?;
            let cu = r.header_offset(4, "cu table offset")?;
            (ft, 4, ft, nt, cu.max(nt))
        }
    };
    // The function table holds nfunc (entry, funcoff) pairs: check before reading any.
    let needed = nfunc
        .checked_mul(2 * field)
        .and_then(|n| n.checked_add(functab_off))
        .filter(|end| *end <= data.len())
        .ok_or(PclntabError::OutOfBounds {
            what: "function table",
        })?;
    let _ = needed;
    let name_table = data
        .get(names..names_end)
        .ok_or(PclntabError::OutOfBounds { what: "name table" })?;
    // The _func record starts with the entry (pointer-sized before 1.18, a u32 offset after).
    let entry_size = if version >= PclntabVersion::Go118 {
        4
    } else {
        r.ptr
    };
    let mut functions = BTreeSet::new();
    let mut name_offsets = BTreeSet::new();
    let mut name_bytes = 0usize;
    for i in 0..nfunc {
        let at = functab_off + (2 * i + 1) * field;
        let funcoff = if field == 4 {
            u64::from(r.u32_at(at, "function entry")?)
        } else {
            r.word_at(at, "function entry")?
        };
        let record = usize::try_from(funcoff)
            .ok()
            .and_then(|o| o.checked_add(funcdata))
            .ok_or(PclntabError::OutOfBounds {
                what: "function record",
            })?;
        let name_field = record
            .checked_add(entry_size)
            .ok_or(PclntabError::OutOfBounds {
                what: "function record",
            })?;
        let nameoff = r.u32_at(name_field, "function record")?;
        let nameoff = usize::try_from(nameoff).map_err(|_| PclntabError::OutOfBounds {
            what: "name offset",
        })?;
        let table = if version == PclntabVersion::Go12 {
            data
        } else {
            name_table
        };
        if !name_offsets.insert(nameoff) {
            continue;
        }
        let name = name_at(table, nameoff)?;
        name_bytes = name_bytes.saturating_add(name.len());
        if name_bytes > data.len().saturating_mul(2) {
            return Err(PclntabError::NamesOverlap);
        }
        functions.insert(String::from_utf8_lossy(name).into_owned());
    }
    let mut inlined = BTreeSet::new();
    if version != PclntabVersion::Go12 {
        let mut off = 0usize;
        for name in name_table.split(|b| *b == 0) {
            if !name.is_empty() && !name_offsets.contains(&off) && name.len() <= MAX_NAME {
                let name = String::from_utf8_lossy(name);
                if !functions.contains(name.as_ref()) {
                    inlined.insert(name.into_owned());
                }
            }
            off = off.saturating_add(name.len() + 1);
        }
    }
    Ok(GoFunctions {
        version,
        functions: functions.into_iter().collect(),
        inlined: inlined.into_iter().collect(),
    })
}

/// Finds a pclntab in a binary whose section headers are gone: the first offset where a
/// pclntab magic (either byte order) starts a table that parses, and its parse.
pub fn find_pclntab(binary: &[u8]) -> Option<GoFunctions> {
    const MAGICS: [[u8; 4]; 4] = [
        0xffff_fff1u32.to_le_bytes(),
        0xffff_fff0u32.to_le_bytes(),
        0xffff_fffau32.to_le_bytes(),
        0xffff_fffbu32.to_le_bytes(),
    ];
    // Every magic shares the prefix `ff ff ff` (LE: after the first byte; BE: first); search
    // for the 6-byte `magic, 0, 0` of each layout and order.
    for magic in MAGICS {
        for m in [magic, {
            let mut b = magic;
            b.reverse();
            b
        }] {
            let mut needle = m.to_vec();
            needle.extend_from_slice(&[0, 0]);
            for at in memchr::memmem::find_iter(binary, &needle) {
                if let Some(found) = binary.get(at..).and_then(|d| parse_pclntab(d).ok()) {
                    if !found.functions.is_empty() {
                        return Some(found);
                    }
                }
            }
        }
    }
    None
}

/// A Go function name split as `govulncheck` splits it: (package path, symbol), the symbol as
/// the Go vulndb writes it — `Func`, or `Type.Method` for methods on `T` and `*T`. Generic
/// instantiations (`[...]`) are dropped; the linker's `%2e` escape of dots in the last path
/// element is undone. `None` for compiler-generated names (`go:`, `type:`, `go.`, `type.`).
///
/// ```
/// use stella_scan::symbols::gopclntab::split_go_name;
/// assert_eq!(split_go_name("net/http.(*Transport).RoundTrip"),
///            Some(("net/http".to_string(), "Transport.RoundTrip".to_string())));
/// assert_eq!(split_go_name("encoding/xml.NewDecoder"),
///            Some(("encoding/xml".to_string(), "NewDecoder".to_string())));
/// assert_eq!(split_go_name("gopkg.in/yaml%2ev3.Unmarshal"),
///            Some(("gopkg.in/yaml.v3".to_string(), "Unmarshal".to_string())));
/// ```
pub fn split_go_name(name: &str) -> Option<(String, String)> {
    let name = without_instantiation(name);
    if ["go.", "type.", "go:", "type:"]
        .iter()
        .any(|p| name.starts_with(p))
    {
        return None;
    }
    let path_end = name.rfind('/').map_or(0, |i| i + 1);
    let tail = name.get(path_end..)?;
    let first = tail.find('.')?;
    let pkg = name.get(..path_end + first)?.replace("%2e", ".");
    let rest = tail.get(first + 1..)?;
    // Receiver: everything before the last dot, `(*T)` or `T`.
    let symbol = match rest.rsplit_once('.') {
        Some((recv, base)) => {
            let recv = recv.strip_prefix("(*").and_then(|r| r.strip_suffix(')'));
            match recv {
                Some(r) => format!("{r}.{base}"),
                None => rest.to_owned(),
            }
        }
        None => rest.to_owned(),
    };
    if pkg.is_empty() || symbol.is_empty() {
        return None;
    }
    Some((pkg, symbol))
}

/// The name with each bracketed generic instantiation removed (`F[...]` → `F`).
fn without_instantiation(name: &str) -> std::borrow::Cow<'_, str> {
    if !name.contains('[') {
        return std::borrow::Cow::Borrowed(name);
    }
    std::borrow::Cow::Owned(without_groups(name, '[', ']'))
}

/// `text` without every (nested) group from `open` to its matching `close`.
pub(crate) fn without_groups(text: &str, open: char, close: char) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth = depth.saturating_sub(1);
        } else if depth == 0 {
            out.push(c);
        }
    }
    out
}

/// Test helpers: a pclntab in any layout, with the given compiled and inlined-only names.
#[cfg(test)]
pub(crate) fn build_pclntab(
    version: PclntabVersion,
    big_endian: bool,
    ptr: usize,
    functions: &[&str],
    inlined: &[&str],
) -> Vec<u8> {
    let word = |v: u64| -> Vec<u8> {
        match (ptr, big_endian) {
            (4, false) => (v as u32).to_le_bytes().to_vec(),
            (4, true) => (v as u32).to_be_bytes().to_vec(),
            (_, false) => v.to_le_bytes().to_vec(),
            (_, true) => v.to_be_bytes().to_vec(),
        }
    };
    let u32b = |v: u32| -> Vec<u8> {
        if big_endian {
            v.to_be_bytes().to_vec()
        } else {
            v.to_le_bytes().to_vec()
        }
    };
    let magic: u32 = match version {
        PclntabVersion::Go12 => 0xffff_fffb,
        PclntabVersion::Go116 => 0xffff_fffa,
        PclntabVersion::Go118 => 0xffff_fff0,
        PclntabVersion::Go120 => 0xffff_fff1,
    };
    let mut out = u32b(magic);
    out.extend([0, 0, 1, ptr as u8]);
    let n = functions.len() as u64;
    if version == PclntabVersion::Go12 {
        out.extend(word(n));
        let functab = out.len();
        let field = ptr;
        let recs = functab + (2 * functions.len() + 1) * field;
        let rec_size = ptr + 4;
        let names = recs + functions.len() * rec_size;
        let mut name_bytes = Vec::new();
        let mut name_offs = Vec::new();
        for f in functions {
            name_offs.push(names + name_bytes.len());
            name_bytes.extend(f.as_bytes());
            name_bytes.push(0);
        }
        for (i, _) in functions.iter().enumerate() {
            out.extend(word(0x1000 + i as u64 * 16));
            out.extend(word((recs + i * rec_size) as u64));
        }
        out.extend(word(0x1000 + n * 16));
        for (i, _) in functions.iter().enumerate() {
            out.extend(word(0x1000 + i as u64 * 16));
            out.extend(u32b(name_offs[i] as u32));
        }
        out.extend(name_bytes);
        return out;
    }
    let words = if version == PclntabVersion::Go116 {
        7
    } else {
        8
    };
    let header_len = 8 + words * ptr;
    let mut nametab = Vec::new();
    let mut name_offs = Vec::new();
    for f in functions {
        name_offs.push(nametab.len());
        nametab.extend(f.as_bytes());
        nametab.push(0);
    }
    for f in inlined {
        nametab.extend(f.as_bytes());
        nametab.push(0);
    }
    let nametab_off = header_len;
    let cutab_off = nametab_off + nametab.len();
    let functab_off = cutab_off;
    let field = if version == PclntabVersion::Go116 {
        ptr
    } else {
        4
    };
    let entry = if version == PclntabVersion::Go116 {
        ptr
    } else {
        4
    };
    let recs_rel = (2 * functions.len() + 1) * field;
    let rec_size = entry + 4;
    let mut functab = Vec::new();
    let put_field = |v: u64, out: &mut Vec<u8>| {
        if field == 4 {
            out.extend(u32b(v as u32));
        } else {
            out.extend(word(v));
        }
    };
    for (i, _) in functions.iter().enumerate() {
        put_field(i as u64 * 16, &mut functab);
        put_field((recs_rel + i * rec_size) as u64, &mut functab);
    }
    put_field(n * 16, &mut functab);
    for (i, _) in functions.iter().enumerate() {
        if entry == 4 {
            functab.extend(u32b(i as u32 * 16));
        } else {
            functab.extend(word(i as u64 * 16));
        }
        functab.extend(u32b(name_offs[i] as u32));
    }
    let header_words: Vec<u64> = if version == PclntabVersion::Go116 {
        vec![
            n,
            0,
            nametab_off as u64,
            cutab_off as u64,
            cutab_off as u64,
            cutab_off as u64,
            functab_off as u64,
        ]
    } else {
        vec![
            n,
            0,
            0x40_1000,
            nametab_off as u64,
            cutab_off as u64,
            cutab_off as u64,
            cutab_off as u64,
            functab_off as u64,
        ]
    };
    for w in header_words {
        out.extend(word(w));
    }
    out.extend(nametab);
    out.extend(functab);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [PclntabVersion; 4] = [
        PclntabVersion::Go12,
        PclntabVersion::Go116,
        PclntabVersion::Go118,
        PclntabVersion::Go120,
    ];

    #[test]
    fn every_layout_byte_order_and_pointer_size_reads_back() {
        let funcs = [
            "main.main",
            "net/http.(*Transport).RoundTrip",
            "runtime.main",
        ];
        for v in ALL {
            for be in [false, true] {
                for ptr in [4, 8] {
                    let tab = build_pclntab(v, be, ptr, &funcs, &["encoding/xml.isName"]);
                    let got = parse_pclntab(&tab).unwrap();
                    assert_eq!(got.version, v);
                    let mut want: Vec<String> = funcs.iter().map(|s| s.to_string()).collect();
                    want.sort();
                    assert_eq!(got.functions, want, "{v:?} be={be} ptr={ptr}");
                    if v == PclntabVersion::Go12 {
                        assert!(got.inlined.is_empty());
                    } else {
                        assert_eq!(got.inlined, ["encoding/xml.isName"]);
                    }
                }
            }
        }
    }

    #[test]
    fn found_by_magic_inside_a_larger_blob() {
        let tab = build_pclntab(PclntabVersion::Go118, false, 8, &["main.main"], &[]);
        let mut blob = vec![0xffu8; 100];
        // A false start: the magic with bad padding.
        blob.extend(0xffff_fff0u32.to_le_bytes());
        blob.extend([0, 0, 3, 8]);
        blob.extend(&tab);
        blob.extend([0u8; 64]);
        let got = find_pclntab(&blob).unwrap();
        assert_eq!(got.functions, ["main.main"]);
        assert!(find_pclntab(&[0u8; 4096]).is_none());
    }

    #[test]
    fn lies_are_errors_not_panics_or_huge_allocations() {
        let tab = build_pclntab(PclntabVersion::Go120, false, 8, &["main.main"], &[]);
        // A function count far beyond the bytes.
        let mut lie = tab.clone();
        lie[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            parse_pclntab(&lie),
            Err(PclntabError::OutOfBounds { .. })
        ));
        // A name table offset past the end.
        let mut lie = tab.clone();
        lie[32..40].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(parse_pclntab(&lie).is_err());
        // Entries pointing inside each other's names: refused before they expand.
        let mut names: Vec<String> = vec!["a".repeat(60_000)];
        names.extend((1..100).map(|i| format!("b{i}")));
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut lie = build_pclntab(PclntabVersion::Go12, false, 8, &refs, &[]);
        let n = refs.len();
        let recs = 16 + (2 * n + 1) * 8;
        let first_name = recs + n * 12;
        for i in 0..n {
            let at = recs + i * 12 + 8;
            lie[at..at + 4].copy_from_slice(&((first_name + i) as u32).to_le_bytes());
        }
        assert_eq!(parse_pclntab(&lie), Err(PclntabError::NamesOverlap));
        // A function record offset at the top of the address space (found by the fuzzer: the
        // name field's offset overflowed).
        let mut lie = build_pclntab(PclntabVersion::Go12, false, 8, &["main.main"], &[]);
        lie[24..32].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            parse_pclntab(&lie),
            Err(PclntabError::OutOfBounds { .. })
        ));
        // Every truncation fails cleanly or reads a subset.
        for cut in 0..tab.len() {
            let _ = parse_pclntab(&tab[..cut]);
        }
        assert_eq!(parse_pclntab(&[]).unwrap_err(), PclntabError::BadHeader);
    }

    #[test]
    fn go_names_split_like_govulncheck() {
        let s = |n: &str| split_go_name(n).map(|(p, s)| format!("{p} {s}"));
        assert_eq!(
            s("crypto/tls.(*Conn).Handshake").unwrap(),
            "crypto/tls Conn.Handshake"
        );
        assert_eq!(s("net/http.Header.Get").unwrap(), "net/http Header.Get");
        assert_eq!(s("main.main").unwrap(), "main main");
        assert_eq!(
            s("example.com/m/v2.Map[go.shape.int]").unwrap(),
            "example.com/m/v2 Map"
        );
        assert_eq!(s("go:buildid"), None);
        assert_eq!(s("type:.eq.[2]string"), None);
        // A closure is not its function.
        assert_eq!(s("net/http.F.func1").unwrap(), "net/http F.func1");
    }
}
