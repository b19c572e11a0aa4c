//! The breadth-first walk from the entrypoint, and the classification of packages.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::rc::Rc;

use super::elf::{DEFAULT_LIB_DIRS, LdConfLine, expand_origin, parse_ld_so_conf};
use super::facts::{FileFacts, Lang, lang_of};
use super::fs::{FsNode, TraceFs, Unresolvable, join, parent, resolve};
use super::node::is_core_module;
use super::python::PyImports;
use super::report::{
    ComponentTrace, EntryConfig, Reachability, Scope, Step, StepKind, TraceLimits, TraceReport,
    Unresolved,
};
use super::shell::{ShellScript, Word};
use crate::error::ScanError;
use crate::package::{Package, PackageKind};

/// An argument: known text, or something computed at run time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Arg {
    Lit(String),
    Dyn(String),
}

impl Arg {
    fn lit(&self) -> Option<&str> {
        match self {
            Self::Lit(s) => Some(s),
            Self::Dyn(_) => None,
        }
    }
    fn text(&self) -> &str {
        match self {
            Self::Lit(s) | Self::Dyn(s) => s,
        }
    }
}

#[derive(Debug)]
enum Task {
    /// Run the program at the real path `path` (named `name` by its caller) with `args`.
    Run {
        from: usize,
        path: String,
        name: String,
        args: Vec<Arg>,
        depth: u32,
    },
    Elf(usize),
    Python(usize, Rc<PySearch>),
    Node(usize),
}

#[derive(Debug, Default)]
struct PySearch {
    dirs: Vec<String>,
    /// The standard library directories among `dirs`.
    stdlib: Vec<String>,
}

