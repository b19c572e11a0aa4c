//! Every bound Stella Ops puts on hostile input, in one place (docs/design.md §3.7: parsers bound
//! memory and time, reject rather than guess).
//!
//! [`Limits`] gathers the configurable limit types of the pure crates, each still defined
//! beside the parser it bounds; [`FIXED_LIMITS`] lists the bounds that are constants. Exceeding
//! any of them is a typed error naming the limit, never a panic, an abort or a silent
//! truncation (the one exception, by design: a binary or archive over
//! [`ScanLimits::max_file_bytes`] is skipped with a note in the SBOM, so one huge binary does not
//! cost the whole scan; a package database over it fails the scan, so padding one cannot hide
//! its packages).
//!
//! ## Configurable limits and why their defaults
//!
//! | limit | default | why |
//! |---|---|---|
//! | `scan.max_layer_bytes` | 16 GiB | decompressed bytes of one layer: far above real layers (a few GiB at most), far below what fills a disk; stops gzip/zstd bombs |
//! | `scan.max_image_bytes` | 64 GiB | decompressed bytes of all layers of one image, same reason |
//! | `scan.max_entries` | 4,000,000 | tar entries of an image (or files of a root filesystem): a full distro image has ~100,000; the merged tree costs ~150 bytes per entry (≤ ~600 MB) |
//! | `scan.max_file_bytes` | 64 MiB | one file read into memory for a cataloger: metadata files are kilobytes, Go/Rust binaries tens of MiB; over it a binary or archive is skipped with a note, a package database (dpkg, apk, rpm, Python metadata, npm manifests) fails the scan |
//! | `scan.max_path_bytes` | 4096 | one path or link target: Linux `PATH_MAX` |
//! | `scan.max_path_depth` | 256 | components of one path: real images stay under 30 |
//! | `scan.max_metadata_bytes` | 16 MiB | an index, manifest or config: real ones are kilobytes, a long history stays under 1 MiB |
//! | `scan.max_layers` | 1024 | layers of one image: overlayfs stacks at most 500 lower directories |
//! | `scan.max_index_depth` | 8 | nested image indexes: real images nest at most 2 |
//! | `scan.max_link_depth` | 40 | symbolic links followed for one path: Linux `MAXSYMLINKS`; ends loops |
//! | `scan.max_tar_header_bytes` | 1 MiB | one tar PAX header or GNU sparse map, checked against its declared size before it is read: real ones carry a path, a link target and a few extended attributes (≤ 64 KiB each) |
//! | `scan.max_retained_bytes` | 1 GiB | bytes kept in memory for the catalogers over one image (metadata, distilled binaries and jars), checked before each read: a distro's metadata is tens of MiB, a large Node image's ~100 MiB; hard links share one copy; exceeding it fails the scan |
//! | `scan.max_archive_bytes` | 2 GiB | bytes inflated from jars (all nesting levels) over one image: a large fat-jar image needs a few hundred MiB; stops many small zip bombs |
//! | `scan.max_archive_entries` | 4,000,000 | archive entries walked over one image: a large Java image has under a million |
//! | `scan.max_link_hops` | 16,000,000 | symbolic links followed while placing every entry where extraction puts it (255 per entry, as containerd): real images follow a handful |
//! | `scan.max_alias_paths` | 4,000,000 | other names (through links) considered for the image's files: a merged-`/usr` image gives each file under `usr/lib` one |
//! | `json.max_depth` | 128 | nesting of strictly parsed JSON: SBOMs, envelopes and VEX need under 32; the parser recurses, hard cap 1024 |
//! | `json.max_bytes` | 256 MiB | one strictly parsed JSON document: the largest SBOMs are tens of MiB |
//! | `envelope.max_bytes` | 64 MiB | one DSSE envelope: an embedded SBOM can be large |
//! | `envelope.max_signatures` | 32 | signatures of one envelope: real ones carry 1–3; bounds verification time |
//! | `trace.max_files` | 200,000 | files one entry-trace reaches: a large Python app reaches some thousands |
//! | `trace.max_work` | 5,000,000 | entry-trace work units (lookups, imports, commands): bounds time on crafted scripts |
//! | `trace.max_link_depth` | 40 | links followed for one path in the trace: Linux `MAXSYMLINKS` |
//! | `trace.max_interpreter_depth` | 4 | nested `#!` interpreters: Linux `BINPRM_MAX_RECURSION` |
//! | `import.max_entries` | 2,000,000 | entries of one OSV archive: bounds the per-entry work of a crafted archive, above the size of the full osv.dev export |
//! | `import.max_total_bytes` | 8 GiB | uncompressed bytes read from one OSV archive: bounds zip/tar bombs |
//! | `eval.max_instructions` | 500,000,000 | Rego VM instructions per rule evaluation: the built-in policy on 100,000 findings and 10,000 VEX statements needs ~2 × 10⁸; stops a runaway loop after a few seconds; deterministic |
//! | `eval.max_time` | off | wall-clock limit per evaluation; off so a pure caller stays deterministic (the CLI sets it) |
//! | `bundle.max_files` | 1000 | files of a policy bundle |
//! | `bundle.max_module_bytes` | 1 MiB | one Rego module: real ones are a few KiB |
//! | `bundle.max_data_bytes` | 16 MiB | one `data.json` / `data.yaml` (or `.manifest`) of a bundle |
//! | `bundle.max_module_nesting` | 12 | `[`/`{` nesting of a module: regorus parses it in exponential time (16 levels 1 s, 20 levels 19 s); 12 parse in < 0.1 s, real policies nest under 6 (found by the `policy_input` fuzz target) |
//! | `bundle.max_archive_entries` | 10,000 | entries of an OPA `.tar.gz` bundle (as the CLI's bundle-directory walk): real bundles hold tens of files |
//! | `bundle.max_archive_bytes` | 64 MiB | bytes decompressed from an OPA `.tar.gz` bundle, headers included: the stream is cut there, so a gzip bomb or a huge PAX header cannot allocate more |
//! | `vex.json.max_bytes` | 16 MiB | one OpenVEX document, checked against the file's length before it is read (157 MB once needed 5.9 GB): real documents are kilobytes to a few MiB; a DSSE-wrapped one is refused above the base64 of that |
//! | `vex.json.max_depth` | 32 | JSON nesting of an OpenVEX document: the format needs 6 |
//! | `vex.max_statements` | 100,000 | statements of one document, counted while deserializing: the largest published documents have some thousands |
//! | `vex.max_products` | 10,000 | products of one statement (and entries of any other list in it) |
//! | `vex.max_subcomponents` | 10,000 | subcomponents of one product |
//!
//! Not bounded by the library: the memory of one Rego builtin call (see
//! `stella_policy::EvalLimits`).
//!
//! ## Fixed limits
//!
//! [`FIXED_LIMITS`] lists the constants (name, value, why); a test checks each against the
//! constant it documents, so this table cannot drift from the code.
//!
//! ```
//! use stella::limits::{Limits, FIXED_LIMITS};
//!
//! let mut limits = Limits::default();
//! assert_eq!(limits.scan.max_link_depth, 40);
//! limits.scan.max_entries = 100_000; // a CI runner with little memory
//! assert!(FIXED_LIMITS.iter().any(|l| l.name == "stella_scan::sbom_input::MAX_SBOM_BYTES"));
//! ```

