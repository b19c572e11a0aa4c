//! Where registry credentials come from, and the one registry host they belong to.
//!
//! A [`CredentialProvider`] is asked for the credentials of one registry (`HOST[:PORT]` as the
//! reference names it, `docker.io` for Docker Hub) when that registry answers `401`, never
//! before. [`HostCredentials`] holds one registry's credentials (and the `STELLA_REGISTRY_*`
//! environment variables); [`DockerConfig`] reads them the way docker, podman and skopeo do
//! (the config files' `auths`, `credHelpers` and `credsStore`, running
//! `docker-credential-<name>` helpers). The lookup order `stella` uses is
//! [`CREDENTIAL_LOOKUP`].

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;

use super::RegistryError;
use super::auth::Credentials;
use super::reference::{DOCKER_HUB, valid_host};

/// The credential lookup of `stella` for `registry:` images (what
/// [`RegistryOptions::from_env`](super::RegistryOptions::from_env) builds), as printed in the
/// command line's help.
pub const CREDENTIAL_LOOKUP: &str = "\
Registry credentials (registry: images) are looked up for the image's registry host only, the \
first time that registry asks for them (HTTP 401), in this order:
  1. STELLA_REGISTRY_HOST, STELLA_REGISTRY_USERNAME, STELLA_REGISTRY_PASSWORD: used only when \
STELLA_REGISTRY_HOST names the image's registry (HOST[:PORT]); a username or password without \
the host is an error.
  2. The containers auth file: $REGISTRY_AUTH_FILE, else ${XDG_RUNTIME_DIR}/containers/auth.json.
  3. ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json.
  4. Docker's config: $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
In each file: credHelpers[host], else credsStore (running docker-credential-<name> get, 30 s \
timeout), else auths[host] (auth = base64 user:password, or identitytoken); keys are compared \
as HOST[:PORT] (scheme and path dropped; https://index.docker.io/v1/ is Docker Hub). The first \
file with credentials for the host wins; a helper that is missing or fails is an error. \
Otherwise the pull is anonymous.
Credentials are sent only to that registry and to the token realm it names, over HTTPS (plain \
HTTP only to loopback, even with STELLA_REGISTRY_INSECURE=1), never along a redirect to another \
host.";

/// Supplies the credentials of a registry. Asked with the registry's name as an image
/// reference gives it (`HOST[:PORT]`, `docker.io` for Docker Hub) when that registry asks for
/// credentials; the answer is used for that registry (and its token realm) only.
///
/// ```
/// use stella::image::registry::{CredentialProvider, Credentials, HostCredentials};
///
/// let ci = HostCredentials::new("ghcr.io", Credentials::new("ci", "token"))?;
/// assert!(ci.credentials("ghcr.io")?.is_some());
/// assert!(ci.credentials("evil.example")?.is_none());
/// # Ok::<(), stella::image::registry::RegistryError>(())
/// ```
pub trait CredentialProvider: Send + Sync + fmt::Debug {
    /// The credentials of `registry`, or `None` when this provider has none for it.
    fn credentials(&self, registry: &str) -> Result<Option<Credentials>, RegistryError>;
}

/// `HOST[:PORT]`, lowercased, of a registry name or a credential-file key: a scheme and a
/// path are dropped (`https://ghcr.io/v2/` is `ghcr.io`), and Docker Hub's names
/// (`index.docker.io`, `registry-1.docker.io`, docker's key `https://index.docker.io/v1/`)
/// are `docker.io`.
///
/// ```
/// use stella::image::registry::canonical_registry;
///
/// assert_eq!(canonical_registry("https://index.docker.io/v1/"), "docker.io");
/// assert_eq!(canonical_registry("http://Localhost:5000/x"), "localhost:5000");
/// ```
pub fn canonical_registry(name: &str) -> String {
    let name = name.trim();
    let lower = name.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let host = rest.split('/').next().unwrap_or_default().trim();
    match host {
        "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB.to_owned(),
        other => other.to_owned(),
    }
}

/// One registry's credentials: handed out for that registry (compared as
/// [`canonical_registry`]) and no other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCredentials {
    registry: String,
    credentials: Credentials,
}

