//! What the trace needs to know about one file, distilled from its bytes by the pure parsers.
//! Computing it needs only the path and the bytes, so an image adapter can compute it during the
//! layer walk and keep a few hundred bytes per file instead of the file.

use serde::{Deserialize, Serialize};

use super::elf::ElfFacts;
use super::node::JsImports;
use super::python::PyImports;
use super::shebang::Shebang;
use super::shell::ShellScript;

/// Bytes of a script (shell, Python, JavaScript) read; the rest is not analyzed (recorded).
pub const MAX_SCRIPT_BYTES: usize = 4 << 20;
/// Bytes of a small configuration file kept as text (`ld.so.conf`, `package.json`, …).
pub const MAX_CONFIG_BYTES: usize = 256 << 10;

/// The distilled facts of one file. Fields are filled by what the file is: an ELF file has
/// [`FileFacts::elf`] (or [`FileFacts::elf_error`]); a script has a shebang and the analysis of
/// its language; configuration files keep their text.
///
/// ```
/// use stella_scan::entrytrace::FileFacts;
///
/// let f = FileFacts::analyze("app/main.py", b"import requests\n");
/// assert_eq!(f.python.unwrap().imports[0].module, "requests");
/// let f = FileFacts::analyze("usr/local/bin/run", b"#!/bin/sh\nexec /app/server\n");
/// assert_eq!(f.shebang.unwrap().interpreter, "/bin/sh");
/// assert_eq!(f.shell.unwrap().commands.len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFacts {
    /// Dynamic-linking facts of an ELF file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elf: Option<ElfFacts>,
    /// Why an ELF file could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elf_error: Option<String>,
    /// The `#!` line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shebang: Option<Shebang>,
    /// Why a `#!` line could not be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shebang_error: Option<String>,
    /// The file read as a shell script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<ShellScript>,
    /// The file read as Python.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<PyImports>,
    /// The file read as JavaScript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<JsImports>,
    /// The text of a small configuration file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Bytes of the file.
    pub size: u64,
    /// Whether the script was longer than [`MAX_SCRIPT_BYTES`] (only the start was read).
    #[serde(default)]
    pub truncated: bool,
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether a path is a configuration file the trace reads as text.
pub fn is_config_path(path: &str) -> bool {
    let name = file_name(path);
    path == "etc/ld.so.conf"
        || (path.starts_with("etc/ld.so.conf.d/") && name.ends_with(".conf"))
        || (path.starts_with("etc/ld-musl-") && name.ends_with(".path"))
        || name == "package.json"
        || name == "pyvenv.cfg"
        || name.ends_with("._pth")
        || name.ends_with(".pth")
}

fn is_python_path(path: &str) -> bool {
    path.ends_with(".py") || path.ends_with(".pyw")
}

fn is_js_path(path: &str) -> bool {
    path.ends_with(".js") || path.ends_with(".mjs") || path.ends_with(".cjs")
}

/// The interpreter family of a program name (`python3.11` → python).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Shell,
    Python,
    Node,
    Other,
}

pub(crate) fn lang_of(program: &str) -> Lang {
    let name = file_name(program);
    if matches!(
        name,
        "sh" | "bash" | "dash" | "ash" | "ksh" | "mksh" | "zsh" | "busybox"
    ) {
        Lang::Shell
    } else if name.starts_with("python") || name == "pypy" || name == "pypy3" {
        Lang::Python
    } else if name == "node" || name == "nodejs" {
        Lang::Node
    } else {
        Lang::Other
    }
}

impl FileFacts {
    /// Distils a file. Never fails: what cannot be read is recorded in the facts.
    pub fn analyze(path: &str, data: &[u8]) -> Self {
        let mut f = Self {
            size: data.len() as u64,
            ..Self::default()
        };
        if data.starts_with(b"\x7fELF") {
            match ElfFacts::parse(data) {
                Ok(e) => f.elf = Some(e),
                Err(e) => f.elf_error = Some(e.reason),
            }
            return f;
        }
        if is_config_path(path) {
            let cut = data.get(..MAX_CONFIG_BYTES).unwrap_or(data);
            f.text = Some(String::from_utf8_lossy(cut).into_owned());
            f.truncated = data.len() > MAX_CONFIG_BYTES;
            return f;
        }
        let name = file_name(path);
        if name.ends_with(".so") || name.contains(".so.") || name.ends_with(".node") {
            // A shared object that is not ELF (a linker script, data): nothing to run.
            f.elf_error = Some("not an ELF file".into());
            return f;
        }
        match Shebang::parse(data) {
            Ok(s) => f.shebang = s,
            Err(e) => f.shebang_error = Some(e.to_string()),
        }
        let cut = data.get(..MAX_SCRIPT_BYTES).unwrap_or(data);
        f.truncated = data.len() > MAX_SCRIPT_BYTES;
        let by_shebang = f.shebang.as_ref().map(|s| {
            let (prog, _, _) = s.command();
            lang_of(&prog)
        });
        let python = is_python_path(path) || by_shebang == Some(Lang::Python);
        let node = is_js_path(path) || by_shebang == Some(Lang::Node);
        if python {
            f.python = Some(PyImports::parse_bytes(cut));
        }
        if node {
            f.node = Some(JsImports::parse_bytes(cut));
        }
        // A shell script by its #! line, or a text file without one that something executes
        // (the kernel refuses it; shells and execvp run it with /bin/sh). Binary data is not
        // text and is left alone.
        let shell = by_shebang == Some(Lang::Shell)
            || (f.shebang.is_none() && !python && !node && memchr::memchr(0, cut).is_none());
        if shell {
            let text = String::from_utf8_lossy(cut);
            f.shell = Some(ShellScript::parse(&text, MAX_SCRIPT_BYTES));
        }
        f
    }
}
