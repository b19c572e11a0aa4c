//! A conservative static reader of shell scripts (POSIX sh, bash, dash, ash).
//!
//! It finds the commands a script runs when the command word is a literal: `exec prog args`,
//! plain command lines, `. file` / `source file`, and the commands after `if`, `then`, `do`, `!`,
//! `&&`, `||`, `;` and `|`. Everything it cannot decide statically is recorded as
//! [`ShellUnresolved`] with the reason: a command word with a variable or a quote it cannot
//! close, `eval`, command substitution (`$(...)`, backticks), and a script over the size limit.
//! `"$@"` as the command word (the `exec "$@"` idiom of entrypoint scripts) is kept as
//! [`Word::AllArgs`], so the caller can substitute the script's own arguments.
//!
//! Limits (by design): no control flow is evaluated (every branch counts, even dead ones), no
//! variable is expanded, aliases and `PATH` changes made by the script are not tracked, and
//! functions defined in the script are recognised by name only (their bodies are read as part of
//! the script).

use serde::{Deserialize, Serialize};

/// One word of a command, as far as it can be known statically.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "text", rename_all = "snake_case")]
pub enum Word {
    /// A literal (quotes removed).
    Literal(String),
    /// `"$@"` / `$@` / `"${@}"`: the script's arguments.
    AllArgs,
    /// Anything with an expansion in it, as written.
    Dynamic(String),
}

/// A command the script runs with a literal (or `"$@"`) command word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShellCommand {
    /// 1-based line number.
    pub line: usize,
    /// The command word.
    pub program: Word,
    /// Its arguments.
    pub args: Vec<Word>,
    /// Run through `exec`.
    pub exec: bool,
    /// Read with `.` / `source` (the program is a script read by the same shell).
    pub source: bool,
}

/// Something the reader could not decide, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShellUnresolved {
    /// 1-based line number (0: the whole script).
    pub line: usize,
    /// Why.
    pub reason: String,
}

/// What a script runs, as far as a static read can tell.
///
/// ```
/// use stella_scan::entrytrace::{ShellScript, Word};
///
/// let s = ShellScript::parse("#!/bin/sh\nset -e\nexport A=1\nexec /usr/bin/app --x \"$@\"\n", 1 << 20);
/// assert_eq!(s.commands.len(), 1);
/// assert_eq!(s.commands[0].program, Word::Literal("/usr/bin/app".into()));
/// assert!(s.commands[0].exec);
/// assert!(s.unresolved.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShellScript {
    /// Commands in script order.
    pub commands: Vec<ShellCommand>,
    /// What could not be decided, in script order.
    pub unresolved: Vec<ShellUnresolved>,
}

/// Most commands kept from one script (beyond: one unresolved entry).
pub const MAX_COMMANDS: usize = 10_000;

const BUILTINS: &[&str] = &[
    ":", "[", "[[", "]]", "alias", "bg", "break", "cd", "continue", "declare", "echo", "exit",
    "export", "false", "fg", "getopts", "hash", "jobs", "let", "local", "printf", "pwd", "read",
    "readonly", "return", "set", "shift", "shopt", "test", "times", "trap", "true", "type",
    "typeset", "ulimit", "umask", "unalias", "unset", "wait", "esac", "fi", "done", "}", "in",
];
const PREFIX_KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "(", "time", "command",
    "nohup", "builtin",
];

#[derive(Debug)]
enum Tok {
    Word(String, bool), // text with quotes removed, whether it had an expansion
    AllArgs,
    Sep,
    Redirect,
    Subst,
    Unclosed,
}

/// After `$` or a backtick: takes `(...)`, `{...}` or `` `...` `` whole into the word (nested
/// parentheses counted), so its insides are not read as commands. False when it does not close
/// on the line.
fn consume_expansion(
    first: char,
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    cur: &mut String,
    raw: &mut String,
) -> bool {
    let (open, close) = match (first, chars.peek()) {
        ('`', _) => ('`', '`'),
        ('$', Some('(')) => ('(', ')'),
        ('$', Some('{')) => ('{', '}'),
        _ => return true,
    };
    if first == '$' {
        chars.next();
        cur.push(open);
        raw.push(open);
    }
    let mut depth = 1u32;
    for n in chars.by_ref() {
        cur.push(n);
        raw.push(n);
        if n == close {
            depth -= 1;
            if depth == 0 {
                return true;
            }
        } else if n == open && open != '`' {
            depth += 1;
        }
    }
    false
}

