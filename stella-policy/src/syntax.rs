//! Rego syntax detection (OPA v0 / v1) and the `future.keywords` imports Stella supplies.
//!
//! # The rule
//!
//! People paste policies written for OPA 0.x that use `some x in xs` without `import
//! future.keywords.in`, and policies written for OPA 1.x that use `if` / `contains` without
//! `import rego.v1`. Stella accepts both, module by module:
//!
//! 1. A module that imports `rego.v1` is v1, loaded as written.
//! 2. Otherwise a module that imports anything under `future.keywords` is v0 in the OPA 0.x style;
//!    the future keywords it uses but did not import are supplied.
//! 3. Otherwise a module that uses the keyword `if` or `contains` is v1; `import rego.v1` is
//!    supplied, so it gets v1's rules (every rule needs `if`, multi-value rules need `contains`).
//! 4. Otherwise the module is v0; `import future.keywords.in` / `.every` are supplied when it uses
//!    `in` / `every`.
//!
//! A keyword "is used" when it appears as a bare word outside comments and string literals and is
//! not a field access (`x.in`). The supplied imports are inserted on the `package` line, directly
//! after the package path, so every line number of the file is unchanged, and every column too,
//! except on the package line after the package path (error positions there are mapped back by
//! `Prepared::original_column`). Errors are always reported against the file as written.

/// The syntax a module was detected as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Syntax {
    /// OPA v0 syntax (with any `future.keywords` it uses).
    V0,
    /// OPA v1 syntax (`import rego.v1` or `if` / `contains` used).
    V1,
}

/// A module ready for the engine: the text it is loaded as and how to map positions back.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// The detected syntax.
    pub(crate) syntax: Syntax,
    /// The text handed to the engine.
    pub(crate) text: String,
    /// 1-based line of the insertion point (the package line), when something was inserted.
    insert_line: u32,
    /// 1-based column at which the insertion starts on that line.
    insert_col: u32,
    /// How many characters were inserted.
    inserted_len: u32,
}

impl Prepared {
    /// Maps a column reported by the engine back to the column in the file as written.
    pub(crate) fn original_column(&self, line: u32, col: u32) -> u32 {
        if self.inserted_len > 0 && line == self.insert_line && col >= self.insert_col {
            if col >= self.insert_col.saturating_add(self.inserted_len) {
                col.saturating_sub(self.inserted_len)
            } else {
                // Inside the supplied import itself: point at where it was inserted.
                self.insert_col
            }
        } else {
            col
        }
    }
}

/// A token of the light scan: only what detection needs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// A bare word, with whether it directly follows a `.` (a field access).
    Word { text: String, after_dot: bool },
    /// Any other significant character.
    Punct(char),
}

/// A token and the byte offset just after it.
struct Scanned {
    tok: Tok,
    end: usize,
}

/// Splits Rego text into words and punctuation, skipping comments and string literals.
fn scan(text: &str) -> Vec<Scanned> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    let mut prev_dot = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'#' => {
                while let Some(&c) = bytes.get(i) {
                    if c == b'\n' {
                        break;
                    }
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    i += 1;
                    if c == b'\\' {
                        i += 1;
                    } else if c == b'"' || c == b'\n' {
                        break;
                    }
                }
                out.push(Scanned {
                    tok: Tok::Punct('"'),
                    end: i.min(bytes.len()),
                });
                prev_dot = false;
            }
            b'`' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    i += 1;
                    if c == b'`' {
                        break;
                    }
                }
                out.push(Scanned {
                    tok: Tok::Punct('`'),
                    end: i,
                });
                prev_dot = false;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while let Some(&c) = bytes.get(i) {
                    if c.is_ascii_alphanumeric() || c == b'_' {
                        i += 1;
                    } else {
                        break;
                    }
                }
                let word = text.get(start..i).unwrap_or_default().to_owned();
                out.push(Scanned {
                    tok: Tok::Word {
                        text: word,
                        after_dot: prev_dot,
                    },
                    end: i,
                });
                prev_dot = false;
            }
            c if c.is_ascii_whitespace() => i += 1,
            c => {
                // Skip a whole UTF-8 sequence for non-ASCII bytes.
                let ch = text.get(i..).and_then(|s| s.chars().next()).unwrap_or('?');
                i += ch.len_utf8().max(1);
                prev_dot = c == b'.';
                out.push(Scanned {
                    tok: Tok::Punct(ch),
                    end: i,
                });
            }
        }
    }
    out
}

