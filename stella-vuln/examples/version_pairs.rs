//! Version pairs for the differential test against the reference comparators
//! (`tests/interop/versions.sh`): random versions built from each ecosystem's grammar with a
//! fixed seed, mutations of the osv-scalibr fixture versions, and the fixture pairs themselves,
//! each written with Stella's verdict.
//!
//! ```text
//! cargo run -p stella-vuln --example version_pairs -- <scheme> <seed> <count> [fixture.txt ...]
//! ```
//!
//! `<scheme>` is one of `dpkg`, `rpm`, `pep440`, `npm`, `go`, `maven`. Output, one pair a line:
//! `a<TAB>b<TAB>verdict`, the verdict `<`, `=` or `>` when both versions parse, else `!a`, `!b`
//! or `!ab` naming the refused ones. The oracle prints the same format for the same pairs.

use std::cmp::Ordering;
use std::io::Write;

use stella_vuln::version::Scheme;

/// splitmix64: a tiny seeded generator, so the pairs are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }
    /// A number, usually small, sometimes with leading zeroes or huge.
    fn number(&mut self) -> String {
        match self.below(20) {
            0 => format!("0{}", self.below(10)),
            1 => "9".repeat(10 + self.below(25)),
            2 => self.next().to_string(),
            3 => "0".to_owned(),
            4..=6 => (2_000_000_000 + self.below(1000)).to_string(),
            _ => {
                let max = if self.chance(80) { 4 } else { 30 };
                self.below(max).to_string()
            }
        }
    }
}

fn dpkg(r: &mut Rng) -> String {
    let mut s = String::new();
    if r.chance(15) {
        s.push_str(&format!("{}:", r.below(4)));
    }
    s.push_str(&r.number());
    for _ in 0..r.below(4) {
        let sep = r.pick(&[".", ".", "+", "~", "-", ""]);
        let part = match r.below(4) {
            0 => r
                .pick(&[
                    "rc", "beta", "dfsg", "a", "b", "ubuntu", "deb12u", "git", "Z",
                ])
                .to_owned(),
            _ => r.number(),
        };
        s.push_str(sep);
        s.push_str(&part);
    }
    if r.chance(50) {
        s.push('-');
        s.push_str(&r.number());
        if r.chance(40) {
            s.push_str(r.pick(&["+deb12u1", "ubuntu1", "~bpo1", ".1", "build1", "+b2", "~"]));
        }
    }
    s
}

fn rpm(r: &mut Rng) -> String {
    let mut s = String::new();
    if r.chance(15) {
        s.push_str(r.pick(&["0:", "1:", "2:", ":", "a:", "01:"]));
    }
    let parts = 1 + r.below(4);
    for i in 0..parts {
        if i > 0 {
            s.push_str(r.pick(&[".", ".", "_", "+", "~", "^", "", "-"]));
        }
        match r.below(5) {
            0 => s.push_str(r.pick(&["rc", "el", "fc", "git", "a", "B", "p", "module+el9"])),
            _ => s.push_str(&r.number()),
        }
    }
    if r.chance(60) {
        s.push('-');
        if r.chance(90) {
            s.push_str(&r.number());
            s.push_str(r.pick(&[".el9", ".el8_9", ".fc40", "", "~rc1", "^git1", ".1"]));
        }
    }
    s
}

fn pep440(r: &mut Rng) -> String {
    let mut s = String::new();
    if r.chance(5) {
        s.push('v');
    }
    if r.chance(10) {
        s.push_str(&format!("{}!", r.below(3)));
    }
    s.push_str(&r.number());
    for _ in 0..r.below(4) {
        s.push('.');
        s.push_str(&r.number());
    }
    if r.chance(40) {
        s.push_str(r.pick(&["", ".", "-", "_"]));
        s.push_str(r.pick(&["a", "b", "rc", "c", "alpha", "beta", "pre", "preview", "RC"]));
        if r.chance(80) {
            s.push_str(&r.number());
        }
    }
    if r.chance(25) {
        s.push_str(r.pick(&[".post", "post", "-", ".r", "-rev", "_post"]));
        s.push_str(&r.number());
    }
    if r.chance(25) {
        s.push_str(r.pick(&[".dev", "dev", "-dev", "_DEV"]));
        if r.chance(80) {
            s.push_str(&r.number());
        }
    }
    if r.chance(15) {
        s.push('+');
        s.push_str(r.pick(&["local", "ubuntu1", "abc.5", "1.2", "x-y_z"]));
    }
    s
}

fn semver(r: &mut Rng, go: bool) -> String {
    let mut s = String::new();
    if go || r.chance(5) {
        s.push('v');
    }
    s.push_str(&r.number());
    let comps = if go && r.chance(10) { r.below(3) } else { 2 };
    for _ in 0..comps {
        s.push('.');
        s.push_str(&r.number());
    }
    if r.chance(45) {
        s.push('-');
        let n = 1 + r.below(3);
        for i in 0..n {
            if i > 0 {
                s.push('.');
            }
            match r.below(3) {
                0 => s.push_str(&r.number()),
                _ => {
                    s.push_str(r.pick(&["alpha", "beta", "rc", "Alpha", "0a", "x-y", "pre", "a1"]))
                }
            }
        }
    }
    if r.chance(20) {
        s.push('+');
        s.push_str(r.pick(&["build", "1", "incompatible", "b.5", "sha.abc"]));
    }
    s
}

