//! Programs that run their arguments (`env`, `gosu`, `su-exec`, `tini`, `dumb-init`, …): the
//! command they run is found and run in turn.

use super::dispatch::{Call, Resolver};
use super::{Arg, Tracer};
use crate::entrytrace::report::{Scope, StepKind};
use crate::error::ScanError;

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

/// The wrapper program `name` (real path `path`) is, by its name or else its real path's.
pub(super) fn wrapper_name<'n>(name: &'n str, path: &'n str) -> Option<&'n str> {
    let base = name.rsplit('/').next().unwrap_or(name);
    let real_base = path.rsplit('/').next().unwrap_or(path);
    [base, real_base].into_iter().find(|b| WRAPPERS.contains(b))
}

/// The [`Resolver`] of wrappers.
#[derive(Debug)]
pub(super) struct Wrapper;

impl Resolver for Wrapper {
    fn run(&self, t: &mut Tracer<'_>, call: Call<'_>) -> Result<(), ScanError> {
        if let Some(w) = wrapper_name(call.name, call.path) {
            t.run_wrapper(call.at, w, call.args, call.depth);
        }
        Ok(())
    }
}

impl Tracer<'_> {
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
}