use stella_attest::dsse::EnvelopeLimits;
use stella_core::canonical::JsonLimits;
use stella_policy::{BundleLimits, EvalLimits};
use stella_scan::ScanLimits;
use stella_scan::entrytrace::TraceLimits;
use stella_vuln::import::ImportLimits;

/// All configurable bounds on untrusted input, with their defaults (see the module docs for the
/// table of defaults and why).
///
/// ```
/// use stella::limits::Limits;
///
/// let limits = Limits::default();
/// assert_eq!(limits.scan.max_layer_bytes, 16 << 30);
/// assert_eq!(limits.json.max_depth, 128);
/// assert_eq!(limits.envelope.max_signatures, 32);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Limits {
    /// Image scans: layer and image sizes, entries, paths, metadata blobs, layers, index
    /// nesting, links.
    pub scan: ScanLimits,
    /// The strict JSON parser (depth and size).
    pub json: JsonLimits,
    /// DSSE envelopes (size and signature count).
    pub envelope: EnvelopeLimits,
    /// The entry-trace (files reached, work, links, interpreters).
    pub trace: TraceLimits,
    /// OSV archives imported into a snapshot (entries and bytes).
    pub import: ImportLimits,
    /// Rego evaluation (instructions, optional time).
    pub eval: EvalLimits,
    /// Policy bundles (files, module and data sizes).
    pub bundle: BundleLimits,
    /// OpenVEX documents (bytes before parsing; statements, products and subcomponents
    /// counted while deserializing).
    pub vex: stella_vex::ParseOptions,
}

/// A bound that is a constant of the code rather than a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedLimit {
    /// The constant's path.
    pub name: &'static str,
    /// Its value.
    pub value: u64,
    /// Why this value.
    pub why: &'static str,
}

