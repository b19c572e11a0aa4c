//! # stella-demo
//!
//! The embedded default of `stella run --demo` (and of the bindings' `run` with no image): a small but realistic image built in code, a
//! small OSV snapshot written from the facts (ids, aliases, affected ranges, CVSS vectors) of
//! real public advisories, a vendor VEX statement, the built-in policy, and a fixed demo key
//! and clock — so the whole golden path runs offline with nothing outside the repository.
//!
//! The image (`demo.stella-ops.org/shop-api:1.0`):
//! - a Debian 12 base: `/etc/os-release`, a dpkg status with `libc6` (source `glibc`)
//!   2.36-9+deb12u1 and `zlib1g`, and a `python3.11` ELF;
//! - a Python app: entrypoint `python3 /app/main.py`, which imports `requests` (2.19.1), which
//!   imports `urllib3` (1.24.1); `jinja2` 2.10 is installed but never imported;
//! - a `node_modules` tree with `lodash` 4.17.11 and `minimist` 1.2.0 that nothing runs.
//!
//! The snapshot's records (trimmed to what matching needs; see each record's `id`):
//! DSA-5514-1 (glibc, CVE-2023-4911), GHSA-x84v-xcm2-53pg and GHSA-j8r2-6x86-q33q (requests),
//! GHSA-r64q-w8jr-g9qp (urllib3), GHSA-462w-v97r-4m45 (jinja2), GHSA-jf85-cpcp-j695 and
//! GHSA-p6mc-m468-83gw (lodash), GHSA-vh95-rmgr-6w4m (minimist).
//!
//! So the run shows every VEX status: unreachable packages become `not_affected` under the
//! demo VEX policy (code not in the execute path), the vendor says `affected` for one
//! `requests` advisory, and the rest stay `under_investigation`, counted on their own line.
//!
//! The demo signing key is an Ed25519 key derived from a public constant: it exists to make
//! the run reproducible, and anyone can sign with it. Never trust it.
//!
//! ```
//! let demo = stella_demo::Demo::build()?;
//! assert!(demo.snapshot.len() >= 8);
//! let inputs = demo.run_inputs()?;
//! assert_eq!(inputs.name, stella_demo::DEMO_IMAGE_NAME);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Why a crate of its own
//! The demo image is built with `stella_scan::testing` (feature `testing`), the in-code image
//! builder. The `stella` library must not build test code, and both the command line
//! (`stella-cli`) and the bindings (`stella-bindings-api`, whose `run` with no image is the
//! demo) need the demo; so it lives here, depended on by those two (and the examples), and
//! embedders of `stella` never compile it.
//!
//! ## Dependencies and why
//! - `stella`: the pipeline's run inputs ([`stella::pipeline::RunInputs`]) and image input.
//! - `stella-core`, `stella-attest`, `stella-policy`, `stella-vex`: digests and time, the demo
//!   key, the built-in policy, the VEX inputs.
//! - `stella-scan` with `testing`: the image builder and the snapshot importer.
//! - `thiserror`: [`DemoError`].

use stella::image::OpenedImage;
use stella::pipeline::RunInputs;
use stella_attest::keys::{KeyError, LocalSigner, PrivateKey, SystemRandom};
use stella_core::{Digest, Timestamp};
use stella_policy::{BuiltinOptions, Bundle, GateOptions, PolicyError, builtin_bundle};
use stella_scan::ScanError;
use stella_scan::entrytrace::build_test_elf;
use stella_scan::image::ContainerConfig;
use stella_scan::testing::{BuiltImage, TestImage, TestLayer};
use stella_vex::{TrustPolicy, VexError, VexPolicy, VexSource};
use stella_vuln::VulnError;
use stella_vuln::import::{ImportMode, Importer};
use stella_vuln::snapshot::Snapshot;

/// The demo image's name.
pub const DEMO_IMAGE_NAME: &str = "demo.stella-ops.org/shop-api:1.0";

/// The demo's fixed time (the snapshot date, the image's creation, the clock of
/// `--deterministic` runs).
pub const DEMO_TIME: &str = "2024-06-01T00:00:00Z";

