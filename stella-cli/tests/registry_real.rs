#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The registry client against a real OCI distribution registry (Debian's `docker-registry`,
//! started on loopback by `tests/registry/test.sh`, which runs this binary with
//! `STELLA_TEST_REGISTRY=127.0.0.1:PORT`).
//!
//! The fixture images are pushed with our own push code, then pulled by tag and by digest;
//! the SBOM of each pulled image must equal, byte for byte, the SBOM of the same image read
//! from an OCI layout. The tests are `#[ignore]`d in a plain `cargo test` (no registry there);
//! the script runs them with `--ignored`, and without `STELLA_TEST_REGISTRY` or with the
//! registry unreachable they fail.

use std::sync::atomic::{AtomicU32, Ordering};

use assert_cmd::Command;
use stella::image::OciLayout;
use stella::image::registry::{
    AuthProblem, Credentials, RegistryClient, RegistryError, RegistryImage, RegistryOptions,
    RegistryRef,
};
use stella::image::testing::write_oci_layout;
use stella::store::FsBlobStore;
use stella_core::{BlobStore, Digest, ImageSource, Timestamp};
use stella_scan::ScanLimits;
use stella_scan::engine::{ScanOptions, scan_image_detailed};
use stella_scan::image::Platform;
use stella_scan::sbom::{WriteOptions, cyclonedx, spdx};
use stella_scan::testing::{BuiltImage, TestImage, TestIndex, TestLayer};

const VAR: &str = "STELLA_TEST_REGISTRY";
const BASIC_VAR: &str = "STELLA_TEST_REGISTRY_BASIC";

