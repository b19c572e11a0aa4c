//! ELF files: `PT_INTERP` and `DT_NEEDED`, searched in `DT_RPATH` (when there is no
//! `DT_RUNPATH`), `LD_LIBRARY_PATH`, `DT_RUNPATH`, `ld.so.conf` (with `include`), musl's
//! `ld-musl-*.path` and the default directories.

use std::collections::{HashSet, VecDeque};
use std::rc::Rc;

use super::dispatch::{Kind, Resolver, Task};
use super::{Missing, Tracer};
use crate::entrytrace::elf::{DEFAULT_LIB_DIRS, LdConfLine, expand_origin, parse_ld_so_conf};
use crate::entrytrace::fs::{join, parent};
use crate::entrytrace::report::{Scope, StepKind};
use crate::error::ScanError;

/// The [`Resolver`] of ELF programs, libraries and extension modules.
#[derive(Debug)]
pub(super) struct Elf;

impl Resolver for Elf {
    fn read(&self, t: &mut Tracer<'_>, at: usize) -> Result<(), ScanError> {
        t.elf(at)
    }
}

impl Tracer<'_> {
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
                        self.queue.push_back(Task::Read(Kind::Elf, i));
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
                        self.queue.push_back(Task::Read(Kind::Elf, i));
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