impl HostCredentials {
    /// `credentials` for `registry` (`HOST[:PORT]`; a scheme or path is dropped). Fails with
    /// [`RegistryError::Reference`] when what is left is not a host name.
    pub fn new(registry: &str, credentials: Credentials) -> Result<Self, RegistryError> {
        let canonical = canonical_registry(registry);
        if !valid_host(&canonical) {
            return Err(RegistryError::Reference {
                input: registry.chars().take(300).collect(),
                reason: "not a registry HOST[:PORT]",
            });
        }
        Ok(Self {
            registry: canonical,
            credentials,
        })
    }

    /// The registry these credentials belong to (canonical `HOST[:PORT]`).
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The credentials of `STELLA_REGISTRY_HOST` from `STELLA_REGISTRY_USERNAME` and
    /// `STELLA_REGISTRY_PASSWORD`; `None` when none of the three is set. A user name or
    /// password without the host (or the other way round) is [`RegistryError::CredentialEnv`]:
    /// credentials without a host would go to whatever registry an image names.
    pub fn from_env() -> Result<Option<Self>, RegistryError> {
        const HOST: &str = "STELLA_REGISTRY_HOST";
        const USERNAME: &str = "STELLA_REGISTRY_USERNAME";
        const PASSWORD: &str = "STELLA_REGISTRY_PASSWORD";
        let var = |name: &'static str| match std::env::var(name) {
            Ok(v) if v.is_empty() => Ok(None),
            Ok(v) => Ok(Some(v)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(RegistryError::CredentialEnv {
                variable: name,
                reason: "is not valid UTF-8",
            }),
        };
        let (host, username, password) = (var(HOST)?, var(USERNAME)?, var(PASSWORD)?);
        let missing = |variable| RegistryError::CredentialEnv {
            variable,
            reason: "must be set too: registry credentials from the environment belong to \
                     the one registry STELLA_REGISTRY_HOST names",
        };
        match (host, username, password) {
            (None, None, None) => Ok(None),
            (Some(host), Some(username), Some(password)) => {
                let canonical = canonical_registry(&host);
                if !valid_host(&canonical) {
                    return Err(RegistryError::CredentialEnv {
                        variable: HOST,
                        reason: "is not a registry HOST[:PORT]",
                    });
                }
                Ok(Some(Self {
                    registry: canonical,
                    credentials: Credentials::new(username, password),
                }))
            }
            (None, _, _) => Err(missing(HOST)),
            (_, None, _) => Err(missing(USERNAME)),
            (_, _, None) => Err(missing(PASSWORD)),
        }
    }
}

impl CredentialProvider for HostCredentials {
    fn credentials(&self, registry: &str) -> Result<Option<Credentials>, RegistryError> {
        Ok((canonical_registry(registry) == self.registry).then(|| self.credentials.clone()))
    }
}

/// Largest credential file read.
const MAX_CONFIG_BYTES: u64 = 4 << 20;
/// Largest answer read from a credential helper.
const MAX_HELPER_OUTPUT: u64 = 64 * 1024;
/// Docker Hub's key in docker's config files and the server URL its helpers are asked for.
const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// What is wrong with a credential file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// It could not be read.
    #[error("cannot be read: {0}")]
    Read(#[source] io::Error),
    /// It is not a regular file (a directory, a FIFO, a device).
    #[error("is not a regular file")]
    NotAFile,
    /// It is larger than the limit.
    #[error("is larger than {max} bytes ({actual})")]
    TooLarge {
        /// The limit.
        max: u64,
        /// Its size.
        actual: u64,
    },
    /// It is not the JSON of a docker or containers config (no content is echoed: it holds
    /// secrets).
    #[error("is not a docker/containers config (JSON error at line {line}, column {column})")]
    Json {
        /// The line of the error.
        line: usize,
        /// The column of the error.
        column: usize,
    },
    /// An `auths` entry whose `auth` is not base64 of `user:password`.
    #[error("auths[{key:?}].auth is not base64 of user:password")]
    BadAuth {
        /// The entry's key.
        key: String,
    },
    /// A helper name (`credHelpers` value or `credsStore`) that is not a plain name.
    #[error("credential helper name {name:?} is not [A-Za-z0-9._-]+")]
    BadHelperName {
        /// The name (truncated).
        name: String,
    },
}

