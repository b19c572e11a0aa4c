//! Node: the command line (a script, `-e` code, `-r` / `--require` / `--import` / `--loader`
//! preloads), the config's `NODE_OPTIONS` preloads and, recursively, each file's `require` /
//! `import`, through relative paths, `node_modules` and `NODE_PATH`.

use super::dispatch::{Call, Kind, Resolver, Task};
use super::{Arg, Missing, Tracer};
use crate::entrytrace::fs::{join, parent};
use crate::entrytrace::node::{JsImports, is_core_module};
use crate::entrytrace::report::{Scope, StepKind};
use crate::error::ScanError;

/// The [`Resolver`] of node and its modules.
#[derive(Debug)]
pub(super) struct Node;

impl Resolver for Node {
    fn run(&self, t: &mut Tracer<'_>, call: Call<'_>) -> Result<(), ScanError> {
        t.run_node(call.at, call.args)
    }

    fn read(&self, t: &mut Tracer<'_>, at: usize) -> Result<(), ScanError> {
        t.node(at)
    }
}

impl Tracer<'_> {
    fn run_node(&mut self, idx: usize, args: Vec<Arg>) -> Result<(), ScanError> {
        let from = self.path_of(idx);
        self.node_startup(idx, &from);
        let mut it = args.into_iter();
        while let Some(a) = it.next() {
            let Some(s) = a.lit() else {
                self.unresolve(
                    Scope::Node,
                    &from,
                    format!("node runs a computed script {:?}", a.text()),
                );
                return Ok(());
            };
            let (opt, inline) = match s.split_once('=') {
                Some((o, v)) if o.starts_with("--") => (o, Some(v.to_owned())),
                _ => (s, None),
            };
            match opt {
                "-e" | "--eval" | "-p" | "--print" => {
                    let code = match inline {
                        Some(v) => Some(Arg::Lit(v)),
                        None => it.next(),
                    };
                    let Some(code) = code else { break };
                    match code.lit() {
                        Some(code) => {
                            let j = JsImports::parse(code);
                            let wd = self.workdir.clone();
                            self.node_imports(idx, &wd, &j, false);
                        }
                        None => self.unresolve(Scope::Node, &from, "node -e with computed code"),
                    }
                    return Ok(());
                }
                "-r" | "--require" | "--import" | "--loader" | "--experimental-loader" => {
                    let m = match inline {
                        Some(v) => Some(Arg::Lit(v)),
                        None => it.next(),
                    };
                    self.node_preload(idx, &from, m.as_ref(), false);
                }
                "-" => {
                    self.unresolve(
                        Scope::Node,
                        &from,
                        "node reads its program from standard input",
                    );
                    return Ok(());
                }
                s if s.starts_with('-') => {}
                script => {
                    let p = join(&self.workdir, script);
                    match self.node_file(&p) {
                        Some(real) => {
                            if let Some(i) = self.reach(
                                &real,
                                Some(idx),
                                StepKind::Script,
                                format!("node {script}"),
                            ) {
                                self.queue.push_back(Task::Read(Kind::Node, i));
                            }
                        }
                        None => self.unresolve(
                            Scope::Node,
                            &from,
                            format!("node script {script:?} is not in the image"),
                        ),
                    }
                    return Ok(());
                }
            }
        }
        // No script and no -e: node reads standard input (or starts its prompt).
        self.unresolve(
            Scope::Node,
            &from,
            "node reads its program from standard input",
        );
        Ok(())
    }

    /// A module node loads before the program (`-r`, `--require`, `--import`, `--loader`).
    fn node_preload(&mut self, idx: usize, from: &str, m: Option<&Arg>, startup: bool) {
        match m {
            Some(Arg::Lit(m)) => {
                let j = JsImports {
                    specifiers: vec![(0, m.clone())],
                    dynamic: Vec::new(),
                };
                let wd = self.workdir.clone();
                self.node_imports(idx, &wd, &j, startup);
            }
            Some(Arg::Dyn(t)) => self.unresolve(
                Scope::Node,
                from,
                format!("node preloads a computed module {t:?}"),
            ),
            None => {}
        }
    }

    /// The image config's `NODE_OPTIONS`: its `--require` / `--import` / `--loader` modules run
    /// before every node program. Split like node does (spaces, double quotes with `\`
    /// escapes); text that does not split is `unknown` for npm packages.
    fn node_startup(&mut self, idx: usize, from: &str) {
        let Some(opts) = self.node_options.clone() else {
            return;
        };
        let Some(words) = split_node_options(&opts) else {
            self.unresolve(
                Scope::Node,
                from,
                "NODE_OPTIONS cannot be split (unbalanced quotes): what it preloads is not known",
            );
            return;
        };
        let mut it = words.into_iter();
        while let Some(w) = it.next() {
            let (opt, inline) = match w.split_once('=') {
                Some((o, v)) if o.starts_with("--") => (o.to_owned(), Some(v.to_owned())),
                _ => (w, None),
            };
            if matches!(
                opt.as_str(),
                "-r" | "--require" | "--import" | "--loader" | "--experimental-loader"
            ) {
                let m = inline.or_else(|| it.next()).map(Arg::Lit);
                self.node_preload(idx, from, m.as_ref(), true);
            }
        }
    }

    /// Node's file / directory resolution of an absolute (root-relative) path.
    fn node_file(&mut self, p: &str) -> Option<String> {
        for cand in [
            p.to_owned(),
            format!("{p}.js"),
            format!("{p}.json"),
            format!("{p}.mjs"),
            format!("{p}.cjs"),
            format!("{p}.node"),
        ] {
            if let Some(r) = self.resolve_file(&cand, p) {
                return Some(r);
            }
        }
        let pj = join(p, "package.json");
        if let Some(pj_real) = self.resolve_file(&pj, p)
            && let Ok(Some(f)) = self.facts(&pj_real)
            && let Some(text) = &f.text
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(text)
            && let Some(main) = v.get("main").and_then(|m| m.as_str())
        {
            let m = join(p, main);
            for cand in [
                m.clone(),
                format!("{m}.js"),
                format!("{m}.json"),
                join(&m, "index.js"),
            ] {
                if let Some(r) = self.resolve_file(&cand, p) {
                    return Some(r);
                }
            }
        }
        for cand in [
            "index.js",
            "index.json",
            "index.node",
            "index.mjs",
            "index.cjs",
        ] {
            if let Some(r) = self.resolve_file(&join(p, cand), p) {
                return Some(r);
            }
        }
        None
    }

    fn node(&mut self, idx: usize) -> Result<(), ScanError> {
        let path = self.path_of(idx);
        if path.ends_with(".node") {
            self.queue.push_back(Task::Read(Kind::Elf, idx));
            return Ok(());
        }
        let Some(f) = self.facts(&path)? else {
            if !path.ends_with(".json") {
                self.unresolve(
                    Scope::Node,
                    &path,
                    "the module's contents are not available for analysis",
                );
            }
            return Ok(());
        };
        if let Some(j) = &f.node {
            let j = j.clone();
            self.node_imports(idx, parent(&path), &j, false);
        }
        Ok(())
    }

    fn node_imports(&mut self, idx: usize, dir: &str, j: &JsImports, startup: bool) {
        let from = self.path_of(idx);
        for line in &j.dynamic {
            self.unresolve(
                Scope::Node,
                &from,
                format!("line {line}: require/import with a computed argument"),
            );
        }
        for (line, spec) in &j.specifiers {
            if !self.tick(1) {
                return;
            }
            if is_core_module(spec) {
                continue;
            }
            let found = if spec.starts_with("./")
                || spec.starts_with("../")
                || spec.starts_with('/')
                || spec == "."
                || spec == ".."
            {
                self.node_file(&join(dir, spec))
            } else {
                let mut found = None;
                let mut d = dir.to_owned();
                loop {
                    if !d.ends_with("node_modules") {
                        let cand = join(&join(&d, "node_modules"), spec);
                        if let Some(r) = self.node_file(&cand) {
                            found = Some(r);
                            break;
                        }
                    }
                    if d.is_empty() {
                        break;
                    }
                    d = parent(&d).to_owned();
                }
                if found.is_none() {
                    for np in self.node_path.clone() {
                        if let Some(r) = self.node_file(&join(&np, spec)) {
                            found = Some(r);
                            break;
                        }
                    }
                }
                found
            };
            match found {
                Some(real) => {
                    let (kind, detail) = if startup {
                        (StepKind::Startup, format!("NODE_OPTIONS preloads {spec}"))
                    } else {
                        (StepKind::Require, format!("line {line}: require {spec}"))
                    };
                    if let Some(i) = self.reach(&real, Some(idx), kind, detail) {
                        self.queue.push_back(Task::Read(Kind::Node, i));
                    }
                }
                None => {
                    let head = if spec.starts_with('@') {
                        spec.splitn(3, '/').take(2).collect::<Vec<_>>().join("/")
                    } else {
                        spec.split('/').next().unwrap_or(spec).to_owned()
                    };
                    self.missing.insert(Missing::NodeModule(head));
                }
            }
        }
    }
}

/// Splits `NODE_OPTIONS` as node does: on spaces, with double-quoted words in which `\`
/// escapes the next character. `None` when a quote is not closed.
fn split_node_options(text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            '\\' if quoted => word.push(chars.next()?),
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quoted {
        return None;
    }
    if in_word {
        out.push(word);
    }
    Some(out)
}
