//! The binary records of the cache: a layer record (v3: fixed-width numbers and
//! length-prefixed bytes) and a chain record (v3: LEB128 numbers, sorted path lists stored as
//! shared prefixes). A decoder refuses (`None`: a cache miss) anything but a whole, well-formed
//! record, and never reserves memory the record does not back.

use std::collections::BTreeMap;

use stella_core::Digest;

use super::policy::{BudgetsUsed, ChainResult, Extracted, LayerResult};
use crate::image::{EntryKind, TreeEntry};
use crate::package::{
    Evidence, Hash, HashAlgorithm, LicenseAcknowledgement, OsRelease, Package, PackageKind, Party,
    SourcePackage,
};

/// Format tags of result blobs; bump when an encoding changes.
const RESULT_MAGIC: &[u8] = b"stella-scan/layer-result/v3\n";
const CHAIN_MAGIC: &[u8] = b"stella-scan/chain-result/v3\n";

struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    /// LEB128, for the chain record's many small numbers.
    fn var(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }
    fn var_str(&mut self, s: &str) {
        self.var(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn var_opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.var(0),
            Some(s) => {
                self.var(1);
                self.var_str(s);
            }
        }
    }
    fn party(&mut self, p: &Party) {
        self.var_str(&p.name);
        self.var_opt_str(p.email.as_deref());
        self.var_opt_str(p.url.as_deref());
    }
    fn var_strs(&mut self, list: &[String]) {
        self.var(list.len() as u64);
        for s in list {
            self.var_str(s);
        }
    }
    /// A list of paths, each as (bytes shared with the one before, the rest): sorted path
    /// lists share long prefixes, and fewer bytes are fewer to hash on every read.
    fn var_paths(&mut self, list: &[String]) {
        self.var(list.len() as u64);
        let mut prev = "";
        for s in list {
            let mut shared = s
                .bytes()
                .zip(prev.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            while !s.is_char_boundary(shared) {
                shared -= 1;
            }
            self.var(shared as u64);
            self.var_str(s.get(shared..).unwrap_or_default());
            prev = s;
        }
    }
}

struct Reader<'b>(&'b [u8]);

impl<'b> Reader<'b> {
    fn take(&mut self, n: u64) -> Option<&'b [u8]> {
        let n = usize::try_from(n).ok()?;
        if n > self.0.len() {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn u64(&mut self) -> Option<u64> {
        let b: [u8; 8] = self.take(8)?.try_into().ok()?;
        Some(u64::from_le_bytes(b))
    }
    fn bytes(&mut self) -> Option<&'b [u8]> {
        let n = self.u64()?;
        self.take(n)
    }
    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }
    fn var(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self.0.split_first()?;
            self.0 = rest;
            v |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    /// A count of items each at least one byte long: never more than the bytes left, so a
    /// crafted count cannot reserve memory the record does not back.
    fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.var()?).ok()?;
        (n <= self.0.len()).then_some(n)
    }
    fn var_str(&mut self) -> Option<&'b str> {
        let n = self.var()?;
        std::str::from_utf8(self.take(n)?).ok()
    }
    fn var_string(&mut self) -> Option<String> {
        self.var_str().map(str::to_owned)
    }
    fn var_opt_string(&mut self) -> Option<Option<String>> {
        match self.var()? {
            0 => Some(None),
            1 => self.var_string().map(Some),
            _ => None,
        }
    }
    fn party(&mut self) -> Option<Party> {
        Some(Party {
            name: self.var_string()?,
            email: self.var_opt_string()?,
            url: self.var_opt_string()?,
        })
    }
    fn var_strings(&mut self) -> Option<Vec<String>> {
        let n = self.count()?;
        let mut list = Vec::with_capacity(n);
        for _ in 0..n {
            list.push(self.var_string()?);
        }
        Some(list)
    }
    /// Paths written by [`Writer::var_paths`]. Each shared prefix is charged to `budget`: a
    /// crafted record of many one-byte entries that each repeat a long prefix cannot expand
    /// into more memory than the budget (the caller's multiple of the record's length).
    fn var_paths(&mut self, budget: &mut usize) -> Option<Vec<String>> {
        let n = self.count()?;
        let mut list: Vec<String> = Vec::with_capacity(n);
        for _ in 0..n {
            let shared = usize::try_from(self.var()?).ok()?;
            *budget = budget.checked_sub(shared)?;
            let rest = self.var_str()?;
            let prev = list.last().map_or("", String::as_str);
            let head = prev.get(..shared)?;
            let mut s = String::with_capacity(shared + rest.len());
            s.push_str(head);
            s.push_str(rest);
            list.push(s);
        }
        Some(list)
    }
    fn digest(&mut self) -> Option<Digest> {
        let b: [u8; 32] = self.take(32)?.try_into().ok()?;
        Some(Digest::from_bytes(b))
    }
}