/// What went wrong running a `docker-credential-<name>` helper.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HelperProblem {
    /// The helper is not on `PATH`. The pull does not go on anonymously: the config says this
    /// registry's credentials are in that helper.
    #[error("not found on PATH")]
    NotFound,
    /// It could not be started or its output not read.
    #[error("could not be run: {0}")]
    Io(#[source] io::Error),
    /// It did not finish in time (it was killed).
    #[error("did not answer within {after:?} (killed)")]
    Timeout {
        /// The time limit.
        after: Duration,
    },
    /// It wrote more than the limit (it was killed).
    #[error("wrote more than {max} bytes (killed)")]
    OutputTooLarge {
        /// The limit.
        max: u64,
    },
    /// It exited unsuccessfully (other than "credentials not found").
    #[error("failed (exit code {code:?}): {message}")]
    Failed {
        /// Its exit code (`None` when killed by a signal).
        code: Option<i32>,
        /// The first line it printed, at most 200 characters, or a note that the output was
        /// withheld because it may hold a credential (see [`HELPER_OUTPUT_WITHHELD`]).
        message: String,
    },
    /// Its answer is not the JSON `{"Username": …, "Secret": …}` of the helper protocol (no
    /// content is echoed).
    #[error(
        "answered something other than {{\"Username\",\"Secret\"}} JSON (error at line {line}, column {column})"
    )]
    BadOutput {
        /// The line of the error.
        line: usize,
        /// The column of the error.
        column: usize,
    },
}

/// The credential files of docker, podman and skopeo, read the way those tools read them:
/// per file, `credHelpers[host]` names a helper, else `credsStore` names one for every host,
/// else `auths[host]` holds `auth` (base64 of `user:password`), `username`/`password`, or an
/// `identitytoken`. Keys are compared as [`canonical_registry`] (an exact key first). The
/// first file with credentials for the host wins; a file that does not exist is skipped, one
/// that cannot be read or parsed is an error, and so is a helper that is missing, fails, runs
/// past its timeout or writes too much. A `credsStore` that answers "credentials not found"
/// lets the file's `auths` and then the next file answer.
///
/// Helpers speak docker's protocol: `docker-credential-<name> get`, the server URL on stdin
/// (the host, or `https://index.docker.io/v1/` for Docker Hub), `{"Username", "Secret"}` JSON
/// on stdout (a `Username` of `<token>` makes `Secret` an identity token).
///
/// ```
/// use stella::image::registry::{CredentialProvider, DockerConfig};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("config.json");
/// // base64("ci:s3cret")
/// std::fs::write(&path, r#"{"auths":{"https://ghcr.io":{"auth":"Y2k6czNjcmV0"}}}"#)?;
/// let config = DockerConfig::from_files([&path]);
/// let c = config.credentials("ghcr.io")?.unwrap();
/// assert_eq!((c.username.as_str(), c.password.as_str()), ("ci", "s3cret"));
/// assert!(config.credentials("quay.io")?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerConfig {
    files: Vec<PathBuf>,
    helper_timeout: Duration,
    helper_path: Option<OsString>,
}