/// What Python's `site` module does at start-up for one interpreter.
#[derive(Debug, Default)]
struct PySite {
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
fn user_base(config: &EntryConfig) -> Option<String> {
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

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Missing {
    Command(String),
    Library(String),
    PyModule(String),
    NodeModule(String),
}

struct Reached {
    path: String,
    parent: Option<usize>,
    step: Step,
}

/// The files of a module found in one directory (`None`: not found there).
type ModuleFiles = Option<Rc<Vec<String>>>;

struct Tracer<'a> {
    fs: &'a dyn TraceFs,
    limits: &'a TraceLimits,
    workdir: String,
    path_dirs: Vec<String>,
    ld_library_path: Vec<String>,
    python_path: Vec<String>,
    node_path: Vec<String>,
    reached: Vec<Reached>,
    index: HashMap<String, usize>,
    runs: HashSet<(String, Vec<Arg>)>,
    queue: VecDeque<Task>,
    unresolved: BTreeSet<Unresolved>,
    missing: BTreeSet<Missing>,
    facts: HashMap<String, Option<Rc<FileFacts>>>,
    ld_dirs: Option<Rc<Vec<String>>>,
    py_search: HashMap<String, Rc<PySearch>>,
    /// Per interpreter: its site directories and what their `.pth` files add.
    py_sites: HashMap<String, Rc<PySite>>,
    /// Interpreters whose start-up (`.pth`, `sitecustomize`, `usercustomize`) was traced.
    py_started: HashSet<String>,
    /// `PYTHONHOME` (`prefix[:exec_prefix]`), root-relative.
    python_home: Vec<String>,
    /// The user base of the user site directory, when it can be told: `PYTHONUSERBASE`, else
    /// `$HOME/.local`, else `/root/.local` for root. `None`: the user is not root and no
    /// `HOME` is configured (the home comes from the passwd database at run time).
    python_user_base: Option<String>,
    /// `NODE_OPTIONS` of the image config.
    node_options: Option<String>,
    /// Resolutions by path (the tree does not change during a trace; the same module paths
    /// are probed from many importing files).
    resolved: HashMap<String, Result<(String, FsNode), Unresolvable>>,
    /// Directory listings by directory.
    listings: HashMap<String, Rc<Vec<String>>>,
    /// [`Tracer::module_files`] results by `base\0dotted`, with the work they counted (counted
    /// again on a hit, so limits stop a trace at the same point).
    modules: HashMap<String, (ModuleFiles, u64)>,
    work: u64,
    stopped: bool,
}

const WRAPPERS: &[&str] = &[
    "env",
    "gosu",
    "su-exec",
    "tini",
    "dumb-init",
    "setpriv",
    "runuser",
    "chroot",
    "nice",
    "ionice",
    "timeout",
    "s6-setuidgid",
    "catatonit",
    "xargs",
    "exec",
];

/// Traces `config`'s entrypoint through `fs` and classifies every package of `packages`.
///
/// Errors only when the file tree itself fails (`TraceFs::facts`); everything the analysis
/// cannot follow is in the report (see the [module docs](super) for the rules).
pub fn trace(
    config: &EntryConfig,
    fs: &dyn TraceFs,
    packages: &[Package],
    limits: &TraceLimits,
) -> Result<TraceReport, ScanError> {
    let split = |v: Option<&str>| -> Vec<String> {
        v.map(|p| {
            p.split(':')
                .filter(|d| !d.is_empty())
                .map(|d| join("", d))
                .collect()
        })
        .unwrap_or_default()
    };
    let path_dirs = match config.env_var("PATH") {
        Some(p) => split(Some(p)),
        None => split(Some(
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )),
    };
    let workdir = join("", config.working_dir.as_deref().unwrap_or("/"));
    let mut t = Tracer {
        fs,
        limits,
        path_dirs,
        ld_library_path: split(config.env_var("LD_LIBRARY_PATH")),
        python_path: split(config.env_var("PYTHONPATH"))
            .into_iter()
            .map(|d| join(&workdir, &d))
            .collect(),
        node_path: split(config.env_var("NODE_PATH")),
        python_home: split(config.env_var("PYTHONHOME")),
        python_user_base: user_base(config),
        node_options: config.env_var("NODE_OPTIONS").map(str::to_owned),
        py_sites: HashMap::new(),
        py_started: HashSet::new(),
        workdir,
        reached: Vec::new(),
        index: HashMap::new(),
        runs: HashSet::new(),
        queue: VecDeque::new(),
        unresolved: BTreeSet::new(),
        missing: BTreeSet::new(),
        facts: HashMap::new(),
        ld_dirs: None,
        py_search: HashMap::new(),
        resolved: HashMap::new(),
        listings: HashMap::new(),
        modules: HashMap::new(),
        work: 0,
        stopped: false,
    };
    let argv = config.argv();
    match argv.split_first() {
        None => t.unresolve(Scope::All, "", "the image has no Entrypoint or Cmd"),
        Some((program, rest)) => {
            let args: Vec<Arg> = rest.iter().cloned().map(Arg::Lit).collect();
            t.start(program, args)?;
        }
    }
    while let Some(task) = t.queue.pop_front() {
        if t.stopped {
            break;
        }
        match task {
            Task::Run {
                from,
                path,
                name,
                args,
                depth,
            } => t.run(from, &path, &name, args, depth)?,
            Task::Elf(i) => t.elf(i)?,
            Task::Python(i, search) => t.python(i, &search)?,
            Task::Node(i) => t.node(i)?,
        }
    }
    let mut reached_files: Vec<String> = t.reached.iter().map(|r| r.path.clone()).collect();
    reached_files.sort();
    let components = classify(&t, packages);
    Ok(TraceReport {
        argv,
        user: config.user.clone(),
        reached_files,
        unresolved: t.unresolved.iter().cloned().collect(),
        components,
    })
}

impl Tracer<'_> {
    fn unresolve(&mut self, scope: Scope, path: &str, reason: impl Into<String>) {
        self.unresolved.insert(Unresolved {
            scope,
            path: path.to_owned(),
            reason: reason.into(),
        });
    }

    /// Counts work; false (and the trace stops) once over a limit.
    fn tick(&mut self, n: u64) -> bool {
        if self.stopped {
            return false;
        }
        self.work = self.work.saturating_add(n);
        if self.work > self.limits.max_work || self.reached.len() >= self.limits.max_files {
            self.stopped = true;
            let reason = format!(
                "trace stopped at its limits ({} files, {} work units); the rest is not analyzed",
                self.limits.max_files, self.limits.max_work
            );
            self.unresolve(Scope::All, "", reason);
            return false;
        }
        true
    }

    fn facts(&mut self, path: &str) -> Result<Option<Rc<FileFacts>>, ScanError> {
        if let Some(f) = self.facts.get(path) {
            return Ok(f.clone());
        }
        let f = self.fs.facts(path)?.map(Rc::new);
        self.facts.insert(path.to_owned(), f.clone());
        Ok(f)
    }

    /// Marks a file reached; the index when it is new.
    fn reach(
        &mut self,
        path: &str,
        parent: Option<usize>,
        kind: StepKind,
        detail: String,
    ) -> Option<usize> {
        if self.index.contains_key(path) || !self.tick(1) {
            return None;
        }
        let i = self.reached.len();
        self.reached.push(Reached {
            path: path.to_owned(),
            parent,
            step: Step {
                path: path.to_owned(),
                kind,
                detail,
            },
        });
        self.index.insert(path.to_owned(), i);
        Some(i)
    }