/// The fixed bounds on untrusted input, with why each value.
pub const FIXED_LIMITS: &[FixedLimit] = &[
    FixedLimit {
        name: "stella_core::canonical::JsonLimits::MAX_DEPTH_CAP",
        value: 1024,
        why: "ceiling on json.max_depth: the parser recurses once per level, and 1024 levels \
              stay well inside a 2 MiB thread stack",
    },
    FixedLimit {
        name: "stella_attest::keys::MAX_KEY_INPUT",
        value: 64 * 1024,
        why: "a key file (PEM or DER): real keys are under 4 KiB",
    },
    FixedLimit {
        name: "stella_attest::transparency::note::MAX_NOTE_BYTES",
        value: 1 << 20,
        why: "a signed note / checkpoint: real ones are a few hundred bytes",
    },
    FixedLimit {
        name: "stella_attest::transparency::note::MAX_SIGNATURES",
        value: 100,
        why: "signatures on one note: a log plus its witnesses",
    },
    FixedLimit {
        name: "stella_attest::transparency::rekor::MAX_BODY_BYTES",
        value: 16 << 20,
        why: "a Rekor entry body: bodies hold hashes and a signature, not the artifact",
    },
    FixedLimit {
        name: "stella_attest::transparency::bundle::MAX_BUNDLE_BYTES",
        value: 32 << 20,
        why: "a Sigstore bundle: an embedded DSSE envelope with an SBOM can be large",
    },
    FixedLimit {
        name: "stella_scan::sbom_input::MAX_SBOM_BYTES",
        value: 256 << 20,
        why: "an SBOM given as scan input: the largest real SBOMs are tens of MiB",
    },
    FixedLimit {
        name: "stella_vuln::osv::MAX_RECORD_BYTES",
        value: 8 << 20,
        why: "one OSV record: records are kilobytes; bounds the parse memory of a crafted one",
    },
    FixedLimit {
        name: "stella_vuln::snapshot::MAX_SNAPSHOT_BYTES",
        value: 4 << 30,
        why: "a vulnerability snapshot file, loaded whole: room for every OSV ecosystem",
    },
    FixedLimit {
        name: "stella_vuln::version::MAX_VERSION_LEN",
        value: 256,
        why: "one version string compared under an ecosystem's rules",
    },
    FixedLimit {
        name: "stella_scan::entrytrace::MAX_SCRIPT_BYTES",
        value: 4 << 20,
        why: "a script or source file read by the entry-trace",
    },
    FixedLimit {
        name: "stella_scan::entrytrace::MAX_CONFIG_BYTES",
        value: 256 << 10,
        why: "a configuration file read by the entry-trace (ld.so.conf and the like)",
    },
    FixedLimit {
        name: "stella_scan::entrytrace::MAX_SHEBANG_LINE",
        value: 4096,
        why: "a `#!` line: Linux reads at most 256 bytes of it",
    },
    FixedLimit {
        name: "stella_policy::input::MAX_INPUT_BYTES",
        value: 256 << 20,
        why: "a gate input document (findings, VEX, attestations of one image)",
    },
    FixedLimit {
        name: "stella::image::MAX_METADATA_BYTES",
        value: 16 << 20,
        why: "an index, manifest or config read whole by the image readers (as \
              scan.max_metadata_bytes)",
    },
    FixedLimit {
        name: "stella_scan::catalog::rpm::MAX_SQLITE_STEPS",
        value: 100_000_000,
        why: "SQLite virtual machine steps of one statement on an image's rpmdb.sqlite: \
              reading a real Packages table takes some 10 per package; about a second",
    },
    FixedLimit {
        name: "stella_scan::catalog::rpm::MAX_FILES_EXPANSION",
        value: 32,
        why: "an RPM header's file list, expanded from directory indexes, at most this many \
              times the header's size (4 MiB at least): real headers expand 2-5 times",
    },
    FixedLimit {
        name: "stella::files::MAX_INPUT_BYTES",
        value: 4 << 30,
        why: "one input file (or stdin) the command line reads whole: SBOMs, snapshots, \
              keys, VEX, policies; a device or FIFO is refused by its type before this",
    },
    FixedLimit {
        name: "stella_policy::input::MAX_CONTEXT_BYTES",
        value: 1 << 20,
        why: "the caller's own `input.context` of a gate input, counted while it is parsed: an \
              environment, namespace and team are a few hundred bytes",
    },
    FixedLimit {
        name: "stella_policy::input::MAX_CONTEXT_DEPTH",
        value: 32,
        why: "nesting of `input.context`",
    },
];
