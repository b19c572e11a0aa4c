#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Entry-trace over in-memory trees: each rule of the analysis, and hostile inputs.

use std::collections::BTreeMap;

use stella_scan::entrytrace::{
    EntryConfig, MemoryFs, Reachability, Scope, StepKind, TraceLimits, build_test_elf, trace,
};
use stella_scan::{Evidence, Package, PackageKind};

fn pkg(kind: PackageKind, name: &str, version: &str, evidence: &str, files: &[&str]) -> Package {
    let ty = match kind {
        PackageKind::Deb => "deb/debian",
        PackageKind::Python => "pypi",
        PackageKind::Npm => "npm",
        PackageKind::GoModule => "golang",
        _ => "generic",
    };
    Package {
        name: name.into(),
        version: version.into(),
        kind,
        purl: format!("pkg:{ty}/{name}@{version}"),
        licenses: vec![],
        cpes: vec![],
        source: None,
        evidence: vec![Evidence {
            path: evidence.into(),
            layer: None,
        }],
        files: files.iter().map(|f| f.to_string()).collect(),
        dependencies: vec![],
        cataloger: "test".into(),
        metadata: BTreeMap::new(),
        license_acknowledgement: Default::default(),
        supplier: None,
        authors: vec![],
        hashes: vec![],
    }
}

fn cfg(entrypoint: &[&str], cmd: &[&str]) -> EntryConfig {
    EntryConfig {
        entrypoint: entrypoint.iter().map(|s| s.to_string()).collect(),
        cmd: cmd.iter().map(|s| s.to_string()).collect(),
        env: vec!["PATH=/usr/local/bin:/usr/bin:/bin".into()],
        working_dir: Some("/app".into()),
        user: None,
    }
}

const SITE: &str = "usr/lib/python3.11/site-packages";

fn python_fs(main: &str) -> MemoryFs {
    let interp = build_test_elf(None, &[], None, None);
    MemoryFs::new()
        .exe("usr/bin/python3.11", &interp)
        .symlink("usr/bin/python3", "python3.11")
        .file("usr/lib/python3.11/os.py", b"import posixpath\n")
        .file("usr/lib/python3.11/posixpath.py", b"")
        .file("app/main.py", main.as_bytes())
        .file("app/util.py", b"import requests.adapters\n")
        .file(
            &format!("{SITE}/requests/__init__.py"),
            b"from . import adapters\nfrom .compat import x\n",
        )
        .file(&format!("{SITE}/requests/adapters.py"), b"import urllib3\n")
        .file(&format!("{SITE}/requests/compat.py"), b"")
        .file(&format!("{SITE}/flask/__init__.py"), b"import os\n")
}

fn python_packages() -> Vec<Package> {
    vec![
        pkg(
            PackageKind::Python,
            "requests",
            "2.19.1",
            &format!("{SITE}/requests-2.19.1.dist-info/METADATA"),
            &[
                &format!("{SITE}/requests/__init__.py"),
                &format!("{SITE}/requests/adapters.py"),
            ],
        ),
        pkg(
            PackageKind::Python,
            "flask",
            "3.0.0",
            &format!("{SITE}/flask-3.0.0.dist-info/METADATA"),
            &[&format!("{SITE}/flask/__init__.py")],
        ),
    ]
}

#[test]
fn python_app_reaches_one_of_two_distributions() {
    let fs = python_fs("import os\nfrom util import helper\n");
    let report = trace(
        &cfg(&["python3", "/app/main.py"], &[]),
        &fs,
        &python_packages(),
        &TraceLimits::default(),
    )
    .unwrap();
    assert!(report.unresolved.is_empty(), "{:?}", report.unresolved);
    let Some(Reachability::Reachable { file, chain }) =
        report.for_package("pkg:pypi/requests@2.19.1")
    else {
        panic!("{report:#?}");
    };
    assert_eq!(file, &format!("{SITE}/requests/__init__.py"));
    let kinds: Vec<StepKind> = chain.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        vec![
            StepKind::Entrypoint,
            StepKind::Script,
            StepKind::Import,
            StepKind::Import
        ]
    );
    assert_eq!(chain[0].path, "usr/bin/python3.11");
    assert_eq!(chain[1].path, "app/main.py");
    assert_eq!(chain[2].path, "app/util.py");
    assert_eq!(
        report.for_package("pkg:pypi/flask@3.0.0"),
        Some(&Reachability::NotFoundOnEntryPaths)
    );
    assert_eq!(
        report
            .for_package("pkg:pypi/flask@3.0.0")
            .unwrap()
            .vex_justification(),
        Some("vulnerable_code_not_in_execute_path")
    );
    // urllib3 is imported but absent: no package owns it, so nothing becomes unknown.
    let text = report.explain("pkg:pypi/requests@2.19.1").unwrap();
    assert!(text.contains("import requests.adapters"), "{text}");
    // Deterministic.
    let again = trace(
        &cfg(&["python3", "/app/main.py"], &[]),
        &fs,
        &python_packages(),
        &TraceLimits::default(),
    )
    .unwrap();
    assert_eq!(
        serde_json::to_vec(&report).unwrap(),
        serde_json::to_vec(&again).unwrap()
    );
}