    /// [`resolve`], remembered by path.
    fn resolve_cached(&mut self, path: &str) -> Result<(String, FsNode), Unresolvable> {
        if let Some(r) = self.resolved.get(path) {
            return r.clone();
        }
        let r = resolve(self.fs, path, self.limits.max_link_depth);
        self.resolved.insert(path.to_owned(), r.clone());
        r
    }

    /// The names in directory `dir` (shared, remembered by directory).
    fn list(&mut self, dir: &str) -> Rc<Vec<String>> {
        if let Some(l) = self.listings.get(dir) {
            return Rc::clone(l);
        }
        let l = Rc::new(self.fs.list(dir));
        self.listings.insert(dir.to_owned(), Rc::clone(&l));
        l
    }

    fn resolve_file(&mut self, path: &str, from: &str) -> Option<String> {
        if !self.tick(1) {
            return None;
        }
        match self.resolve_cached(path) {
            Ok((real, FsNode::File { .. })) => Some(real),
            Ok(_) => None,
            Err(Unresolvable::Missing) => None,
            Err(Unresolvable::LinkLimit) => {
                self.unresolve(
                    Scope::All,
                    from,
                    format!("/{path}: too many symbolic links (a loop?)"),
                );
                None
            }
        }
    }

    /// Finds a command: a path (relative to the working directory) or a `PATH` name.
    fn find_command(&mut self, name: &str, from: &str) -> Option<String> {
        if name.contains('/') {
            return self.resolve_file(&join(&self.workdir, name), from);
        }
        for d in self.path_dirs.clone() {
            if let Some(p) = self.resolve_file(&join(&d, name), from) {
                return Some(p);
            }
        }
        None
    }

    fn start(&mut self, program: &str, args: Vec<Arg>) -> Result<(), ScanError> {
        let Some(real) = self.find_command(program, "") else {
            self.unresolve(
                Scope::All,
                "",
                format!("entrypoint program {program:?} is not in the image"),
            );
            return Ok(());
        };
        let detail = format!("entrypoint {program}");
        if let Some(i) = self.reach(&real, None, StepKind::Entrypoint, detail) {
            self.queue.push_back(Task::Run {
                from: i,
                path: real,
                name: program.to_owned(),
                args,
                depth: 0,
            });
        }
        Ok(())
    }

    /// Queues running `name` (looked up from the context of reached file `from`).
    fn exec(
        &mut self,
        from: usize,
        name: &str,
        args: Vec<Arg>,
        kind: StepKind,
        detail: String,
        depth: u32,
    ) {
        let from_path = self.path_of(from);
        let Some(real) = self.find_command(name, &from_path) else {
            if name.contains('/') {
                let base = name.rsplit('/').next().unwrap_or(name).to_owned();
                self.missing.insert(Missing::Command(base));
            } else {
                self.missing.insert(Missing::Command(name.to_owned()));
            }
            return;
        };
        let idx = match self.reach(&real, Some(from), kind, detail) {
            Some(i) => i,
            None => match self.index.get(&real) {
                Some(i) => *i,
                None => return,
            },
        };
        self.queue.push_back(Task::Run {
            from: idx,
            path: real,
            name: name.to_owned(),
            args,
            depth,
        });
    }

    fn path_of(&self, i: usize) -> String {
        self.reached
            .get(i)
            .map(|r| r.path.clone())
            .unwrap_or_default()
    }

