#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Entry-trace on images built in code, through the real engine and catalogers: the adapter
//! (collector cataloger + merged tree) and the trace together.

use stella_scan::catalog::default_catalogers;
use stella_scan::engine::{ImageScan, ScanOptions, scan_image_detailed};
use stella_scan::entrytrace::{
    Reachability, Scope, StepKind, TraceCollector, TraceLimits, TraceReport, build_test_elf,
    trace_scan,
};
use stella_scan::image::ContainerConfig;
use stella_scan::testing::{TestImage, TestLayer};

fn scan(layers: Vec<TestLayer>, config: ContainerConfig) -> (ImageScan, TraceReport) {
    let mut image = TestImage::new().config(config);
    for l in layers {
        image = image.layer(l);
    }
    let image = image.build();
    let collector = TraceCollector::new();
    let mut catalogers = default_catalogers();
    catalogers.push(collector.cataloger());
    let scan = scan_image_detailed(&image.source, &catalogers, &ScanOptions::default()).unwrap();
    let report = trace_scan(&scan, &collector, &TraceLimits::default()).unwrap();
    (scan, report)
}

fn config(entrypoint: &[&str], cmd: &[&str]) -> ContainerConfig {
    ContainerConfig {
        entrypoint: (!entrypoint.is_empty())
            .then(|| entrypoint.iter().map(|s| s.to_string()).collect()),
        cmd: (!cmd.is_empty()).then(|| cmd.iter().map(|s| s.to_string()).collect()),
        env: Some(vec![
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        ]),
        working_dir: Some("/app".into()),
        ..ContainerConfig::default()
    }
}

fn dpkg_entry(name: &str, version: &str) -> String {
    format!(
        "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\n\
         Maintainer: M <m@example.org>\nDescription: {name}\n\n"
    )
}

/// A Debian-like base: libc6 (libc + loader, with merged-/usr `lib64` link) and a Python
/// interpreter from `python3.11-minimal` needing libc.
fn debian_base(extra_status: &str, extra: TestLayer) -> TestLayer {
    let libc = build_test_elf(None, &[], None, Some("libc.so.6"));
    let ld = build_test_elf(None, &[], None, None);
    let py = build_test_elf(
        Some("/lib64/ld-linux-x86-64.so.2"),
        &["libc.so.6"],
        None,
        None,
    );
    let status = format!(
        "{}{}{extra_status}",
        dpkg_entry("libc6", "2.36-9+deb12u7"),
        dpkg_entry("python3.11-minimal", "3.11.2-6")
    );
    extra
        .file(
            "usr/lib/os-release",
            b"ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
        )
        .symlink("etc/os-release", "../usr/lib/os-release")
        .file_mode("usr/lib/x86_64-linux-gnu/libc.so.6", &libc, 0o755)
        .file_mode("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", &ld, 0o755)
        .symlink("lib64", "usr/lib/x86_64-linux-gnu")
        .symlink("lib", "usr/lib")
        .file_mode("usr/bin/python3.11", &py, 0o755)
        .symlink("usr/bin/python3", "python3.11")
        .file("usr/lib/python3.11/os.py", b"import posixpath\n")
        .file("usr/lib/python3.11/posixpath.py", b"\n")
        .file(
            "var/lib/dpkg/info/libc6:amd64.list",
            b"/lib64/ld-linux-x86-64.so.2\n/usr/lib/x86_64-linux-gnu/libc.so.6\n",
        )
        .file(
            "var/lib/dpkg/info/python3.11-minimal.list",
            b"/usr/bin/python3.11\n/usr/lib/python3.11/os.py\n/usr/lib/python3.11/posixpath.py\n",
        )
        .file("var/lib/dpkg/status", status.as_bytes())
}

const SITE: &str = "usr/local/lib/python3.11/site-packages";

fn dist(layer: TestLayer, name: &str, version: &str, modules: &[(&str, &str)]) -> TestLayer {
    let info = format!("{SITE}/{name}-{version}.dist-info");
    let mut record = String::new();
    let mut layer = layer.file(
        &format!("{info}/METADATA"),
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n").as_bytes(),
    );
    for (path, body) in modules {
        layer = layer.file(&format!("{SITE}/{path}"), body.as_bytes());
        record.push_str(&format!("{path},sha256=x,1\n"));
    }
    record.push_str(&format!("{name}-{version}.dist-info/METADATA,,\n"));
    layer.file(&format!("{info}/RECORD"), record.as_bytes())
}