fn kind_tag(kind: PackageKind) -> u64 {
    match kind {
        PackageKind::Deb => 0,
        PackageKind::Apk => 1,
        PackageKind::Rpm => 2,
        PackageKind::Python => 3,
        PackageKind::Npm => 4,
        PackageKind::GoModule => 5,
        PackageKind::RustCrate => 6,
        PackageKind::Java => 7,
    }
}

fn hash_alg_tag(alg: HashAlgorithm) -> u64 {
    match alg {
        HashAlgorithm::Md5 => 0,
        HashAlgorithm::Sha1 => 1,
        HashAlgorithm::Sha256 => 2,
        HashAlgorithm::Sha384 => 3,
        HashAlgorithm::Sha512 => 4,
    }
}

fn hash_alg_of(tag: u64) -> Option<HashAlgorithm> {
    Some(match tag {
        0 => HashAlgorithm::Md5,
        1 => HashAlgorithm::Sha1,
        2 => HashAlgorithm::Sha256,
        3 => HashAlgorithm::Sha384,
        4 => HashAlgorithm::Sha512,
        _ => return None,
    })
}

fn kind_of(tag: u64) -> Option<PackageKind> {
    Some(match tag {
        0 => PackageKind::Deb,
        1 => PackageKind::Apk,
        2 => PackageKind::Rpm,
        3 => PackageKind::Python,
        4 => PackageKind::Npm,
        5 => PackageKind::GoModule,
        6 => PackageKind::RustCrate,
        7 => PackageKind::Java,
        _ => return None,
    })
}

