//! SHA-256 content digests: the names of every artifact in Stella Ops.
//!
//! Only SHA-256 is accepted. A digest prints and parses as `sha256:` followed by exactly 64
//! lowercase hex digits, the form OCI, in-toto and DSSE tooling all use. Upper-case hex, other
//! algorithms, a missing prefix or a wrong length are typed errors, never a guess: two spellings
//! of one digest would let one artifact carry two names.
//!
//! The hash itself comes from RustCrypto's `sha2`. It and `ring` both use the CPU's SHA
//! extensions (about 1.98 GB/s each on 64 MiB here), so speed does not decide; `sha2` does
//! because it is pure Rust (no C or assembly build step for embedders, builds for every target
//! including wasm) and keeps `ring` out of this crate's dependency tree.

use std::fmt;
use std::io::{self, Read, Write};
use std::str::FromStr;

use sha2::{Digest as _, Sha256};

use crate::error::{CoreError, DigestError};

/// The algorithm prefix of every digest string.
pub const SHA256_PREFIX: &str = "sha256:";

/// A SHA-256 digest of exact bytes.
///
/// ```
/// use stella_core::Digest;
///
/// let d = Digest::of(b"hello");
/// assert_eq!(
///     d.to_string(),
///     "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
/// );
/// assert_eq!(Digest::parse(&d.to_string())?, d);
/// assert!(Digest::parse("sha512:00").is_err());
/// # Ok::<(), stella_core::CoreError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest([u8; 32]);