    fn run(
        &mut self,
        idx: usize,
        path: &str,
        name: &str,
        args: Vec<Arg>,
        depth: u32,
    ) -> Result<(), ScanError> {
        if !self.runs.insert((path.to_owned(), args.clone())) || !self.tick(1) {
            return Ok(());
        }
        let Some(facts) = self.facts(path)? else {
            self.unresolve(
                Scope::All,
                path,
                "the program's contents are not available for analysis",
            );
            return Ok(());
        };
        if facts.elf.is_some() || facts.elf_error.is_some() {
            self.queue.push_back(Task::Elf(idx));
            let lang = match lang_of(name) {
                Lang::Other => lang_of(path),
                l => l,
            };
            let base = name.rsplit('/').next().unwrap_or(name);
            let real_base = path.rsplit('/').next().unwrap_or(path);
            match lang {
                Lang::Shell => self.run_shell(idx, path, args)?,
                Lang::Python => self.run_python(idx, path, name, args)?,
                Lang::Node => self.run_node(idx, args)?,
                Lang::Other if WRAPPERS.contains(&base) || WRAPPERS.contains(&real_base) => {
                    let w = if WRAPPERS.contains(&base) {
                        base
                    } else {
                        real_base
                    };
                    self.run_wrapper(idx, w, args, depth);
                }
                Lang::Other => {}
            }
            return Ok(());
        }
        if let Some(sb) = &facts.shebang {
            if depth >= self.limits.max_interpreter_depth {
                self.unresolve(
                    Scope::All,
                    path,
                    format!(
                        "#! interpreters nested deeper than {}",
                        self.limits.max_interpreter_depth
                    ),
                );
                return Ok(());
            }
            let (prog, lead, via_path) = sb.command();
            let interp = if via_path {
                self.find_command(&prog, path)
            } else {
                self.resolve_file(&join("", &prog), path)
            };
            let Some(interp) = interp else {
                self.unresolve(
                    Scope::All,
                    path,
                    format!("#! interpreter {prog:?} is not in the image"),
                );
                return Ok(());
            };
            if interp == path {
                self.unresolve(Scope::All, path, "#! line names the script itself");
                return Ok(());
            }
            let mut new_args: Vec<Arg> = lead.into_iter().map(Arg::Lit).collect();
            new_args.push(Arg::Lit(format!("/{path}")));
            new_args.extend(args);
            let detail = format!("#!{}", sb.interpreter);
            let i = match self.reach(&interp, Some(idx), StepKind::Shebang, detail) {
                Some(i) => i,
                None => match self.index.get(&interp) {
                    Some(i) => *i,
                    None => return Ok(()),
                },
            };
            self.queue.push_back(Task::Run {
                from: i,
                path: interp,
                name: prog,
                args: new_args,
                depth: depth + 1,
            });
            return Ok(());
        }
        if let Some(err) = &facts.shebang_error {
            self.unresolve(Scope::All, path, format!("cannot use the #! line: {err}"));
            return Ok(());
        }
        if let Some(script) = &facts.shell {
            // No #! line: execvp and shells run a text file with /bin/sh.
            let script = script.clone();
            self.shell_script(idx, path, &script, &args, facts.truncated);
            return Ok(());
        }
        self.unresolve(
            Scope::All,
            path,
            "the program is neither an ELF file nor a script",
        );
        Ok(())
    }

    fn run_wrapper(&mut self, idx: usize, wrapper: &str, args: Vec<Arg>, depth: u32) {
        let mut it = args.into_iter().peekable();
        let mut skip_positional = match wrapper {
            "gosu" | "su-exec" | "s6-setuidgid" | "chroot" | "timeout" => 1,
            _ => 0,
        };
        let from = self.path_of(idx);
        while let Some(a) = it.next() {
            let Some(s) = a.lit() else {
                self.unresolve(
                    Scope::All,
                    &from,
                    format!("{wrapper} runs a computed command {:?}", a.text()),
                );
                return;
            };
            if s == "--" {
                continue;
            }
            if s.starts_with('-') {
                // options with a value
                if matches!(
                    (wrapper, s),
                    ("env", "-u" | "-C")
                        | ("setpriv", "--reuid" | "--regid")
                        | ("nice", "-n")
                        | ("timeout", "-s" | "-k")
                        | ("runuser", "-u" | "-g")
                ) {
                    it.next();
                }
                continue;
            }
            if wrapper == "env" && s.contains('=') {
                continue;
            }
            if skip_positional > 0 {
                skip_positional -= 1;
                continue;
            }
            let rest: Vec<Arg> = it.collect();
            let detail = format!("{wrapper} runs {s}");
            self.exec(idx, s, rest, StepKind::Exec, detail, depth);
            return;
        }
    }

