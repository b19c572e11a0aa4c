//! Static reading of Node.js module references: `require("x")`, `import ... from "x"`,
//! `import "x"`, `export ... from "x"` and `import("x")` with a literal. `require` / `import()`
//! of anything else is recorded as dynamic. The scan is textual: references in comments count
//! (over-approximation, never under).

use serde::{Deserialize, Serialize};

/// The module references of one JavaScript file.
///
/// ```
/// use stella_scan::entrytrace::JsImports;
///
/// let j = JsImports::parse("const e = require('express');\nimport x from \"./lib/x.js\";\nrequire(name);\n");
/// assert_eq!(j.specifiers, vec![(1, "express".to_string()), (2, "./lib/x.js".to_string())]);
/// assert_eq!(j.dynamic, vec![3]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsImports {
    /// (1-based line, specifier) in file order.
    pub specifiers: Vec<(usize, String)>,
    /// Lines of `require(...)` / `import(...)` with a computed argument.
    pub dynamic: Vec<usize>,
}

/// Most specifiers kept from one file.
pub const MAX_SPECIFIERS: usize = 20_000;

static JS_FINDERS: std::sync::LazyLock<Vec<memchr::memmem::Finder<'static>>> =
    std::sync::LazyLock::new(|| {
        ["require(", "import", "export", " from "]
            .iter()
            .map(|p| memchr::memmem::Finder::new(p.as_bytes()))
            .collect()
    });

fn string_at(s: &str) -> Option<&str> {
    let s = s.trim_start();
    let q = s.chars().next().filter(|c| matches!(c, '"' | '\'' | '`'))?;
    let rest = s.get(1..)?;
    let end = rest.find(q)?;
    let lit = rest.get(..end)?;
    (!lit.contains("${") && !lit.contains('\n')).then_some(lit)
}

impl JsImports {
    /// Reads a file.
    pub fn parse(text: &str) -> Self {
        Self::parse_bytes(text.as_bytes())
    }

    /// Reads a file from bytes (invalid UTF-8 is replaced). Only lines holding `require(`,
    /// `import` or `export` / ` from ` are decoded and read (SIMD substring search).
    pub fn parse_bytes(data: &[u8]) -> Self {
        let mut out = Self::default();
        let mut counter = super::lines::LineCounter::default();
        for start in super::lines::interesting_line_starts(data, &JS_FINDERS) {
            let (line, _) = super::lines::line_at(data, start);
            let lineno = counter.line_of(data, start);
            let line = String::from_utf8_lossy(line);
            if !out.read_line(lineno, &line) {
                break;
            }
        }
        out.dynamic.dedup();
        out
    }

    /// Reads one line; false once over the limit.
    fn read_line(&mut self, lineno: usize, line: &str) -> bool {
        let out = self;
        if out.specifiers.len() >= MAX_SPECIFIERS {
            out.dynamic.push(lineno);
            return false;
        }
        for call in ["require(", "import("] {
            let mut from = 0;
            while let Some(p) = line.get(from..).and_then(|s| s.find(call)) {
                let at = from + p;
                from = at + call.len();
                let before = line.get(..at).and_then(|b| b.chars().last());
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.') {
                    continue;
                }
                let arg = line.get(from..).unwrap_or("");
                match string_at(arg) {
                    Some(lit) => out.specifiers.push((lineno, lit.to_owned())),
                    None => out.dynamic.push(lineno),
                }
            }
        }
        let t = line.trim_start();
        if t.starts_with("import ") || t.starts_with("export ") || t.contains("} from ") {
            if let Some(p) = t.rfind(" from ") {
                if let Some(lit) = string_at(t.get(p + 6..).unwrap_or("")) {
                    out.specifiers.push((lineno, lit.to_owned()));
                }
            } else if let Some(rest) = t.strip_prefix("import ")
                && let Some(lit) = string_at(rest)
            {
                out.specifiers.push((lineno, lit.to_owned()));
            }
        } else if let Some(p) = t.find("} from ") {
            // the last line of a multi-line import
            if let Some(lit) = string_at(t.get(p + 7..).unwrap_or("")) {
                out.specifiers.push((lineno, lit.to_owned()));
            }
        }
        true
    }
}

/// Whether a specifier names a Node core module (`fs`, `node:fs`, …).
pub fn is_core_module(spec: &str) -> bool {
    const CORE: &[&str] = &[
        "assert",
        "async_hooks",
        "buffer",
        "child_process",
        "cluster",
        "console",
        "constants",
        "crypto",
        "dgram",
        "diagnostics_channel",
        "dns",
        "domain",
        "events",
        "fs",
        "http",
        "http2",
        "https",
        "inspector",
        "module",
        "net",
        "os",
        "path",
        "perf_hooks",
        "process",
        "punycode",
        "querystring",
        "readline",
        "repl",
        "stream",
        "string_decoder",
        "sys",
        "timers",
        "tls",
        "trace_events",
        "tty",
        "url",
        "util",
        "v8",
        "vm",
        "wasi",
        "worker_threads",
        "zlib",
    ];
    if spec.starts_with("node:") {
        return true;
    }
    let head = spec.split('/').next().unwrap_or(spec);
    CORE.contains(&head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let j = JsImports::parse(
            "import { a,\n  b } from '@scope/pkg/sub';\nexport * from \"./re\";\nimport './side.css';\n\
             const m = await import('lazy');\nobj.require('no');\nrequire(`tpl`);\nrequire(`x${y}`);\n",
        );
        let specs: Vec<&str> = j.specifiers.iter().map(|s| s.1.as_str()).collect();
        assert_eq!(
            specs,
            vec!["@scope/pkg/sub", "./re", "./side.css", "lazy", "tpl"]
        );
        assert_eq!(j.dynamic, vec![8]);
        assert!(is_core_module("fs/promises"));
        assert!(is_core_module("node:test"));
        assert!(!is_core_module("express"));
    }
}
