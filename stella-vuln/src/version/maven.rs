//! Maven versions, ordered as Maven's `ComparableVersion` (maven-artifact 3.8) does.
//!
//! A version is split into a nested list of items at `.` and `-` and at every switch between
//! digits and letters; `-` and a digit/letter switch open a sub-list. Items are integers (no
//! limit on size), qualifiers or sub-lists. Known qualifiers order `alpha < beta < milestone <
//! rc = cr < snapshot < "" = ga = final = release < sp`; unknown qualifiers sort after `sp`,
//! alphabetically (case-insensitively); `a`, `b`, `m` directly followed by a digit mean alpha,
//! beta, milestone. Trailing "null" items (0, empty, ga/final/release) are dropped, so `1 = 1.0
//! = 1-0 = 1.0.0`. Integers sort above qualifiers; a sub-list sorts below an integer and above a
//! qualifier. No Rust crate implements these rules, hence the own code.

use std::cmp::Ordering;

/// A parsed Maven version.
#[derive(Debug, Clone)]
pub(crate) struct MavenVersion(Vec<Key>);

#[derive(Debug, Clone)]
enum Item {
    /// Digits without leading zeroes ("" is zero).
    Int(String),
    /// The comparable form of a qualifier.
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: &[&str] = &["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE_INDEX: &str = "5";

fn comparable_qualifier(q: &str) -> String {
    let q = match q {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{q}", QUALIFIERS.len()),
    }
}

fn string_item(value: &str, followed_by_digit: bool) -> Item {
    let v = if followed_by_digit && value.len() == 1 {
        match value {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            other => other,
        }
    } else {
        value
    };
    Item::Str(comparable_qualifier(v))
}

fn parse_item(is_digit: bool, buf: &str) -> Item {
    if is_digit {
        Item::Int(buf.trim_start_matches('0').to_owned())
    } else {
        string_item(buf, false)
    }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(d) => d.is_empty(),
            Item::Str(s) => s == RELEASE_INDEX,
            Item::List(l) => l.is_empty(),
        }
    }
}

/// Where a flattened item sits relative to Maven's "null" (a missing item): below it, equal to
/// it, or above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Band {
    Below,
    Null,
    Above,
}

/// One item of the flattened version: the nested lists become one sequence in which an item
/// that opens a sub-list is marked. Keys compare as `(band, rank, value)`; a key in
/// [`Band::Null`] equals every other null key, so padding a shorter version with null keys is
/// exactly Maven's "compare to null".
#[derive(Debug, Clone)]
struct Key {
    band: Band,
    /// Within a band: 0 qualifier, 1 sub-list opening with a qualifier, 2 sub-list opening with
    /// an integer, 3 integer. This is Maven's `Int > List > Str`.
    rank: u8,
    /// Digits without leading zeroes, or the comparable qualifier.
    value: String,
}

impl Key {
    const NULL: Key = Key {
        band: Band::Null,
        rank: 0,
        value: String::new(),
    };

    fn cmp_key(&self, other: &Key) -> Ordering {
        match self.band.cmp(&other.band) {
            Ordering::Equal if self.band == Band::Null => Ordering::Equal,
            Ordering::Equal => self.rank.cmp(&other.rank).then_with(|| {
                if self.rank >= 2 {
                    let (a, b) = (&self.value, &other.value);
                    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
                } else {
                    self.value.cmp(&other.value)
                }
            }),
            o => o,
        }
    }
}

/// Flattens the normalized item tree into keys.
///
/// Maven's own `ComparableVersion` is not transitive: it puts integers above sub-lists above
/// qualifiers whatever their value, yet compares a missing item as "null", which sits between
/// low qualifiers (`alpha` … `snapshot`) and high ones (`sp`, unknown), and between a zero and
/// every other integer. `9-alpha > 9.sp-0 > 9 > 9-alpha` and `5.0.0.rc1 < 5 < 5-1 < 5.0.0.rc1`
/// are cycles in Maven itself, and a cycle in an `Ord` is a panic or a wrong answer waiting in
/// every sort. This order keeps Maven's `Int > List > Str` rule *within* each band (below,
/// equal to, above null) and orders the bands first, which agrees with Maven wherever Maven
/// is consistent (every case of maven-artifact's own tests) and makes it a total order by
/// construction. A run of zeroes takes the band of the item after it in the same list, so
/// `5.0.0.rc1 < 5` and `2-1 < 2.0.2` both hold, as in Maven.
fn flatten(list: &[Item], opens_list: bool, out: &mut Vec<Key>) {
    let mut first = opens_list;
    if opens_list && matches!(list.first(), Some(Item::List(_)) | None) {
        // A sub-list that starts with a sub-list: its leading zero was normalized away.
        out.push(Key::NULL);
        first = false;
    }
    for (i, item) in list.iter().enumerate() {
        let (band, is_int, value) = match item {
            Item::List(inner) => {
                flatten(inner, true, out);
                continue;
            }
            Item::Int(d) if d.is_empty() => {
                // Borrow the band of the next non-zero item of this list.
                let band = list
                    .get(i + 1..)
                    .unwrap_or(&[])
                    .iter()
                    .find_map(|next| match next {
                        Item::Int(d) if d.is_empty() => None,
                        Item::Int(_) => Some(Band::Above),
                        Item::Str(s) => Some(str_band(s)),
                        Item::List(_) => Some(Band::Null),
                    })
                    .unwrap_or(Band::Null);
                (band, true, String::new())
            }
            Item::Int(d) => (Band::Above, true, d.clone()),
            Item::Str(s) => (str_band(s), false, s.clone()),
        };
        let rank = match (first, is_int) {
            (false, false) => 0,
            (true, false) => 1,
            (true, true) => 2,
            (false, true) => 3,
        };
        out.push(Key { band, rank, value });
        first = false;
    }
}

