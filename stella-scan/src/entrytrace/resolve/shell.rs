//! Shell scripts: `sh SCRIPT`, `sh -c TEXT`, and the literal commands a script runs (`exec`,
//! plain command lines, `. file`), with `"$@"` replaced by the script's arguments.

use super::dispatch::{Call, Resolver};
use super::{Arg, Missing, Tracer};
use crate::entrytrace::facts::MAX_SCRIPT_BYTES;
use crate::entrytrace::fs::join;
use crate::entrytrace::report::{Scope, StepKind};
use crate::entrytrace::shell::{ShellScript, Word};
use crate::error::ScanError;

/// The [`Resolver`] of `sh`, `bash`, `dash` and `ash`.
#[derive(Debug)]
pub(super) struct Shell;

impl Resolver for Shell {
    fn run(&self, t: &mut Tracer<'_>, call: Call<'_>) -> Result<(), ScanError> {
        t.run_shell(call.at, call.path, call.args)
    }
}

impl Tracer<'_> {
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
                let script = ShellScript::parse(code, MAX_SCRIPT_BYTES);
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

    pub(super) fn shell_script(
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
}