/// The deepest nesting of `[` and `{` in Rego text, outside comments and string literals
/// (regorus' parser takes time exponential in it; `(` nesting is linear and not counted).
pub(crate) fn max_bracket_nesting(text: &str) -> usize {
    let mut depth = 0usize;
    let mut max = 0usize;
    for s in scan(text) {
        match s.tok {
            Tok::Punct('[' | '{') => {
                depth += 1;
                max = max.max(depth);
            }
            Tok::Punct(']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn is_word(tok: &Tok, w: &str) -> bool {
    matches!(tok, Tok::Word { text, .. } if text == w)
}

/// Detects the syntax of one module and builds the text the engine loads.
///
/// When the module does not start with a `package` declaration nothing is inserted (the engine
/// then reports that error against the file as written).
pub(crate) fn prepare(text: &str) -> Prepared {
    let toks = scan(text);
    // The package path ends at the first token after `package` that is not part of a path.
    let mut package_end = None;
    if toks.first().is_some_and(|t| is_word(&t.tok, "package")) {
        let mut end = None;
        let mut expect_component = true;
        let mut depth = 0usize;
        for t in toks.iter().skip(1) {
            match &t.tok {
                Tok::Word { .. } if expect_component || depth > 0 => {
                    end = Some(t.end);
                    expect_component = false;
                }
                Tok::Punct('"') if depth > 0 => end = Some(t.end),
                Tok::Punct('.') if depth == 0 => expect_component = true,
                Tok::Punct('[') => depth += 1,
                Tok::Punct(']') if depth > 0 => {
                    depth -= 1;
                    end = Some(t.end);
                }
                _ => break,
            }
        }
        package_end = end;
    }

    let mut imports_rego_v1 = false;
    let mut imported_future: Vec<String> = Vec::new();
    let mut imports_any_future = false;
    let mut used = std::collections::BTreeSet::new();
    let mut idx = 0usize;
    while let Some(t) = toks.get(idx) {
        if is_word(&t.tok, "import") {
            // Collect the dotted path of the import.
            let mut path = Vec::new();
            let mut j = idx + 1;
            while let Some(n) = toks.get(j) {
                match &n.tok {
                    Tok::Word { text, .. } if path.len() == (j - idx - 1) / 2 => {
                        path.push(text.clone());
                    }
                    Tok::Punct('.') => {}
                    _ => break,
                }
                j += 1;
            }
            match path.as_slice() {
                [a, b] if a == "rego" && b == "v1" => imports_rego_v1 = true,
                [a, b, rest @ ..] if a == "future" && b == "keywords" => {
                    imports_any_future = true;
                    match rest.first() {
                        Some(kw) => imported_future.push(kw.clone()),
                        None => {
                            for kw in ["in", "every", "if", "contains"] {
                                imported_future.push(kw.to_owned());
                            }
                        }
                    }
                }
                _ => {}
            }
            idx = j;
            continue;
        }
        if let Tok::Word { text, after_dot } = &t.tok {
            if !after_dot && matches!(text.as_str(), "in" | "every" | "if" | "contains") {
                used.insert(text.clone());
            }
        }
        idx += 1;
    }

    let (syntax, supply): (Syntax, Vec<String>) = if imports_rego_v1 {
        (Syntax::V1, Vec::new())
    } else if !imports_any_future && (used.contains("if") || used.contains("contains")) {
        (Syntax::V1, vec!["rego.v1".to_owned()])
    } else {
        let missing = used
            .iter()
            .filter(|kw| !imported_future.contains(kw))
            .map(|kw| format!("future.keywords.{kw}"))
            .collect();
        (Syntax::V0, missing)
    };

    match (package_end, supply.is_empty()) {
        (Some(end), false) => {
            let insertion: String = supply.iter().map(|p| format!(" import {p}")).collect();
            let before = text.get(..end).unwrap_or_default();
            let after = text.get(end..).unwrap_or_default();
            let line_start = before.rfind('\n').map_or(0, |p| p + 1);
            let line = before.matches('\n').count() + 1;
            let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
            Prepared {
                syntax,
                text: format!("{before}{insertion}{after}"),
                insert_line: u32::try_from(line).unwrap_or(u32::MAX),
                insert_col: u32::try_from(col).unwrap_or(u32::MAX),
                inserted_len: u32::try_from(insertion.chars().count()).unwrap_or(u32::MAX),
            }
        }
        _ => Prepared {
            syntax,
            text: text.to_owned(),
            insert_line: 0,
            insert_col: 0,
            inserted_len: 0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_v0_gets_in_import_on_package_line() {
        let p = prepare("package stella.policy\n\nx { some v in input.a }\n");
        assert_eq!(p.syntax, Syntax::V0);
        assert_eq!(
            p.text,
            "package stella.policy import future.keywords.in\n\nx { some v in input.a }\n"
        );
        assert_eq!(p.original_column(1, 22), 22);
        assert_eq!(p.original_column(1, 50), 50 - 26);
        assert_eq!(p.original_column(3, 5), 5);
    }

    #[test]
    fn v1_without_import_gets_rego_v1() {
        let p = prepare("package a.b # c\nallow if { true }\n");
        assert_eq!(p.syntax, Syntax::V1);
        assert_eq!(
            p.text,
            "package a.b import rego.v1 # c\nallow if { true }\n"
        );
    }

    #[test]
    fn explicit_rego_v1_is_untouched() {
        let text = "package a\nimport rego.v1\nd contains 1 if true\n";
        let p = prepare(text);
        assert_eq!(p.syntax, Syntax::V1);
        assert_eq!(p.text, text);
    }

    #[test]
    fn future_import_style_is_v0_and_gets_missing_keywords() {
        let p = prepare("package a\nimport future.keywords.if\nx if { some y in z }\n");
        assert_eq!(p.syntax, Syntax::V0);
        assert!(p.text.starts_with("package a import future.keywords.in\n"));
    }

    #[test]
    fn keywords_in_strings_comments_and_fields_do_not_count() {
        let text = "package a\n# if in every\nx { input.in == \"if contains\" }\n";
        let p = prepare(text);
        assert_eq!(p.syntax, Syntax::V0);
        assert_eq!(p.text, text);
    }

    #[test]
    fn bracket_nesting_counts_brackets_and_braces_outside_strings_and_comments() {
        assert_eq!(max_bracket_nesting("p := [1, {\"a\": [2]}]"), 3);
        assert_eq!(
            max_bracket_nesting("p := \"[[[[\" # {{{{\nq := ((((1))))"),
            0
        );
        assert_eq!(max_bracket_nesting("p := [1] q := [2]"), 1);
        assert_eq!(max_bracket_nesting("]]]] p := [1]"), 1);
    }

    #[test]
    fn bracketed_package_path() {
        let p = prepare("package a[\"b c\"].d\nx { 1 in [1] }");
        assert!(
            p.text
                .starts_with("package a[\"b c\"].d import future.keywords.in\n")
        );
    }
}