#[test]
fn dynamic_import_yields_unknown() {
    let fs = python_fs("import importlib\nmod = importlib.import_module(name)\n");
    let report = trace(
        &cfg(&["python3", "/app/main.py"], &[]),
        &fs,
        &python_packages(),
        &TraceLimits::default(),
    )
    .unwrap();
    let Some(Reachability::Unknown { reasons }) = report.for_package("pkg:pypi/flask@3.0.0") else {
        panic!("{report:#?}");
    };
    assert!(reasons[0].contains("import_module"), "{reasons:?}");
    assert_eq!(report.unresolved[0].scope, Scope::Python);
}

#[test]
fn shell_entrypoint_execs_a_binary_with_cmd_args() {
    let sh = build_test_elf(None, &[], None, None);
    let fs = MemoryFs::new()
        .exe("bin/sh", &sh)
        .exe(
            "usr/local/bin/docker-entrypoint.sh",
            b"#!/bin/sh\nset -e\nif [ \"$1\" = server ]; then\n  echo starting >&2\nfi\nexec \"$@\"\n",
        )
        .exe("usr/bin/server", &build_test_elf(None, &[], None, None))
        .exe("usr/bin/unused", &build_test_elf(None, &[], None, None));
    let packages = vec![
        pkg(
            PackageKind::Deb,
            "server",
            "1",
            "var/lib/dpkg/status",
            &["/usr/bin/server"],
        ),
        pkg(
            PackageKind::Deb,
            "unused",
            "1",
            "var/lib/dpkg/status",
            &["/usr/bin/unused"],
        ),
    ];
    let report = trace(
        &cfg(&["docker-entrypoint.sh"], &["server", "--port", "80"]),
        &fs,
        &packages,
        &TraceLimits::default(),
    )
    .unwrap();
    assert!(report.unresolved.is_empty(), "{:?}", report.unresolved);
    let Some(Reachability::Reachable { chain, .. }) = report.for_package("pkg:deb/debian/server@1")
    else {
        panic!("{report:#?}");
    };
    let paths: Vec<&str> = chain.iter().map(|s| s.path.as_str()).collect();
    // The script is the entrypoint itself; its interpreter is reached beside it.
    assert_eq!(
        paths,
        vec!["usr/local/bin/docker-entrypoint.sh", "usr/bin/server"]
    );
    assert_eq!(chain[1].detail, "line 6: exec server");
    assert!(report.reached_files.contains(&"bin/sh".to_string()));
    assert_eq!(
        report.for_package("pkg:deb/debian/unused@1"),
        Some(&Reachability::NotFoundOnEntryPaths)
    );
}

#[test]
fn elf_needed_chain_with_runpath_and_symlinked_soname() {
    let app = build_test_elf(
        Some("/lib64/ld-linux-x86-64.so.2"),
        &["libfoo.so.1", "libc.so.6"],
        Some("$ORIGIN/../lib"),
        None,
    );
    let fs = MemoryFs::new()
        .exe("opt/app/bin/app", &app)
        .symlink("opt/app/lib/libfoo.so.1", "libfoo.so.1.2.3")
        .file(
            "opt/app/lib/libfoo.so.1.2.3",
            &build_test_elf(None, &["libssl.so.3"], None, Some("libfoo.so.1")),
        )
        .file("etc/ld.so.conf", b"include /etc/ld.so.conf.d/*.conf\n")
        .file("etc/ld.so.conf.d/ssl.conf", b"/usr/lib/ssl-libs\n")
        .file(
            "usr/lib/ssl-libs/libssl.so.3",
            &build_test_elf(None, &["libc.so.6"], None, None),
        )
        .file(
            "lib/x86_64-linux-gnu/libc.so.6",
            &build_test_elf(None, &[], None, None),
        )
        .symlink("lib64", "lib/x86_64-linux-gnu")
        .file(
            "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
            &build_test_elf(None, &[], None, None),
        )
        .file("usr/lib/libz.so.1", &build_test_elf(None, &[], None, None));
    let packages = vec![
        pkg(
            PackageKind::Deb,
            "libssl3",
            "3.0.13",
            "s",
            &["/usr/lib/ssl-libs/libssl.so.3"],
        ),
        pkg(
            PackageKind::Deb,
            "libc6",
            "2.36",
            "s",
            &[
                "/lib/x86_64-linux-gnu/libc.so.6",
                "/lib64/ld-linux-x86-64.so.2",
            ],
        ),
        pkg(
            PackageKind::Deb,
            "zlib1g",
            "1.2",
            "s",
            &["/usr/lib/libz.so.1"],
        ),
    ];
    let report = trace(
        &cfg(&["/opt/app/bin/app"], &[]),
        &fs,
        &packages,
        &TraceLimits::default(),
    )
    .unwrap();
    assert!(report.unresolved.is_empty(), "{:?}", report.unresolved);
    let Some(Reachability::Reachable { chain, file }) =
        report.for_package("pkg:deb/debian/libssl3@3.0.13")
    else {
        panic!("{report:#?}");
    };
    assert_eq!(file, "usr/lib/ssl-libs/libssl.so.3");
    let details: Vec<&str> = chain.iter().map(|s| s.detail.as_str()).collect();
    assert_eq!(
        details,
        vec![
            "entrypoint /opt/app/bin/app",
            "DT_NEEDED libfoo.so.1",
            "DT_NEEDED libssl.so.3"
        ]
    );
    assert_eq!(chain[1].path, "opt/app/lib/libfoo.so.1.2.3");
    assert!(matches!(
        report.for_package("pkg:deb/debian/libc6@2.36"),
        Some(Reachability::Reachable { .. })
    ));
    assert_eq!(
        report.for_package("pkg:deb/debian/zlib1g@1.2"),
        Some(&Reachability::NotFoundOnEntryPaths)
    );
}