fn python_app(main: &str) -> (ImageScan, TraceReport) {
    let base = debian_base("", TestLayer::new());
    let mut deps = TestLayer::new();
    deps = dist(
        deps,
        "requests",
        "2.19.1",
        &[
            ("requests/__init__.py", "from . import api\n"),
            ("requests/api.py", "import os\n"),
        ],
    );
    deps = dist(
        deps,
        "flask",
        "3.0.0",
        &[("flask/__init__.py", "import requests\n")],
    );
    let app = TestLayer::new().file("app/main.py", main.as_bytes());
    scan(
        vec![base, deps, app],
        config(&["python3", "/app/main.py"], &[]),
    )
}

#[test]
fn python_app_imports_one_of_two_distributions() {
    let (scan, report) = python_app("import os\nimport requests\n");
    assert!(
        scan.sbom.packages.iter().any(|p| p.name == "flask"),
        "{:?}",
        scan.sbom.packages
    );
    let requests = report.for_package("pkg:pypi/requests@2.19.1").unwrap();
    let Reachability::Reachable { file, chain } = requests else {
        panic!("{report:#?}")
    };
    assert_eq!(file, &format!("{SITE}/requests/__init__.py"));
    let steps: Vec<(StepKind, &str)> = chain.iter().map(|s| (s.kind, s.path.as_str())).collect();
    assert_eq!(
        steps,
        vec![
            (StepKind::Entrypoint, "usr/bin/python3.11"),
            (StepKind::Script, "app/main.py"),
            (
                StepKind::Import,
                "usr/local/lib/python3.11/site-packages/requests/__init__.py"
            ),
        ]
    );
    assert_eq!(
        report.for_package("pkg:pypi/flask@3.0.0"),
        Some(&Reachability::NotFoundOnEntryPaths),
        "{report:#?}"
    );
    // The interpreter's package and, through PT_INTERP (via the lib64 link) and DT_NEEDED, libc.
    let debs: Vec<(&str, &str)> = report
        .components
        .iter()
        .filter(|c| c.purl.starts_with("pkg:deb/"))
        .map(|c| (c.name.as_str(), c.reachability.status()))
        .collect();
    assert_eq!(
        debs,
        vec![("libc6", "reachable"), ("python3.11-minimal", "reachable")]
    );
    let text = report.explain("pkg:pypi/requests@2.19.1").unwrap();
    assert!(
        text.contains("/app/main.py (python3 /app/main.py)"),
        "{text}"
    );
    // The collector is just one more cataloger in the scan's list.
    assert!(scan.sbom.catalogers.iter().any(|(n, _)| n == "entrytrace"));
    assert!(report.unresolved.is_empty(), "{:?}", report.unresolved);
}

#[test]
fn dynamic_import_makes_python_packages_unknown() {
    let (_, report) = python_app(
        "import requests\nimport importlib\nplugin = importlib.import_module(sys.argv[1])\n",
    );
    assert!(matches!(
        report.for_package("pkg:pypi/requests@2.19.1"),
        Some(Reachability::Reachable { .. })
    ));
    let Some(Reachability::Unknown { reasons }) = report.for_package("pkg:pypi/flask@3.0.0") else {
        panic!("{report:#?}")
    };
    assert!(
        reasons.iter().any(|r| r.contains("app/main.py: line 3")),
        "{reasons:?}"
    );
    assert!(report.unresolved.iter().all(|u| u.scope == Scope::Python));
}