fn str_band(s: &str) -> Band {
    match s.cmp(RELEASE_INDEX) {
        Ordering::Less => Band::Below,
        Ordering::Equal => Band::Null,
        Ordering::Greater => Band::Above,
    }
}

/// Removes trailing null items (recursively, innermost first as Maven's stack does).
fn normalize(list: &mut Vec<Item>) {
    for item in list.iter_mut() {
        if let Item::List(inner) = item {
            normalize(inner);
        }
    }
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        let Some(item) = list.get(i) else { break };
        if item.is_null() {
            list.remove(i);
        } else if !matches!(item, Item::List(_)) {
            break;
        }
    }
}

/// The open lists, outermost first. Maven never adds to a list after opening a sub-list in
/// it, so the sub-lists can be attached to their parents at the end.
struct Builder {
    stack: Vec<Vec<Item>>,
}

impl Builder {
    fn add(&mut self, item: Item) {
        if let Some(top) = self.stack.last_mut() {
            top.push(item);
        }
    }
    fn open(&mut self) {
        self.stack.push(Vec::new());
    }
    fn is_empty(&self) -> bool {
        self.stack.last().is_none_or(Vec::is_empty)
    }
    fn finish(mut self) -> Vec<Item> {
        while self.stack.len() > 1 {
            let child = self.stack.pop().unwrap_or_default();
            self.add(Item::List(child));
        }
        self.stack.pop().unwrap_or_default()
    }
}