/// A run-unique repository prefix, so reruns against the same registry do not collide.
fn repo(name: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "stella-test/{name}-{}-{}",
        nanos % 1_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn fixture() -> BuiltImage {
    TestImage::new()
        .layer(
            TestLayer::new()
                .file(
                    "etc/os-release",
                    b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
                )
                .file(
                    "var/lib/dpkg/status",
                    b"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u1\n\nPackage: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n\n",
                ),
        )
        .layer(TestLayer::new().file(
            "usr/local/lib/python3.11/site-packages/requests-2.19.1.dist-info/METADATA",
            b"Metadata-Version: 2.1\nName: requests\nVersion: 2.19.1\nLicense: Apache-2.0\n",
        ))
        .layer(
            TestLayer::new()
                .file(
                    "app/node_modules/lodash/package.json",
                    br#"{"name":"lodash","version":"4.17.20","license":"MIT"}"#,
                )
                .zstd(),
        )
        .build()
}

fn multi_arch() -> BuiltImage {
    let dpkg = |arch: &str| {
        TestLayer::new().file(
            "var/lib/dpkg/status",
            format!(
                "Package: libc6\nStatus: install ok installed\nArchitecture: {arch}\nSource: glibc\nVersion: 2.36-9\n\n"
            )
            .as_bytes(),
        )
    };
    TestIndex::new()
        .image(TestImage::new().layer(dpkg("amd64")))
        .image(
            TestImage::new()
                .platform(Platform::parse("linux/arm64/v8").unwrap())
                .layer(dpkg("arm64")),
        )
        .build()
}

fn sbom(source: &dyn ImageSource, platform: Option<Platform>) -> (Vec<u8>, Vec<u8>) {
    let catalogers = stella_scan::catalog::default_catalogers();
    let options = ScanOptions {
        platform,
        name: Some("fixture".into()),
        ..ScanOptions::default()
    };
    let scan = scan_image_detailed(source, &catalogers, &options).unwrap();
    let write = WriteOptions {
        timestamp: Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
        tool_name: "stella".into(),
        tool_version: "test".into(),
    };
    (
        cyclonedx::write(&scan.sbom, &write).unwrap(),
        spdx::write(&scan.sbom, &write).unwrap(),
    )
}

fn layout_sbom(built: &BuiltImage, platform: Option<Platform>) -> (Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    write_oci_layout(dir.path(), &built.root, &built.blobs).unwrap();
    sbom(&OciLayout::open_dir(dir.path()).unwrap(), platform)
}

struct Registry {
    host: String,
    options: RegistryOptions,
}

impl Registry {
    fn reference(&self, repository: &str, suffix: &str) -> RegistryRef {
        RegistryRef::parse(&format!("{}/{repository}{suffix}", self.host)).unwrap()
    }

    fn client(&self, repository: &str) -> RegistryClient {
        RegistryClient::new(&self.reference(repository, ":x"), self.options.clone()).unwrap()
    }

    fn pull(&self, repository: &str, suffix: &str) -> Result<RegistryImage, RegistryError> {
        let r = self.reference(repository, suffix);
        RegistryClient::new(&r, self.options.clone())?.pull(&r)
    }

    fn push(&self, repository: &str, tag: &str, built: &BuiltImage) -> Digest {
        self.client(repository)
            .push_image(repository, tag, &built.source)
            .unwrap()
    }
}

/// Connects to the registry named by `STELLA_TEST_REGISTRY`, failing loudly when it is set but
/// the registry does not answer `/v2/` the way a distribution registry does.
fn registry() -> Option<Registry> {
    let host = configured(VAR)?;
    check_reachable(&host);
    Some(Registry {
        host,
        options: RegistryOptions::default(),
    })
}

/// The registry with basic auth named by `STELLA_TEST_REGISTRY_BASIC=USER:PASSWORD@HOST:PORT`.
fn basic_registry() -> Option<(Registry, Credentials)> {
    let value = configured(BASIC_VAR)?;
    let (userinfo, host) = value
        .rsplit_once('@')
        .unwrap_or_else(|| panic!("{BASIC_VAR} must be USER:PASSWORD@HOST:PORT"));
    let (user, password) = userinfo
        .split_once(':')
        .unwrap_or_else(|| panic!("{BASIC_VAR} must be USER:PASSWORD@HOST:PORT"));
    check_reachable(host);
    let credentials = Credentials::new(user, password);
    let registry = Registry {
        host: host.to_owned(),
        options: RegistryOptions::default()
            .with_credentials(host, credentials.clone())
            .unwrap(),
    };
    Some((registry, credentials))
}

fn configured(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(h) if !h.is_empty() => Some(h),
        _ => panic!("{var} is not set: run tests/registry/test.sh, which starts the registry"),
    }
}

fn check_reachable(host: &str) {
    let url = format!("http://{host}/v2/");
    let mut stream = std::net::TcpStream::connect(host)
        .unwrap_or_else(|e| panic!("{VAR}={host} is set but the registry is unreachable: {e}"));
    use std::io::{Read, Write};
    write!(
        stream,
        "GET /v2/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.1 401"),
        "{url} did not answer like a distribution registry: {answer}"
    );
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("docker-distribution-api-version: registry/2.0"),
        "{url} is not a distribution registry: {answer}"
    );
}