/// Why the demo could not be assembled (a bug: every input is a constant).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The snapshot did not build.
    #[error("demo snapshot: {0}")]
    Snapshot(#[from] VulnError),
    /// The image did not build.
    #[error("demo image: {0}")]
    Image(#[from] ScanError),
    /// The policy did not build.
    #[error("demo policy: {0}")]
    Policy(#[from] PolicyError),
    /// A VEX input did not parse.
    #[error("demo VEX: {0}")]
    Vex(#[from] VexError),
    /// The demo key did not load.
    #[error("demo key: {0}")]
    Key(#[from] KeyError),
    /// A constant timestamp did not parse.
    #[error("demo time: {0}")]
    Time(#[from] stella_core::TimestampError),
}

/// Everything the demo run reads.
#[derive(Debug)]
pub struct Demo {
    /// The image (an in-memory OCI image).
    pub image: BuiltImage,
    /// The snapshot.
    pub snapshot: Snapshot,
    /// The built-in policy bundle.
    pub policy: Bundle,
    /// [`DEMO_TIME`].
    pub time: Timestamp,
}

const SITE: &str = "usr/local/lib/python3.11/site-packages";

const OS_RELEASE: &[u8] = b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n";

const DPKG_STATUS: &[u8] = b"Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12986
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u1
Description: GNU C Library: Shared libraries

Package: zlib1g
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 168
Maintainer: Mark Brown <broonie@debian.org>
Architecture: amd64
Multi-Arch: same
Source: zlib
Version: 1:1.2.13.dfsg-1
Description: compression library - runtime
";

fn dist_info(layer: TestLayer, name: &str, version: &str, module: &str, init: &[u8]) -> TestLayer {
    let info = format!("{SITE}/{name}-{version}.dist-info");
    layer
        .file(
            &format!("{info}/METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n").as_bytes(),
        )
        .file(
            &format!("{info}/RECORD"),
            format!(
                "{module}/__init__.py,,\n{name}-{version}.dist-info/METADATA,,\n{name}-{version}.dist-info/RECORD,,\n"
            )
            .as_bytes(),
        )
        .file(&format!("{SITE}/{module}/__init__.py"), init)
}

fn node_package(layer: TestLayer, name: &str, version: &str) -> TestLayer {
    layer.file(
        &format!("app/node_modules/{name}/package.json"),
        format!("{{\"name\":\"{name}\",\"version\":\"{version}\",\"license\":\"MIT\"}}").as_bytes(),
    )
}

/// The demo image.
pub fn image() -> BuiltImage {
    let base = TestLayer::new()
        .file("etc/os-release", OS_RELEASE)
        .file("var/lib/dpkg/status", DPKG_STATUS)
        .file_mode(
            "usr/bin/python3.11",
            &build_test_elf(None, &[], None, None),
            0o755,
        )
        .symlink("usr/bin/python3", "python3.11");
    let python = TestLayer::new();
    let python = dist_info(
        python,
        "requests",
        "2.19.1",
        "requests",
        b"import urllib3\n",
    );
    let python = dist_info(python, "urllib3", "1.24.1", "urllib3", b"\n");
    let python = dist_info(python, "Jinja2", "2.10", "jinja2", b"\n");
    let node = node_package(TestLayer::new(), "lodash", "4.17.11");
    let node = node_package(node, "minimist", "1.2.0");
    let app = TestLayer::new().file(
        "app/main.py",
        b"import requests\n\nprint(requests.get('https://example.com').status_code)\n",
    );
    TestImage::new()
        .layer(base)
        .layer(python)
        .layer(node)
        .layer(app)
        .config(ContainerConfig {
            entrypoint: Some(vec!["python3".into(), "/app/main.py".into()]),
            working_dir: Some("/app".into()),
            ..ContainerConfig::default()
        })
        .build()
}

/// The demo's OSV records: (file name, JSON).
pub const RECORDS: &[(&str, &str)] = &[
    (
        "DSA-5514-1.json",
        r#"{"id":"DSA-5514-1","modified":"2023-10-03T00:00:00Z","published":"2023-10-03T00:00:00Z",
 "aliases":["CVE-2023-4911"],"summary":"glibc - security update",
 "details":"A buffer overflow in the dynamic loader's processing of GLIBC_TUNABLES (Looney Tunables) allows local privilege escalation.",
 "affected":[{"package":{"ecosystem":"Debian:12","name":"glibc"},
  "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.36-9+deb12u3"}]}]}]}"#,
    ),
    (
        "GHSA-x84v-xcm2-53pg.json",
        r#"{"id":"GHSA-x84v-xcm2-53pg","modified":"2023-11-01T00:00:00Z","published":"2018-10-29T19:06:20Z",
 "aliases":["CVE-2018-18074","PYSEC-2018-28"],
 "summary":"Insufficiently Protected Credentials in Requests",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
 "affected":[{"package":{"ecosystem":"PyPI","name":"requests"},
  "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.20.0"}]}]}]}"#,
    ),
    (
        "GHSA-j8r2-6x86-q33q.json",
        r#"{"id":"GHSA-j8r2-6x86-q33q","modified":"2023-11-01T00:00:00Z","published":"2023-05-22T20:36:32Z",
 "aliases":["CVE-2023-32681","PYSEC-2023-74"],
 "summary":"Unintended leak of Proxy-Authorization header in requests",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N"}],
 "affected":[{"package":{"ecosystem":"PyPI","name":"requests"},
  "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"2.3.0"},{"fixed":"2.31.0"}]}]}]}"#,
    ),
    (
        "GHSA-r64q-w8jr-g9qp.json",
        r#"{"id":"GHSA-r64q-w8jr-g9qp","modified":"2023-11-01T00:00:00Z","published":"2019-04-23T16:05:33Z",
 "aliases":["CVE-2019-11236","PYSEC-2019-132"],
 "summary":"urllib3 CRLF injection",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}],
 "affected":[{"package":{"ecosystem":"PyPI","name":"urllib3"},
  "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.24.3"}]}]}]}"#,
    ),
    (
        "GHSA-462w-v97r-4m45.json",
        r#"{"id":"GHSA-462w-v97r-4m45","modified":"2023-11-01T00:00:00Z","published":"2019-04-10T14:30:13Z",
 "aliases":["CVE-2019-10906","PYSEC-2019-217"],
 "summary":"Jinja2 sandbox escape via string formatting",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N"}],
 "affected":[{"package":{"ecosystem":"PyPI","name":"jinja2"},
  "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.10.1"}]}]}]}"#,
    ),
    (
        "GHSA-jf85-cpcp-j695.json",
        r#"{"id":"GHSA-jf85-cpcp-j695","modified":"2023-11-01T00:00:00Z","published":"2019-07-10T19:45:23Z",
 "aliases":["CVE-2019-10744"],
 "summary":"Prototype Pollution in lodash",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H"}],
 "affected":[{"package":{"ecosystem":"npm","name":"lodash"},
  "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"4.17.12"}]}]}]}"#,
    ),
    (
        "GHSA-p6mc-m468-83gw.json",
        r#"{"id":"GHSA-p6mc-m468-83gw","modified":"2023-11-01T00:00:00Z","published":"2020-07-15T19:15:48Z",
 "aliases":["CVE-2020-8203"],
 "summary":"Prototype Pollution in lodash",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H"}],
 "affected":[{"package":{"ecosystem":"npm","name":"lodash"},
  "ranges":[{"type":"SEMVER","events":[{"introduced":"3.7.0"},{"fixed":"4.17.19"}]}]}]}"#,
    ),
    (
        "GHSA-vh95-rmgr-6w4m.json",
        r#"{"id":"GHSA-vh95-rmgr-6w4m","modified":"2023-11-01T00:00:00Z","published":"2020-04-03T21:48:32Z",
 "aliases":["CVE-2020-7598"],
 "summary":"Prototype Pollution in minimist",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L"}],
 "affected":[{"package":{"ecosystem":"npm","name":"minimist"},
  "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.2.1"}]},
            {"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"1.2.3"}]}]}]}"#,
    ),
];

