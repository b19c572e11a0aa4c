#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Entry paths an interpreter takes before (or instead of) the program it is given: Python's
//! site start-up (`.pth` files, `sitecustomize`, `usercustomize`), option forms that carry
//! code, and Node's preloads (`NODE_OPTIONS`). A package reached only through one of these was
//! reported `not_found_on_entry_paths` (a false `not_affected`); each test builds that attack.

use std::collections::BTreeMap;

use stella_scan::entrytrace::{
    EntryConfig, MemoryFs, Reachability, Scope, StepKind, TraceLimits, TraceReport, build_test_elf,
    trace,
};
use stella_scan::{Evidence, Package, PackageKind};

const SITE: &str = "usr/lib/python3.11/site-packages";
const FLASK: &str = "pkg:pypi/flask@3.0.0";

fn pkg(kind: PackageKind, name: &str, version: &str, files: &[String]) -> Package {
    let ty = if kind == PackageKind::Npm {
        "npm"
    } else {
        "pypi"
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
            path: files.first().cloned().unwrap_or_default(),
            layer: None,
        }],
        files: files.to_vec(),
        dependencies: vec![],
        cataloger: "test".into(),
        metadata: BTreeMap::new(),
        license_acknowledgement: Default::default(),
        supplier: None,
        authors: vec![],
        hashes: vec![],
    }
}

fn cfg(argv: &[&str], env: &[&str], user: Option<&str>) -> EntryConfig {
    let mut e = vec!["PATH=/usr/local/bin:/usr/bin:/bin".to_owned()];
    e.extend(env.iter().map(|s| s.to_string()));
    EntryConfig {
        entrypoint: argv.iter().map(|s| s.to_string()).collect(),
        cmd: vec![],
        env: e,
        working_dir: Some("/app".into()),
        user: user.map(str::to_owned),
    }
}

/// A Python image: an app importing nothing of interest, and `flask` installed but never
/// imported by the app.
fn python_fs() -> MemoryFs {
    MemoryFs::new()
        .exe("usr/bin/python3.11", &build_test_elf(None, &[], None, None))
        .symlink("usr/bin/python3", "python3.11")
        .file("usr/lib/python3.11/os.py", b"")
        .file("app/main.py", b"import os\n")
        .file(&format!("{SITE}/flask/__init__.py"), b"import os\n")
}

fn flask() -> Package {
    pkg(
        PackageKind::Python,
        "flask",
        "3.0.0",
        &[format!("{SITE}/flask/__init__.py")],
    )
}

fn run(fs: &MemoryFs, config: &EntryConfig, packages: &[Package]) -> TraceReport {
    trace(config, fs, packages, &TraceLimits::default()).unwrap()
}

fn app() -> EntryConfig {
    cfg(&["python3", "/app/main.py"], &[], None)
}

fn is_reachable(r: &TraceReport, purl: &str) -> bool {
    matches!(r.for_package(purl), Some(Reachability::Reachable { .. }))
}

fn is_unknown(r: &TraceReport, purl: &str) -> bool {
    matches!(r.for_package(purl), Some(Reachability::Unknown { .. }))
}

#[test]
fn baseline_flask_is_not_on_an_entry_path() {
    let r = run(&python_fs(), &app(), &[flask()]);
    assert_eq!(
        r.for_package(FLASK),
        Some(&Reachability::NotFoundOnEntryPaths),
        "{r:#?}"
    );
}

#[test]
fn pth_import_line_reaches_the_package() {
    let fs = python_fs().file(&format!("{SITE}/zz-hook.pth"), b"# a hook\nimport flask\n");
    let r = run(&fs, &app(), &[flask()]);
    let Some(Reachability::Reachable { chain, .. }) = r.for_package(FLASK) else {
        panic!("{r:#?}");
    };
    assert_eq!(chain[0].kind, StepKind::Entrypoint);
    assert_eq!(chain[1].kind, StepKind::Startup);
    assert_eq!(chain[1].path, format!("{SITE}/zz-hook.pth"));
    assert_eq!(chain[2].kind, StepKind::Import);
    assert!(r.unresolved.is_empty(), "{:?}", r.unresolved);
}

