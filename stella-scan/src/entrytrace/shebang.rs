//! `#!` lines: what the kernel runs for a script (`binfmt_script`), and what `env` then runs.
//!
//! The kernel reads the first line (at most [`MAX_SHEBANG_LINE`] bytes), takes the first word as
//! the interpreter and the rest of the line, trimmed, as **one** optional argument. When the
//! interpreter is `env`, the argument is split the way `env` splits it: `-S` / `--split-string`
//! splits on whitespace, options (`-i`, `-u NAME`, `-0`, …) and `NAME=value` assignments are
//! skipped, and the first other word is the program, looked up in `PATH`.

use serde::{Deserialize, Serialize};

/// Longest `#!` line read (Linux reads 256 bytes since 5.1 and fails longer interpreter paths;
/// we accept a little more and report longer lines as malformed).
pub const MAX_SHEBANG_LINE: usize = 4096;

/// A parsed `#!` line.
///
/// ```
/// use stella_scan::entrytrace::Shebang;
///
/// let s = Shebang::parse(b"#!/usr/bin/env -S python3 -u\nprint(1)\n").unwrap().unwrap();
/// assert_eq!(s.interpreter, "/usr/bin/env");
/// assert_eq!(s.command(), ("python3".to_string(), vec!["-u".to_string()], true));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shebang {
    /// The interpreter path as written.
    pub interpreter: String,
    /// The optional single argument (the rest of the line, trimmed).
    pub arg: Option<String>,
}

/// Why a `#!` line could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[non_exhaustive]
pub enum ShebangError {
    /// No newline within [`MAX_SHEBANG_LINE`] bytes (and the file is longer than that).
    #[error("#! line longer than {MAX_SHEBANG_LINE} bytes")]
    TooLong,
    /// `#!` followed by nothing.
    #[error("#! line names no interpreter")]
    Empty,
    /// The line is not UTF-8.
    #[error("#! line is not UTF-8")]
    NotUtf8,
}

impl Shebang {
    /// Parses the start of a file. `Ok(None)` when it does not start with `#!`.
    pub fn parse(data: &[u8]) -> Result<Option<Self>, ShebangError> {
        let Some(rest) = data.strip_prefix(b"#!") else {
            return Ok(None);
        };
        let window = rest.get(..rest.len().min(MAX_SHEBANG_LINE)).unwrap_or(rest);
        let line = match window.iter().position(|&b| b == b'\n') {
            Some(n) => window.get(..n).unwrap_or(window),
            None if rest.len() > MAX_SHEBANG_LINE => return Err(ShebangError::TooLong),
            None => window,
        };
        let line = std::str::from_utf8(line).map_err(|_| ShebangError::NotUtf8)?;
        let line = line.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r');
        let (interpreter, arg) = match line.find([' ', '\t']) {
            Some(i) => (
                line.get(..i).unwrap_or(line),
                line.get(i..).unwrap_or("").trim_matches([' ', '\t']),
            ),
            None => (line, ""),
        };
        if interpreter.is_empty() {
            return Err(ShebangError::Empty);
        }
        Ok(Some(Self {
            interpreter: interpreter.to_owned(),
            arg: (!arg.is_empty()).then(|| arg.to_owned()),
        }))
    }

    /// Whether the interpreter is `env` (by file name).
    pub fn is_env(&self) -> bool {
        self.interpreter.rsplit('/').next() == Some("env")
    }

    /// The program to run and its leading arguments, and whether it is to be looked up in
    /// `PATH` (the `env` case). Without `env`: the interpreter and its one argument. With `env`
    /// but no program word (`#!/usr/bin/env` alone, or only options): the interpreter itself.
    pub fn command(&self) -> (String, Vec<String>, bool) {
        if !self.is_env() {
            return (
                self.interpreter.clone(),
                self.arg.iter().cloned().collect(),
                false,
            );
        }
        let Some(arg) = &self.arg else {
            return (self.interpreter.clone(), Vec::new(), false);
        };
        // Without -S, Linux passes the rest as one word: env treats it as one program name
        // (which then contains spaces unless it is a single word).
        let words: Vec<&str> = if arg.starts_with("-S") || arg.starts_with("--split-string") {
            let rest = arg
                .strip_prefix("--split-string=")
                .or_else(|| arg.strip_prefix("--split-string"))
                .or_else(|| arg.strip_prefix("-S"))
                .unwrap_or(arg);
            rest.split_whitespace().collect()
        } else {
            vec![arg.as_str()]
        };
        let mut it = words.into_iter().peekable();
        while let Some(w) = it.next() {
            if w == "-u" || w == "--unset" || w == "-C" || w == "--chdir" {
                it.next();
                continue;
            }
            if w == "--" {
                if let Some(p) = it.next() {
                    return (p.to_owned(), it.map(str::to_owned).collect(), true);
                }
                break;
            }
            if w.starts_with('-') || (w.contains('=') && !w.starts_with('=')) {
                continue;
            }
            return (w.to_owned(), it.map(str::to_owned).collect(), true);
        }
        (self.interpreter.clone(), Vec::new(), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Shebang {
        Shebang::parse(s.as_bytes()).unwrap().unwrap()
    }

    #[test]
    fn plain_and_one_argument() {
        let s = p("#!/bin/sh -e\necho\n");
        assert_eq!(s.interpreter, "/bin/sh");
        assert_eq!(s.arg.as_deref(), Some("-e"));
        assert_eq!(s.command(), ("/bin/sh".into(), vec!["-e".into()], false));
        let s = p("#! /usr/bin/python3   -u -O  \r\n");
        assert_eq!(s.interpreter, "/usr/bin/python3");
        assert_eq!(s.arg.as_deref(), Some("-u -O"));
    }

    #[test]
    fn env_forms() {
        assert_eq!(
            p("#!/usr/bin/env python3\n").command(),
            ("python3".into(), vec![], true)
        );
        assert_eq!(
            p("#!/usr/bin/env -S node --no-warnings\n").command(),
            ("node".into(), vec!["--no-warnings".into()], true)
        );
        assert_eq!(
            p("#!/usr/bin/env -S -i PATH=/x -u HOME ruby -w\n").command(),
            ("ruby".into(), vec!["-w".into()], true)
        );
        assert_eq!(
            p("#!/usr/bin/env\n").command(),
            ("/usr/bin/env".into(), vec![], false)
        );
        // Without -S the whole rest is one (odd) program name.
        assert_eq!(
            p("#!/usr/bin/env python3 -u\n").command().0,
            "python3 -u".to_string()
        );
    }

    #[test]
    fn bad_lines() {
        assert_eq!(Shebang::parse(b"echo hi"), Ok(None));
        assert_eq!(Shebang::parse(b"#!\n"), Err(ShebangError::Empty));
        assert_eq!(Shebang::parse(b"#!   \n"), Err(ShebangError::Empty));
        let mut long = b"#!/bin/".to_vec();
        long.extend(std::iter::repeat_n(b'a', MAX_SHEBANG_LINE + 10));
        assert_eq!(Shebang::parse(&long), Err(ShebangError::TooLong));
        assert_eq!(Shebang::parse(b"#!/bin/\xff\n"), Err(ShebangError::NotUtf8));
        // No newline but short: the whole file is the line.
        assert_eq!(p("#!/bin/sh").interpreter, "/bin/sh");
    }
}