#[test]
fn shell_entrypoint_execs_a_binary() {
    let server = build_test_elf(
        Some("/lib64/ld-linux-x86-64.so.2"),
        &["libc.so.6"],
        None,
        None,
    );
    let extra = TestLayer::new()
        .file_mode("bin/dash", &build_test_elf(None, &["libc.so.6"], None, None), 0o755)
        .symlink("bin/sh", "dash")
        .file_mode(
            "usr/local/bin/entrypoint.sh",
            b"#!/bin/sh\nset -eu\n: \"${PORT:=8080}\"\nexec /opt/server/bin/server --port \"$PORT\" \"$@\"\n",
            0o755,
        )
        .file_mode("opt/server/bin/server", &server, 0o755)
        .file_mode("usr/bin/curl", &build_test_elf(None, &[], None, None), 0o755)
        .file("var/lib/dpkg/info/curl.list", b"/usr/bin/curl\n")
        .file("var/lib/dpkg/info/dash.list", b"/bin/dash\n/bin/sh\n");
    let status = format!(
        "{}{}",
        dpkg_entry("curl", "7.88.1-10"),
        dpkg_entry("dash", "0.5.12-2")
    );
    let (_, report) = scan(
        vec![debian_base(&status, extra)],
        config(&["/usr/local/bin/entrypoint.sh"], &["--verbose"]),
    );
    assert!(report.unresolved.is_empty(), "{:?}", report.unresolved);
    assert!(
        report
            .reached_files
            .contains(&"opt/server/bin/server".to_string())
    );
    let Some(Reachability::Reachable { chain, .. }) =
        report.for_package("pkg:deb/debian/dash@0.5.12-2?arch=amd64&distro=debian-12")
    else {
        panic!("{:#?}", report.components)
    };
    assert_eq!(chain[1].kind, StepKind::Shebang);
    assert_eq!(
        report
            .components
            .iter()
            .find(|c| c.name == "curl")
            .map(|c| c.reachability.status()),
        Some("not_found_on_entry_paths")
    );
    assert_eq!(
        report
            .components
            .iter()
            .find(|c| c.name == "libc6")
            .map(|c| c.reachability.status()),
        Some("reachable")
    );
}

#[test]
fn elf_needed_chain_with_runpath_and_symlinked_soname() {
    let app = build_test_elf(
        Some("/lib64/ld-linux-x86-64.so.2"),
        &["libapp.so.1", "libc.so.6"],
        Some("$ORIGIN/../lib"),
        None,
    );
    let extra = TestLayer::new()
        .file_mode("opt/app/bin/app", &app, 0o755)
        .symlink("opt/app/lib/libapp.so.1", "libapp.so.1.4.2")
        .file(
            "opt/app/lib/libapp.so.1.4.2",
            &build_test_elf(None, &["libssl.so.3", "libc.so.6"], None, Some("libapp.so.1")),
        )
        .file("etc/ld.so.conf", b"include /etc/ld.so.conf.d/*.conf\n")
        .file("etc/ld.so.conf.d/openssl.conf", b"/opt/openssl/lib\n")
        .symlink("opt/openssl/lib/libssl.so.3", "libssl.so.3.0.13")
        .file(
            "opt/openssl/lib/libssl.so.3.0.13",
            &build_test_elf(None, &["libcrypto.so.3"], Some("$ORIGIN"), Some("libssl.so.3")),
        )
        .file(
            "opt/openssl/lib/libcrypto.so.3",
            &build_test_elf(None, &[], None, Some("libcrypto.so.3")),
        )
        .file("usr/lib/x86_64-linux-gnu/libz.so.1", &build_test_elf(None, &[], None, None))
        .file(
            "var/lib/dpkg/info/libssl3:amd64.list",
            b"/opt/openssl/lib/libssl.so.3\n/opt/openssl/lib/libssl.so.3.0.13\n/opt/openssl/lib/libcrypto.so.3\n",
        )
        .file("var/lib/dpkg/info/zlib1g:amd64.list", b"/usr/lib/x86_64-linux-gnu/libz.so.1\n");
    let status = format!(
        "{}{}",
        dpkg_entry("libssl3", "3.0.13-1~deb12u1"),
        dpkg_entry("zlib1g", "1:1.2.13.dfsg-1")
    );
    let (_, report) = scan(
        vec![debian_base(&status, extra)],
        config(&["/opt/app/bin/app"], &[]),
    );
    assert!(report.unresolved.is_empty(), "{:?}", report.unresolved);
    let find = |name: &str| report.components.iter().find(|c| c.name == name).unwrap();
    let Reachability::Reachable { chain, file } = &find("libssl3").reachability else {
        panic!("{report:#?}")
    };
    assert_eq!(file, "opt/openssl/lib/libssl.so.3.0.13");
    let details: Vec<&str> = chain.iter().map(|s| s.detail.as_str()).collect();
    assert_eq!(
        details,
        vec![
            "entrypoint /opt/app/bin/app",
            "DT_NEEDED libapp.so.1",
            "DT_NEEDED libssl.so.3"
        ]
    );
    assert_eq!(chain[1].path, "opt/app/lib/libapp.so.1.4.2");
    assert!(
        report
            .reached_files
            .contains(&"opt/openssl/lib/libcrypto.so.3".to_string())
    );
    assert_eq!(
        find("zlib1g").reachability.status(),
        "not_found_on_entry_paths"
    );
    assert_eq!(find("libc6").reachability.status(), "reachable");
    // python3.11-minimal is in the image but nothing runs it.
    assert_eq!(
        find("python3.11-minimal").reachability.status(),
        "not_found_on_entry_paths"
    );
}