/// The vendor's VEX: `requests` is affected by CVE-2018-18074 in this image, with the action.
pub const VENDOR_VEX: &str = r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://demo.stella-ops.org/vex/shop-api-2024-05",
  "author": "Shop API maintainers <security@demo.stella-ops.org>",
  "timestamp": "2024-05-20T00:00:00Z",
  "version": 1,
  "statements": [
    {
      "vulnerability": {"name": "GHSA-x84v-xcm2-53pg", "aliases": ["CVE-2018-18074"]},
      "products": [{"@id": "pkg:pypi/requests@2.19.1"}],
      "status": "affected",
      "action_statement": "Upgrade requests to 2.20.0 or later; the API follows redirects with credentials."
    }
  ]
}"#;

/// The demo's VEX policy: a vulnerable package no entrypoint reaches is `not_affected`
/// (`vulnerable_code_not_in_execute_path`), with the entry-trace as the impact statement.
pub const VEX_POLICY: &str = "author: stella demo VEX policy
rules:
  - name: unreachable
    when: {reachability: not_found_on_entry_paths}
    status: not_affected
    justification: vulnerable_code_not_in_execute_path
";

/// Parses [`VEX_POLICY`].
pub fn vex_policy() -> Result<VexPolicy, VexError> {
    VexPolicy::from_yaml(VEX_POLICY)
}