/// Splits one logical line into tokens. `Subst` is pushed when a command substitution starts.
fn tokenize(line: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut cur = String::new();
    let mut dynamic = false;
    let mut raw = String::new();
    let mut have = false;
    let mut chars = line.chars().peekable();
    let flush = |toks: &mut Vec<Tok>,
                 cur: &mut String,
                 raw: &mut String,
                 dynamic: &mut bool,
                 have: &mut bool| {
        if *have {
            let r = raw.as_str();
            if r == "\"$@\"" || r == "$@" || r == "\"${@}\"" || r == "${@}" {
                toks.push(Tok::AllArgs);
            } else {
                toks.push(Tok::Word(std::mem::take(cur), *dynamic));
            }
        }
        cur.clear();
        raw.clear();
        *dynamic = false;
        *have = false;
    };
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => flush(&mut toks, &mut cur, &mut raw, &mut dynamic, &mut have),
            '#' if !have => break,
            ';' | '|' | '&' | '(' | ')' => {
                flush(&mut toks, &mut cur, &mut raw, &mut dynamic, &mut have);
                if c == '&' && matches!(toks.last(), Some(Tok::Redirect)) {
                    continue;
                }
                if matches!(c, '(' | ')') {
                    // subshell / case pattern delimiters: separators for our purpose
                }
                toks.push(Tok::Sep);
            }
            '<' | '>' => {
                // A number before a redirection (2>) is part of it.
                if have && raw.chars().all(|d| d.is_ascii_digit()) {
                    cur.clear();
                    raw.clear();
                    have = false;
                } else {
                    flush(&mut toks, &mut cur, &mut raw, &mut dynamic, &mut have);
                }
                while matches!(chars.peek(), Some('<' | '>' | '&' | '|')) {
                    chars.next();
                }
                if c == '<' && line.contains("<<") {
                    // heredoc word handled by the caller; the redirect eats the next word
                }
                toks.push(Tok::Redirect);
            }
            '\\' => {
                have = true;
                raw.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                    raw.push(n);
                }
            }
            '\'' => {
                have = true;
                raw.push(c);
                let mut closed = false;
                for n in chars.by_ref() {
                    raw.push(n);
                    if n == '\'' {
                        closed = true;
                        break;
                    }
                    cur.push(n);
                }
                if !closed {
                    toks.push(Tok::Unclosed);
                    return toks;
                }
            }
            '"' => {
                have = true;
                raw.push(c);
                let mut closed = false;
                while let Some(n) = chars.next() {
                    raw.push(n);
                    match n {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => {
                            if let Some(m) = chars.next() {
                                raw.push(m);
                                cur.push(m);
                            }
                        }
                        '$' | '`' => {
                            dynamic = true;
                            if n == '`' || chars.peek() == Some(&'(') {
                                toks.push(Tok::Subst);
                            }
                            cur.push(n);
                            if !consume_expansion(n, &mut chars, &mut cur, &mut raw) {
                                toks.push(Tok::Unclosed);
                                return toks;
                            }
                        }
                        _ => cur.push(n),
                    }
                }
                if !closed {
                    toks.push(Tok::Unclosed);
                    return toks;
                }
            }
            '$' | '`' => {
                have = true;
                dynamic = true;
                raw.push(c);
                cur.push(c);
                if c == '`' || chars.peek() == Some(&'(') {
                    toks.push(Tok::Subst);
                }
                if !consume_expansion(c, &mut chars, &mut cur, &mut raw) {
                    toks.push(Tok::Unclosed);
                    return toks;
                }
            }
            _ => {
                have = true;
                raw.push(c);
                cur.push(c);
            }
        }
    }
    flush(&mut toks, &mut cur, &mut raw, &mut dynamic, &mut have);
    toks
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '+')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