    fn run_shell(&mut self, idx: usize, path: &str, args: Vec<Arg>) -> Result<(), ScanError> {
        let mut it = args.into_iter();
        while let Some(a) = it.next() {
            let Some(s) = a.lit() else {
                self.unresolve(
                    Scope::All,
                    path,
                    format!("shell runs a computed script {:?}", a.text()),
                );
                return Ok(());
            };
            if s == "-c" {
                let Some(code) = it.next() else { return Ok(()) };
                let Some(code) = code.lit() else {
                    self.unresolve(Scope::All, path, "sh -c with computed text");
                    return Ok(());
                };
                let script = ShellScript::parse(code, super::facts::MAX_SCRIPT_BYTES);
                // $0 is the next argument, then $1...
                let rest: Vec<Arg> = it.skip(1).collect();
                self.shell_script(idx, path, &script, &rest, false);
                return Ok(());
            }
            if s.starts_with('-') || s.starts_with('+') {
                continue;
            }
            let script_path = join(&self.workdir, s);
            let Some(real) = self.resolve_file(&script_path, path) else {
                self.missing.insert(Missing::Command(
                    s.rsplit('/').next().unwrap_or(s).to_owned(),
                ));
                return Ok(());
            };
            let rest: Vec<Arg> = it.collect();
            let i = self.reach(
                &real,
                Some(idx),
                StepKind::Script,
                format!("{} {s}", path.rsplit('/').next().unwrap_or(path)),
            );
            let i = match i.or_else(|| self.index.get(&real).copied()) {
                Some(i) => i,
                None => return Ok(()),
            };
            if let Some(f) = self.facts(&real)? {
                match &f.shell {
                    Some(script) => {
                        let script = script.clone();
                        self.shell_script(i, &real, &script, &rest, f.truncated);
                    }
                    None => self.unresolve(
                        Scope::All,
                        &real,
                        "script given to the shell is not readable as text",
                    ),
                }
            } else {
                self.unresolve(
                    Scope::All,
                    &real,
                    "the script's contents are not available for analysis",
                );
            }
            return Ok(());
        }
        Ok(())
    }

    fn shell_script(
        &mut self,
        idx: usize,
        path: &str,
        script: &ShellScript,
        args: &[Arg],
        truncated: bool,
    ) {
        if truncated {
            self.unresolve(
                Scope::All,
                path,
                "script longer than the analysis limit; the rest is not read",
            );
        }
        for u in &script.unresolved {
            self.unresolve(Scope::All, path, format!("line {}: {}", u.line, u.reason));
        }
        for c in &script.commands {
            if !self.tick(1) {
                return;
            }
            let mut words: Vec<Arg> = Vec::new();
            for w in std::iter::once(&c.program).chain(&c.args) {
                match w {
                    Word::Literal(s) => words.push(Arg::Lit(s.clone())),
                    Word::Dynamic(s) => words.push(Arg::Dyn(s.clone())),
                    Word::AllArgs => words.extend(args.iter().cloned()),
                }
            }
            let Some((program, rest)) = words.split_first() else {
                continue;
            };
            let Some(name) = program.lit() else {
                self.unresolve(
                    Scope::All,
                    path,
                    format!(
                        "line {}: command word {:?} is computed",
                        c.line,
                        program.text()
                    ),
                );
                continue;
            };
            let verb = if c.exec { "exec " } else { "" };
            let detail = format!("line {}: {verb}{name}", c.line);
            if c.source {
                let p = join(&self.workdir, name);
                let found = if name.contains('/') {
                    self.resolve_file(&p, path)
                } else {
                    self.find_command(name, path)
                };
                match found {
                    Some(real) => {
                        let i = self.reach(&real, Some(idx), StepKind::Source, detail);
                        if let Some(i) = i
                            && let Ok(Some(f)) = self.facts(&real)
                        {
                            match &f.shell {
                                Some(s) => {
                                    let s = s.clone();
                                    self.shell_script(i, &real, &s, args, f.truncated);
                                }
                                None => self.unresolve(
                                    Scope::All,
                                    &real,
                                    "sourced file is not readable as text",
                                ),
                            }
                        }
                    }
                    None => {
                        self.missing.insert(Missing::Command(
                            name.rsplit('/').next().unwrap_or(name).to_owned(),
                        ));
                    }
                }
                continue;
            }
            self.exec(idx, name, rest.to_vec(), StepKind::Exec, detail, 0);
        }
    }