fn maven(r: &mut Rng) -> String {
    let mut s = String::new();
    let parts = 1 + r.below(6);
    for i in 0..parts {
        if i > 0 {
            s.push_str(r.pick(&[".", ".", "-", "", "-", "_"]));
        }
        match r.below(3) {
            0 => s.push_str(r.pick(&[
                "alpha",
                "beta",
                "milestone",
                "rc",
                "cr",
                "snapshot",
                "ga",
                "final",
                "release",
                "sp",
                "a",
                "b",
                "m",
                "x",
                "foo",
                "RC",
                "Final",
                "SNAPSHOT",
                "android",
                "jre",
            ])),
            _ => s.push_str(&r.number()),
        }
    }
    s
}

fn generate(scheme: &str, r: &mut Rng) -> String {
    match scheme {
        "dpkg" => dpkg(r),
        "rpm" => rpm(r),
        "pep440" => pep440(r),
        "npm" => semver(r, false),
        "go" => semver(r, true),
        _ => maven(r),
    }
}

/// A small random edit of a fixture version: a digit changed, a character inserted, deleted or
/// re-cased, or a piece doubled.
fn mutate(v: &str, r: &mut Rng) -> String {
    let chars: Vec<char> = v.chars().collect();
    let at = r.below(chars.len() + 1);
    let mut out: Vec<char> = chars.clone();
    match r.below(5) {
        0 => {
            if let Some(c) = out.get_mut(at) {
                if c.is_ascii_digit() {
                    *c = char::from(b'0' + r.below(10) as u8);
                } else {
                    *c = c.to_ascii_uppercase();
                }
            }
        }
        1 => {
            let ins = r.pick(&[".", "-", "0", "1", "~", "+", "_", "a", "rc", ":", "^", "9"]);
            for (k, c) in ins.chars().enumerate() {
                out.insert((at + k).min(out.len()), c);
            }
        }
        2 => {
            if at < out.len() {
                out.remove(at);
            }
        }
        3 => {
            let end = (at + 1 + r.below(4)).min(chars.len());
            let piece: Vec<char> = chars.get(at..end).unwrap_or(&[]).to_vec();
            for (k, c) in piece.into_iter().enumerate() {
                out.insert((end + k).min(out.len()), c);
            }
        }
        _ => out = v.to_lowercase().chars().collect(),
    }
    let s: String = out.into_iter().collect();
    if s.is_empty() { v.to_owned() } else { s }
}

fn verdict(scheme: Scheme, a: &str, b: &str) -> String {
    match (scheme.parse(a), scheme.parse(b)) {
        (Ok(x), Ok(y)) => match x.compare(&y) {
            Some(Ordering::Less) => "<".to_owned(),
            Some(Ordering::Equal) => "=".to_owned(),
            Some(Ordering::Greater) => ">".to_owned(),
            None => "?".to_owned(),
        },
        (Err(_), Ok(_)) => "!a".to_owned(),
        (Ok(_), Err(_)) => "!b".to_owned(),
        (Err(_), Err(_)) => "!ab".to_owned(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, seed, count, fixtures @ ..] = args.as_slice() else {
        return Err("usage: version_pairs <scheme> <seed> <count> [fixture.txt ...]".into());
    };
    let scheme = match name.as_str() {
        "dpkg" => Scheme::Dpkg,
        "rpm" => Scheme::Rpm,
        "pep440" => Scheme::Pep440,
        "npm" => Scheme::Npm,
        "go" => Scheme::Go,
        "maven" => Scheme::Maven,
        other => return Err(format!("unknown scheme {other}").into()),
    };
    let mut r = Rng(seed.parse()?);
    let count: usize = count.parse()?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    for _ in 0..count {
        let a = generate(name, &mut r);
        // Half the time a near neighbour, so equal and close versions are common.
        let b = if r.chance(50) {
            mutate(&a, &mut r)
        } else {
            generate(name, &mut r)
        };
        pairs.push((a, b));
    }
    let mut versions = Vec::new();
    for file in fixtures {
        for line in std::fs::read_to_string(file)?.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
                continue;
            }
            let parts: Vec<&str> = line.split(' ').collect();
            if let [a, _, b] = parts.as_slice() {
                pairs.push(((*a).to_owned(), (*b).to_owned()));
                versions.push((*a).to_owned());
                versions.push((*b).to_owned());
            }
        }
    }
    if !versions.is_empty() {
        for _ in 0..count {
            let a = versions
                .get(r.below(versions.len()))
                .cloned()
                .unwrap_or_default();
            let b = if r.chance(50) {
                versions
                    .get(r.below(versions.len()))
                    .cloned()
                    .unwrap_or_default()
            } else {
                a.clone()
            };
            pairs.push((mutate(&a, &mut r), mutate(&b, &mut r)));
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (a, b) in pairs {
        if a.contains(['\t', '\n', ' ']) || b.contains(['\t', '\n', ' ']) {
            continue;
        }
        writeln!(out, "{a}\t{b}\t{}", verdict(scheme, &a, &b))?;
    }
    out.flush()?;
    Ok(())
}