impl ShellScript {
    /// Reads a script. Text past `max_bytes` is not read (recorded as unresolved).
    pub fn parse(text: &str, max_bytes: usize) -> Self {
        let mut out = Self::default();
        let mut body = text;
        if text.len() > max_bytes {
            let mut cut = max_bytes;
            while cut > 0 && !text.is_char_boundary(cut) {
                cut -= 1;
            }
            body = text.get(..cut).unwrap_or("");
            out.unresolved.push(ShellUnresolved {
                line: 0,
                reason: format!(
                    "script of {} bytes is over the {max_bytes}-byte limit; the rest is not read",
                    text.len()
                ),
            });
        }
        // Function names defined in the script.
        let mut functions: Vec<String> = Vec::new();
        for l in body.lines() {
            let t = l.trim_start();
            let t = t.strip_prefix("function ").unwrap_or(t).trim_start();
            if let Some(i) = t.find("()") {
                let name = t.get(..i).unwrap_or("").trim();
                if !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
                {
                    functions.push(name.to_owned());
                }
            } else if l.trim_start().starts_with("function ") {
                if let Some(name) = t.split_whitespace().next() {
                    functions.push(name.trim_end_matches('{').to_owned());
                }
            }
        }
        let mut lines = body.lines().enumerate().peekable();
        let mut heredoc: Option<String> = None;
        while let Some((i, l)) = lines.next() {
            let lineno = i + 1;
            if let Some(end) = &heredoc {
                if l.trim_start_matches('\t') == end {
                    heredoc = None;
                }
                continue;
            }
            if lineno == 1 && l.starts_with("#!") {
                continue;
            }
            let mut logical = l.to_owned();
            while logical.ends_with('\\') {
                logical.pop();
                match lines.next() {
                    Some((_, next)) => logical.push_str(next),
                    None => break,
                }
            }
            if let Some(pos) = logical.find("<<") {
                let rest = logical.get(pos + 2..).unwrap_or("");
                let rest = rest.trim_start_matches(['-', '~']).trim_start();
                let word: String = rest
                    .chars()
                    .take_while(|c| !c.is_whitespace() && !matches!(c, ';' | '&' | '|' | ')'))
                    .filter(|c| !matches!(c, '\'' | '"' | '\\'))
                    .collect();
                if !word.is_empty() && !rest.starts_with('<') {
                    heredoc = Some(word);
                }
            }
            out.read_line(lineno, &logical, &functions);
            if out.commands.len() >= MAX_COMMANDS {
                out.unresolved.push(ShellUnresolved {
                    line: lineno,
                    reason: format!("more than {MAX_COMMANDS} commands; the rest is not read"),
                });
                break;
            }
        }
        out
    }

    fn read_line(&mut self, lineno: usize, line: &str, functions: &[String]) {
        let toks = tokenize(line);
        let mut segment: Vec<Tok> = Vec::new();
        let mut subst_reported = false;
        for t in toks {
            match t {
                Tok::Sep => {
                    self.read_segment(lineno, std::mem::take(&mut segment), functions);
                }
                Tok::Unclosed => {
                    self.unresolved.push(ShellUnresolved {
                        line: lineno,
                        reason: "unclosed quote (multi-line string); line not read".into(),
                    });
                    return;
                }
                Tok::Subst => {
                    if !subst_reported {
                        subst_reported = true;
                        self.unresolved.push(ShellUnresolved {
                            line: lineno,
                            reason: "command substitution is not analyzed".into(),
                        });
                    }
                }
                other => segment.push(other),
            }
        }
        self.read_segment(lineno, segment, functions);
    }