    // ---- Python ----

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
                    self.queue.push_back(Task::Python(i, search));
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
            self.queue.push_back(Task::Python(i, search));
        }
        Ok(())
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
                    // `from . import x` also runs the package's __init__
                    candidates.push(join(&base, "__init__.py"));
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
                        self.queue.push_back(Task::Python(i, search.clone()));
                    } else {
                        self.queue.push_back(Task::Elf(i));
                    }
                }
            }
        }
    }

    // ---- Node ----

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
                            let j = super::node::JsImports::parse(code);
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
                                self.queue.push_back(Task::Node(i));
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
                let j = super::node::JsImports {
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
            self.queue.push_back(Task::Elf(idx));
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

    fn node_imports(&mut self, idx: usize, dir: &str, j: &super::node::JsImports, startup: bool) {
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
                        self.queue.push_back(Task::Node(i));
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

    // ---- ELF ----

    fn ld_dirs(&mut self) -> Result<Rc<Vec<String>>, ScanError> {
        if let Some(d) = &self.ld_dirs {
            return Ok(d.clone());
        }
        let mut dirs: Vec<String> = Vec::new();
        let mut files: VecDeque<(String, u32)> = VecDeque::from([("etc/ld.so.conf".to_owned(), 0)]);
        let mut seen = HashSet::new();
        while let Some((f, depth)) = files.pop_front() {
            if depth > 8 || !seen.insert(f.clone()) || seen.len() > 1024 {
                continue;
            }
            let Some(real) = self.resolve_file(&f, "etc/ld.so.conf") else {
                continue;
            };
            let Some(facts) = self.facts(&real)? else {
                continue;
            };
            let Some(text) = &facts.text else { continue };
            for line in parse_ld_so_conf(text) {
                match line {
                    LdConfLine::Dir(d) => dirs.push(join("", &d)),
                    LdConfLine::Include(pat) => {
                        let pat = if pat.starts_with('/') {
                            join("", &pat)
                        } else {
                            join("etc", &pat)
                        };
                        let (d, name) = pat.rsplit_once('/').unwrap_or(("", pat.as_str()));
                        for e in self.fs.list(d) {
                            if glob(name, &e) {
                                files.push_back((join(d, &e), depth + 1));
                            }
                        }
                    }
                }
            }
        }
        // musl
        for e in self.fs.list("etc") {
            if e.starts_with("ld-musl-")
                && e.ends_with(".path")
                && let Some(real) = self.resolve_file(&join("etc", &e), "etc")
                && let Some(f) = self.facts(&real)?
                && let Some(text) = &f.text
            {
                for d in text
                    .split(['\n', ':'])
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                {
                    dirs.push(join("", d));
                }
            }
        }
        dirs.extend(DEFAULT_LIB_DIRS.iter().map(|d| (*d).to_owned()));
        let mut seen = HashSet::new();
        dirs.retain(|d| seen.insert(d.clone()));
        let rc = Rc::new(dirs);
        self.ld_dirs = Some(rc.clone());
        Ok(rc)
    }

    fn elf(&mut self, idx: usize) -> Result<(), ScanError> {
        let path = self.path_of(idx);
        let Some(f) = self.facts(&path)? else {
            self.unresolve(
                Scope::Native,
                &path,
                "the file's contents are not available for analysis",
            );
            return Ok(());
        };
        if let Some(e) = &f.elf_error {
            self.unresolve(Scope::All, &path, format!("cannot read ELF: {e}"));
            return Ok(());
        }
        let Some(elf) = &f.elf else {
            if !path.ends_with(".py") {
                self.unresolve(
                    Scope::Native,
                    &path,
                    "loaded as native code but not an ELF file",
                );
            }
            return Ok(());
        };
        if elf.imports_dlopen {
            self.unresolve(
                Scope::Native,
                &path,
                "imports dlopen: may load libraries not named in DT_NEEDED",
            );
        }
        if let Some(interp) = &elf.interpreter {
            match self.resolve_file(&join("", interp), &path) {
                Some(real) => {
                    if let Some(i) = self.reach(
                        &real,
                        Some(idx),
                        StepKind::ProgramInterpreter,
                        format!("PT_INTERP {interp}"),
                    ) {
                        self.queue.push_back(Task::Elf(i));
                    }
                }
                None => {
                    self.missing.insert(Missing::Library(
                        interp.rsplit('/').next().unwrap_or(interp).to_owned(),
                    ));
                }
            }
        }
        if elf.needed.is_empty() {
            return Ok(());
        }
        let origin = parent(&path).to_owned();
        let expand = |t: &mut Self, list: &[String]| -> Vec<String> {
            let mut out = Vec::new();
            for e in list {
                match expand_origin(e, &origin) {
                    Some(v) => out.extend(v.iter().map(|p| join("", p))),
                    None => t.unresolve(
                        Scope::Native,
                        &path,
                        format!("run path {e:?} cannot be expanded statically"),
                    ),
                }
            }
            out
        };
        let mut dirs: Vec<String> = Vec::new();
        if elf.runpath.is_empty() {
            let r = expand(self, &elf.rpath);
            dirs.extend(r);
        }
        dirs.extend(self.ld_library_path.iter().cloned());
        let r = expand(self, &elf.runpath);
        dirs.extend(r);
        dirs.extend(self.ld_dirs()?.iter().cloned());
        for name in &elf.needed {
            if !self.tick(1) {
                return Ok(());
            }
            let found = if name.contains('/') {
                self.resolve_file(&join(&self.workdir, name), &path)
            } else {
                let mut found = None;
                for d in &dirs {
                    if let Some(r) = self.resolve_file(&join(d, name), &path) {
                        found = Some(r);
                        break;
                    }
                }
                found
            };
            match found {
                Some(real) => {
                    if let Some(i) = self.reach(
                        &real,
                        Some(idx),
                        StepKind::Needed,
                        format!("DT_NEEDED {name}"),
                    ) {
                        self.queue.push_back(Task::Elf(i));
                    }
                }
                None => {
                    self.missing.insert(Missing::Library(
                        name.rsplit('/').next().unwrap_or(name).to_owned(),
                    ));
                }
            }
        }
        Ok(())
    }

    fn chain(&self, mut i: usize) -> Vec<Step> {
        let mut out = Vec::new();
        while let Some(r) = self.reached.get(i) {
            out.push(r.step.clone());
            match r.parent {
                Some(p) if p < i => i = p,
                _ => break,
            }
        }
        out.reverse();
        out
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

/// `*` and `?` glob over one file name.
fn glob(pat: &str, name: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(c) if *c == '?' || Some(c) == n.get(ni) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
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

/// What the `unknown` reasons need to know about a package's file list, read in one pass.
struct OwnedFiles<'p> {
    os: bool,
    /// An owned path contains `/python`.
    python_files: bool,
    /// An owned path contains `node_modules/`.
    node_files: bool,
    /// File names of the owned paths.
    names: HashSet<&'p str>,
    /// Names directly inside a `site-packages` / `dist-packages` directory.
    site_entries: BTreeSet<&'p str>,
}

impl<'p> OwnedFiles<'p> {
    fn new(pkg: &'p Package) -> Self {
        let mut o = Self {
            os: matches!(
                pkg.kind,
                PackageKind::Deb | PackageKind::Apk | PackageKind::Rpm
            ),
            python_files: false,
            node_files: false,
            names: HashSet::with_capacity(pkg.files.len()),
            site_entries: BTreeSet::new(),
        };
        for f in &pkg.files {
            o.python_files |= f.contains("/python");
            o.node_files |= f.contains("node_modules/");
            o.names.insert(f.rsplit('/').next().unwrap_or(f.as_str()));
            let mut prev: Option<&str> = None;
            for part in f.split('/') {
                if matches!(prev, Some("site-packages" | "dist-packages")) {
                    o.site_entries.insert(part);
                }
                prev = Some(part);
            }
        }
        o
    }
}

fn scope_covers(scope: Scope, pkg: &Package, owned: &OwnedFiles<'_>) -> bool {
    match scope {
        Scope::All => true,
        Scope::Native => owned.os,
        Scope::Python => pkg.kind == PackageKind::Python || (owned.os && owned.python_files),
        Scope::Node => pkg.kind == PackageKind::Npm || (owned.os && owned.node_files),
    }
}

fn owns_missing(m: &Missing, pkg: &Package, owned: &OwnedFiles<'_>) -> bool {
    match m {
        Missing::Command(n) | Missing::Library(n) => owned.names.contains(n.as_str()),
        Missing::PyModule(top) => {
            let norm = |s: &str| s.to_ascii_lowercase().replace(['-', '.'], "_");
            let dotted = format!("{top}.");
            norm(&pkg.name) == norm(top)
                || owned.site_entries.iter().any(|n| {
                    *n == top.as_str()
                        || n.strip_suffix(".py") == Some(top.as_str())
                        || n.starts_with(&dotted)
                })
        }
        Missing::NodeModule(name) => pkg.kind == PackageKind::Npm && &pkg.name == name,
    }
}

/// `path` as [`join`]`("", path)` would write it, without copying when it is already normal.
fn normal_path(path: &str) -> Cow<'_, str> {
    let p = path.strip_prefix('/').unwrap_or(path);
    let plain = !p.is_empty()
        && !p.ends_with('/')
        && !p.starts_with('/')
        && p.split('/').all(|c| !matches!(c, "" | "." | ".."));
    if plain {
        Cow::Borrowed(p)
    } else {
        Cow::Owned(join("", path))
    }
}

/// The `node_modules/<name>` (or `node_modules/@scope/name`) directory a file belongs to.
fn npm_package_dir(path: &str) -> Option<String> {
    let at = path.rfind("node_modules/")?;
    let rest = path.get(at + "node_modules/".len()..)?;
    let mut parts = rest.split('/');
    let first = parts.next()?;
    let name_len = if first.starts_with('@') {
        first.len() + 1 + parts.next()?.len()
    } else {
        first.len()
    };
    // a file directly in node_modules is no package's
    parts.next()?;
    path.get(..at + "node_modules/".len() + name_len)
        .map(str::to_owned)
}

fn classify(t: &Tracer<'_>, packages: &[Package]) -> Vec<ComponentTrace> {
    // file -> first reached index
    let first = |path: &str| t.index.get(path).copied();
    // Aliases: top-level directories that are links (merged /usr) map listed paths to real ones.
    let mut top_links: HashMap<String, Option<String>> = HashMap::new();
    let mut real_of = |f: &str| -> Option<String> {
        let top = f.split('/').next().unwrap_or(f);
        if !top_links.contains_key(top) {
            let target = match t.fs.node(top) {
                Some(FsNode::Symlink(_)) => resolve(t.fs, top, t.limits.max_link_depth)
                    .ok()
                    .map(|r| r.0),
                _ => None,
            };
            top_links.insert(top.to_owned(), target);
        }
        top_links
            .get(top)?
            .as_ref()
            .map(|real| join(real, f.get(top.len() + 1..).unwrap_or("")))
    };
    // npm package directory -> first reached file inside it (not inside a nested node_modules)
    let mut npm_dirs: HashMap<String, usize> = HashMap::new();
    for (i, r) in t.reached.iter().enumerate() {
        if let Some(dir) = npm_package_dir(&r.path) {
            npm_dirs.entry(dir).or_insert(i);
        }
    }
    let mut out: Vec<ComponentTrace> = Vec::with_capacity(packages.len());
    for pkg in packages {
        let mut best: Option<usize> = None;
        let mut consider = |i: Option<usize>| {
            if let Some(i) = i {
                best = Some(best.map_or(i, |b| b.min(i)));
            }
        };
        for f in &pkg.files {
            let f = normal_path(f);
            consider(first(&f));
            if let Some(r) = real_of(&f) {
                consider(first(&r));
            }
        }
        match pkg.kind {
            PackageKind::GoModule | PackageKind::RustCrate => {
                for e in &pkg.evidence {
                    consider(first(&join("", &e.path)));
                }
            }
            PackageKind::Npm => {
                for e in &pkg.evidence {
                    if let Some(dir) = e.path.strip_suffix("/package.json") {
                        consider(npm_dirs.get(&join("", dir)).copied());
                    }
                }
            }
            _ => {}
        }
        let reachability = if let Some(i) = best {
            Reachability::Reachable {
                file: t.path_of(i),
                chain: t.chain(i),
            }
        } else {
            let mut reasons: BTreeSet<String> = BTreeSet::new();
            let mapped = !pkg.files.is_empty()
                || matches!(
                    pkg.kind,
                    PackageKind::GoModule | PackageKind::RustCrate | PackageKind::Npm
                );
            if pkg.kind == PackageKind::Java {
                reasons.insert("Java class loading is not analyzed".into());
            } else if !mapped {
                reasons.insert("the package has no list of owned files".into());
            }
            let owned = OwnedFiles::new(pkg);
            for u in &t.unresolved {
                if reasons.len() < 16 && scope_covers(u.scope, pkg, &owned) {
                    let at = if u.path.is_empty() {
                        String::new()
                    } else {
                        format!("/{}: ", u.path)
                    };
                    reasons.insert(format!("{at}{}", u.reason));
                }
            }
            for m in &t.missing {
                if reasons.len() < 16 && owns_missing(m, pkg, &owned) {
                    let what = match m {
                        Missing::Command(n) => format!("command {n} is run but not found on PATH"),
                        Missing::Library(n) => {
                            format!("library {n} is needed but not found on the search path")
                        }
                        Missing::PyModule(n) => {
                            format!("module {n} is imported but not found on sys.path")
                        }
                        Missing::NodeModule(n) => {
                            format!("module {n} is required but not found in node_modules")
                        }
                    };
                    reasons.insert(what);
                }
            }
            if reasons.is_empty() {
                Reachability::NotFoundOnEntryPaths
            } else {
                Reachability::Unknown {
                    reasons: reasons.into_iter().collect(),
                }
            }
        };
        out.push(ComponentTrace {
            purl: pkg.purl.clone(),
            name: pkg.name.clone(),
            version: pkg.version.clone(),
            kind: pkg.kind,
            evidence: pkg
                .evidence
                .first()
                .map(|e| e.path.clone())
                .unwrap_or_default(),
            reachability,
        });
    }
    out.sort_by(|a, b| (&a.purl, &a.evidence).cmp(&(&b.purl, &b.evidence)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globbing() {
        assert!(glob("*.conf", "libc.conf"));
        assert!(!glob("*.conf", "libc.conf.bak"));
        assert!(glob("a?c*", "abcdef"));
        assert!(glob("*", ""));
        assert!(!glob("x", ""));
    }
}