impl MavenVersion {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let version = text.trim().to_lowercase();
        if version.is_empty() {
            return Err("empty version".to_owned());
        }
        if version.chars().any(char::is_whitespace) {
            return Err("contains whitespace".to_owned());
        }
        let bytes: Vec<char> = version.chars().collect();
        let mut b = Builder {
            stack: vec![Vec::new()],
        };
        let mut is_digit = false;
        let mut start = 0usize;
        let sub =
            |s: usize, e: usize| -> String { bytes.get(s..e).unwrap_or(&[]).iter().collect() };
        for (i, &c) in bytes.iter().enumerate() {
            if c == '.' {
                if i == start {
                    b.add(Item::Int(String::new()));
                } else {
                    b.add(parse_item(is_digit, &sub(start, i)));
                }
                start = i + 1;
            } else if c == '-' {
                if i == start {
                    b.add(Item::Int(String::new()));
                } else {
                    b.add(parse_item(is_digit, &sub(start, i)));
                }
                start = i + 1;
                b.open();
            } else if c.is_ascii_digit() {
                if !is_digit && i > start {
                    b.add(string_item(&sub(start, i), true));
                    start = i;
                    b.open();
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    b.add(parse_item(true, &sub(start, i)));
                    start = i;
                    b.open();
                }
                is_digit = false;
            }
        }
        if bytes.len() > start {
            // 1.0.0.X1 < 1.0.0-X2: treat .X as -X for any string qualifier X
            if !is_digit && !b.is_empty() {
                b.open();
            }
            b.add(parse_item(is_digit, &sub(start, bytes.len())));
        }
        let mut root = b.finish();
        normalize(&mut root);
        let mut keys = Vec::new();
        flatten(&root, false, &mut keys);
        Ok(Self(keys))
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for MavenVersion {}
impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let null = Key::NULL;
        let n = self.0.len().max(other.0.len());
        for i in 0..n {
            let a = self.0.get(i).unwrap_or(&null);
            let b = other.0.get(i).unwrap_or(&null);
            let o = a.cmp_key(b);
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::super::Scheme;
    use super::super::testutil::{check_table, check_total_order};
    use proptest::prelude::*;

    /// maven-artifact's `ComparableVersionTest`: consecutive entries of `VERSIONS_QUALIFIER` and
    /// `VERSIONS_NUMBER`, and `testVersionsEqual`.
    const TABLE: &[(&str, char, &str)] = &[
        ("1-alpha2snapshot", '<', "1-alpha2"),
        ("1-alpha2", '<', "1-alpha-123"),
        ("1-alpha-123", '<', "1-beta-2"),
        ("1-beta-2", '<', "1-beta123"),
        ("1-beta123", '<', "1-m2"),
        ("1-m2", '<', "1-m11"),
        ("1-m11", '<', "1-rc"),
        ("1-rc", '<', "1-cr2"),
        ("1-cr2", '<', "1-rc123"),
        ("1-rc123", '<', "1-SNAPSHOT"),
        ("1-SNAPSHOT", '<', "1"),
        ("1", '<', "1-sp"),
        ("1-sp", '<', "1-sp2"),
        ("1-sp2", '<', "1-sp123"),
        ("1-sp123", '<', "1-abc"),
        ("1-abc", '<', "1-def"),
        ("1-def", '<', "1-pom-1"),
        ("1-pom-1", '<', "1-1-snapshot"),
        ("1-1-snapshot", '<', "1-1"),
        ("1-1", '<', "1-2"),
        ("1-2", '<', "1-123"),
        ("2.0", '<', "2.0.a"),
        ("2.0.a", '<', "2-1"),
        ("2-1", '<', "2.0.2"),
        ("2.0.2", '<', "2.0.123"),
        ("2.0.123", '<', "2.1.0"),
        ("2.1.0", '<', "2.1-a"),
        ("2.1-a", '<', "2.1b"),
        ("2.1b", '<', "2.1-c"),
        ("2.1-c", '<', "2.1-1"),
        ("2.1-1", '<', "2.1.0.1"),
        ("2.1.0.1", '<', "2.2"),
        ("2.2", '<', "2.123"),
        ("2.123", '<', "11.a2"),
        ("11.a2", '<', "11.a11"),
        ("11.a11", '<', "11.b2"),
        ("11.b2", '<', "11.b11"),
        ("11.b11", '<', "11.m2"),
        ("11.m2", '<', "11.m11"),
        ("11.m11", '<', "11"),
        ("11", '<', "11.a"),
        ("11.a", '<', "11b"),
        ("11b", '<', "11c"),
        ("11c", '<', "11m"),
        ("1", '=', "1.0"),
        ("1", '=', "1.0.0"),
        ("1.0", '=', "1.0.0"),
        ("1", '=', "1-0"),
        ("1", '=', "1.0-0"),
        ("1.0", '=', "1.0-0"),
        ("1a", '=', "1-a"),
        ("1a", '=', "1.0-a"),
        ("1a", '=', "1.0.0-a"),
        ("1.0a", '=', "1-a"),
        ("1.0.0a", '=', "1-a"),
        ("1x", '=', "1-x"),
        ("1x", '=', "1.0.0-x"),
        ("1ga", '=', "1"),
        ("1release", '=', "1"),
        ("1final", '=', "1"),
        ("1cr", '=', "1rc"),
        ("1a1", '=', "1-alpha-1"),
        ("1b2", '=', "1-beta-2"),
        ("1m3", '=', "1-milestone-3"),
        ("1X", '=', "1x"),
        ("1GA", '=', "1"),
        ("1RELeaSE", '=', "1"),
        ("1cR", '=', "1rC"),
        ("1m3", '=', "1MILESTONE3"),
        // real Maven advisory bounds
        ("2.14.1", '<', "2.15.0"),
        ("2.15.0-rc1", '<', "2.15.0"),
        ("5.3.18", '<', "5.3.20"),
        ("2.13.4.1", '>', "2.13.4"),
        ("2.13.4.2", '<', "2.13.5"),
        ("5.0.0.RC1", '<', "5.0.0"),
        ("5.0.0.RC1", '<', "5.0.0.RELEASE"),
        // cycles in Maven's own order, broken by band (see `flatten`)
        ("9-alpha", '<', "9"),
        ("9", '<', "9.sp-0"),
        ("9-alpha", '<', "9.sp-0"),
        ("5.0.0.rc1", '<', "5"),
        ("5", '<', "5-1"),
        ("5.0.0.rc1", '<', "5-1"),
        ("1--x", '=', "1-0-x"),
    ];

    #[test]
    fn maven_table() {
        check_table(Scheme::Maven, TABLE);
    }

    #[test]
    fn maven_rejects_garbage() {
        assert!(Scheme::Maven.parse("").is_err());
        assert!(Scheme::Maven.parse("1 0").is_err());
    }

    /// Short versions mixing every item kind: zeroes, empty items, low, null and high
    /// qualifiers, shorthand qualifiers, digit/letter switches.
    const MAVEN_SHAPE: &str = "[0-9]{1,2}([.-]{1,2}(0|00|[0-9]{1,2}|alpha|rc|sp|ga|final|x|a1|b|m2|rc1|snapshot|1a)?){0,4}";

    #[test]
    fn maven_known_cycles_are_ordered() {
        for triple in [
            ["9-alpha", "9.sp-0", "9"],
            ["5.0.0.rc1", "5", "5-1"],
            ["1.0.alpha-1", "1-1", "1"],
        ] {
            for a in triple {
                for b in triple {
                    for c in triple {
                        check_total_order(Scheme::Maven, a, b, c);
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]
        #[test]
        fn maven_total_order(
            a in MAVEN_SHAPE,
            b in MAVEN_SHAPE,
            c in MAVEN_SHAPE,
        ) {
            check_total_order(Scheme::Maven, &a, &b, &c);
        }
    }
}