impl ChainResult {
    /// The record of the SBOM's layer-dependent parts (see [`ChainResult`]).
    pub(crate) fn encode(
        os: Option<&OsRelease>,
        packages: &[Package],
        notes: &[String],
        paths: u64,
        layer_sizes: &[(u64, u64)],
        budgets: BudgetsUsed,
    ) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(256 * 1024));
        w.0.extend_from_slice(CHAIN_MAGIC);
        w.var(paths);
        w.var(layer_sizes.len() as u64);
        for &(entries, bytes) in layer_sizes {
            w.var(entries);
            w.var(bytes);
        }
        let BudgetsUsed {
            retained,
            archive_bytes,
            archive_entries,
        } = budgets;
        w.var(retained);
        w.var(archive_bytes);
        w.var(archive_entries);
        match os {
            None => w.var(0),
            Some(os) => {
                // Destructured whole, so a new field cannot be left out of the record.
                let OsRelease {
                    id,
                    version_id,
                    version_codename,
                    pretty_name,
                    id_like,
                } = os;
                w.var(1);
                w.var_str(id);
                w.var_opt_str(version_id.as_deref());
                w.var_opt_str(version_codename.as_deref());
                w.var_opt_str(pretty_name.as_deref());
                w.var_strs(id_like);
            }
        }
        w.var(packages.len() as u64);
        for p in packages {
            let Package {
                name,
                version,
                kind,
                purl,
                licenses,
                cpes,
                source,
                evidence,
                files,
                dependencies,
                cataloger,
                metadata,
                license_acknowledgement,
                supplier,
                authors,
                hashes,
            } = p;
            w.var_str(name);
            w.var_str(version);
            w.var(kind_tag(*kind));
            w.var_str(purl);
            w.var_strs(licenses);
            w.var_strs(cpes);
            match source {
                None => w.var(0),
                Some(SourcePackage { name, version }) => {
                    w.var(1);
                    w.var_str(name);
                    w.var_str(version);
                }
            }
            w.var(evidence.len() as u64);
            for Evidence { path, layer } in evidence {
                w.var_str(path);
                match layer {
                    None => w.var(0),
                    Some(d) => {
                        w.var(1);
                        w.0.extend_from_slice(d.as_bytes());
                    }
                }
            }
            w.var_paths(files);
            w.var_strs(dependencies);
            w.var_str(cataloger);
            w.var(metadata.len() as u64);
            for (k, v) in metadata {
                w.var_str(k);
                w.var_str(v);
            }
            w.var(match license_acknowledgement {
                LicenseAcknowledgement::Declared => 0,
                LicenseAcknowledgement::Concluded => 1,
            });
            match supplier {
                None => w.var(0),
                Some(p) => {
                    w.var(1);
                    w.party(p);
                }
            }
            w.var(authors.len() as u64);
            for a in authors {
                w.party(a);
            }
            w.var(hashes.len() as u64);
            for h in hashes {
                w.var(hash_alg_tag(h.alg));
                w.var_str(&h.hex);
            }
        }
        w.var_strs(notes);
        w.0
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader(bytes);
        if r.take(CHAIN_MAGIC.len() as u64)? != CHAIN_MAGIC {
            return None;
        }
        // Bytes the shared path prefixes may add beyond the record's own: sorted file lists
        // compress about 10x this way (the bench image's: 3.4 MB to 0.28 MB), so 64x is ample
        // for a real record and still bounds a crafted one.
        let mut expansion = bytes.len().saturating_mul(64);
        let paths = r.var()?;
        let n = r.count()?;
        let mut layer_sizes = Vec::with_capacity(n);
        for _ in 0..n {
            layer_sizes.push((r.var()?, r.var()?));
        }
        let budgets = BudgetsUsed {
            retained: r.var()?,
            archive_bytes: r.var()?,
            archive_entries: r.var()?,
        };
        let os = match r.var()? {
            0 => None,
            1 => Some(OsRelease {
                id: r.var_string()?,
                version_id: r.var_opt_string()?,
                version_codename: r.var_opt_string()?,
                pretty_name: r.var_opt_string()?,
                id_like: r.var_strings()?,
            }),
            _ => return None,
        };
        let n = r.count()?;
        let mut packages = Vec::with_capacity(n);
        for _ in 0..n {
            let name = r.var_string()?;
            let version = r.var_string()?;
            let kind = kind_of(r.var()?)?;
            let purl = r.var_string()?;
            let licenses = r.var_strings()?;
            let cpes = r.var_strings()?;
            let source = match r.var()? {
                0 => None,
                1 => Some(SourcePackage {
                    name: r.var_string()?,
                    version: r.var_string()?,
                }),
                _ => return None,
            };
            let n = r.count()?;
            let mut evidence = Vec::with_capacity(n);
            for _ in 0..n {
                let path = r.var_string()?;
                let layer = match r.var()? {
                    0 => None,
                    1 => Some(r.digest()?),
                    _ => return None,
                };
                evidence.push(Evidence { path, layer });
            }
            let files = r.var_paths(&mut expansion)?;
            let dependencies = r.var_strings()?;
            let cataloger = r.var_string()?;
            let n = r.count()?;
            let mut metadata = BTreeMap::new();
            for _ in 0..n {
                let k = r.var_string()?;
                let v = r.var_string()?;
                metadata.insert(k, v);
            }
            let license_acknowledgement = match r.var()? {
                0 => LicenseAcknowledgement::Declared,
                1 => LicenseAcknowledgement::Concluded,
                _ => return None,
            };
            let supplier = match r.var()? {
                0 => None,
                1 => Some(r.party()?),
                _ => return None,
            };
            let n = r.count()?;
            let mut authors = Vec::with_capacity(n);
            for _ in 0..n {
                authors.push(r.party()?);
            }
            let n = r.count()?;
            let mut hashes = Vec::with_capacity(n);
            for _ in 0..n {
                let alg = hash_alg_of(r.var()?)?;
                hashes.push(Hash {
                    alg,
                    hex: r.var_string()?,
                });
            }
            packages.push(Package {
                name,
                version,
                kind,
                purl,
                licenses,
                cpes,
                source,
                evidence,
                files,
                dependencies,
                cataloger,
                metadata,
                license_acknowledgement,
                supplier,
                authors,
                hashes,
            });
        }
        let notes = r.var_strings()?;
        if !r.0.is_empty() {
            return None;
        }
        Some(Self {
            os,
            packages,
            notes,
            paths,
            layer_sizes,
            budgets,
        })
    }
}