/// The demo key's seed: SHA-256 of this public string. Never trust the key.
const DEMO_KEY_LABEL: &[u8] = b"stella-ops demo signing key (public; never trust it)";

/// The PKCS#8 v1 prefix of an Ed25519 private key (RFC 8410 §7), followed by the 32-byte seed.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// The demo's Ed25519 key (deterministic signatures, so reruns give the same digests).
pub fn demo_key() -> Result<PrivateKey, KeyError> {
    let seed = Digest::of(DEMO_KEY_LABEL);
    // The seed is public by design, so there is nothing to zeroize here.
    let mut der = Vec::with_capacity(48);
    der.extend_from_slice(&ED25519_PKCS8_PREFIX);
    der.extend_from_slice(seed.as_bytes());
    PrivateKey::from_pkcs8_der(&der)
}

impl Demo {
    /// Builds the demo image, snapshot and policy.
    pub fn build() -> Result<Self, DemoError> {
        let time = Timestamp::parse_rfc3339(DEMO_TIME)?;
        let mut importer = Importer::new(ImportMode::Strict);
        for (name, json) in RECORDS {
            importer.add_document(name, json.as_bytes())?;
        }
        let snapshot = Snapshot::load(importer.builder().build(&time)?)?;
        let policy = builtin_bundle(BuiltinOptions::default())?;
        Ok(Self {
            image: image(),
            snapshot,
            policy,
            time,
        })
    }

    /// The demo's VEX sources (the vendor document, unsigned).
    pub fn vex_sources(&self) -> Result<Vec<VexSource>, VexError> {
        Ok(vec![VexSource::unsigned(VENDOR_VEX.as_bytes())?])
    }

    /// A signer with [`demo_key`].
    pub fn signer(&self) -> Result<LocalSigner<SystemRandom>, KeyError> {
        LocalSigner::new(demo_key()?, SystemRandom::new())
    }

    /// The run inputs of the demo: its image, snapshot and vendor VEX (trusted as the demo's
    /// [`TrustPolicy::permissive`] trusts every author), [`vex_policy`], the built-in policy.
    pub fn run_inputs(&self) -> Result<RunInputs<'_>, DemoError> {
        Ok(RunInputs {
            image: OpenedImage::Image(Box::new(self.image.source.clone())),
            name: DEMO_IMAGE_NAME.to_owned(),
            platform: None,
            snapshot: &self.snapshot,
            vex: self.vex_sources()?,
            trust: TrustPolicy::permissive(),
            vex_policy: vex_policy()?,
            policy: &self.policy,
            gate: GateOptions::default(),
            actor: "stella run --demo".to_owned(),
        })
    }
}
