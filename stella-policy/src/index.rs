//! Lookup indexing: a semantics-preserving rewrite of "scan for a key" functions.
//!
//! The seed's `waived(id)` scans the whole VEX list for every critical finding, which makes a
//! gate quadratic: 10,000 findings with 1,000 VEX statements cost about 10⁶ loop iterations,
//! and regorus 0.14 neither indexes nor stops a boolean function at its first match. A
//! function definition of exactly this shape
//!
//! ```text
//! NAME(P) {            # or `NAME(P) if {`
//!   some W in REF      # REF: a path rooted at input or data
//!   W.FIELD == P       # or P == W.FIELD
//!   REST…              # zero or more lines that mention neither P nor any function call
//! }
//! ```
//!
//! is true for `P` exactly when `P` is in the set `{W.FIELD | some W in REF; REST…}`, so the
//! definition's body is replaced by a membership test in that set, which is a complete rule
//! the engine evaluates once per decision:
//!
//! ```text
//! NAME(P) { __stella_index_M_K[P] }
//! __stella_index_M_K := {W.FIELD | some W in REF; REST…}
//! ```
//!
//! The rewrite is conservative: every line of the body must be one statement with balanced
//! brackets (no `;`, comments or raw strings in the body), REST may not call functions (a
//! builtin that errors on some element the original never reached would turn a decision into
//! an error), and no module of the bundle may use `with` (which could change `REF` between
//! calls). Line numbers are kept (the replaced body keeps its line breaks; the index rules are
//! appended after the last line). The bundle is always loaded and compiled as written first,
//! so every error is reported against the files as written; the rewritten modules are used only
//! if they load and compile too. The bundle digest, and therefore the decision record, is of
//! the files as written.

/// A token with its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tok {
    text: String,
    word: bool,
    after_dot: bool,
    start: usize,
    end: usize,
}

fn tokens(text: &str) -> Option<Vec<Tok>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    let mut prev_dot = false;
    while let Some(&b) = bytes.get(i) {
        let start = i;
        match b {
            b'#' => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                loop {
                    match bytes.get(i) {
                        None | Some(b'\n') => return None,
                        Some(b'\\') => i += 2,
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            b'`' => {
                i += 1;
                while bytes.get(i).is_some_and(|&c| c != b'`') {
                    i += 1;
                }
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while bytes
                    .get(i)
                    .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_')
                {
                    i += 1;
                }
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'=' | b'!' | b':' | b'<' | b'>' if bytes.get(i + 1) == Some(&b'=') => i += 2,
            _ => {
                let ch = text.get(i..).and_then(|s| s.chars().next())?;
                i += ch.len_utf8();
            }
        }
        let t = text.get(start..i.min(text.len()))?.to_owned();
        let word = t
            .as_bytes()
            .first()
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_');
        out.push(Tok {
            after_dot: prev_dot,
            word,
            start,
            end: i.min(text.len()),
            text: t,
        });
        prev_dot = out.last().is_some_and(|t| t.text == ".");
    }
    Some(out)
}

/// Whether any module uses `with` (then no module is rewritten).
pub(crate) fn uses_with(text: &str) -> bool {
    tokens(text).is_none_or(|toks| toks.iter().any(|t| t.word && t.text == "with"))
}

/// Rewrites every matching function definition of `text`, returning the new text and how many
/// definitions were rewritten; `None` when there is none.
pub(crate) fn rewrite(text: &str, module_ordinal: usize) -> Option<(String, usize)> {
    let toks = tokens(text)?;
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut appended = String::new();
    let mut depth = 0i64;
    let mut i = 0usize;
    while let Some(t) = toks.get(i) {
        match t.text.as_str() {
            "{" | "(" | "[" => depth += 1,
            "}" | ")" | "]" => depth -= 1,
            _ => {}
        }
        let at_line_start = text.get(..t.start).is_some_and(|before| {
            before
                .rsplit('\n')
                .next()
                .is_some_and(|l| l.trim().is_empty())
        });
        if depth == 0 && t.word && !t.after_dot && at_line_start {
            if let Some((body_open, body_close, index)) = match_function(text, &toks, i) {
                let k = edits.len();
                let name = format!("__stella_index_{module_ordinal}_{k}");
                let (param, rule) = index;
                let removed = text.get(body_open + 1..body_close)?;
                let newlines = "\n".repeat(removed.matches('\n').count());
                edits.push((
                    body_open + 1,
                    body_close,
                    format!(" {name}[{param}] {newlines}"),
                ));
                appended.push_str(&format!("\n{name} := {rule}\n"));
            }
        }
        i += 1;
    }
    if edits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len() + appended.len());
    let mut pos = 0usize;
    for (start, end, replacement) in &edits {
        out.push_str(text.get(pos..*start)?);
        out.push_str(replacement);
        pos = *end;
    }
    out.push_str(text.get(pos..)?);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&appended);
    Some((out, edits.len()))
}