impl Digest {
    /// The SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Wraps raw hash bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw 32 hash bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses `sha256:<64 lowercase hex>`.
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let Some((algorithm, hex)) = text.split_once(':') else {
            return Err(DigestError::MissingAlgorithm {
                input: truncate_for_error(text),
            }
            .into());
        };
        if algorithm != "sha256" {
            return Err(DigestError::UnsupportedAlgorithm {
                algorithm: truncate_for_error(algorithm),
            }
            .into());
        }
        Self::parse_hex(hex)
    }

    /// Parses a bare 64-digit lowercase hex SHA-256 (no `sha256:` prefix), as used in OCI
    /// layout blob paths and in-toto digest maps.
    pub fn parse_hex(hex: &str) -> Result<Self, CoreError> {
        if hex.len() != 64 {
            return Err(DigestError::WrongLength {
                input: truncate_for_error(hex),
                length: hex.len(),
            }
            .into());
        }
        if let Some(position) = hex
            .bytes()
            .position(|b| !(b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        {
            return Err(DigestError::InvalidHex {
                input: truncate_for_error(hex),
                position,
            }
            .into());
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex, &mut out).map_err(|_| DigestError::InvalidHex {
            input: truncate_for_error(hex),
            position: 0,
        })?;
        Ok(Self(out))
    }

    /// The 64 lowercase hex digits, without the `sha256:` prefix.
    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Checks that `bytes` hash to this digest.
    pub fn verify(&self, bytes: &[u8]) -> Result<(), CoreError> {
        let actual = Self::of(bytes);
        if actual == *self {
            Ok(())
        } else {
            Err(CoreError::DigestMismatch {
                expected: *self,
                actual,
            })
        }
    }
}

/// Keeps error messages bounded when the input is hostile.
fn truncate_for_error(text: &str) -> String {
    const MAX: usize = 80;
    if text.len() <= MAX {
        return text.to_owned();
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One write of the whole hex (a `write!` per byte made `to_string` ~20× slower).
        let mut hex = [0u8; 64];
        hex::encode_to_slice(self.0, &mut hex).map_err(|_| fmt::Error)?;
        f.write_str(SHA256_PREFIX)?;
        f.write_str(std::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl FromStr for Digest {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Streaming SHA-256 for blobs too large to hold in memory.
///
/// ```
/// use stella_core::{Digest, Hasher};
///
/// let mut h = Hasher::new();
/// h.update(b"hel");
/// h.update(b"lo");
/// assert_eq!(h.finish(), Digest::of(b"hello"));
/// ```
#[derive(Clone, Default)]
pub struct Hasher {
    inner: Sha256,
    len: u64,
}

impl Hasher {
    /// A hasher with nothing hashed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds more bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.inner.update(bytes);
        self.len += bytes.len() as u64;
    }

    /// How many bytes have been hashed.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when nothing has been hashed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The digest of everything fed so far.
    pub fn finish(self) -> Digest {
        Digest(self.inner.finalize().into())
    }

    /// Hashes everything `reader` yields, returning the digest and the byte count.
    pub fn digest_reader<R: Read>(mut reader: R) -> io::Result<(Digest, u64)> {
        let mut hasher = Self::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            hasher.update(buf.get(..n).unwrap_or_default());
        }
        let len = hasher.len;
        Ok((hasher.finish(), len))
    }
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hasher").field("len", &self.len).finish()
    }
}

impl Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A reader that hashes what passes through it and, at end of stream, fails with
/// [`io::ErrorKind::InvalidData`] unless the bytes match the expected digest (and size, when
/// given). Use it to stream a blob while verifying it: a consumer that reads to the end can never
/// accept bytes that do not match their name.
///
/// ```
/// use std::io::Read;
/// use stella_core::{Digest, VerifyingReader};
///
/// let mut ok = VerifyingReader::new(&b"hello"[..], Digest::of(b"hello"), Some(5));
/// let mut out = Vec::new();
/// ok.read_to_end(&mut out)?;
///
/// let mut bad = VerifyingReader::new(&b"hellO"[..], Digest::of(b"hello"), None);
/// assert!(bad.read_to_end(&mut Vec::new()).is_err());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct VerifyingReader<R> {
    inner: R,
    expected: Digest,
    expected_size: Option<u64>,
    hasher: Option<Hasher>,
    read: u64,
}

impl<R: Read> VerifyingReader<R> {
    /// Wraps `inner`; `expected_size` (when known, e.g. from an OCI descriptor) is checked too,
    /// and reading past it fails at once rather than at the end.
    pub fn new(inner: R, expected: Digest, expected_size: Option<u64>) -> Self {
        Self {
            inner,
            expected,
            expected_size,
            hasher: Some(Hasher::new()),
            read: 0,
        }
    }

    /// The digest the stream must match.
    pub fn expected(&self) -> Digest {
        self.expected
    }
}

impl<R> fmt::Debug for VerifyingReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingReader")
            .field("expected", &self.expected)
            .field("expected_size", &self.expected_size)
            .field("read", &self.read)
            .finish()
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            if let Some(hasher) = self.hasher.take() {
                if let Some(size) = self.expected_size
                    && size != self.read
                {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "blob {} is {} bytes, expected {size}",
                            self.expected, self.read
                        ),
                    ));
                }
                let actual = hasher.finish();
                if actual != self.expected {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        CoreError::DigestMismatch {
                            expected: self.expected,
                            actual,
                        },
                    ));
                }
            }
            return Ok(0);
        }
        self.read += n as u64;
        if let Some(size) = self.expected_size
            && self.read > size
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "blob {} is longer than its stated {size} bytes",
                    self.expected
                ),
            ));
        }
        match (&mut self.hasher, buf.get(..n)) {
            (Some(h), Some(chunk)) => h.update(chunk),
            _ => {
                return Err(io::Error::other("read after end of verified stream"));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: &str = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    #[test]
    fn known_answers() {
        assert_eq!(Digest::of(b"hello").to_string(), HELLO);
        assert_eq!(
            Digest::of(b"").to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn parse_round_trip() {
        let d = Digest::parse(HELLO).unwrap();
        assert_eq!(d.to_string(), HELLO);
        assert_eq!(HELLO.parse::<Digest>().unwrap(), d);
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, format!("\"{HELLO}\""));
        assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), d);
    }

    #[test]
    fn rejects_every_other_spelling() {
        let upper = HELLO.replace("2cf24dba", "2CF24DBA");
        type Check = fn(&CoreError) -> bool;
        let cases: Vec<(String, Check)> = vec![
            (upper, |e| {
                matches!(
                    e,
                    CoreError::Digest(DigestError::InvalidHex { position: 1, .. })
                )
            }),
            (HELLO.replace("sha256", "sha512"), |e| {
                matches!(
                    e,
                    CoreError::Digest(DigestError::UnsupportedAlgorithm { .. })
                )
            }),
            (HELLO.replace("sha256", "SHA256"), |e| {
                matches!(
                    e,
                    CoreError::Digest(DigestError::UnsupportedAlgorithm { .. })
                )
            }),
            (HELLO.trim_start_matches("sha256:").to_owned(), |e| {
                matches!(e, CoreError::Digest(DigestError::MissingAlgorithm { .. }))
            }),
            (HELLO[..HELLO.len() - 1].to_owned(), |e| {
                matches!(
                    e,
                    CoreError::Digest(DigestError::WrongLength { length: 63, .. })
                )
            }),
            (format!("{HELLO}0"), |e| {
                matches!(
                    e,
                    CoreError::Digest(DigestError::WrongLength { length: 65, .. })
                )
            }),
            (HELLO.replace("2cf2", "2cg2"), |e| {
                matches!(
                    e,
                    CoreError::Digest(DigestError::InvalidHex { position: 2, .. })
                )
            }),
            (format!(" {HELLO}"), |e| {
                matches!(
                    e,
                    CoreError::Digest(DigestError::UnsupportedAlgorithm { .. })
                )
            }),
            ("sha256:".to_owned(), |e| {
                matches!(
                    e,
                    CoreError::Digest(DigestError::WrongLength { length: 0, .. })
                )
            }),
            (HELLO.replace("9824", "98é"), |e| {
                matches!(e, CoreError::Digest(DigestError::InvalidHex { .. }))
            }),
        ];
        for (input, check) in cases {
            let err = Digest::parse(&input).unwrap_err();
            assert!(check(&err), "{input:?} gave {err:?}");
        }
    }

    #[test]
    fn hasher_and_reader_agree_with_one_shot() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut h = Hasher::new();
        for chunk in data.chunks(7919) {
            h.update(chunk);
        }
        assert_eq!(h.len(), data.len() as u64);
        assert_eq!(h.finish(), Digest::of(&data));
        let (d, n) = Hasher::digest_reader(&data[..]).unwrap();
        assert_eq!((d, n), (Digest::of(&data), data.len() as u64));
    }

    #[test]
    fn verifying_reader_checks_digest_and_size() {
        let d = Digest::of(b"hello");
        let mut out = Vec::new();
        VerifyingReader::new(&b"hello"[..], d, Some(5))
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"hello");
        assert!(
            VerifyingReader::new(&b"hello"[..], d, Some(4))
                .read_to_end(&mut Vec::new())
                .is_err()
        );
        assert!(
            VerifyingReader::new(&b"hello"[..], d, Some(6))
                .read_to_end(&mut Vec::new())
                .is_err()
        );
        assert!(
            VerifyingReader::new(&b"hellp"[..], d, None)
                .read_to_end(&mut Vec::new())
                .is_err()
        );
    }
}
