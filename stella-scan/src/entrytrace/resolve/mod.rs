//! The breadth-first walk from the entrypoint: the walk's state and what every resolver shares
//! (reaching files, resolving paths inside the root, counting work, recording what cannot be
//! followed). [`dispatch`] runs the queue and picks the [`dispatch::Resolver`] for each task;
//! one file per resolver ([`shell`], [`python`], [`node`], [`elf`], [`wrapper`]); [`classify`]
//! maps the files reached to the packages that own them.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::rc::Rc;

use super::facts::FileFacts;
use super::fs::{FsNode, TraceFs, Unresolvable, join, resolve};
use super::report::{EntryConfig, Scope, Step, StepKind, TraceLimits, TraceReport, Unresolved};
use crate::error::ScanError;
use crate::package::Package;

mod classify;
mod dispatch;
mod elf;
mod node;
mod python;
mod shell;
mod wrapper;

use dispatch::Task;
use python::{ModuleFiles, PySearch, PySite};

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
    /// The search path each queued Python file is read with ([`dispatch::Kind::Python`]).
    py_read_search: HashMap<usize, Rc<PySearch>>,
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
    let mut t = Tracer::new(config, fs, limits);
    let argv = config.argv();
    match argv.split_first() {
        None => t.unresolve(Scope::All, "", "the image has no Entrypoint or Cmd"),
        Some((program, rest)) => {
            let args: Vec<Arg> = rest.iter().cloned().map(Arg::Lit).collect();
            t.start(program, args)?;
        }
    }
    t.drain()?;
    let mut reached_files: Vec<String> = t.reached.iter().map(|r| r.path.clone()).collect();
    reached_files.sort();
    let components = classify::classify(&t, packages);
    Ok(TraceReport {
        argv,
        user: config.user.clone(),
        reached_files,
        unresolved: t.unresolved.iter().cloned().collect(),
        components,
    })
}

impl<'a> Tracer<'a> {
    /// The walk's start: the search paths of `config`'s environment, nothing reached yet.
    fn new(config: &EntryConfig, fs: &'a dyn TraceFs, limits: &'a TraceLimits) -> Self {
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
        Tracer {
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
            python_user_base: python::user_base(config),
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
            py_read_search: HashMap::new(),
            resolved: HashMap::new(),
            listings: HashMap::new(),
            modules: HashMap::new(),
            work: 0,
            stopped: false,
        }
    }
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