impl DockerConfig {
    /// The files `stella` reads, in order (see [`CREDENTIAL_LOOKUP`]): `$REGISTRY_AUTH_FILE`
    /// else `${XDG_RUNTIME_DIR}/containers/auth.json`; `${XDG_CONFIG_HOME:-~/.config}/
    /// containers/auth.json`; `$DOCKER_CONFIG/config.json` else `~/.docker/config.json`.
    /// Variables that are unset or empty are skipped.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let home = var("HOME").map(PathBuf::from);
        let mut files = Vec::new();
        match var("REGISTRY_AUTH_FILE") {
            Some(f) => files.push(PathBuf::from(f)),
            None => {
                if let Some(runtime) = var("XDG_RUNTIME_DIR") {
                    files.push(Path::new(&runtime).join("containers/auth.json"));
                }
            }
        }
        match (var("XDG_CONFIG_HOME"), &home) {
            (Some(config), _) => files.push(Path::new(&config).join("containers/auth.json")),
            (None, Some(home)) => files.push(home.join(".config/containers/auth.json")),
            (None, None) => {}
        }
        match (var("DOCKER_CONFIG"), &home) {
            (Some(dir), _) => files.push(Path::new(&dir).join("config.json")),
            (None, Some(home)) => files.push(home.join(".docker/config.json")),
            (None, None) => {}
        }
        Self::from_files(files)
    }

    /// These files, in order.
    pub fn from_files(files: impl IntoIterator<Item = impl Into<PathBuf>>) -> Self {
        Self {
            files: files.into_iter().map(Into::into).collect(),
            helper_timeout: Duration::from_secs(30),
            helper_path: None,
        }
    }

    /// The files read, in order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// How long a credential helper may run (default 30 s); it is killed after that.
    pub fn with_helper_timeout(mut self, timeout: Duration) -> Self {
        self.helper_timeout = timeout;
        self
    }

    /// The `PATH` searched for `docker-credential-<name>` (and given to it); default: the
    /// process's.
    pub fn with_helper_path(mut self, path: impl Into<OsString>) -> Self {
        self.helper_path = Some(path.into());
        self
    }

    fn lookup_file(
        &self,
        path: &Path,
        registry: &str,
    ) -> Result<Option<Credentials>, RegistryError> {
        let config_err = |reason| RegistryError::CredentialConfig {
            path: path.to_owned(),
            reason,
        };
        let Some(bytes) = read_config(path).map_err(config_err)? else {
            return Ok(None);
        };
        let config: ConfigFile = serde_json::from_slice(&bytes).map_err(|e| {
            config_err(ConfigProblem::Json {
                line: e.line(),
                column: e.column(),
            })
        })?;
        let canonical = canonical_registry(registry);
        let server_url = if canonical == DOCKER_HUB {
            DOCKER_HUB_KEY.to_owned()
        } else {
            canonical.clone()
        };
        let helper = find_entry(&config.cred_helpers, registry, &canonical)
            .map(|(_, name)| (name, true))
            .or_else(|| config.creds_store.as_ref().map(|name| (name, false)));
        if let Some((name, per_host)) = helper.filter(|(name, _)| !name.is_empty()) {
            if !valid_helper_name(name) {
                return Err(config_err(ConfigProblem::BadHelperName {
                    name: name.chars().take(100).collect(),
                }));
            }
            let found = self.run_helper(name, &server_url).map_err(|problem| {
                RegistryError::CredentialHelper {
                    helper: name.clone(),
                    registry: canonical.clone(),
                    problem,
                }
            })?;
            if found.is_some() || per_host {
                return Ok(found);
            }
        }
        let Some((key, entry)) = find_entry(&config.auths, registry, &canonical) else {
            return Ok(None);
        };
        entry
            .credentials()
            .map_err(|()| config_err(ConfigProblem::BadAuth { key: key.clone() }))
    }

    fn run_helper(
        &self,
        name: &str,
        server_url: &str,
    ) -> Result<Option<Credentials>, HelperProblem> {
        let mut command = Command::new(format!("docker-credential-{name}"));
        command
            .arg("get")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(path) = &self.helper_path {
            command.env("PATH", path);
        }
        let mut child = command.spawn().map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => HelperProblem::NotFound,
            _ => HelperProblem::Io(e),
        })?;
        let deadline = Instant::now() + self.helper_timeout;
        let output = read_helper_output(&mut child, server_url, deadline, self.helper_timeout);
        let output = match output {
            Ok(o) => o,
            Err(problem) => {
                // Our own child, by its handle.
                let _ = child.kill();
                let _ = child.wait();
                return Err(problem);
            }
        };
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(HelperProblem::Timeout {
                        after: self.helper_timeout,
                    });
                }
                Err(e) => return Err(HelperProblem::Io(e)),
            }
        };
        if !status.success() {
            let message = String::from_utf8_lossy(&output);
            let message = message.trim();
            // docker-credential-helpers' `ErrCredentialsNotFound`.
            if message.contains("credentials not found") {
                return Ok(None);
            }
            return Err(HelperProblem::Failed {
                code: status.code(),
                message: failure_message(message),
            });
        }
        #[derive(serde::Deserialize)]
        struct Answer {
            #[serde(rename = "Username", default)]
            username: String,
            #[serde(rename = "Secret", default)]
            secret: String,
        }
        let answer: Answer =
            serde_json::from_slice(&output).map_err(|e| HelperProblem::BadOutput {
                line: e.line(),
                column: e.column(),
            })?;
        Ok(match (answer.username.as_str(), answer.secret.is_empty()) {
            (_, true) => None,
            ("<token>", false) => Some(Credentials::identity_token("", answer.secret)),
            (_, false) => Some(Credentials::new(answer.username, answer.secret)),
        })
    }
}