#[test]
fn pth_hooks_count_in_dist_packages_and_for_python_m_and_c() {
    let dist = "usr/lib/python3/dist-packages";
    let fs = MemoryFs::new()
        .exe("usr/bin/python3.11", &build_test_elf(None, &[], None, None))
        .file("usr/lib/python3.11/os.py", b"")
        .file(&format!("{dist}/flask/__init__.py"), b"")
        .file(&format!("{dist}/hook.pth"), b"import flask\n");
    let flask = pkg(
        PackageKind::Python,
        "flask",
        "3.0.0",
        &[format!("{dist}/flask/__init__.py")],
    );
    for argv in [
        &["python3.11", "-m", "os"][..],
        &["python3.11", "-c", "import os"][..],
    ] {
        let r = run(&fs, &cfg(argv, &[], None), std::slice::from_ref(&flask));
        assert!(is_reachable(&r, FLASK), "{argv:?}: {r:#?}");
    }
}

#[test]
fn sitecustomize_and_usercustomize_are_entry_paths() {
    let fs = python_fs().file(&format!("{SITE}/sitecustomize.py"), b"import flask\n");
    assert!(is_reachable(&run(&fs, &app(), &[flask()]), FLASK));

    // usercustomize in the user site of $HOME.
    let user_site = "home/app/.local/lib/python3.11/site-packages";
    let fs = python_fs().file(&format!("{user_site}/usercustomize.py"), b"import flask\n");
    let config = cfg(
        &["python3", "/app/main.py"],
        &["HOME=/home/app"],
        Some("app"),
    );
    assert!(is_reachable(&run(&fs, &config, &[flask()]), FLASK));

    // root's user site, for an image run as root without HOME.
    let fs = python_fs().file(
        "root/.local/lib/python3.11/site-packages/usercustomize.py",
        b"import flask\n",
    );
    assert!(is_reachable(&run(&fs, &app(), &[flask()]), FLASK));
}

#[test]
fn a_user_site_of_an_unknown_home_is_unknown() {
    // USER app and no HOME: the home comes from the passwd database at run time.
    let user_site = "home/app/.local/lib/python3.11/site-packages";
    let fs = python_fs().file(&format!("{user_site}/other/__init__.py"), b"");
    let config = cfg(&["python3", "/app/main.py"], &[], Some("app"));
    let r = run(&fs, &config, &[flask()]);
    assert!(is_unknown(&r, FLASK), "{r:#?}");
    assert!(r.unresolved.iter().any(|u| u.scope == Scope::Python));
}

#[test]
fn a_pth_line_that_cannot_be_analysed_is_unknown() {
    for line in [
        "import sys; exec(open('/etc/hook').read())\n",
        "import importlib; importlib.import_module(name)\n",
        "import sys; sys.path.insert(0, '/opt/hidden')\n",
        "import os; __import__(os.environ['HOOK'])\n",
    ] {
        let fs = python_fs().file(&format!("{SITE}/hook.pth"), line.as_bytes());
        let r = run(&fs, &app(), &[flask()]);
        assert!(is_unknown(&r, FLASK), "{line}: {r:#?}");
    }
    // A .pth file that cannot be read as text (binary) is unknown too.
    let fs = python_fs().file(
        &format!("{SITE}/hook.pth"),
        &build_test_elf(None, &[], None, None),
    );
    assert!(is_unknown(&run(&fs, &app(), &[flask()]), FLASK));
    // And one over the analysis limit.
    let mut big = b"import os\n".to_vec();
    big.resize(300 << 10, b'#');
    let fs = python_fs().file(&format!("{SITE}/hook.pth"), &big);
    assert!(is_unknown(&run(&fs, &app(), &[flask()]), FLASK));
}

#[test]
fn a_harmless_pth_keeps_not_found() {
    // setuptools' distutils-precedence.pth: a literal __import__ (followed), nothing opaque.
    let fs = python_fs()
        .file(
            &format!("{SITE}/distutils-precedence.pth"),
            b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n",
        )
        .file(&format!("{SITE}/_distutils_hack/__init__.py"), b"import os\n");
    let r = run(&fs, &app(), &[flask()]);
    assert_eq!(
        r.for_package(FLASK),
        Some(&Reachability::NotFoundOnEntryPaths),
        "{r:#?}"
    );
    assert!(
        r.reached_files
            .contains(&format!("{SITE}/_distutils_hack/__init__.py"))
    );
}

#[test]
fn pth_path_lines_make_their_directory_importable() {
    let fs = python_fs()
        .file(
            &format!("{SITE}/plugins.pth"),
            b"/opt/plugins\n../../../../opt/more\n",
        )
        .file("opt/plugins/plug/__init__.py", b"")
        .file("opt/more/other.py", b"")
        .file("app/main.py", b"import plug\nimport other\n");
    let plug = pkg(
        PackageKind::Python,
        "plug",
        "1.0",
        &["opt/plugins/plug/__init__.py".into()],
    );
    let other = pkg(
        PackageKind::Python,
        "other",
        "1.0",
        &["opt/more/other.py".into()],
    );
    let r = run(&fs, &app(), &[plug, other]);
    assert!(is_reachable(&r, "pkg:pypi/plug@1.0"), "{r:#?}");
    assert!(is_reachable(&r, "pkg:pypi/other@1.0"), "{r:#?}");
}