#[test]
#[ignore = "needs a real registry: tests/registry/test.sh starts one and runs these"]
#[allow(non_snake_case)]
fn real_registry_pull_by_tag_and_digest_matches_the_oci_layout__needs_STELLA_TEST_REGISTRY() {
    let Some(registry) = registry() else { return };
    let built = fixture();
    let name = repo("fixture");
    let pushed = registry.push(&name, "v1", &built);
    assert_eq!(pushed, built.root.digest);
    let expected = layout_sbom(&built, None);
    assert!(
        String::from_utf8_lossy(&expected.0).contains("pkg:npm/lodash@4.17.20"),
        "the fixture finds its packages"
    );

    let by_tag = registry.pull(&name, ":v1").unwrap();
    assert_eq!(by_tag.digest(), built.root.digest);
    assert_eq!(
        by_tag.root().unwrap().media_type,
        "application/vnd.oci.image.manifest.v1+json"
    );
    let from_tag = sbom(&by_tag, None);
    by_tag.confirm_tag().unwrap();
    let by_digest = registry
        .pull(&name, &format!("@{}", built.root.digest))
        .unwrap();
    let from_digest = sbom(&by_digest, None);
    assert!(
        from_tag == expected,
        "CycloneDX/SPDX of the pull by tag differ from the layout's"
    );
    assert!(
        from_digest == expected,
        "SBOMs of the pull by digest differ from the layout's"
    );

    // Into a filesystem store: every blob, verified.
    let dir = tempfile::tempdir().unwrap();
    let store = FsBlobStore::open(dir.path()).unwrap();
    let stored = by_digest
        .copy_to_store(&store, None, &ScanLimits::default())
        .unwrap();
    assert_eq!(stored.len(), built.blobs.len());
    for (digest, bytes) in &built.blobs {
        assert_eq!(&store.get(digest).unwrap(), bytes);
    }

    // The CLI reads the same reference form.
    let text = format!("registry:{}/{name}@{}", registry.host, built.root.digest);
    let out = Command::cargo_bin("stella")
        .unwrap()
        .args(["sbom", &text])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("pkg:pypi/requests@2.19.1"), "{stdout}");
    println!("pushed and pulled {name}@{}", built.root.digest);
    // For the script's skopeo cross-check.
    if let Ok(report) = std::env::var("STELLA_TEST_REGISTRY_REPORT") {
        std::fs::write(report, format!("{name} {}\n", built.root.digest)).unwrap();
    }
}

