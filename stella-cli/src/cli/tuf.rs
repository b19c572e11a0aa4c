//! `stella verify --tuf-mirror DIR|URL`: the Sigstore trusted root, verified through a TUF
//! repository (a local mirror directory or `https://`) by [`stella::tuf`], instead of a
//! `--trusted-root` file. The verified `trusted_root.json` is written to the cache directory and
//! used as `--trusted-root` would be.

use std::path::PathBuf;

use stella::tuf::{TufMirror, TufOptions, fetch_trusted_root};
use stella_core::Timestamp;

use super::{CliError, read_input};

/// The TUF flags of `stella verify`.
#[derive(Debug, Clone, clap::Args)]
pub struct TufArgs {
    /// Sigstore bundles: take the trusted root from this TUF repository — a mirror directory
    /// (`N.root.json`, `timestamp.json`, `N.snapshot.json`, `N.targets.json`,
    /// `targets/<sha256>.trusted_root.json`) or an `https://` URL — verified from the root of
    /// trust (root chain, timestamp, snapshot, targets, expiry, thresholds).
    #[arg(long, value_name = "DIR|URL", conflicts_with = "trusted_root")]
    pub tuf_mirror: Option<String>,
    /// The TUF root to trust when the cache has none as new (default: Sigstore's production
    /// root, version 15, built in).
    #[arg(long, value_name = "FILE", requires = "tuf_mirror")]
    pub tuf_root: Option<PathBuf>,
    /// Where the last trusted TUF metadata and trusted root are kept (default:
    /// `$XDG_CACHE_HOME/stella-ops/tuf/<mirror id>`, else `~/.cache/stella-ops/tuf/<mirror id>`).
    #[arg(long, value_name = "DIR", requires = "tuf_mirror")]
    pub tuf_cache: Option<PathBuf>,
    /// The time TUF metadata expiry is checked at (RFC 3339; default: the system clock).
    #[arg(long, value_name = "TIME", requires = "tuf_mirror")]
    pub tuf_now: Option<String>,
}

fn now(args: &TufArgs) -> Result<Timestamp, CliError> {
    if let Some(t) = &args.tuf_now {
        return Timestamp::parse_rfc3339(t).map_err(|e| CliError::Usage {
            what: "--tuf-now",
            value: t.clone(),
            reason: e.to_string(),
        });
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp::from_unix_seconds(i64::try_from(secs).unwrap_or(0)).map_err(|e| CliError::Usage {
        what: "system clock",
        value: secs.to_string(),
        reason: e.to_string(),
    })
}

fn default_cache(mirror: &str) -> Result<PathBuf, CliError> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })
        .ok_or_else(|| CliError::Usage {
            what: "--tuf-cache",
            value: String::new(),
            reason: "neither XDG_CACHE_HOME nor HOME is set: name a cache directory".to_owned(),
        })?;
    let id = stella_core::Digest::of(mirror.as_bytes()).hex();
    Ok(base
        .join("stella-ops/tuf")
        .join(id.get(..16).unwrap_or(&id)))
}

/// With `--tuf-mirror`: verifies the trusted root through the repository, writes it to
/// `<cache>/trusted_root.json` and returns that path. `None` without the flag.
pub fn trusted_root_file(args: &TufArgs) -> Result<Option<PathBuf>, CliError> {
    let Some(mirror_arg) = &args.tuf_mirror else {
        return Ok(None);
    };
    let mirror = TufMirror::parse(mirror_arg).map_err(|e| CliError::Usage {
        what: "--tuf-mirror",
        value: mirror_arg.clone(),
        reason: e.to_string(),
    })?;
    let cache = match &args.tuf_cache {
        Some(dir) => dir.clone(),
        None => default_cache(mirror_arg)?,
    };
    let mut options = TufOptions::new(cache.clone());
    if let Some(root) = &args.tuf_root {
        options.initial_root = read_input(root)?;
    }
    let trusted_root = fetch_trusted_root(&mirror, &options, now(args)?)
        .map_err(|e| CliError::library(mirror_arg.clone(), e))?;
    let path = cache.join("trusted_root.json");
    std::fs::write(&path, &trusted_root)
        .map_err(|e| CliError::library(path.display().to_string(), e))?;
    Ok(Some(path))
}
