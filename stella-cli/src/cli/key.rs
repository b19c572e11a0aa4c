//! `stella key generate|public`: make a signing key pair, or print a key's public half.
//!
//! Keys are written as PEM: PKCS#8 `PRIVATE KEY` (P-256 or Ed25519) and SPKI `PUBLIC KEY`, as
//! OpenSSL and cosign's `import-key-pair` read them. The key id (`sha256:` of the SPKI DER) goes
//! to stderr.
//!
//! Keys are read (here and by every other command) as PEM or DER, told apart by content, not
//! by file name: SPKI public keys, PKCS#8 or SEC1 private keys. A file holding more than one
//! key is refused, as cosign refuses it: which key was meant is not guessed. Key files larger
//! than [`MAX_KEY_INPUT`] are refused before they are read whole.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use stella_attest::keys::{
    KeyError, MAX_KEY_INPUT, PrivateKey, PublicKey, SystemRandom, Zeroizing,
};
use stella_core::SignatureAlgorithm;

use super::{CliError, KeyRef, Outcome, write_output};

/// `stella key`: generate a key pair or print a public key.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The `key` actions.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Generate a private key (PKCS#8 PEM) and optionally write its public key.
    Generate {
        /// The key algorithm.
        #[arg(long, value_enum, default_value_t = Algorithm::EcdsaP256)]
        algorithm: Algorithm,
        /// Where to write the private key (mode 0600); stdout when absent or `-`.
        #[arg(long)]
        output_file: Option<PathBuf>,
        /// Also write the public key (SPKI PEM) here.
        #[arg(long)]
        public_file: Option<PathBuf>,
    },
    /// Print the public key (SPKI PEM) of a private or public key.
    Public {
        /// The key: a file or `env://VAR`.
        #[arg(long)]
        key: KeyRef,
        /// Where to write it; stdout when absent or `-`.
        #[arg(long)]
        output_file: Option<PathBuf>,
    },
}

/// A key algorithm on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Algorithm {
    /// ECDSA over P-256 with SHA-256 (cosign's default).
    EcdsaP256,
    /// Ed25519.
    Ed25519,
}

impl From<Algorithm> for SignatureAlgorithm {
    fn from(a: Algorithm) -> Self {
        match a {
            Algorithm::EcdsaP256 => SignatureAlgorithm::EcdsaP256Sha256,
            Algorithm::Ed25519 => SignatureAlgorithm::Ed25519,
        }
    }
}

/// Runs `stella key`.
pub fn run(args: Args) -> Result<Outcome, CliError> {
    match args.action {
        Action::Generate {
            algorithm,
            output_file,
            public_file,
        } => {
            let key = PrivateKey::generate(algorithm.into(), &SystemRandom::new())
                .map_err(|e| CliError::library("key generation", e))?;
            let pem = key
                .to_pkcs8_pem()
                .map_err(|e| CliError::library("key generation", e))?;
            if let Some(path) = &public_file {
                write_output(Some(path), key.public_key().to_pem().as_bytes())?;
            }
            match output_file.as_deref() {
                None => write_output(None, pem.as_bytes())?,
                Some(p) if p == Path::new("-") => write_output(None, pem.as_bytes())?,
                Some(p) => write_private(p, pem.as_bytes())?,
            }
            eprintln!("key id: {}", key.key_id());
            Ok(Outcome::Ok)
        }
        Action::Public { key, output_file } => {
            let public = read_public_key(&key)?;
            write_output(output_file.as_deref(), public.to_pem().as_bytes())?;
            eprintln!("key id: {}", public.key_id());
            Ok(Outcome::Ok)
        }
    }
}

fn describe(key: &KeyRef) -> String {
    match key {
        KeyRef::File(p) => p.display().to_string(),
        KeyRef::Env(v) => format!("env://{v}"),
    }
}

/// The key's bytes, at most [`MAX_KEY_INPUT`] + 1 of them read (a larger input is refused by
/// the key parser), so `--key /dev/zero` cannot exhaust memory.
fn key_bytes(key: &KeyRef) -> Result<Zeroizing<Vec<u8>>, CliError> {
    let limit = u64::try_from(MAX_KEY_INPUT)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    match key {
        KeyRef::File(path) => {
            let mut bytes = Zeroizing::new(Vec::new());
            let result = if path == Path::new("-") {
                std::io::stdin()
                    .take(limit)
                    .read_to_end(&mut bytes)
                    .map(drop)
            } else {
                std::fs::File::open(path)
                    .and_then(|f| f.take(limit).read_to_end(&mut bytes).map(drop))
            };
            result.map_err(|source| CliError::Io {
                path: path.display().to_string(),
                source,
            })?;
            Ok(bytes)
        }
        KeyRef::Env(_) => key.read().map(Zeroizing::new),
    }
}

/// Reads a private key (PKCS#8 or SEC1, PEM or DER) from a key reference.
pub fn read_private_key(key: &KeyRef) -> Result<PrivateKey, CliError> {
    let bytes = key_bytes(key)?;
    PrivateKey::from_pem_or_der(&bytes).map_err(|e| CliError::library(describe(key), e))
}

/// Reads a public key from a key reference: an SPKI public key (PEM `PUBLIC KEY` or DER), or
/// the public half of a private key (PEM or DER).
pub fn read_public_key(key: &KeyRef) -> Result<PublicKey, CliError> {
    let bytes = key_bytes(key)?;
    match PublicKey::from_pem_or_der(&bytes) {
        Ok(k) => Ok(k),
        Err(KeyError::UnsupportedPemLabel { .. }) => PrivateKey::from_pem_or_der(&bytes)
            .map(|k| k.public_key().clone())
            .map_err(|e| CliError::library(describe(key), e)),
        // DER that is not an SPKI may be a private key; if it is not, the SPKI error says why.
        Err(spki_err @ KeyError::MalformedKey { format: "SPKI", .. }) => {
            PrivateKey::from_pem_or_der(&bytes)
                .map(|k| k.public_key().clone())
                .map_err(|_| CliError::library(describe(key), spki_err))
        }
        Err(e) => Err(CliError::library(describe(key), e)),
    }
}

/// Writes a private key atomically with owner-only permissions.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    super::output::write_file(path, bytes, Some(0o600))
}