impl LayerResult {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(64 * 1024));
        w.0.extend_from_slice(RESULT_MAGIC);
        w.u64(self.decompressed_bytes);
        w.u64(self.tar_entries);
        w.u64(self.archive.0);
        w.u64(self.archive.1);
        w.u64(self.entries.len() as u64);
        for e in &self.entries {
            w.bytes(e.path.as_bytes());
            let (tag, text) = match &e.kind {
                EntryKind::File => (0, ""),
                EntryKind::Dir => (1, ""),
                EntryKind::Symlink(t) => (2, t.as_str()),
                EntryKind::HardLink(t) => (3, t.as_str()),
                EntryKind::Whiteout => (4, ""),
                EntryKind::OpaqueWhiteout => (5, ""),
                EntryKind::Other => (6, ""),
            };
            w.u64(tag);
            w.bytes(text.as_bytes());
            w.u64(u64::from(e.mode));
            w.u64(e.size);
        }
        w.u64(self.extracted.len() as u64);
        for x in &self.extracted {
            w.bytes(x.cataloger.as_bytes());
            w.bytes(x.path.as_bytes());
            w.u64(u64::from(x.mode));
            w.u64(x.file);
            w.bytes(&x.data);
        }
        w.u64(self.notes.len() as u64);
        for n in &self.notes {
            w.bytes(n.as_bytes());
        }
        w.0
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader(bytes);
        if r.take(RESULT_MAGIC.len() as u64)? != RESULT_MAGIC {
            return None;
        }
        let decompressed_bytes = r.u64()?;
        let tar_entries = r.u64()?;
        let archive = (r.u64()?, r.u64()?);
        let n = r.u64()?;
        let mut entries = Vec::new();
        for _ in 0..n {
            let path = r.string()?;
            let tag = r.u64()?;
            let text = r.string()?;
            let kind = match tag {
                0 => EntryKind::File,
                1 => EntryKind::Dir,
                2 => EntryKind::Symlink(text),
                3 => EntryKind::HardLink(text),
                4 => EntryKind::Whiteout,
                5 => EntryKind::OpaqueWhiteout,
                6 => EntryKind::Other,
                _ => return None,
            };
            let mode = u32::try_from(r.u64()?).ok()?;
            let size = r.u64()?;
            entries.push(TreeEntry {
                path,
                kind,
                mode,
                size,
            });
        }
        let n = r.u64()?;
        let mut extracted = Vec::new();
        for _ in 0..n {
            extracted.push(Extracted {
                cataloger: r.string()?,
                path: r.string()?,
                mode: u32::try_from(r.u64()?).ok()?,
                file: r.u64()?,
                data: r.bytes()?.into(),
            });
        }
        let n = r.u64()?;
        let mut notes = Vec::new();
        for _ in 0..n {
            notes.push(r.string()?);
        }
        if !r.0.is_empty() {
            return None;
        }
        Some(Self {
            entries,
            extracted,
            notes,
            decompressed_bytes,
            tar_entries,
            archive,
        })
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::cache::cache_key;

    fn sample_layer_result() -> LayerResult {
        LayerResult {
            entries: vec![TreeEntry {
                path: "a/b".into(),
                kind: EntryKind::Symlink("../c".into()),
                mode: 0o777,
                size: 0,
            }],
            extracted: vec![Extracted {
                cataloger: "dpkg".into(),
                path: "var/lib/dpkg/status".into(),
                mode: 0o644,
                file: 7,
                data: b"Package: x\n".as_slice().into(),
            }],
            notes: vec!["n".into()],
            decompressed_bytes: 1024,
            tar_entries: 3,
            archive: (5, 6),
        }
    }

    #[test]
    fn result_round_trips_and_rejects_truncation() {
        let r = sample_layer_result();
        let bytes = r.encode();
        assert_eq!(LayerResult::decode(&bytes), Some(r));
        for cut in 0..bytes.len() {
            assert_eq!(LayerResult::decode(bytes.get(..cut).unwrap()), None);
        }
    }

    pub(in crate::cache) fn full_chain_result() -> ChainResult {
        let layer = Digest::of(b"layer");
        let mut metadata = BTreeMap::new();
        metadata.insert("architecture".to_owned(), "amd64".to_owned());
        metadata.insert("maintainer".to_owned(), "Zoë <z@example.org>".to_owned());
        let deb = Package {
            name: "libc6".into(),
            version: "2.36-9+deb12u4".into(),
            kind: PackageKind::Deb,
            purl: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12".into(),
            licenses: vec!["LGPL-2.1-or-later".into(), "free text".into()],
            cpes: vec!["cpe:2.3:a:libc6:libc6:2.36:*:*:*:*:*:*:*".into()],
            source: Some(SourcePackage {
                name: "glibc".into(),
                version: "2.36-9".into(),
            }),
            evidence: vec![
                Evidence {
                    path: "var/lib/dpkg/info/libc6:amd64.list".into(),
                    layer: Some(layer),
                },
                Evidence {
                    path: "var/lib/dpkg/status".into(),
                    layer: None,
                },
            ],
            // Shared prefixes, one ending inside a two-byte character ("é" vs "è"), an empty
            // path and a path that is a prefix of the next.
            files: vec![
                "".into(),
                "etc/ld.so.conf.d/x86_64-linux-gnu.conf".into(),
                "usr/lib/x86_64-linux-gnu/libc.so.6".into(),
                "usr/lib/x86_64-linux-gnu/libc.so.6.1".into(),
                "usr/share/doc/é".into(),
                "usr/share/doc/è".into(),
            ],
            dependencies: vec!["libgcc-s1".into()],
            cataloger: "dpkg".into(),
            metadata,
            license_acknowledgement: LicenseAcknowledgement::Concluded,
            supplier: Party::parse("GNU Libc Maintainers <debian-glibc@lists.debian.org>"),
            authors: vec![Party {
                name: "A".into(),
                email: None,
                url: Some("https://a.example".into()),
            }],
            hashes: vec![Hash {
                alg: HashAlgorithm::Sha512,
                hex: "00ff".into(),
            }],
        };
        let npm = Package {
            name: "left-pad".into(),
            version: "1.3.0".into(),
            kind: PackageKind::Npm,
            purl: "pkg:npm/left-pad@1.3.0".into(),
            licenses: vec![],
            cpes: vec![],
            source: None,
            evidence: vec![],
            files: vec![],
            dependencies: vec![],
            cataloger: "npm".into(),
            metadata: BTreeMap::new(),
            license_acknowledgement: LicenseAcknowledgement::Declared,
            supplier: None,
            authors: vec![],
            hashes: vec![],
        };
        ChainResult {
            os: Some(OsRelease {
                id: "debian".into(),
                version_id: Some("12".into()),
                version_codename: None,
                pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
                id_like: vec!["a".into(), "b".into()],
            }),
            packages: vec![deb, npm],
            notes: vec!["layer sha256:x: note".into()],
            paths: 21_000,
            layer_sizes: vec![(12, 80 << 20), (0, 1024), (300, 1)],
            budgets: BudgetsUsed {
                retained: 4096,
                archive_bytes: 1 << 20,
                archive_entries: 300,
            },
        }
    }

    pub(in crate::cache) fn encode(r: &ChainResult) -> Vec<u8> {
        ChainResult::encode(
            r.os.as_ref(),
            &r.packages,
            &r.notes,
            r.paths,
            &r.layer_sizes,
            r.budgets,
        )
    }

    #[test]
    fn chain_result_round_trips_every_field_and_rejects_truncation() {
        let r = full_chain_result();
        let bytes = encode(&r);
        assert_eq!(ChainResult::decode(&bytes), Some(r.clone()));
        for cut in 0..bytes.len() {
            assert_eq!(
                ChainResult::decode(bytes.get(..cut).unwrap()),
                None,
                "{cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(ChainResult::decode(&longer), None);
        let empty = ChainResult::default();
        assert_eq!(ChainResult::decode(&encode(&empty)), Some(empty));
    }

    #[test]
    fn chain_result_rejects_crafted_bytes_without_panicking() {
        let bytes = encode(&full_chain_result());
        // Every single-byte change either decodes to something or is refused: never a panic,
        // never an allocation the record does not back.
        for i in CHAIN_MAGIC.len()..bytes.len() {
            for v in [0x00, 0x7f, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] = v;
                let _ = ChainResult::decode(&b);
            }
        }
        // A count far beyond the record is refused before anything is reserved.
        let mut huge = CHAIN_MAGIC.to_vec();
        huge.extend_from_slice(&[0, 0, 0]); // paths 0, no layers, no OS
        huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
        assert_eq!(ChainResult::decode(&huge), None);
    }

    #[test]
    fn shared_path_prefixes_cannot_expand_a_record_without_bound() {
        // One 16 KiB path, then 8,000 paths that repeat all of it: about 40 KB encoded, 128 MB
        // decoded. Refused: the prefixes may add at most 64 times the record's length.
        let long = "d/".repeat(8 << 10);
        let mut r = full_chain_result();
        let mut files = vec![long.clone()];
        files.extend(std::iter::repeat_n(long, 8_000));
        r.packages[1].files = files;
        let bytes = encode(&r);
        assert!(bytes.len() < 64 << 10, "{}", bytes.len());
        assert_eq!(ChainResult::decode(&bytes), None);
        // The same lists at a size real images have decode.
        r.packages[1].files.truncate(40);
        assert_eq!(ChainResult::decode(&encode(&r)), Some(r));
    }

    #[test]
    fn records_and_layer_keys_keep_their_bytes() {
        // The stored formats (layer records v3, chain records v3, layer keys v2) are fixed:
        // a change of these bytes is a new format, which needs a new version tag.
        let layer = Digest::of(&sample_layer_result().encode()).to_string();
        let chain = Digest::of(&encode(&full_chain_result())).to_string();
        let set = [("dpkg".to_owned(), "1".to_owned())];
        let key = cache_key(&Digest::of(b"layer"), &set, "max_file_bytes=1").to_string();
        assert_eq!(
            (layer.as_str(), chain.as_str(), key.as_str()),
            (
                "sha256:39d249ee41903ebfc4dc6fb107642ff8ed731a6ce259f7b28bdb82a23813a6e0",
                "sha256:a5f693c23283be80c0549c16962034a5976872fac8080917ec812e6f2ea33c10",
                "sha256:45031a8b75844144c295c158fe2a4467f90568c24f6f16df930b5f340ae688a8"
            )
        );
    }
}