/// Matches `NAME(P) [if] { … }` at token `i`; returns the body's brace offsets and
/// `(P, "{W.FIELD | …}")`.
fn match_function(text: &str, toks: &[Tok], i: usize) -> Option<(usize, usize, (String, String))> {
    let get = |k: usize| toks.get(k);
    let _name = get(i)?;
    if get(i + 1)?.text != "(" || get(i + 3)?.text != ")" {
        return None;
    }
    let param = get(i + 2)?;
    if !param.word || param.text == "_" {
        return None;
    }
    let mut j = i + 4;
    if get(j)?.text == "if" {
        j += 1;
    }
    let open = get(j)?;
    if open.text != "{" {
        return None;
    }
    // The matching close brace.
    let mut depth = 0i64;
    let mut close = None;
    for (k, t) in toks.iter().enumerate().skip(j) {
        match t.text.as_str() {
            "{" | "(" | "[" => depth += 1,
            "}" | ")" | "]" => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            close = Some(k);
            break;
        }
    }
    let close_idx = close?;
    let close_tok = get(close_idx)?;
    // Nothing but whitespace may follow the closing brace on its line (no `else`, no second body).
    let after = text.get(close_tok.end..)?;
    let rest_of_line = after.split('\n').next().unwrap_or_default();
    if !rest_of_line.trim().is_empty() {
        return None;
    }
    if get(close_idx + 1).is_some_and(|t| t.text == "else" || t.text == "{") {
        return None;
    }
    let body = text.get(open.end..close_tok.start)?;
    if body.contains(';') || body.contains('#') || body.contains('`') {
        return None;
    }
    let lines: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let [first, second, rest @ ..] = lines.as_slice() else {
        return None;
    };
    // some W in REF
    let f = tokens(first)?;
    let [some, w, inn, path @ ..] = f.as_slice() else {
        return None;
    };
    if some.text != "some" || inn.text != "in" || !w.word || w.text == param.text {
        return None;
    }
    if !is_root_path(path) {
        return None;
    }
    // W.FIELD == P or P == W.FIELD
    let s = tokens(second)?;
    let field = match s.as_slice() {
        [a, dot, fld, eq, p] | [p, eq, a, dot, fld]
            if a.text == w.text
                && dot.text == "."
                && fld.word
                && eq.text == "=="
                && p.text == param.text =>
        {
            fld.text.clone()
        }
        _ => return None,
    };
    for line in rest {
        let lt = tokens(line)?;
        let mut d = 0i64;
        for (k, t) in lt.iter().enumerate() {
            match t.text.as_str() {
                "{" | "(" | "[" => d += 1,
                "}" | ")" | "]" => d -= 1,
                _ => {}
            }
            if t.word && !t.after_dot && (t.text == param.text || t.text == "with") {
                return None;
            }
            if t.word && lt.get(k + 1).is_some_and(|n| n.text == "(") {
                return None;
            }
        }
        if d != 0 {
            return None;
        }
    }
    let mut rule = format!("{{{}.{field} | {first}", w.text);
    for line in rest {
        rule.push_str("; ");
        rule.push_str(line);
    }
    rule.push('}');
    Some((open.start, close_tok.start, (param.text.clone(), rule)))
}

/// `input.a.b` or `data.a.b`: plain dotted identifiers.
fn is_root_path(path: &[Tok]) -> bool {
    let Some(first) = path.first() else {
        return false;
    };
    if !(first.text == "input" || first.text == "data") {
        return false;
    }
    path.iter()
        .enumerate()
        .all(|(k, t)| if k % 2 == 1 { t.text == "." } else { t.word })
        && path.len() % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_waived_function_is_indexed_keeping_lines() {
        let seed = crate::SEED_EXPLOITABLE;
        let (out, n) = rewrite(seed, 0).unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            out.lines().take(seed.lines().count()).count(),
            seed.lines().count()
        );
        assert!(
            out.contains("waived(id) { __stella_index_0_0[id] \n\n\n\n\n}"),
            "{out}"
        );
        assert!(out.ends_with(
            "\n__stella_index_0_0 := {w.vuln_id | some w in input.vex; w.status == \"not_affected\"; w.justification != \"\"}\n"
        ), "{out}");
        // Every line before the function is unchanged.
        for (a, b) in seed.lines().zip(out.lines()).take(19) {
            assert_eq!(a, b);
        }
    }

    #[test]
    fn v1_definitions_are_indexed_too() {
        let (out, n) = rewrite(crate::STELLA_BUILTIN, 2).unwrap();
        assert_eq!(n, 1);
        assert!(
            out.contains("waived(id) if { __stella_index_2_0[id] "),
            "{out}"
        );
        assert!(out.contains(
            "__stella_index_2_0 := {w.vuln_id | some w in input.waivers; w.valid == true}"
        ));
        // binds_image(a) compares against input, not the parameter: untouched.
        assert!(out.contains("binds_image(a) if {\n\tsome d in a.subject_digests"));
    }

    #[test]
    fn other_shapes_are_left_alone() {
        for text in [
            // The parameter is used again.
            "package p\nf(x) {\n  some w in input.v\n  w.k == x\n  w.j == x\n}\n",
            // A function call in the rest.
            "package p\nf(x) {\n  some w in input.v\n  w.k == x\n  startswith(w.j, \"a\")\n}\n",
            // A collection that is not an input/data path.
            "package p\nf(x) {\n  some w in g(x)\n  w.k == x\n}\n",
            // Two statements on one line.
            "package p\nf(x) {\n  some w in input.v; w.k == x\n}\n",
            // A comment in the body.
            "package p\nf(x) {\n  some w in input.v\n  w.k == x # c\n}\n",
            // An else.
            "package p\nf(x) {\n  some w in input.v\n  w.k == x\n} else = false\n",
        ] {
            assert_eq!(rewrite(text, 0), None, "{text}");
        }
        assert!(uses_with("package p\na { b with input as 1 }\n"));
        assert!(!uses_with(crate::SEED_EXPLOITABLE));
    }
}