#[test]
#[ignore = "needs a real registry: tests/registry/test.sh starts one and runs these"]
#[allow(non_snake_case)]
fn real_registry_manifest_list_and_docker_types__needs_STELLA_TEST_REGISTRY() {
    let Some(registry) = registry() else { return };
    let index = multi_arch();
    let name = repo("multi");
    assert_eq!(registry.push(&name, "v1", &index), index.root.digest);
    let pulled = registry.pull(&name, ":v1").unwrap();
    assert_eq!(pulled.digest(), index.root.digest);
    let arm = Platform::parse("linux/arm64").unwrap();
    let resolved = pulled
        .resolve_platform(Some(&arm), &ScanLimits::default())
        .unwrap();
    assert_eq!(resolved.manifest_digest, index.images[1].manifest.digest);
    assert!(sbom(&pulled, None) == layout_sbom(&index, None));
    assert!(sbom(&pulled, Some(arm.clone())) == layout_sbom(&index, Some(arm)));

    let docker = TestImage::new()
        .docker_media_types()
        .layer(TestLayer::new().file("etc/os-release", b"ID=alpine\nVERSION_ID=3.19.1\n"))
        .build();
    let name = repo("docker");
    registry.push(&name, "v1", &docker);
    let pulled = registry.pull(&name, ":v1").unwrap();
    assert_eq!(
        pulled.root().unwrap().media_type,
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    assert!(sbom(&pulled, None) == layout_sbom(&docker, None));
}

#[test]
#[ignore = "needs a real registry: tests/registry/test.sh starts one and runs these"]
#[allow(non_snake_case)]
fn real_registry_tag_moved_and_unknown_digest__needs_STELLA_TEST_REGISTRY() {
    let Some(registry) = registry() else { return };
    let first = fixture();
    let second = multi_arch();
    let name = repo("moving");
    registry.push(&name, "latest", &first);
    let pulled = registry.pull(&name, "").unwrap(); // no tag: latest
    assert_eq!(pulled.reference().tag.as_deref(), Some("latest"));
    registry.push(&name, "latest", &second);
    match pulled.confirm_tag() {
        Err(RegistryError::TagMoved { pulled, now, .. }) => {
            assert_eq!(pulled, first.root.digest);
            assert_eq!(now, second.root.digest);
        }
        other => panic!("expected TagMoved, got {other:?}"),
    }
    // What was pulled is still the first image, by digest.
    assert!(sbom(&pulled, None) == layout_sbom(&first, None));

    let missing = Digest::of(b"no such manifest");
    match registry.pull(&name, &format!("@{missing}")) {
        Err(RegistryError::Status {
            status: 404, codes, ..
        }) => {
            assert_eq!(codes, ["MANIFEST_UNKNOWN"]);
        }
        other => panic!("expected 404, got {other:?}"),
    }
}

#[test]
#[ignore = "needs a real registry: tests/registry/test.sh starts one and runs these"]
#[allow(non_snake_case)]
fn real_registry_basic_auth__needs_STELLA_TEST_REGISTRY_BASIC() {
    let Some((registry, credentials)) = basic_registry() else {
        return;
    };
    let built = fixture();
    let name = repo("basic");
    // Our push and pull with the caller's credentials.
    assert_eq!(registry.push(&name, "v1", &built), built.root.digest);
    let pulled = registry.pull(&name, ":v1").unwrap();
    assert!(sbom(&pulled, None) == layout_sbom(&built, None));
    // Without credentials, or with wrong ones: refused, typed.
    let r = registry.reference(&name, ":v1");
    let anonymous = RegistryClient::new(&r, RegistryOptions::default())
        .unwrap()
        .pull(&r);
    assert!(
        matches!(
            anonymous,
            Err(RegistryError::Unauthorized {
                reason: AuthProblem::NoBasicCredentials,
                ..
            })
        ),
        "{anonymous:?}"
    );
    let wrong = RegistryOptions::default()
        .with_credentials(
            &registry.host,
            Credentials::new(credentials.username.clone(), "wrong"),
        )
        .unwrap();
    let refused = RegistryClient::new(&r, wrong).unwrap().pull(&r);
    assert!(
        matches!(
            refused,
            Err(RegistryError::Unauthorized {
                reason: AuthProblem::RefusedWithCredentials,
                ..
            })
        ),
        "{refused:?}"
    );
    // The CLI takes credentials from the environment (scoped to STELLA_REGISTRY_HOST) or
    // from a docker config file, with a private HOME so the machine's own play no part.
    let text = format!("registry:{}/{name}:v1", registry.host);
    let home = tempfile::tempdir().unwrap();
    let cli = |env: &[(&str, String)]| {
        let mut cmd = Command::cargo_bin("stella").unwrap();
        cmd.args(["sbom", &text]).env("HOME", home.path());
        for var in [
            "STELLA_REGISTRY_HOST",
            "STELLA_REGISTRY_USERNAME",
            "STELLA_REGISTRY_PASSWORD",
            "DOCKER_CONFIG",
            "REGISTRY_AUTH_FILE",
            "XDG_RUNTIME_DIR",
            "XDG_CONFIG_HOME",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let ok = |out: std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("pkg:pypi/requests@2.19.1"));
    };
    let refused = |out: std::process::Output| {
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("unauthorized"));
    };
    let env = |host: &str| {
        vec![
            ("STELLA_REGISTRY_HOST", host.to_owned()),
            ("STELLA_REGISTRY_USERNAME", credentials.username.clone()),
            ("STELLA_REGISTRY_PASSWORD", credentials.password.clone()),
        ]
    };
    ok(cli(&env(&registry.host)));
    refused(cli(&[]));
    // Credentials scoped to another host are not used for this one.
    refused(cli(&env("registry.stella-test.invalid")));
    let config = home.path().join("docker");
    std::fs::create_dir_all(&config).unwrap();
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", credentials.username, credentials.password));
    std::fs::write(
        config.join("config.json"),
        format!(r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#, registry.host),
    )
    .unwrap();
    ok(cli(&[("DOCKER_CONFIG", config.display().to_string())]));
}