    fn read_segment(&mut self, lineno: usize, toks: Vec<Tok>, functions: &[String]) {
        let mut words: Vec<Word> = Vec::new();
        let mut skip_next = false;
        for t in toks {
            if skip_next {
                skip_next = false;
                continue;
            }
            match t {
                Tok::Redirect => skip_next = true,
                Tok::AllArgs => words.push(Word::AllArgs),
                Tok::Word(w, true) => words.push(Word::Dynamic(w)),
                Tok::Word(w, false) => words.push(Word::Literal(w)),
                Tok::Sep | Tok::Subst | Tok::Unclosed => {}
            }
        }
        let mut it = words.into_iter().peekable();
        let mut exec = false;
        let mut source = false;
        // Leading assignments, keywords and prefixes.
        let program = loop {
            let Some(w) = it.next() else { return };
            match &w {
                Word::Literal(s) if is_assignment(s) => continue,
                Word::Dynamic(s) if is_assignment(s) => continue,
                Word::Literal(s) if PREFIX_KEYWORDS.contains(&s.as_str()) => {
                    if s == "command" {
                        // `command -v x` only looks x up.
                        if matches!(it.peek(), Some(Word::Literal(o)) if o.starts_with('-')) {
                            return;
                        }
                    }
                    continue;
                }
                Word::Literal(s) if s == "exec" => {
                    exec = true;
                    // exec options: -a NAME, -c, -l
                    while let Some(Word::Literal(o)) = it.peek() {
                        if o == "-a" {
                            it.next();
                            it.next();
                        } else if o.starts_with('-') {
                            it.next();
                        } else {
                            break;
                        }
                    }
                    continue;
                }
                Word::Literal(s) if s == "." || s == "source" => {
                    source = true;
                    continue;
                }
                Word::Literal(s) if s == "eval" => {
                    self.unresolved.push(ShellUnresolved {
                        line: lineno,
                        reason: "eval runs text built at run time".into(),
                    });
                    return;
                }
                Word::Literal(s) if s == "for" || s == "case" || s == "select" => return,
                Word::Literal(s) if s.ends_with(')') || s == ";;" || s.starts_with("((") => {
                    return;
                }
                Word::Literal(s)
                    if BUILTINS.contains(&s.as_str()) || functions.iter().any(|f| f == s) =>
                {
                    if exec || source {
                        break w;
                    }
                    return;
                }
                _ => break w,
            }
        };
        let args: Vec<Word> = it.collect();
        match &program {
            Word::Dynamic(s) => {
                self.unresolved.push(ShellUnresolved {
                    line: lineno,
                    reason: format!("command word {s:?} is not a literal"),
                });
                return;
            }
            Word::Literal(s) if s.contains(['*', '?', '[']) || s.starts_with('~') => {
                self.unresolved.push(ShellUnresolved {
                    line: lineno,
                    reason: format!("command word {s:?} is a pattern"),
                });
                return;
            }
            Word::Literal(s) if s.contains('=') || s.is_empty() => return,
            _ => {}
        }
        self.commands.push(ShellCommand {
            line: lineno,
            program,
            args,
            exec,
            source,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Word {
        Word::Literal(s.into())
    }

    #[test]
    fn docker_entrypoint_idiom() {
        let s = ShellScript::parse(
            "#!/bin/sh\nset -e\n# comment\nif [ \"$1\" = 'x' ]; then\n  echo hi >&2\nfi\n\
             exec gosu app \"$@\"\n",
            1 << 20,
        );
        assert_eq!(s.commands.len(), 1, "{s:?}");
        let c = &s.commands[0];
        assert_eq!(c.program, lit("gosu"));
        assert_eq!(c.args, vec![lit("app"), Word::AllArgs]);
        assert!(c.exec);
        assert!(s.unresolved.is_empty(), "{s:?}");
    }

    #[test]
    fn chains_and_prefixes() {
        let s = ShellScript::parse(
            "A=1 B=\"2\" /opt/a --x && ! /opt/b || nohup /opt/c 2>/dev/null &\n\
             cat /etc/x | grep -q y\n. /etc/profile.d/env.sh\n",
            1 << 20,
        );
        let progs: Vec<&Word> = s.commands.iter().map(|c| &c.program).collect();
        assert_eq!(
            progs,
            vec![
                &lit("/opt/a"),
                &lit("/opt/b"),
                &lit("/opt/c"),
                &lit("cat"),
                &lit("grep"),
                &lit("/etc/profile.d/env.sh")
            ]
        );
        assert!(s.commands[5].source);
    }

    #[test]
    fn dynamic_things_are_unresolved() {
        let s = ShellScript::parse(
            "$CMD --x\neval \"$(cat f)\"\nX=$(date)\n\"${BIN}\" run\n`which y`\n",
            1 << 20,
        );
        assert!(s.commands.is_empty(), "{s:?}");
        let reasons: Vec<&str> = s.unresolved.iter().map(|u| u.reason.as_str()).collect();
        assert!(reasons.iter().any(|r| r.contains("not a literal")));
        assert!(reasons.iter().any(|r| r.contains("eval")));
        assert!(reasons.iter().any(|r| r.contains("substitution")));
        assert_eq!(s.unresolved.iter().filter(|u| u.line == 4).count(), 1);
    }

    #[test]
    fn functions_heredocs_and_continuations() {
        let s = ShellScript::parse(
            "main() {\n  /bin/run \\\n   --flag\n}\ncat <<EOF\n/not/a/command\nEOF\nmain\n",
            1 << 20,
        );
        let progs: Vec<&Word> = s.commands.iter().map(|c| &c.program).collect();
        assert_eq!(progs, vec![&lit("/bin/run"), &lit("cat")], "{s:?}");
        assert_eq!(s.commands[0].args, vec![lit("--flag")]);
    }

    #[test]
    fn limits() {
        let big = "true\n".repeat(100);
        let s = ShellScript::parse(&big, 10);
        assert_eq!(s.unresolved.len(), 1);
        assert!(s.unresolved[0].reason.contains("limit"));
        let many = "/bin/x\n".repeat(MAX_COMMANDS + 5);
        let s = ShellScript::parse(&many, 1 << 30);
        assert_eq!(s.commands.len(), MAX_COMMANDS);
        let s = ShellScript::parse("echo 'unclosed\n/bin/x\n", 1 << 20);
        assert_eq!(s.commands.len(), 1);
        assert_eq!(s.unresolved.len(), 1);
    }
}
