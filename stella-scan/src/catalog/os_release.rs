//! `os-release(5)` parsing: `etc/os-release`, falling back to `usr/lib/os-release`.

use crate::error::{CatalogProblem, ScanError};
use crate::package::OsRelease;

use super::util::err;

/// Paths that identify the OS, in order of preference (the first present wins).
pub const PATHS: [&str; 2] = ["etc/os-release", "usr/lib/os-release"];

/// Largest os-release file read (the real ones are well under 1 KiB).
const MAX_LEN: usize = 64 * 1024;

/// Parses an os-release file: `KEY=value` lines, values optionally in double or single quotes
/// with backslash escapes inside double quotes, `#` comments and blank lines ignored. `ID`
/// defaults to `linux` as os-release(5) says; `ID` and `VERSION_ID` are kept as written.
///
/// ```
/// let os = stella_scan::catalog::os_release::parse(
///     b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
/// )?;
/// assert_eq!(os.id, "debian");
/// assert_eq!(os.version_id.as_deref(), Some("12"));
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
pub fn parse(bytes: &[u8]) -> Result<OsRelease, ScanError> {
    const WHO: &str = "os-release";
    if bytes.len() > MAX_LEN {
        return Err(err(
            WHO,
            "os-release",
            CatalogProblem::FileTooLarge { max: MAX_LEN },
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| err(WHO, "os-release", CatalogProblem::NotUtf8(e)))?;
    let mut os = OsRelease {
        id: "linux".to_owned(),
        ..OsRelease::default()
    };
    let mut any = false;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(err(
                WHO,
                "os-release",
                CatalogProblem::BadLine {
                    line: n + 1,
                    problem: "expected KEY=value",
                },
            ));
        };
        let value = unquote(value.trim()).ok_or_else(|| {
            err(
                WHO,
                "os-release",
                CatalogProblem::BadLine {
                    line: n + 1,
                    problem: "unterminated quote",
                },
            )
        })?;
        any = true;
        match key.trim() {
            "ID" if !value.is_empty() => os.id = value,
            "VERSION_ID" if !value.is_empty() => os.version_id = Some(value),
            "VERSION_CODENAME" if !value.is_empty() => os.version_codename = Some(value),
            "PRETTY_NAME" if !value.is_empty() => os.pretty_name = Some(value),
            "ID_LIKE" => os.id_like = value.split_whitespace().map(str::to_owned).collect(),
            _ => {}
        }
    }
    if !any {
        return Err(err(
            WHO,
            "os-release",
            CatalogProblem::Incomplete {
                what: "no KEY=value line",
            },
        ));
    }
    Ok(os)
}

/// Removes shell-style quotes; `None` for an unterminated quote.
fn unquote(v: &str) -> Option<String> {
    let mut chars = v.chars();
    match chars.next() {
        Some(q @ ('"' | '\'')) => {
            let mut out = String::new();
            let mut escaped = false;
            for c in chars {
                if escaped {
                    out.push(c);
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    return Some(out);
                } else {
                    out.push(c);
                }
            }
            None
        }
        _ => Some(v.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_debian_bookworm() {
        let os = parse(
            br#"PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
"#,
        )
        .unwrap();
        assert_eq!(os.id, "debian");
        assert_eq!(os.version_id.as_deref(), Some("12"));
        assert_eq!(os.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(
            os.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert!(os.id_like.is_empty());
    }

    #[test]
    fn reads_id_like_single_quotes_and_escapes() {
        let os =
            parse(b"# c\nID='ubuntu'\nID_LIKE=\"debian fedora\"\nPRETTY_NAME=\"a \\\"b\\\"\"\n")
                .unwrap();
        assert_eq!(os.id, "ubuntu");
        assert_eq!(os.id_like, vec!["debian", "fedora"]);
        assert_eq!(os.pretty_name.as_deref(), Some("a \"b\""));
    }

    #[test]
    fn id_defaults_to_linux() {
        assert_eq!(parse(b"NAME=x\n").unwrap().id, "linux");
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse(b"").is_err());
        assert!(parse(b"hello world\n").is_err());
        assert!(parse(b"ID=\"debian\n").is_err());
        assert!(parse(&[0xff, 0xfe]).is_err());
    }
}
