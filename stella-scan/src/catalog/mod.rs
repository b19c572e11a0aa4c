//! Package catalogers: one small unit per ecosystem, each keeping the two-phase
//! [`Cataloger`] contract (see [`crate::package`]).
//!
//! | cataloger | reads | kind |
//! |---|---|---|
//! | [`dpkg::DpkgCataloger`] | `var/lib/dpkg/status`, distroless `var/lib/dpkg/status.d/*`, ownership from `var/lib/dpkg/info/*.list`, licences from `usr/share/doc/*/copyright` | deb |
//! | [`apk::ApkCataloger`] | `lib/apk/db/installed` | apk |
//! | [`rpm::RpmCataloger`] | `var/lib/rpm/rpmdb.sqlite` (also `usr/lib/sysimage/rpm/rpmdb.sqlite`) | rpm |
//! | [`python::PythonCataloger`] | `*.dist-info/METADATA` + `RECORD`, `*.egg-info/PKG-INFO` (or an `.egg-info` file) | python |
//! | [`npm::NpmCataloger`] | `node_modules/**/package.json`, `package-lock.json` v1–v3 | npm |
//! | [`golang::GoBinaryCataloger`] | ELF executables with Go build info (Go ≥ 1.18 layout) | go-module |
//! | [`rust_audit::CargoAuditableCataloger`] | ELF executables with a cargo-auditable `.dep-v0` section | rust-crate |
//! | [`java::JavaCataloger`] | `*.jar`, `*.war`, `*.ear` (nested jars, `pom.properties`, `MANIFEST.MF`) | java |
//!
//! Operating system identification is not a cataloger: [`os_release::parse`] reads
//! `etc/os-release` / `usr/lib/os-release` and the engine passes the result in
//! [`CatalogContext`](crate::CatalogContext).
//!
//! Every cataloger returns packages sorted by [`Package::sort_key`](crate::Package::sort_key),
//! with the lists inside each package sorted and de-duplicated.

use crate::package::Cataloger;

pub mod apk;
pub mod dpkg;
pub mod golang;
pub mod java;
pub(crate) mod license;
pub mod npm;
pub mod os_release;
pub mod python;
pub mod rpm;
pub mod rust_audit;
pub(crate) mod util;

/// Every cataloger this crate has, in a fixed order (by name).
///
/// ```
/// let names: Vec<_> = stella_scan::catalog::default_catalogers()
///     .iter()
///     .map(|c| c.name())
///     .collect();
/// assert!(names.contains(&"dpkg"));
/// ```
pub fn default_catalogers() -> Vec<Box<dyn Cataloger>> {
    let mut all: Vec<Box<dyn Cataloger>> = vec![
        Box::new(apk::ApkCataloger),
        Box::new(dpkg::DpkgCataloger),
        Box::new(golang::GoBinaryCataloger),
        Box::new(java::JavaCataloger),
        Box::new(npm::NpmCataloger),
        Box::new(python::PythonCataloger),
        Box::new(rpm::RpmCataloger),
        Box::new(rust_audit::CargoAuditableCataloger),
    ];
    all.sort_by_key(|c| c.name());
    all
}