impl CredentialProvider for DockerConfig {
    fn credentials(&self, registry: &str) -> Result<Option<Credentials>, RegistryError> {
        for path in &self.files {
            if let Some(found) = self.lookup_file(path, registry)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }
}

/// Writes the server URL, closes stdin, and reads stdout to its end: at most
/// [`MAX_HELPER_OUTPUT`] bytes, before `deadline`.
fn read_helper_output(
    child: &mut Child,
    server_url: &str,
    deadline: Instant,
    timeout: Duration,
) -> Result<Vec<u8>, HelperProblem> {
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading stdin is judged by its exit status and output.
        match stdin.write_all(server_url.as_bytes()) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
            Err(e) => return Err(HelperProblem::Io(e)),
        }
    }
    let Some(stdout) = child.stdout.take() else {
        return Err(HelperProblem::Io(io::Error::other(
            "helper stdout not captured",
        )));
    };
    let (tx, rx) = mpsc::channel();
    // The read blocks; the thread ends when the helper closes stdout or is killed (a
    // grandchild holding stdout open keeps it until it exits).
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let result = stdout
            .take(MAX_HELPER_OUTPUT + 1)
            .read_to_end(&mut bytes)
            .map(|_| bytes);
        let _ = tx.send(result);
    });
    let wait = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(wait) {
        Ok(Ok(bytes)) if bytes.len() as u64 > MAX_HELPER_OUTPUT => {
            Err(HelperProblem::OutputTooLarge {
                max: MAX_HELPER_OUTPUT,
            })
        }
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(HelperProblem::Io(e)),
        Err(_) => Err(HelperProblem::Timeout { after: timeout }),
    }
}

/// Reads a credential file: `None` when it does not exist; bounded, regular files only.
fn read_config(path: &Path) -> Result<Option<Vec<u8>>, ConfigProblem> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ConfigProblem::Read(e)),
    };
    // Checked before opening: opening a FIFO would block.
    if !meta.is_file() {
        return Err(ConfigProblem::NotAFile);
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(ConfigProblem::TooLarge {
            max: MAX_CONFIG_BYTES,
            actual: meta.len(),
        });
    }
    let file = std::fs::File::open(path).map_err(ConfigProblem::Read)?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ConfigProblem::Read)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ConfigProblem::TooLarge {
            max: MAX_CONFIG_BYTES,
            actual: bytes.len() as u64,
        });
    }
    Ok(Some(bytes))
}