#[test]
fn node_app_through_node_modules() {
    let node = build_test_elf(None, &[], None, None);
    let fs = MemoryFs::new()
        .exe("usr/local/bin/node", &node)
        .file("app/server.js", b"const express = require('express');\nconst fs = require('fs');\nimport('./lazy.mjs');\n")
        .file("app/lazy.mjs", b"export default 1;\n")
        .file("app/node_modules/express/package.json", b"{\"name\":\"express\",\"main\":\"lib/express\"}")
        .file("app/node_modules/express/lib/express.js", b"module.exports = require('debug');\n")
        .file("app/node_modules/debug/package.json", b"{\"name\":\"debug\"}")
        .file("app/node_modules/debug/index.js", b"\n")
        .file("app/node_modules/lodash/package.json", b"{\"name\":\"lodash\"}")
        .file("app/node_modules/lodash/index.js", b"\n");
    let packages = vec![
        pkg(
            PackageKind::Npm,
            "express",
            "4.19.2",
            "app/node_modules/express/package.json",
            &[],
        ),
        pkg(
            PackageKind::Npm,
            "debug",
            "2.6.9",
            "app/node_modules/debug/package.json",
            &[],
        ),
        pkg(
            PackageKind::Npm,
            "lodash",
            "4.17.21",
            "app/node_modules/lodash/package.json",
            &[],
        ),
    ];
    let report = trace(
        &cfg(&["node", "server.js"], &[]),
        &fs,
        &packages,
        &TraceLimits::default(),
    )
    .unwrap();
    assert!(report.unresolved.is_empty(), "{:?}", report.unresolved);
    let Some(Reachability::Reachable { chain, .. }) = report.for_package("pkg:npm/debug@2.6.9")
    else {
        panic!("{report:#?}");
    };
    assert_eq!(chain.len(), 4);
    assert_eq!(chain[3].path, "app/node_modules/debug/index.js");
    assert!(report.reached_files.contains(&"app/lazy.mjs".to_string()));
    assert_eq!(
        report.for_package("pkg:npm/lodash@4.17.21"),
        Some(&Reachability::NotFoundOnEntryPaths)
    );
}

#[test]
fn go_binary_modules_are_reachable_by_construction() {
    let fs = MemoryFs::new().exe("ko-app/bin", &build_test_elf(None, &[], None, None));
    let packages = vec![pkg(
        PackageKind::GoModule,
        "golang.org/x/net",
        "0.1.0",
        "ko-app/bin",
        &[],
    )];
    let report = trace(
        &cfg(&["/ko-app/bin"], &[]),
        &fs,
        &packages,
        &TraceLimits::default(),
    )
    .unwrap();
    assert!(matches!(
        report.components[0].reachability,
        Reachability::Reachable { .. }
    ));
}

