//! Maven versions, ordered exactly as Maven's `ComparableVersion` (maven-artifact 3.8.7, the
//! version Debian's `maven` package ships and `tests/interop/versions.sh` compares against).
//!
//! The version is lower-cased and split into a tree of items: `.` ends an item, `-` ends an item
//! and opens a sub-list, a switch between digits and letters ends an item and opens a sub-list,
//! and a qualifier that follows other items of its list (`1.0.x`, `1.0.rc1`) is moved into a
//! sub-list of its own (maven-artifact 3.8's "treat `.X` as `-X`"). Each list then drops its
//! trailing "null" items (`0`, the release qualifier, an empty list) up to the last item that
//! is not a list. Items compare as Maven's do: integers by value (no size limit) and above every
//! other kind; a sub-list below an integer and above a qualifier; qualifiers by their comparable
//! form (`alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`, then
//! unknown qualifiers, alphabetically); `a`, `b`, `m` directly followed by a digit mean alpha,
//! beta, milestone; a missing item compares as "null".
//!
//! Maven's order is not transitive (`9-alpha > 9.sp-0 > 9 > 9-alpha`, `5.0.0.rc1 < 5 < 5-1 <
//! 5.0.0.rc1`): this module reproduces it pair by pair, as the brief is exactness against the
//! reference; callers that sort versions use [`super::sort_by_version`], which never panics on an
//! inconsistent order. Maven 3.9 changed some orders (`1-1 = 1-ga-1`, `2.9.0-1 < 2.9.0.RC1`):
//! they are listed in `tests/version_fixtures.rs`. Java's `Character.isDigit` also takes
//! non-ASCII decimal digits; such versions are refused rather than ordered differently.
//! No Rust crate implements these rules, hence the own code.

use std::cmp::Ordering;

/// A parsed Maven version: the root list of items.
#[derive(Debug, Clone)]
pub(crate) struct MavenVersion(Vec<Item>);

#[derive(Debug, Clone)]
enum Item {
    /// Digits without leading zeroes ("" is zero).
    Int(String),
    /// The comparable form of a qualifier (`"0"` … `"6"`, or `"7-<qualifier>"`).
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

/// Java's `String.compareTo`: UTF-16 code units, lexicographically.
fn java_str_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn int_cmp(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(d) => d.is_empty(),
            Item::Str(s) => s == RELEASE_INDEX,
            Item::List(l) => l.is_empty(),
        }
    }

    /// `Item.compareTo(null)`: how the item compares to a missing one.
    fn cmp_null(&self) -> Ordering {
        match self {
            Item::Int(d) if d.is_empty() => Ordering::Equal,
            Item::Int(_) => Ordering::Greater,
            Item::Str(s) => java_str_cmp(s, RELEASE_INDEX),
            Item::List(l) => l.first().map_or(Ordering::Equal, Item::cmp_null),
        }
    }

    /// `Item.compareTo(item)`.
    fn cmp_item(&self, other: &Item) -> Ordering {
        match (self, other) {
            (Item::Int(a), Item::Int(b)) => int_cmp(a, b),
            (Item::Int(_), _) => Ordering::Greater,
            (Item::Str(a), Item::Str(b)) => java_str_cmp(a, b),
            (Item::Str(_), _) => Ordering::Less,
            (Item::List(_), Item::Int(_)) => Ordering::Less,
            (Item::List(_), Item::Str(_)) => Ordering::Greater,
            (Item::List(a), Item::List(b)) => cmp_lists(a, b),
        }
    }
}

/// `ListItem.compareTo(ListItem)`: item by item, a missing item as null.
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

/// `ListItem.normalize`: drops trailing null items, looking past (non-null) sub-lists.
fn normalize(list: &mut Vec<Item>) {
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
/// it, so the sub-lists are attached to their parents when they are closed; each list is
/// normalized when it is closed, innermost first, as Maven's stack does.
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
    fn top_is_empty(&self) -> bool {
        self.stack.last().is_none_or(Vec::is_empty)
    }
    fn finish(mut self) -> Vec<Item> {
        while self.stack.len() > 1 {
            let mut child = self.stack.pop().unwrap_or_default();
            normalize(&mut child);
            self.add(Item::List(child));
        }
        let mut root = self.stack.pop().unwrap_or_default();
        normalize(&mut root);
        root
    }
}

impl MavenVersion {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            return Err("empty version".to_owned());
        }
        if text.chars().any(char::is_whitespace) {
            return Err("contains whitespace".to_owned());
        }
        if text.chars().any(|c| c.is_numeric() && !c.is_ascii_digit()) {
            return Err("non-ASCII digits are not supported".to_owned());
        }
        let version: Vec<char> = text.to_lowercase().chars().collect();
        let mut b = Builder {
            stack: vec![Vec::new()],
        };
        let mut is_digit = false;
        let mut start = 0usize;
        let sub =
            |s: usize, e: usize| -> String { version.get(s..e).unwrap_or(&[]).iter().collect() };
        for (i, &c) in version.iter().enumerate() {
            if c == '.' || c == '-' {
                if i == start {
                    b.add(Item::Int(String::new()));
                } else {
                    b.add(parse_item(is_digit, &sub(start, i)));
                }
                start = i + 1;
                if c == '-' {
                    b.open();
                }
            } else if c.is_ascii_digit() {
                if !is_digit && i > start {
                    // 1.0.0.X1 < 1.0.0-X2: a qualifier after other items opens a sub-list.
                    if !b.top_is_empty() {
                        b.open();
                    }
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
        if version.len() > start {
            // The same rule for a qualifier that ends the version.
            if !is_digit && !b.top_is_empty() {
                b.open();
            }
            b.add(parse_item(is_digit, &sub(start, version.len())));
        }
        Ok(Self(b.finish()))
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
/// Maven's comparison. Not transitive in every case (see the module documentation).
impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.0, &other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Scheme;
    use super::super::testutil::check_table;
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
        // cycles in Maven's own order, reproduced (maven-artifact 3.8.7 gives these)
        ("9-alpha", '>', "9.sp-0"),
        ("9.sp-0", '>', "9"),
        ("9", '>', "9-alpha"),
        ("5.0.0.rc1", '<', "5"),
        ("5", '<', "5-1"),
        ("5-1", '>', "5.0.0.rc1"),
        // fixed in this version (the flattened order gave the reverse); Debian's 3.8.7 agrees
        ("4.1.0.M1", '<', "4.1.0.RC"),
        ("5.0.0.alpha4", '<', "5.0.0.CR"),
        ("2.1.0.beta2", '<', "2.1.0.RC"),
        ("3.1.0.Alpha3", '<', "3.1.0.Beta"),
        ("1.1.33.android", '<', "1.1.33.sec01"),
        ("1.x1", '=', "1-x1"),
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

    /// Antisymmetry and reflexivity hold (transitivity does not, in Maven itself).
    fn check_antisymmetric(a: &str, b: &str) {
        let (Ok(va), Ok(vb)) = (Scheme::Maven.parse(a), Scheme::Maven.parse(b)) else {
            return;
        };
        assert_eq!(
            va.compare(&vb).unwrap(),
            vb.compare(&va).unwrap().reverse(),
            "{a} {b}"
        );
        assert_eq!(va.compare(&va), Some(std::cmp::Ordering::Equal), "{a}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]
        #[test]
        fn maven_antisymmetric(
            a in MAVEN_SHAPE,
            b in MAVEN_SHAPE,
        ) {
            check_antisymmetric(&a, &b);
        }
    }
}