#[test]
fn pythonhome_site_directories_count() {
    let site = "opt/py/lib/python3.11/site-packages";
    let fs = python_fs()
        .file(&format!("{site}/hook.pth"), b"import flask\n")
        .file(&format!("{site}/flask/__init__.py"), b"");
    let flask = pkg(
        PackageKind::Python,
        "flask",
        "3.0.0",
        &[format!("{site}/flask/__init__.py")],
    );
    let config = cfg(&["python3", "/app/main.py"], &["PYTHONHOME=/opt/py"], None);
    assert!(is_reachable(&run(&fs, &config, &[flask]), FLASK));
}

#[test]
fn python_option_forms_carry_code() {
    let fs = python_fs();
    for argv in [
        &["python3", "-Bc", "import flask"][..],
        &["python3", "-cimport flask"][..],
        &["python3", "-I", "-mflask"][..],
        &["python3", "-Wignore", "-m", "flask"][..],
        &["python3", "-X", "dev", "-c", "import flask"][..],
    ] {
        let r = run(&fs, &cfg(argv, &[], None), &[flask()]);
        assert!(is_reachable(&r, FLASK), "{argv:?}: {r:#?}");
    }
    // No program: python reads standard input (where PYTHONSTARTUP would also run).
    for argv in [
        &["python3"][..],
        &["python3", "-u"][..],
        &["python3", "-"][..],
    ] {
        let r = run(&fs, &cfg(argv, &[], None), &[flask()]);
        assert!(is_unknown(&r, FLASK), "{argv:?}: {r:#?}");
    }
}

fn node_fs() -> (MemoryFs, Vec<Package>) {
    let fs = MemoryFs::new()
        .exe("usr/local/bin/node", &build_test_elf(None, &[], None, None))
        .file("app/server.js", b"const fs = require('fs');\n")
        .file(
            "app/node_modules/lodash/package.json",
            b"{\"name\":\"lodash\"}",
        )
        .file("app/node_modules/lodash/index.js", b"\n")
        .file("app/hook.js", b"require('lodash');\n");
    let lodash = pkg(
        PackageKind::Npm,
        "lodash",
        "4.17.21",
        &["app/node_modules/lodash/index.js".into()],
    );
    (fs, vec![lodash])
}

const LODASH: &str = "pkg:npm/lodash@4.17.21";

#[test]
fn node_options_preloads_are_entry_paths() {
    let (fs, packages) = node_fs();
    let r = run(&fs, &cfg(&["node", "server.js"], &[], None), &packages);
    assert_eq!(
        r.for_package(LODASH),
        Some(&Reachability::NotFoundOnEntryPaths)
    );
    for opts in [
        "NODE_OPTIONS=--require ./hook.js",
        "NODE_OPTIONS=--max-old-space-size=512 -r lodash",
        "NODE_OPTIONS=--import=\"./hook.js\"",
        "NODE_OPTIONS=--experimental-loader ./hook.js",
    ] {
        let r = run(&fs, &cfg(&["node", "server.js"], &[opts], None), &packages);
        let Some(Reachability::Reachable { chain, .. }) = r.for_package(LODASH) else {
            panic!("{opts}: {r:#?}");
        };
        assert_eq!(chain[1].kind, StepKind::Startup, "{opts}");
    }
    let r = run(
        &fs,
        &cfg(
            &["node", "server.js"],
            &["NODE_OPTIONS=-r \"./hook.js"],
            None,
        ),
        &packages,
    );
    assert!(is_unknown(&r, LODASH), "{r:#?}");
}

#[test]
fn node_option_forms_carry_code() {
    let (fs, packages) = node_fs();
    for argv in [
        &["node", "--require=./hook.js", "server.js"][..],
        &["node", "--eval=require('lodash')"][..],
    ] {
        let r = run(&fs, &cfg(argv, &[], None), &packages);
        assert!(is_reachable(&r, LODASH), "{argv:?}: {r:#?}");
    }
    for argv in [&["node"][..], &["node", "-"][..]] {
        let r = run(&fs, &cfg(argv, &[], None), &packages);
        assert!(is_unknown(&r, LODASH), "{argv:?}: {r:#?}");
    }
}