fn valid_helper_name(name: &str) -> bool {
    name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The entry for a registry: the key written exactly as the registry (or, for Docker Hub,
/// docker's `https://index.docker.io/v1/`) first, else the first key (in sorted order) that
/// is the same `HOST[:PORT]`.
fn find_entry<'a, V>(
    map: &'a BTreeMap<String, V>,
    registry: &str,
    canonical: &str,
) -> Option<(&'a String, &'a V)> {
    let exact = if canonical == DOCKER_HUB {
        DOCKER_HUB_KEY
    } else {
        registry
    };
    map.get_key_value(exact).or_else(|| {
        map.iter()
            .find(|(key, _)| canonical_registry(key) == canonical)
    })
}

/// The parts of a docker `config.json` / containers `auth.json` read here.
#[derive(serde::Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(serde::Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

impl AuthEntry {
    /// The credentials of the entry (`None` for an empty entry, as docker writes beside a
    /// `credsStore`).
    fn credentials(&self) -> Result<Option<Credentials>, ()> {
        let (username, password) = match self.auth.as_deref().filter(|a| !a.is_empty()) {
            Some(auth) => {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(auth.trim())
                    .map_err(|_| ())?;
                let text = String::from_utf8(decoded).map_err(|_| ())?;
                let (user, password) = text.split_once(':').ok_or(())?;
                (user.to_owned(), password.to_owned())
            }
            None => (
                self.username.clone().unwrap_or_default(),
                self.password.clone().unwrap_or_default(),
            ),
        };
        if let Some(token) = self.identitytoken.as_ref().filter(|t| !t.is_empty()) {
            return Ok(Some(Credentials {
                username,
                password,
                identity_token: Some(token.clone()),
            }));
        }
        if username.is_empty() && password.is_empty() {
            return Ok(None);
        }
        Ok(Some(Credentials::new(username, password)))
    }
}

/// What a failed helper's error says instead of its output when that output may hold a
/// credential.
pub const HELPER_OUTPUT_WITHHELD: &str =
    "(output withheld: it looks like a credential answer, not an error message)";

/// The part of a failed helper's output an error may show: its first line, at most 200
/// characters, and nothing when the output looks like (part of) a credential answer. A helper
/// may print its JSON answer and then exit non-zero; the error must not carry the secret into
/// logs.
fn failure_message(output: &str) -> String {
    let lower = output.to_ascii_lowercase();
    if output.contains('{') || output.contains('"') || lower.contains("secret") {
        return HELPER_OUTPUT_WITHHELD.to_owned();
    }
    output
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn config(dir: &Path, name: &str, json: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, json).unwrap();
        path
    }

    #[test]
    fn canonical_names() {
        for (name, want) in [
            ("ghcr.io", "ghcr.io"),
            ("https://ghcr.io", "ghcr.io"),
            ("HTTPS://GHCR.io/v2/", "ghcr.io"),
            ("http://localhost:5000", "localhost:5000"),
            ("https://index.docker.io/v1/", "docker.io"),
            ("registry-1.docker.io", "docker.io"),
            ("docker.io", "docker.io"),
        ] {
            assert_eq!(canonical_registry(name), want, "{name}");
        }
        // Found by the proptest below: whitespace before a path is trimmed too.
        let once = canonical_registry("x\u{a0}/");
        assert_eq!(canonical_registry(&once), once);
    }

    #[test]
    fn host_credentials_belong_to_one_host() {
        let c =
            HostCredentials::new("https://127.0.0.1:5000/", Credentials::new("u", "p")).unwrap();
        assert_eq!(c.registry(), "127.0.0.1:5000");
        assert!(c.credentials("127.0.0.1:5000").unwrap().is_some());
        for other in ["127.0.0.1:5001", "localhost:5000", "127.0.0.1", "docker.io"] {
            assert!(c.credentials(other).unwrap().is_none(), "{other}");
        }
        assert!(HostCredentials::new("", Credentials::new("u", "p")).is_err());
        assert!(HostCredentials::new("a b", Credentials::new("u", "p")).is_err());
    }

    #[test]
    fn auths_keys_normalise_and_docker_hub_uses_its_v1_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = config(
            dir.path(),
            "config.json",
            &format!(
                r#"{{"auths":{{
                    "https://index.docker.io/v1/":{{"auth":"{}"}},
                    "http://localhost:5000/v2/":{{"auth":"{}"}},
                    "quay.io":{{"username":"q","password":"qp"}},
                    "acr.example":{{"auth":"{}","identitytoken":"refresh-1"}},
                    "empty.example":{{}}
                }}, "psFormat": "table"}}"#,
                b64("hub:hp"),
                b64("local:lp:with:colons"),
                b64("00000000-0000-0000-0000-000000000000:")
            ),
        );
        let c = DockerConfig::from_files([&path]);
        let hub = c.credentials("docker.io").unwrap().unwrap();
        assert_eq!(
            (hub.username.as_str(), hub.password.as_str()),
            ("hub", "hp")
        );
        let local = c.credentials("localhost:5000").unwrap().unwrap();
        assert_eq!(local.password, "lp:with:colons");
        assert!(c.credentials("localhost:5001").unwrap().is_none());
        assert!(c.credentials("127.0.0.1:5000").unwrap().is_none());
        assert_eq!(c.credentials("quay.io").unwrap().unwrap().password, "qp");
        let acr = c.credentials("acr.example").unwrap().unwrap();
        assert_eq!(acr.identity_token.as_deref(), Some("refresh-1"));
        assert!(c.credentials("empty.example").unwrap().is_none());
    }

    #[test]
    fn the_first_file_with_credentials_wins_and_missing_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let first = config(
            dir.path(),
            "auth.json",
            &format!(
                r#"{{"auths":{{"a.example":{{"auth":"{}"}}}}}}"#,
                b64("first:1")
            ),
        );
        let second = config(
            dir.path(),
            "config.json",
            &format!(
                r#"{{"auths":{{"a.example":{{"auth":"{}"}},"b.example":{{"auth":"{}"}}}}}}"#,
                b64("second:2"),
                b64("second:3")
            ),
        );
        let c = DockerConfig::from_files([dir.path().join("nope.json"), first, second]);
        assert_eq!(
            c.credentials("a.example").unwrap().unwrap().username,
            "first"
        );
        assert_eq!(c.credentials("b.example").unwrap().unwrap().password, "3");
        assert!(c.credentials("c.example").unwrap().is_none());
    }

    #[test]
    fn broken_files_are_typed_errors_that_echo_no_secret() {
        let dir = tempfile::tempdir().unwrap();
        for (json, want) in [
            (
                r#"{"auths":{"a.example":{"auth":"s3cret-not-base64!"}}}"#,
                "BadAuth",
            ),
            (
                &format!(
                    r#"{{"auths":{{"a.example":{{"auth":"{}"}}}}}}"#,
                    b64("s3cret")
                ),
                "BadAuth",
            ),
            (r#"{"auths":{"a.example":{"auth":"s3cret"}"#, "Json"),
            (
                r#"{"credHelpers":{"a.example":"../../bin/sh"}}"#,
                "BadHelperName",
            ),
        ] {
            let path = config(dir.path(), "c.json", json);
            let err = DockerConfig::from_files([&path])
                .credentials("a.example")
                .unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(text.contains(want), "{text}");
            assert!(!text.contains("s3cret"), "{text}");
        }
        let err = DockerConfig::from_files([dir.path()])
            .credentials("a.example")
            .unwrap_err();
        assert!(
            matches!(
                err,
                RegistryError::CredentialConfig {
                    reason: ConfigProblem::NotAFile,
                    ..
                }
            ),
            "{err}"
        );
    }

    proptest::proptest! {
        #[test]
        fn canonical_registry_never_panics_and_is_idempotent(name in "\\PC{0,80}") {
            let once = canonical_registry(&name);
            proptest::prop_assert_eq!(canonical_registry(&once), once.clone());
        }

        #[test]
        fn config_entries_never_panic(auth in "\\PC{0,60}", token in "\\PC{0,20}") {
            let json = serde_json::json!({
                "auths": {"h": {"auth": auth, "identitytoken": token}},
                "credHelpers": {"x": "y"},
            });
            let config: ConfigFile = serde_json::from_value(json).unwrap();
            for entry in config.auths.values() {
                let _ = entry.credentials();
            }
        }
    }

    #[test]
    fn a_missing_helper_is_an_error_not_anonymous() {
        let dir = tempfile::tempdir().unwrap();
        let path = config(
            dir.path(),
            "config.json",
            r#"{"credHelpers":{"a.example":"stella-test-no-such-helper"}}"#,
        );
        let c = DockerConfig::from_files([&path]).with_helper_path(dir.path());
        let err = c.credentials("a.example").unwrap_err();
        assert!(
            matches!(
                &err,
                RegistryError::CredentialHelper {
                    problem: HelperProblem::NotFound,
                    helper,
                    ..
                } if helper == "stella-test-no-such-helper"
            ),
            "{err}"
        );
        // Another host is not sent to that helper.
        assert!(c.credentials("b.example").unwrap().is_none());
    }
}