#[test]
fn node_app() {
    let node = build_test_elf(None, &[], None, None);
    let app = TestLayer::new()
        .file_mode("usr/local/bin/node", &node, 0o755)
        .file("app/package.json", b"{\"name\":\"app\",\"version\":\"1.0.0\",\"main\":\"index.js\"}")
        .file("app/index.js", b"'use strict';\nconst express = require('express');\nconst { helper } = require('./lib/helper');\n")
        .file("app/lib/helper.js", b"import ms from 'ms';\nexport const helper = 1;\n")
        .file(
            "app/node_modules/express/package.json",
            b"{\"name\":\"express\",\"version\":\"4.19.2\",\"main\":\"lib/express.js\"}",
        )
        .file("app/node_modules/express/lib/express.js", b"module.exports = require('debug');\n")
        .file("app/node_modules/debug/package.json", b"{\"name\":\"debug\",\"version\":\"2.6.9\"}")
        .file("app/node_modules/debug/index.js", b"module.exports = 1;\n")
        .file("app/node_modules/ms/package.json", b"{\"name\":\"ms\",\"version\":\"2.1.3\"}")
        .file("app/node_modules/ms/index.js", b"\n")
        .file("app/node_modules/left-pad/package.json", b"{\"name\":\"left-pad\",\"version\":\"1.3.0\"}")
        .file("app/node_modules/left-pad/index.js", b"\n");
    let (scan, report) = scan(vec![app], config(&["node"], &["index.js"]));
    assert!(scan.sbom.packages.iter().any(|p| p.name == "left-pad"));
    assert!(report.unresolved.is_empty(), "{:?}", report.unresolved);
    let status = |name: &str| {
        report
            .components
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.reachability.status())
    };
    assert_eq!(status("express"), Some("reachable"));
    assert_eq!(status("debug"), Some("reachable"));
    assert_eq!(status("ms"), Some("reachable"));
    assert_eq!(status("left-pad"), Some("not_found_on_entry_paths"));
    let debug = report
        .components
        .iter()
        .find(|c| c.name == "debug")
        .unwrap();
    let Reachability::Reachable { chain, .. } = &debug.reachability else {
        panic!()
    };
    let kinds: Vec<StepKind> = chain.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        vec![
            StepKind::Entrypoint,
            StepKind::Script,
            StepKind::Require,
            StepKind::Require
        ]
    );
}

#[test]
fn no_entrypoint_means_unknown_for_everything() {
    let (_, report) = scan(
        vec![debian_base("", TestLayer::new())],
        ContainerConfig::default(),
    );
    assert!(!report.components.is_empty());
    assert!(
        report
            .components
            .iter()
            .all(|c| c.reachability.status() == "unknown")
    );
}

#[test]
fn a_pth_file_in_a_layer_is_an_entry_path() {
    // The collector keeps `.pth` files' text, so the trace reads them from the image.
    let (_, report) = python_app("import os\nimport requests\n");
    assert_eq!(
        report.for_package("pkg:pypi/flask@3.0.0"),
        Some(&Reachability::NotFoundOnEntryPaths)
    );
    let base = debian_base("", TestLayer::new());
    let deps = dist(
        TestLayer::new(),
        "flask",
        "3.0.0",
        &[("flask/__init__.py", "\n")],
    );
    let hook = TestLayer::new()
        .file(&format!("{SITE}/zz.pth"), b"import flask\n")
        .file("app/main.py", b"import os\n");
    let (_, report) = scan(
        vec![base, deps, hook],
        config(&["python3", "/app/main.py"], &[]),
    );
    let Some(Reachability::Reachable { chain, .. }) = report.for_package("pkg:pypi/flask@3.0.0")
    else {
        panic!("{report:#?}");
    };
    assert!(
        chain.iter().any(|s| s.kind == StepKind::Startup),
        "{chain:?}"
    );
}
