//! The dispatcher: the queue of the breadth-first walk and the one [`Resolver`] contract every
//! resolver implements. A program that runs goes to [`Tracer::run`] (an ELF interpreter or
//! wrapper to the resolver [`Kind::of_program`] names, a script to its `#!` interpreter); a file
//! that is loaded goes to the `read` of the resolver its kind names.

use super::elf::Elf;
use super::node::Node;
use super::python::Python;
use super::shell::Shell;
use super::wrapper::{Wrapper, wrapper_name};
use super::{Arg, Tracer};
use crate::entrytrace::facts::{Lang, lang_of};
use crate::entrytrace::fs::join;
use crate::entrytrace::report::{Scope, StepKind};
use crate::error::ScanError;

/// One step of the walk, in breadth-first order.
#[derive(Debug)]
pub(super) enum Task {
    /// Run the program at the real path `path` (named `name` by its caller) with `args`.
    Run {
        from: usize,
        path: String,
        name: String,
        args: Vec<Arg>,
        depth: u32,
    },
    /// Read the file reached at this index with the resolver of this kind.
    Read(Kind, usize),
}

/// A program run with arguments, as a [`Resolver`] is given it.
#[derive(Debug)]
pub(super) struct Call<'c> {
    /// The reached index of the program.
    pub at: usize,
    /// Its real path.
    pub path: &'c str,
    /// The name its caller ran it by (a `PATH` name, or a path).
    pub name: &'c str,
    /// Its arguments.
    pub args: Vec<Arg>,
    /// How many `#!` interpreters deep it runs.
    pub depth: u32,
}

/// One language or file format the walk can follow. A resolver answers two questions, each
/// by queueing and reaching files through the [`Tracer`] and recording what it cannot follow:
/// what does its interpreter load when run with these arguments (`run`), and what does a file
/// of its kind load in turn (`read`). Either may be nothing: an ELF file's loading does not
/// depend on its arguments, a shell script is read when it runs, never queued.
pub(super) trait Resolver {
    /// The interpreter (or wrapper) reached at `call.at` runs with `call.args`.
    fn run(&self, _t: &mut Tracer<'_>, _call: Call<'_>) -> Result<(), ScanError> {
        Ok(())
    }

    /// The file reached at `at` is loaded ([`Task::Read`]).
    fn read(&self, _t: &mut Tracer<'_>, _at: usize) -> Result<(), ScanError> {
        Ok(())
    }
}

/// The resolvers, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `sh`, `bash`, `dash`, `ash` and their scripts.
    Shell,
    /// Python interpreters and modules.
    Python,
    /// Node and its modules.
    Node,
    /// ELF programs, libraries and extension modules.
    Elf,
    /// Programs that run their arguments (`env`, `gosu`, `tini`, …).
    Wrapper,
}

impl Kind {
    /// The resolver of this kind.
    pub(super) fn resolver(self) -> &'static dyn Resolver {
        match self {
            Self::Shell => &Shell,
            Self::Python => &Python,
            Self::Node => &Node,
            Self::Elf => &Elf,
            Self::Wrapper => &Wrapper,
        }
    }

    /// The resolver that follows the arguments of ELF program `name` (real path `path`): the
    /// language its name tells (else its real path's), else a wrapper by either name; `None`
    /// for any other program.
    pub(super) fn of_program(name: &str, path: &str) -> Option<Self> {
        let lang = match lang_of(name) {
            Lang::Other => lang_of(path),
            l => l,
        };
        match lang {
            Lang::Shell => Some(Self::Shell),
            Lang::Python => Some(Self::Python),
            Lang::Node => Some(Self::Node),
            Lang::Other => wrapper_name(name, path).map(|_| Self::Wrapper),
        }
    }
}

impl Tracer<'_> {
    /// Runs the queue until it is empty or the trace stopped at its limits.
    pub(super) fn drain(&mut self) -> Result<(), ScanError> {
        while let Some(task) = self.queue.pop_front() {
            if self.stopped {
                break;
            }
            match task {
                Task::Run {
                    from,
                    path,
                    name,
                    args,
                    depth,
                } => self.run(from, &path, &name, args, depth)?,
                Task::Read(kind, at) => kind.resolver().read(self, at)?,
            }
        }
        Ok(())
    }

    /// Runs the program at real path `path` (reached at `idx`, named `name` by its caller):
    /// an ELF file is read by its loader and, when it is an interpreter or a wrapper, its
    /// resolver follows the arguments; a script goes to its `#!` interpreter, or to `/bin/sh`.
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
            self.queue.push_back(Task::Read(Kind::Elf, idx));
            if let Some(kind) = Kind::of_program(name, path) {
                let call = Call {
                    at: idx,
                    path,
                    name,
                    args,
                    depth,
                };
                kind.resolver().run(self, call)?;
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entrytrace::{EntryConfig, MemoryFs, TraceLimits, build_test_elf};

    #[test]
    fn programs_go_to_the_resolver_their_name_or_real_path_tells() {
        let of = Kind::of_program;
        assert_eq!(of("python3", "usr/bin/python3.11"), Some(Kind::Python));
        assert_eq!(of("/app/run", "usr/bin/node"), Some(Kind::Node));
        assert_eq!(of("sh", "bin/dash"), Some(Kind::Shell));
        assert_eq!(of("gosu", "usr/sbin/gosu"), Some(Kind::Wrapper));
        assert_eq!(of("start", "usr/bin/tini"), Some(Kind::Wrapper));
        assert_eq!(of("server", "app/server"), None);
    }

    #[test]
    fn each_task_reaches_the_resolver_of_its_kind() {
        let elf = build_test_elf(None, &[], None, None);
        let fs = MemoryFs::new()
            .file("app/main.py", b"from .helper import run\n")
            .file("app/helper.py", b"")
            .exe("usr/bin/env", &elf)
            .exe("app/server", &elf);
        let (config, limits) = (EntryConfig::default(), TraceLimits::default());
        let mut t = Tracer::new(&config, &fs, &limits);

        // A file read: Python follows the import and queues the module it found; the shell
        // and wrapper resolvers read no file.
        let main = t.reach("app/main.py", None, StepKind::Script, "test".into());
        let main = main.unwrap_or_default();
        t.py_read_search.insert(main, std::rc::Rc::default());
        for kind in [Kind::Shell, Kind::Wrapper] {
            kind.resolver().read(&mut t, main).unwrap();
            assert!(t.queue.is_empty(), "{kind:?}");
        }
        Kind::Python.resolver().read(&mut t, main).unwrap();
        let helper = t.index.get("app/helper.py").copied().unwrap();
        assert!(matches!(
            t.queue.pop_front(),
            Some(Task::Read(Kind::Python, i)) if i == helper
        ));

        // A program run: the wrapper resolver runs the command `env` is given.
        let env = t.reach("usr/bin/env", None, StepKind::Entrypoint, "test".into());
        let call = Call {
            at: env.unwrap_or_default(),
            path: "usr/bin/env",
            name: "env",
            args: vec![Arg::Lit("A=1".into()), Arg::Lit("/app/server".into())],
            depth: 0,
        };
        Kind::Wrapper.resolver().run(&mut t, call).unwrap();
        assert!(matches!(
            t.queue.pop_front(),
            Some(Task::Run { path, .. }) if path == "app/server"
        ));
        assert!(t.queue.is_empty());
    }
}
