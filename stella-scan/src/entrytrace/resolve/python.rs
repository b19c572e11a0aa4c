//! Python: the interpreter's command line (a script, `-m` module, `-c` code), its start-up
//! (`.pth` files, `sitecustomize`, `usercustomize`) and, recursively, the modules each file
//! imports, found on the interpreter's `sys.path`.

use std::collections::HashSet;
use std::rc::Rc;

use super::dispatch::{Call, Kind, Resolver, Task};
use super::{Arg, Missing, Tracer};
use crate::entrytrace::fs::{FsNode, join, parent};
use crate::entrytrace::python::PyImports;
use crate::entrytrace::report::{EntryConfig, Scope, StepKind};
use crate::error::ScanError;

/// The [`Resolver`] of Python interpreters and modules.
#[derive(Debug)]
pub(super) struct Python;

impl Resolver for Python {
    fn run(&self, t: &mut Tracer<'_>, call: Call<'_>) -> Result<(), ScanError> {
        t.run_python(call.at, call.path, call.name, call.args)
    }

    fn read(&self, t: &mut Tracer<'_>, at: usize) -> Result<(), ScanError> {
        // Every Python read is queued with its search path (`queue_python`).
        match t.py_read_search.remove(&at) {
            Some(search) => t.python(at, &search),
            None => Ok(()),
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct PySearch {
    dirs: Vec<String>,
    /// The standard library directories among `dirs`.
    stdlib: Vec<String>,
}

/// What Python's `site` module does at start-up for one interpreter.
#[derive(Debug, Default)]
pub(super) struct PySite {
    /// The standard library directories (with `lib-dynload`), in `sys.path` order.
    stdlib: Vec<String>,
    /// The site directories (user site first, then `site-packages` / `dist-packages`), existing.
    site: Vec<String>,
    /// Directories the `.pth` files' path lines add (existing), in order.
    pth_dirs: Vec<String>,
    /// The `.pth` files (real paths) with the site directory each is in, in processing order.
    pth_files: Vec<(String, String)>,
}

/// The user base of the user site directory (see [`Tracer::python_user_base`]).
pub(super) fn user_base(config: &EntryConfig) -> Option<String> {
    if let Some(b) = config.env_var("PYTHONUSERBASE").filter(|b| !b.is_empty()) {
        return Some(join("", b));
    }
    if let Some(h) = config.env_var("HOME").filter(|h| !h.is_empty()) {
        return Some(join(&join("", h), ".local"));
    }
    let user = config.user.as_deref().unwrap_or("");
    let name = user.split(':').next().unwrap_or("");
    matches!(name, "" | "root" | "0").then(|| "root/.local".to_owned())
}

/// What in a `.pth` file's `import` line the analysis cannot follow (besides the dynamic
/// imports [`PyImports`] records): changes to the import machinery or `sys.path`, and code read
/// or built at run time.
const PTH_OPAQUE: &[&str] = &[
    "sys.path",
    "addsitedir",
    "meta_path",
    "path_hooks",
    "eval(",
    "compile(",
    "open(",
    "getattr(",
    "setattr(",
    "globals(",
    "sys.modules",
];

/// The files of a module found in one directory (`None`: not found there).
pub(super) type ModuleFiles = Option<Rc<Vec<String>>>;

impl Tracer<'_> {
    /// The search path of interpreter `interp` with `first` as `sys.path[0]` (the script's
    /// directory; `None` at start-up, before it is set): `first`, `PYTHONPATH`, the standard
    /// library, the site directories, the directories the `.pth` files add.
    fn python_search(&mut self, interp: &str, first: Option<&str>) -> Rc<PySearch> {
        let key = format!("{interp}\0{}", first.unwrap_or("\0"));
        if let Some(s) = self.py_search.get(&key) {
            return s.clone();
        }
        let site = self.python_site(interp);
        let mut dirs: Vec<String> = first.map(str::to_owned).into_iter().collect();
        dirs.extend(self.python_path.iter().cloned());
        dirs.extend(site.stdlib.iter().cloned());
        dirs.extend(site.site.iter().cloned());
        dirs.extend(site.pth_dirs.iter().cloned());
        let mut seen = HashSet::new();
        dirs.retain(|d| seen.insert(d.clone()) && matches!(self.fs.node(d), Some(FsNode::Dir)));
        let stdlib = site
            .stdlib
            .iter()
            .filter(|d| dirs.contains(d))
            .cloned()
            .collect();
        let s = Rc::new(PySearch { dirs, stdlib });
        self.py_search.insert(key, s.clone());
        s
    }

    /// The standard library and site directories of `interp`, and what the `.pth` files of
    /// the site directories add (read once per interpreter). What cannot be read is recorded
    /// (scope Python).
    fn python_site(&mut self, interp: &str) -> Rc<PySite> {
        if let Some(s) = self.py_sites.get(interp) {
            return s.clone();
        }
        let bin = parent(interp);
        let mut prefixes: Vec<String> = self.python_home.clone();
        // A virtualenv: pyvenv.cfg next to bin/.
        let venv = parent(bin).to_owned();
        let cfg = join(&venv, "pyvenv.cfg");
        if matches!(self.fs.node(&cfg), Some(FsNode::File { .. })) {
            prefixes.push(venv);
        }
        prefixes.push(parent(bin).to_owned());
        for p in ["usr/local", "usr"] {
            prefixes.push(p.to_owned());
        }
        let mut seen = HashSet::new();
        prefixes.retain(|p| seen.insert(p.clone()));
        let ver = interp
            .rsplit('/')
            .next()
            .unwrap_or("")
            .trim_start_matches("python")
            .to_owned();
        let mut out = PySite::default();
        let mut system_site: Vec<String> = Vec::new();
        for prefix in &prefixes {
            let lib = join(prefix, "lib");
            for n in self.python_lib_names(&lib, &ver) {
                let d = join(&lib, &n);
                if n.contains('.') {
                    out.stdlib.push(d.clone());
                    out.stdlib.push(join(&d, "lib-dynload"));
                }
                system_site.push(join(&d, "site-packages"));
                system_site.push(join(&d, "dist-packages"));
            }
        }
        // The user site directory comes before the system's (site.py: ENABLE_USER_SITE).
        let mut user_bases: Vec<String> = Vec::new();
        match &self.python_user_base {
            Some(b) => user_bases.push(b.clone()),
            None => {
                // Run as a user whose home only the passwd database knows: every home's user
                // site may be the one in use.
                user_bases.push("root/.local".to_owned());
                for h in self.fs.list("home") {
                    user_bases.push(join(&join("home", &h), ".local"));
                }
            }
        }
        for base in &user_bases {
            let lib = join(base, "lib");
            for n in self.python_lib_names(&lib, &ver) {
                let d = join(&join(&lib, &n), "site-packages");
                if matches!(self.resolve_cached(&d), Ok((_, FsNode::Dir))) {
                    if self.python_user_base.is_none() {
                        self.unresolve(
                            Scope::Python,
                            &d,
                            "user site directory of a user whose home is not configured (HOME): which one Python uses is not known",
                        );
                    }
                    out.site.push(d);
                }
            }
        }
        out.site.extend(system_site);
        let mut seen = HashSet::new();
        out.site
            .retain(|d| seen.insert(d.clone()) && matches!(self.fs.node(d), Some(FsNode::Dir)));
        // .pth files: every site directory's, in name order (site.addsitedir).
        for dir in out.site.clone() {
            let Ok((real_dir, FsNode::Dir)) = self.resolve_cached(&dir) else {
                continue;
            };
            let listing = self.list(&real_dir);
            for name in listing.iter().filter(|n| n.ends_with(".pth")) {
                if !self.tick(1) {
                    break;
                }
                let path = join(&real_dir, name);
                let Some(real) = self.resolve_file(&path, &path) else {
                    continue;
                };
                out.pth_files.push((real.clone(), real_dir.clone()));
                let text = match self.facts(&real) {
                    Ok(Some(f)) if !f.truncated => f.text.clone(),
                    _ => None,
                };
                let Some(text) = text else {
                    self.unresolve(
                        Scope::Python,
                        &real,
                        "start-up .pth file cannot be read: what it imports or adds to sys.path is not known",
                    );
                    continue;
                };
                for line in text.lines() {
                    if !self.tick(1) {
                        break;
                    }
                    if line.starts_with('#')
                        || line.trim().is_empty()
                        || line.starts_with("import ")
                        || line.starts_with("import\t")
                    {
                        continue;
                    }
                    // A path line: the directory is appended to sys.path when it exists.
                    let d = join(&real_dir, line.trim_end());
                    if matches!(self.resolve_cached(&d), Ok((_, FsNode::Dir))) {
                        out.pth_dirs.push(d);
                    }
                }
            }
        }
        let rc = Rc::new(out);
        self.py_sites.insert(interp.to_owned(), rc.clone());
        rc
    }

    /// The `python3*` / `python2*` entries of a `lib` directory, the interpreter's own version
    /// first.
    fn python_lib_names(&mut self, lib: &str, ver: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .list(lib)
            .iter()
            .filter(|n| n.starts_with("python3") || n.starts_with("python2"))
            .cloned()
            .collect();
        names.sort_by_key(|n| (n.trim_start_matches("python") != ver, n.clone()));
        names
    }

    /// Python's start-up for interpreter `interp` (reached at `idx`), once per interpreter:
    /// the `import` lines of every `.pth` file of its site directories, then `sitecustomize`
    /// and `usercustomize`, all on entry paths. `-S`, `-s`, `-I` and `PYTHONNOUSERSITE` are not
    /// read: counting the hooks anyway over-approximates, never under.
    fn python_startup(&mut self, idx: usize, interp: &str) {
        if !self.py_started.insert(interp.to_owned()) {
            return;
        }
        let site = self.python_site(interp);
        let search = self.python_search(interp, None);
        for (pth, dir) in &site.pth_files {
            let text = match self.facts(pth) {
                Ok(Some(f)) if !f.truncated => f.text.clone(),
                // Recorded as unreadable by python_site.
                _ => None,
            };
            let Some(text) = text else { continue };
            let lines: Vec<(usize, &str)> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.starts_with("import ") || l.starts_with("import\t"))
                .collect();
            if lines.is_empty() {
                continue;
            }
            let detail = format!("site .pth file in /{dir}, run at interpreter start-up");
            let i = match self.reach(pth, Some(idx), StepKind::Startup, detail) {
                Some(i) => i,
                None => match self.index.get(pth) {
                    Some(i) => *i,
                    None => return,
                },
            };
            for (n, line) in lines {
                let mut imports = PyImports::parse(line);
                for imp in &mut imports.imports {
                    imp.line = n + 1;
                }
                for d in &mut imports.dynamic {
                    d.line = n + 1;
                }
                if let Some(what) = PTH_OPAQUE.iter().find(|w| line.contains(**w)) {
                    self.unresolve(
                        Scope::Python,
                        pth,
                        format!(
                            "line {}: start-up code uses {what}: what it loads is not known",
                            n + 1
                        ),
                    );
                }
                self.python_imports(i, pth, &imports, &search, false);
            }
        }
        let hooks = PyImports::parse("import sitecustomize\nimport usercustomize\n");
        self.python_imports(idx, interp, &hooks, &search, true);
    }

    fn run_python(
        &mut self,
        idx: usize,
        interp: &str,
        invoked: &str,
        args: Vec<Arg>,
    ) -> Result<(), ScanError> {
        self.python_startup(idx, interp);
        let mut it = args.into_iter();
        let from = interp.to_owned();
        while let Some(a) = it.next() {
            let Some(s) = a.lit() else {
                self.unresolve(
                    Scope::Python,
                    &from,
                    format!("python runs a computed script {:?}", a.text()),
                );
                return Ok(());
            };
            if s == "-" {
                self.unresolve(
                    Scope::Python,
                    &from,
                    "python reads its program from standard input",
                );
                return Ok(());
            }
            if s == "--" {
                // The next argument is the script.
                match it.next() {
                    Some(Arg::Lit(script)) => {
                        return self.python_script(idx, interp, invoked, &script);
                    }
                    Some(Arg::Dyn(t)) => {
                        self.unresolve(
                            Scope::Python,
                            &from,
                            format!("python runs a computed script {t:?}"),
                        );
                        return Ok(());
                    }
                    None => break,
                }
            }
            if let Some(long) = s.strip_prefix("--") {
                if long == "check-hash-based-pycs" {
                    it.next();
                }
                continue;
            }
            let Some(flags) = s.strip_prefix('-') else {
                return self.python_script(idx, interp, invoked, s);
            };
            // Short options, possibly grouped (`-Bc code`, `-Im mod`, `-cCODE`): `c`, `m`, `W`,
            // `X` take the rest of the word or the next argument.
            for (at, ch) in flags.char_indices() {
                if !matches!(ch, 'c' | 'm' | 'W' | 'X') {
                    continue;
                }
                let rest = flags.get(at + ch.len_utf8()..).unwrap_or("");
                let value = if rest.is_empty() {
                    it.next()
                } else {
                    Some(Arg::Lit(rest.to_owned()))
                };
                match ch {
                    'c' => {
                        let Some(code) = value.as_ref().and_then(Arg::lit) else {
                            self.unresolve(Scope::Python, &from, "python -c with computed code");
                            return Ok(());
                        };
                        let search = self.python_search(interp, Some(&self.workdir.clone()));
                        let imports = PyImports::parse(code);
                        self.python_imports(idx, &from, &imports, &search, false);
                        return Ok(());
                    }
                    'm' => {
                        let Some(m) = value.as_ref().and_then(Arg::lit) else {
                            self.unresolve(
                                Scope::Python,
                                &from,
                                "python -m with a computed module",
                            );
                            return Ok(());
                        };
                        let search = self.python_search(interp, Some(&self.workdir.clone()));
                        let imports =
                            PyImports::parse(&format!("import {m}\nimport {m}.__main__\n"));
                        self.python_imports(idx, &from, &imports, &search, false);
                        return Ok(());
                    }
                    // -W / -X: their value is not code.
                    _ => break,
                }
            }
        }
        // No script, -c or -m: the program comes from standard input (or the interactive
        // prompt, where PYTHONSTARTUP runs too): nothing to see statically.
        self.unresolve(
            Scope::Python,
            &from,
            "python reads its program from standard input",
        );
        Ok(())
    }

    /// `python SCRIPT`: a file, or a directory / zip with `__main__.py`.
    fn python_script(
        &mut self,
        idx: usize,
        interp: &str,
        invoked: &str,
        script: &str,
    ) -> Result<(), ScanError> {
        let from = interp.to_owned();
        let p = join(&self.workdir, script);
        let Some(real) = self.resolve_file(&p, &from) else {
            // A directory or zip with __main__.py
            let main = join(&p, "__main__.py");
            if let Some(real) = self.resolve_file(&main, &from) {
                let search = self.python_search(interp, Some(&p));
                if let Some(i) = self.reach(
                    &real,
                    Some(idx),
                    StepKind::Script,
                    format!("python {script}"),
                ) {
                    self.queue_python(i, search);
                }
            } else {
                self.unresolve(
                    Scope::Python,
                    &from,
                    format!("python script {script:?} is not in the image"),
                );
            }
            return Ok(());
        };
        let search = self.python_search(interp, Some(parent(&real)));
        let base = invoked.rsplit('/').next().unwrap_or(invoked);
        if let Some(i) = self.reach(
            &real,
            Some(idx),
            StepKind::Script,
            format!("{base} {script}"),
        ) {
            self.queue_python(i, search);
        }
        Ok(())
    }

    /// Queues reading the Python file reached at `at` with `search` as its `sys.path`.
    fn queue_python(&mut self, at: usize, search: Rc<PySearch>) {
        self.py_read_search.insert(at, search);
        self.queue.push_back(Task::Read(Kind::Python, at));
    }

    fn python(&mut self, idx: usize, search: &Rc<PySearch>) -> Result<(), ScanError> {
        let path = self.path_of(idx);
        let Some(f) = self.facts(&path)? else {
            self.unresolve(
                Scope::Python,
                &path,
                "the module's contents are not available for analysis",
            );
            return Ok(());
        };
        if f.truncated {
            self.unresolve(
                Scope::Python,
                &path,
                "module longer than the analysis limit; the rest is not read",
            );
        }
        if let Some(imports) = &f.python {
            let stdlib = self.is_stdlib(&path, search);
            self.python_imports(idx, &path, imports, search, stdlib);
        }
        Ok(())
    }

    fn is_stdlib(&self, path: &str, search: &PySearch) -> bool {
        !path.contains("/site-packages/")
            && !path.contains("/dist-packages/")
            && search.stdlib.iter().any(|d| {
                path.starts_with(d.as_str()) && path.as_bytes().get(d.len()) == Some(&b'/')
            })
    }

    /// Files that make up module `dotted` found under `base`: each package's `__init__.py` and
    /// the module file. Empty when not found.
    fn module_files(&mut self, base: &str, dotted: &str) -> ModuleFiles {
        let key = format!("{base}\0{dotted}");
        if let Some((files, work)) = self.modules.get(&key) {
            let (files, work) = (files.clone(), *work);
            return if self.tick(work) { files } else { None };
        }
        let before = self.work;
        let files = self.find_module_files(base, dotted).map(Rc::new);
        // The search depends only on the tree; links over the limit were recorded for `base`
        // on the first search already.
        if !self.stopped {
            self.modules
                .insert(key, (files.clone(), self.work.saturating_sub(before)));
        }
        files
    }

    /// Appends the files of `files` not reached yet (reaching them is all that is done with
    /// them, and nothing is reached while an import's files are gathered).
    fn new_files(&self, files: &[String], out: &mut Vec<String>) {
        out.extend(
            files
                .iter()
                .filter(|f| !self.index.contains_key(f.as_str()))
                .cloned(),
        );
    }

    /// Whether `dir` resolves to a directory holding no entry `part`, `part.py` or `part.*`:
    /// then no probe for module `part` in it (package, module file, extension, namespace
    /// directory) can succeed, nor meet a link loop. One listing instead of four resolutions.
    fn surely_absent(&mut self, dir: &str, part: &str) -> bool {
        if part.is_empty() || part == "." || part == ".." || part.contains('/') {
            return false;
        }
        let Ok((real, FsNode::Dir)) = self.resolve_cached(dir) else {
            return false;
        };
        let listing = self.list(&real);
        !listing.iter().any(|n| {
            n.strip_prefix(part)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    }

    fn find_module_files(&mut self, base: &str, dotted: &str) -> Option<Vec<String>> {
        let mut files = Vec::new();
        let mut dir = base.to_owned();
        let parts: Vec<&str> = dotted.split('.').collect();
        for (n, part) in parts.iter().enumerate() {
            if !self.tick(1) {
                return None;
            }
            let last = n + 1 == parts.len();
            if self.surely_absent(&dir, part) {
                // The probes below would all miss: count them as they would, and stop.
                self.tick(if last { 2 } else { 1 });
                return None;
            }
            let pkg = join(&dir, part);
            if let Some(init) = self.resolve_file(&join(&pkg, "__init__.py"), base) {
                files.push(init);
                dir = pkg;
                continue;
            }
            if last {
                if let Some(m) = self.resolve_file(&format!("{pkg}.py"), base) {
                    files.push(m);
                    return Some(files);
                }
                // extension modules: name.so or name.<tag>.so
                let prefix = format!("{part}.");
                let listing = self.list(&dir);
                let ext = listing.iter().find(|e| {
                    e.starts_with(&prefix) && (e.ends_with(".so") || e.ends_with(".pyd"))
                });
                if let Some(e) = ext
                    && let Some(m) = self.resolve_file(&join(&dir, e), base)
                {
                    files.push(m);
                    return Some(files);
                }
            }
            if matches!(self.resolve_cached(&pkg), Ok((_, FsNode::Dir))) {
                // namespace package
                dir = pkg;
                continue;
            }
            return None;
        }
        Some(files)
    }

    fn python_imports(
        &mut self,
        idx: usize,
        path: &str,
        imports: &PyImports,
        search: &Rc<PySearch>,
        stdlib: bool,
    ) {
        if !stdlib {
            for d in &imports.dynamic {
                self.unresolve(
                    Scope::Python,
                    path,
                    format!("line {}: {}", d.line, d.reason),
                );
            }
        }
        for imp in &imports.imports {
            if !self.tick(1) {
                return;
            }
            let mut targets: Vec<(String, String)> = Vec::new(); // (base dir, dotted)
            let mut candidates: Vec<String> = Vec::new();
            if imp.level > 0 {
                let mut base = parent(path).to_owned();
                for _ in 1..imp.level {
                    base = parent(&base).to_owned();
                }
                if imp.module.is_empty() {
                    for n in &imp.names {
                        targets.push((base.clone(), n.clone()));
                    }
                    // `from . import x` also runs the package's __init__, when there is one
                    // (a namespace directory has none: nothing more is loaded).
                    if let Some(init) = self.resolve_file(&join(&base, "__init__.py"), path) {
                        candidates.push(init);
                    }
                } else {
                    targets.push((base.clone(), imp.module.clone()));
                    for n in &imp.names {
                        targets.push((base.clone(), format!("{}.{n}", imp.module)));
                    }
                }
                let mut any = false;
                for (b, m) in &targets {
                    if let Some(files) = self.module_files(b, m) {
                        any = true;
                        self.new_files(&files, &mut candidates);
                    }
                }
                if !any && !stdlib {
                    self.missing.insert(Missing::PyModule(
                        imp.module.split('.').next().unwrap_or("").to_owned(),
                    ));
                }
            } else {
                let mut found = false;
                for d in search.dirs.iter() {
                    if let Some(files) = self.module_files(d, &imp.module) {
                        found = true;
                        self.new_files(&files, &mut candidates);
                        for n in &imp.names {
                            if let Some(sub) = self.module_files(d, &format!("{}.{n}", imp.module))
                            {
                                self.new_files(&sub, &mut candidates);
                            }
                        }
                        break;
                    }
                }
                if !found && !is_builtin_module(&imp.module) {
                    self.missing.insert(Missing::PyModule(
                        imp.module.split('.').next().unwrap_or("").to_owned(),
                    ));
                }
            }
            // Written only when a file is new (most imports name modules reached already).
            let mut detail: Option<String> = None;
            for file in candidates {
                if self.index.contains_key(&file) {
                    continue;
                }
                let detail = detail
                    .get_or_insert_with(|| {
                        let what = if imp.module.is_empty() {
                            format!(
                                "from {} import {}",
                                ".".repeat(imp.level as usize),
                                imp.names.join(", ")
                            )
                        } else {
                            format!("import {}{}", ".".repeat(imp.level as usize), imp.module)
                        };
                        format!("line {}: {what}", imp.line)
                    })
                    .clone();
                if let Some(i) = self.reach(&file, Some(idx), StepKind::Import, detail) {
                    if file.ends_with(".py") {
                        self.queue_python(i, search.clone());
                    } else {
                        self.queue.push_back(Task::Read(Kind::Elf, i));
                    }
                }
            }
        }
    }
}

/// Modules compiled into the interpreter (no file).
fn is_builtin_module(m: &str) -> bool {
    const BUILTIN: &[&str] = &[
        "sys",
        "builtins",
        "_thread",
        "_io",
        "_imp",
        "_warnings",
        "_weakref",
        "marshal",
        "posix",
        "time",
        "errno",
        "itertools",
        "_abc",
        "_codecs",
        "_collections",
        "_functools",
        "_signal",
        "_sre",
        "_stat",
        "_string",
        "_symtable",
        "_tracemalloc",
        "atexit",
        "faulthandler",
        "gc",
        "pwd",
        "_operator",
        "_locale",
        "_ast",
        "_tokenize",
        "_typing",
        "__future__",
        "__main__",
    ];
    BUILTIN.contains(&m.split('.').next().unwrap_or(m))
}