#[test]
fn hostile_trees_end_in_unknown_not_a_hang() {
    let packages = vec![pkg(PackageKind::Deb, "x", "1", "s", &["/usr/bin/x"])];
    // Symlink loop as the entrypoint.
    let fs = MemoryFs::new().symlink("bin/a", "b").symlink("bin/b", "a");
    let r = trace(
        &cfg(&["/bin/a"], &[]),
        &fs,
        &packages,
        &TraceLimits::default(),
    )
    .unwrap();
    assert!(matches!(
        r.components[0].reachability,
        Reachability::Unknown { .. }
    ));
    // A script naming itself as its interpreter.
    let fs = MemoryFs::new().exe("bin/self", b"#!/bin/self\n");
    let r = trace(
        &cfg(&["/bin/self"], &[]),
        &fs,
        &packages,
        &TraceLimits::default(),
    )
    .unwrap();
    assert!(
        r.unresolved.iter().any(|u| u.reason.contains("itself")),
        "{r:?}"
    );
    assert!(matches!(
        r.components[0].reachability,
        Reachability::Unknown { .. }
    ));
    // A chain of scripts deeper than the kernel allows.
    let mut fs = MemoryFs::new();
    for i in 0..10 {
        fs = fs.exe(
            &format!("bin/s{i}"),
            format!("#!/bin/s{}\n", i + 1).as_bytes(),
        );
    }
    let r = trace(
        &cfg(&["/bin/s0"], &[]),
        &fs,
        &packages,
        &TraceLimits::default(),
    )
    .unwrap();
    assert!(
        r.unresolved.iter().any(|u| u.reason.contains("nested")),
        "{r:?}"
    );
    // Python import cycle terminates.
    let fs = MemoryFs::new()
        .exe("usr/bin/python3", &build_test_elf(None, &[], None, None))
        .file("app/a.py", b"import b\n")
        .file("app/b.py", b"import a\n");
    let r = trace(
        &cfg(&["python3", "a.py"], &[]),
        &fs,
        &packages,
        &TraceLimits::default(),
    )
    .unwrap();
    assert!(r.reached_files.contains(&"app/b.py".to_string()));
    assert_eq!(
        r.components[0].reachability,
        Reachability::NotFoundOnEntryPaths
    );
    // A malformed ELF program.
    let fs = MemoryFs::new().exe("bin/bad", b"\x7fELF\x02\x01\x01\x00garbage");
    let r = trace(
        &cfg(&["/bin/bad"], &[]),
        &fs,
        &packages,
        &TraceLimits::default(),
    )
    .unwrap();
    assert!(
        r.unresolved.iter().any(|u| u.reason.contains("ELF")),
        "{r:?}"
    );
    // Tiny limits stop the walk and say so.
    let limits = TraceLimits {
        max_work: 3,
        ..TraceLimits::default()
    };
    let fs = python_fs("import requests\n");
    let r = trace(
        &cfg(&["python3", "/app/main.py"], &[]),
        &fs,
        &python_packages(),
        &limits,
    )
    .unwrap();
    assert!(
        r.unresolved.iter().any(|u| u.reason.contains("limits")),
        "{r:?}"
    );
    assert!(
        r.components
            .iter()
            .all(|c| !matches!(c.reachability, Reachability::NotFoundOnEntryPaths))
    );
}

#[test]
fn shell_form_and_eval() {
    let sh = build_test_elf(None, &[], None, None);
    let fs = MemoryFs::new()
        .exe("bin/sh", &sh)
        .exe("usr/bin/app", &build_test_elf(None, &[], None, None));
    let packages = vec![
        pkg(PackageKind::Deb, "app", "1", "s", &["/usr/bin/app"]),
        pkg(PackageKind::Deb, "other", "1", "s", &["/usr/bin/other"]),
    ];
    let r = trace(
        &cfg(&["/bin/sh", "-c", "cd /app && app --serve"], &[]),
        &fs,
        &packages,
        &TraceLimits::default(),
    )
    .unwrap();
    assert!(matches!(
        r.for_package("pkg:deb/debian/app@1"),
        Some(Reachability::Reachable { .. })
    ));
    assert_eq!(
        r.for_package("pkg:deb/debian/other@1"),
        Some(&Reachability::NotFoundOnEntryPaths)
    );
    let r = trace(
        &cfg(&["/bin/sh", "-c", "eval \"$START\""], &[]),
        &fs,
        &packages,
        &TraceLimits::default(),
    )
    .unwrap();
    assert!(matches!(
        r.for_package("pkg:deb/debian/other@1"),
        Some(Reachability::Unknown { .. })
    ));
}

#[test]
fn relative_import_from_a_directory_without_init_reaches_no_init() {
    // `/app` is a namespace directory (no `__init__.py`): `from . import util` loads
    // `/app/util.py` and nothing else, so no `app/__init__.py` may be reported as reached.
    let fs = python_fs("from . import util\n");
    let report = trace(
        &cfg(&["python3", "/app/main.py"], &[]),
        &fs,
        &python_packages(),
        &TraceLimits::default(),
    )
    .unwrap();
    assert!(
        report.reached_files.iter().any(|f| f == "app/util.py"),
        "{:?}",
        report.reached_files
    );
    assert!(
        !report.reached_files.iter().any(|f| f == "app/__init__.py"),
        "{:?}",
        report.reached_files
    );
}
