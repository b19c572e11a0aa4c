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
pub(crate) struct MavenVersion(Vec<Item>);

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

    /// `self.compareTo(null)`.
    fn cmp_null(&self) -> Ordering {
        match self {
            Item::Int(d) => {
                if d.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Item::Str(s) => s.as_str().cmp(RELEASE_INDEX),
            Item::List(l) => l.first().map_or(Ordering::Equal, Item::cmp_null),
        }
    }

    fn cmp_item(&self, other: &Item) -> Ordering {
        match (self, other) {
            (Item::Int(a), Item::Int(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (Item::Int(_), _) => Ordering::Greater,
            (Item::Str(_), Item::Int(_)) => Ordering::Less,
            (Item::Str(a), Item::Str(b)) => a.cmp(b),
            (Item::Str(_), Item::List(_)) => Ordering::Less,
            (Item::List(_), Item::Int(_)) => Ordering::Less,
            (Item::List(_), Item::Str(_)) => Ordering::Greater,
            (Item::List(a), Item::List(b)) => cmp_lists(a, b),
        }
    }
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let o = match (a.get(i), b.get(i)) {
            (Some(l), Some(r)) => l.cmp_item(r),
            (Some(l), None) => l.cmp_null(),
            (None, Some(r)) => r.cmp_null().reverse(),
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
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
        Ok(Self(root))
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
        cmp_lists(&self.0, &other.0)
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

    proptest! {
        #[test]
        fn maven_total_order(
            a in "[0-9]{1,2}([.-]([0-9]{1,2}|alpha|rc|sp|ga|x|a1|snapshot)){0,3}",
            b in "[0-9]{1,2}([.-]([0-9]{1,2}|alpha|rc|sp|ga|x|a1|snapshot)){0,3}",
            c in "[0-9]{1,2}([.-]([0-9]{1,2}|alpha|rc|sp|ga|x|a1|snapshot)){0,3}",
        ) {
            check_total_order(Scheme::Maven, &a, &b, &c);
        }
    }
}
