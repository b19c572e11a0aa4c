//! The OpenVEX v0.2.0 data model, its parser (which also reads the older v0.0.1 shape) and its
//! writer (always v0.2.0).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use std::cell::Cell;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use stella_core::Timestamp;
use stella_core::canonical::JsonLimits;

use crate::compat::Upgrade;
use crate::error::{Invalid, VexError, Violation, ViolationKind};

/// The `@context` of OpenVEX v0.2.0, which every document we write carries.
pub const CONTEXT_V0_2_0: &str = "https://openvex.dev/ns/v0.2.0";
/// The unversioned context, which the specification defines as v0.0.1.
pub const CONTEXT_UNVERSIONED: &str = "https://openvex.dev/ns";

/// The hash names of the OpenVEX hash table (Appendix A), the only keys allowed in `hashes`.
pub const HASH_ALGORITHMS: [&str; 12] = [
    "md5",
    "sha1",
    "sha-256",
    "sha-384",
    "sha-512",
    "sha3-224",
    "sha3-256",
    "sha3-384",
    "sha3-512",
    "blake2s-256",
    "blake2b-256",
    "blake2b-512",
];

/// A VEX status (the four labels of the VEX minimum requirements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No remediation is required.
    NotAffected,
    /// Actions are recommended to remediate or address the vulnerability.
    Affected,
    /// These product versions contain a fix.
    Fixed,
    /// Not yet known; the default of every finding without a statement.
    UnderInvestigation,
}

impl Status {
    /// All statuses, in declaration order.
    pub const ALL: [Status; 4] = [
        Status::NotAffected,
        Status::Affected,
        Status::Fixed,
        Status::UnderInvestigation,
    ];

    /// The OpenVEX label.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::NotAffected => "not_affected",
            Status::Affected => "affected",
            Status::Fixed => "fixed",
            Status::UnderInvestigation => "under_investigation",
        }
    }

    /// Parses an OpenVEX label.
    pub fn parse(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == label)
    }

    /// How cautious the status is, used only to break exact ties in a merge: `affected` (3) over
    /// `under_investigation` (2) over `fixed` (1) over `not_affected` (0).
    pub fn caution(&self) -> u8 {
        match self {
            Status::Affected => 3,
            Status::UnderInvestigation => 2,
            Status::Fixed => 1,
            Status::NotAffected => 0,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status justification (the five labels of the VEX status justifications).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Justification {
    /// The component is not included.
    ComponentNotPresent,
    /// The component is included but the vulnerable code is not.
    VulnerableCodeNotPresent,
    /// The vulnerable code cannot be executed as the product uses it.
    VulnerableCodeNotInExecutePath,
    /// The vulnerable code cannot be controlled by an attacker.
    VulnerableCodeCannotBeControlledByAdversary,
    /// Built-in protections prevent exploitation.
    InlineMitigationsAlreadyExist,
}

impl Justification {
    /// All justifications, in declaration order.
    pub const ALL: [Justification; 5] = [
        Justification::ComponentNotPresent,
        Justification::VulnerableCodeNotPresent,
        Justification::VulnerableCodeNotInExecutePath,
        Justification::VulnerableCodeCannotBeControlledByAdversary,
        Justification::InlineMitigationsAlreadyExist,
    ];

    /// The OpenVEX label.
    pub fn as_str(&self) -> &'static str {
        match self {
            Justification::ComponentNotPresent => "component_not_present",
            Justification::VulnerableCodeNotPresent => "vulnerable_code_not_present",
            Justification::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
            Justification::VulnerableCodeCannotBeControlledByAdversary => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            Justification::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
        }
    }

    /// Parses an OpenVEX label.
    pub fn parse(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|j| j.as_str() == label)
    }
}

impl fmt::Display for Justification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The vulnerability a statement is about.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Vulnerability {
    /// Optional IRI of the vulnerability.
    #[serde(rename = "@id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The main identifier (e.g. `CVE-2021-44228`).
    pub name: String,
    /// Free-form description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other names (e.g. a GHSA id).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

impl Vulnerability {
    /// A vulnerability known only by its name.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// The name followed by the aliases.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// Software identifiers of a component (OpenVEX Appendix B).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Identifiers {
    /// Package URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// CPE 2.2 URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe22: Option<String>,
    /// CPE 2.3 formatted string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe23: Option<String>,
}

impl Identifiers {
    /// Sets the CPE of the binding it is written in (`cpe:2.3:` formatted string, else a 2.2
    /// URI).
    pub fn set_cpe(&mut self, cpe: &str) {
        if cpe.starts_with("cpe:2.3:") {
            self.cpe23 = Some(cpe.to_owned());
        } else {
            self.cpe22 = Some(cpe.to_owned());
        }
    }

    /// True when no identifier is set.
    pub fn is_empty(&self) -> bool {
        self.purl.is_none() && self.cpe22.is_none() && self.cpe23.is_none()
    }
}

/// A product's subcomponent, or the identifying part of a product.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Component {
    /// Optional IRI (a purl is a valid IRI).
    #[serde(rename = "@id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// purl / CPE identifiers.
    #[serde(default, skip_serializing_if = "Identifiers::is_empty")]
    pub identifiers: Identifiers,
    /// Hashes keyed by OpenVEX hash name (`sha-256`, …), sorted by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hashes: BTreeMap<String, String>,
}

impl Component {
    /// A component known by a purl, written as its `@id` (the form the specification's
    /// examples use).
    pub fn purl(purl: impl Into<String>) -> Self {
        Self {
            id: Some(purl.into()),
            ..Self::default()
        }
    }

    /// The purl of this component: `identifiers.purl`, else `@id` when it is a purl.
    pub fn effective_purl(&self) -> Option<&str> {
        self.identifiers
            .purl
            .as_deref()
            .or_else(|| self.id.as_deref().filter(|id| id.starts_with("pkg:")))
    }

    /// A stable text key naming this component: the purl, else `@id`, else a CPE, else the
    /// first hash as `algorithm:value`.
    pub fn key(&self) -> String {
        self.key_ref().into_owned()
    }

    /// [`Component::key`], borrowed where it can be.
    pub(crate) fn key_ref(&self) -> Cow<'_, str> {
        if let Some(p) = self.effective_purl() {
            return Cow::Borrowed(p);
        }
        if let Some(id) = &self.id {
            return Cow::Borrowed(id);
        }
        if let Some(c) = self
            .identifiers
            .cpe23
            .as_ref()
            .or(self.identifiers.cpe22.as_ref())
        {
            return Cow::Borrowed(c);
        }
        self.hashes
            .iter()
            .next()
            .map(|(a, v)| Cow::Owned(format!("{a}:{v}")))
            .unwrap_or_default()
    }

    fn is_identified(&self) -> bool {
        self.id.as_deref().is_some_and(|s| !s.is_empty())
            || !self.identifiers.is_empty()
            || !self.hashes.is_empty()
    }
}

/// A product a statement applies to, with the subcomponents in which the vulnerability lives.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Product {
    /// How the product is identified.
    #[serde(flatten)]
    pub component: Component,
    /// Subcomponents where the vulnerability originates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subcomponents: Vec<Component>,
}

impl Product {
    /// A product known by a purl `@id`, without subcomponents.
    pub fn purl(purl: impl Into<String>) -> Self {
        Self {
            component: Component::purl(purl),
            subcomponents: Vec::new(),
        }
    }
}

/// One OpenVEX statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// Optional IRI of the statement.
    #[serde(rename = "@id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Optional statement version (≥ 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// The vulnerability.
    pub vulnerability: Vulnerability,
    /// When the information was known to be true (inherits the document's when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// When the statement was last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Timestamp>,
    /// The products.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<Product>,
    /// The status.
    pub status: Status,
    /// Supplier of the product or subcomponent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<String>,
    /// How the status was determined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_notes: Option<String>,
    /// Why not affected (machine-readable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<Justification>,
    /// Why not affected (free text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact_statement: Option<String>,
    /// What to do when affected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_statement: Option<String>,
    /// When the action statement was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_statement_timestamp: Option<Timestamp>,
}

impl Statement {
    /// A statement with only the required parts set.
    pub fn new(vulnerability: Vulnerability, products: Vec<Product>, status: Status) -> Self {
        Self {
            id: None,
            version: None,
            vulnerability,
            timestamp: None,
            last_updated: None,
            products,
            status,
            supplier: None,
            status_notes: None,
            justification: None,
            impact_statement: None,
            action_statement: None,
            action_statement_timestamp: None,
        }
    }
}

/// An OpenVEX document.
///
/// ```
/// use stella_vex::{Document, Status};
///
/// let doc = Document::parse(br#"{
///   "@context": "https://openvex.dev/ns/v0.2.0",
///   "@id": "https://openvex.dev/docs/example/vex-1",
///   "author": "Wolfi J Inkinson",
///   "timestamp": "2023-01-08T18:02:03Z",
///   "version": 1,
///   "statements": [{
///     "vulnerability": {"name": "CVE-2023-12345"},
///     "products": [{"@id": "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64"}],
///     "status": "fixed"
///   }]
/// }"#)?;
/// assert_eq!(doc.statements[0].status, Status::Fixed);
/// let again = Document::parse(&doc.to_json()?)?;
/// assert_eq!(again, doc);
/// # Ok::<(), stella_vex::VexError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    /// Always [`CONTEXT_V0_2_0`] once parsed (older shapes are upgraded).
    #[serde(rename = "@context")]
    pub context: String,
    /// The document IRI.
    #[serde(rename = "@id")]
    pub id: String,
    /// Who made the statements.
    pub author: String,
    /// The author's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// When the document was issued.
    pub timestamp: Timestamp,
    /// When it was last modified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Timestamp>,
    /// Document version (≥ 1).
    pub version: u64,
    /// How the document was generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooling: Option<String>,
    /// The statements.
    pub statements: Vec<Statement>,
}

/// Limits applied when parsing untrusted OpenVEX. Each is checked before the memory it bounds
/// is allocated: the byte size before anything is read, the counts while the document is
/// deserialized (statement by statement; a statement's JSON is dropped once it is read), so a
/// document over a limit costs no more than the limit.
///
/// ```
/// use stella_vex::{Document, ParseOptions, VexError};
///
/// let options = ParseOptions { max_statements: 1, ..ParseOptions::default() };
/// let two = br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"a",
///   "timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[
///   {"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:npm/a"}],"status":"fixed"},
///   {"vulnerability":{"name":"CVE-2"},"products":[{"@id":"pkg:npm/a"}],"status":"fixed"}]}"#;
/// assert!(matches!(Document::parse_with(two, &options), Err(VexError::Limit { what: "statements per document", .. })));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// JSON size and depth limits. Default: 16 MiB, depth 32 (OpenVEX needs 6). The size is
    /// checked before the JSON is read; real OpenVEX documents are kilobytes to a few MiB.
    pub json: JsonLimits,
    /// Most statements accepted in one document. Default 100,000.
    pub max_statements: usize,
    /// Most products in one statement, and most entries of any other list in a statement
    /// (aliases, hashes are maps). Default 10,000.
    pub max_products: usize,
    /// Most subcomponents of one product (or of a v0.0.1 statement). Default 10,000.
    pub max_subcomponents: usize,
}

/// Default of [`ParseOptions`]'s byte limit: 16 MiB.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            json: JsonLimits {
                max_depth: 32,
                max_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
            },
            max_statements: 100_000,
            max_products: 10_000,
            max_subcomponents: 10_000,
        }
    }
}

impl ParseOptions {
    /// The byte-size check alone: the cheapest rejection, before any parsing.
    pub fn check_size(&self, length: usize) -> Result<(), VexError> {
        if length > self.json.max_bytes {
            return Err(VexError::Limit {
                what: "bytes of an OpenVEX document",
                max: self.json.max_bytes,
                actual: length,
            });
        }
        Ok(())
    }
}

impl Document {
    /// Parses an OpenVEX document (v0.2.0, or the older v0.0.1 shape with string
    /// vulnerabilities, string products and statement-level subcomponents) with default limits.
    ///
    /// Structural problems (unknown status or justification, bad timestamps, missing required
    /// fields, wrong types) are collected into one [`Invalid`] error naming each statement. The
    /// rules that need no parsing (justification required, products present, …) are checked by
    /// [`crate::validate()`].
    pub fn parse(bytes: &[u8]) -> Result<Self, VexError> {
        Self::parse_with(bytes, &ParseOptions::default())
    }

    /// [`Document::parse`] with caller-chosen limits: the size first, then the strict JSON
    /// check (duplicate keys, depth), then the document is read statement by statement with
    /// the count limits enforced as each list is read.
    pub fn parse_with(bytes: &[u8], options: &ParseOptions) -> Result<Self, VexError> {
        Self::read(bytes, options, false).map(|(doc, _)| doc)
    }

    /// Parses OpenVEX as go-vex's `Open` and vexctl do: besides v0.2.0 and the v0.0.1 shape,
    /// a document without a `timestamp` or a `version` is read (version 1; the timestamp is
    /// inferred, see [`Upgrade::MissingTimestamp`]). Returns the document with every way it
    /// departed from OpenVEX v0.2.0, so a merge can say what it upgraded and `stella vex
    /// validate` can refuse it ([`Upgrade::breaks_schema`]).
    ///
    /// ```
    /// use stella_vex::{Document, Upgrade};
    ///
    /// let legacy = br#"{"@context":"https://openvex.dev/ns","@id":"my-vexdoc","author":"John Doe",
    ///   "format":"text/vex+json","statements":[{"timestamp":"2022-12-22T16:36:43-05:00",
    ///   "products":["pkg:apk/wolfi/bash@1.0.0"],"vulnerability":"CVE-1234-5678",
    ///   "status":"under_investigation"}]}"#;
    /// assert!(Document::parse(legacy).is_err()); // no timestamp, no version
    /// let (doc, upgrades) = Document::parse_compat(legacy)?;
    /// assert_eq!(doc.version, 1);
    /// assert!(upgrades.contains(&Upgrade::MissingVersion));
    /// assert!(upgrades.iter().any(|u| matches!(u, Upgrade::UnknownField { field } if field == "format")));
    /// # Ok::<(), stella_vex::VexError>(())
    /// ```
    pub fn parse_compat(bytes: &[u8]) -> Result<(Self, Vec<Upgrade>), VexError> {
        Self::read(bytes, &ParseOptions::default(), true)
    }

    /// [`Document::parse_compat`] with caller-chosen limits.
    pub fn parse_compat_with(
        bytes: &[u8],
        options: &ParseOptions,
    ) -> Result<(Self, Vec<Upgrade>), VexError> {
        Self::read(bytes, options, true)
    }

    fn read(
        bytes: &[u8],
        options: &ParseOptions,
        compat: bool,
    ) -> Result<(Self, Vec<Upgrade>), VexError> {
        options.check_size(bytes.len())?;
        let json = |source| VexError::Json {
            what: "OpenVEX document",
            source,
        };
        stella_core::canonical::canonicalize_with(bytes, &options.json)
            .map(drop)
            .map_err(json)?;
        let hit = Cell::new(None);
        let legacy = std::cell::RefCell::new(StatementNotes::default());
        let mut v = Vec::new();
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let parts = DocSeed {
            options,
            hit: &hit,
            violations: &mut v,
            legacy: &legacy,
        }
        .deserialize(&mut de);
        if let Some((what, max)) = hit.get() {
            return Err(VexError::Limit {
                what,
                max,
                actual: max.saturating_add(1),
            });
        }
        let parts = parts.map_err(|e| VexError::Shape {
            what: "OpenVEX document",
            message: e.to_string(),
        })?;
        Self::from_parts(parts, v, legacy.into_inner(), compat)
    }

    /// Converts an already-parsed JSON value (e.g. an in-toto predicate, whose envelope was
    /// verified first), with the same count limits.
    pub fn from_value(value: &serde_json::Value, options: &ParseOptions) -> Result<Self, VexError> {
        Self::from_value_read(value, options, false).map(|(doc, _)| doc)
    }

    /// [`Document::from_value`] read as [`Document::parse_compat`] reads bytes.
    pub fn from_value_compat(
        value: &serde_json::Value,
        options: &ParseOptions,
    ) -> Result<(Self, Vec<Upgrade>), VexError> {
        Self::from_value_read(value, options, true)
    }

    fn from_value_read(
        value: &serde_json::Value,
        options: &ParseOptions,
        compat: bool,
    ) -> Result<(Self, Vec<Upgrade>), VexError> {
        let obj = value.as_object().ok_or_else(|| VexError::Shape {
            what: "OpenVEX document",
            message: "not a JSON object".into(),
        })?;
        let mut v = Vec::new();
        let mut legacy = StatementNotes::default();
        let statements = match obj.get("statements") {
            None => StatementsPart::Missing,
            Some(serde_json::Value::Array(items)) => {
                limit(
                    "statements per document",
                    options.max_statements,
                    items.len(),
                )?;
                let mut list = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    check_value_counts(item, options)?;
                    legacy.note(item);
                    if let Some(s) = parse_statement(i, item, &mut v) {
                        list.push(s);
                    }
                }
                StatementsPart::Read {
                    count: items.len(),
                    list,
                }
            }
            Some(other) => StatementsPart::WrongType(json_kind(other)),
        };
        let mut fields = obj.clone();
        fields.remove("statements");
        Self::from_parts(DocParts { fields, statements }, v, legacy, compat)
    }

    fn from_parts(
        parts: DocParts,
        mut v: Vec<Violation>,
        notes: StatementNotes,
        compat: bool,
    ) -> Result<(Self, Vec<Upgrade>), VexError> {
        // Statement violations were collected while reading; document-level ones go first.
        let statement_violations = std::mem::take(&mut v);
        let obj = &parts.fields;
        let mut upgrades = Vec::new();
        let doc_err = |kind| Violation {
            statement: None,
            statement_id: None,
            kind,
        };
        let id = opt_str(obj.get("@id"), "@id", &mut v, None);
        let context = opt_str(obj.get("@context"), "@context", &mut v, None);
        match context.as_deref() {
            None => v.push(doc_err(ViolationKind::MissingField { field: "@context" })),
            Some(CONTEXT_V0_2_0) => {}
            Some(c) if is_openvex_context(c) => upgrades.push(Upgrade::LegacyContext {
                context: truncate(c),
            }),
            Some(c) => v.push(doc_err(ViolationKind::UnknownContext {
                context: truncate(c),
            })),
        }
        for key in obj.keys() {
            if !KNOWN_FIELDS.contains(&key.as_str()) {
                upgrades.push(Upgrade::UnknownField {
                    field: truncate(key),
                });
            }
        }
        if notes.legacy > 0 {
            upgrades.push(Upgrade::LegacyStatements {
                count: notes.legacy,
            });
        }
        if let Some(field) = notes.first_unknown {
            upgrades.push(Upgrade::UnknownStatementFields {
                count: notes.unknown,
                first: field,
            });
        }
        if id.as_deref().is_none_or(str::is_empty) {
            v.push(doc_err(ViolationKind::MissingField { field: "@id" }));
        }
        let author = opt_str(obj.get("author"), "author", &mut v, None);
        if author.as_deref().is_none_or(str::is_empty) {
            v.push(doc_err(ViolationKind::MissingField { field: "author" }));
        }
        let role = opt_str(obj.get("role"), "role", &mut v, None);
        let tooling = opt_str(obj.get("tooling"), "tooling", &mut v, None);
        let timestamp = opt_time(obj.get("timestamp"), "timestamp", &mut v, None);
        let timestamp_absent = obj.get("timestamp").is_none_or(serde_json::Value::is_null);
        if timestamp.is_none()
            && !(compat && timestamp_absent)
            && !v.iter().any(|x| {
                x.statement.is_none()
                    && matches!(
                        x.kind,
                        ViolationKind::InvalidTimestamp {
                            field: "timestamp",
                            ..
                        }
                    )
            })
        {
            v.push(doc_err(ViolationKind::MissingField { field: "timestamp" }));
        }
        let last_updated = opt_time(obj.get("last_updated"), "last_updated", &mut v, None);
        let version = match obj.get("version") {
            None if compat => {
                upgrades.push(Upgrade::MissingVersion);
                Some(1)
            }
            None => {
                v.push(doc_err(ViolationKind::MissingField { field: "version" }));
                None
            }
            Some(x) => {
                if let serde_json::Value::String(text) = x {
                    upgrades.push(Upgrade::StringVersion {
                        value: truncate(text),
                    });
                }
                parse_version(x, &mut v, None)
            }
        };
        let statements = match parts.statements {
            StatementsPart::Missing => {
                v.push(doc_err(ViolationKind::MissingField {
                    field: "statements",
                }));
                Vec::new()
            }
            StatementsPart::WrongType(kind) => {
                v.push(doc_err(ViolationKind::WrongType {
                    field: "statements",
                    message: format!("expected an array, found {kind}"),
                }));
                Vec::new()
            }
            StatementsPart::Read { count, list } => {
                if count == 0 {
                    v.push(doc_err(ViolationKind::NoStatements));
                }
                list
            }
        };
        v.extend(statement_violations);
        // A document without a timestamp (compat only): its statements' earliest time, else
        // its last_updated, else the Unix epoch — the oldest possible, so a dated statement
        // about the same thing is never outranked by an undated one.
        let timestamp = match timestamp {
            Some(t) => Some(t),
            None if compat && timestamp_absent => {
                let assumed = statements
                    .iter()
                    .filter_map(|s| s.timestamp.or(s.last_updated))
                    .min()
                    .or(last_updated)
                    .or_else(|| Timestamp::from_unix_seconds(0).ok());
                if let Some(t) = assumed {
                    upgrades.push(Upgrade::MissingTimestamp { assumed: t });
                }
                assumed
            }
            None => None,
        };
        match (id, author, timestamp, version) {
            (Some(id), Some(author), Some(timestamp), Some(version)) if v.is_empty() => Ok((
                Self {
                    context: CONTEXT_V0_2_0.to_owned(),
                    id,
                    author,
                    role,
                    timestamp,
                    last_updated,
                    version,
                    tooling,
                    statements,
                },
                upgrades,
            )),
            (id, ..) => Err(Invalid {
                document: id.unwrap_or_default(),
                violations: v,
            }
            .into()),
        }
    }

    /// The document as pretty-printed JSON in the v0.2.0 shape (fields in specification order,
    /// hashes sorted by algorithm; statements in the order held).
    pub fn to_json(&self) -> Result<Vec<u8>, VexError> {
        let mut out = serde_json::to_vec_pretty(self).map_err(|e| VexError::Shape {
            what: "OpenVEX document",
            message: e.to_string(),
        })?;
        out.push(b'\n');
        Ok(out)
    }

    /// The effective timestamp of statement `s` of this document: its own `last_updated`, else
    /// its own `timestamp`, else the document's (the specification's inheritance rule).
    pub fn statement_time(&self, s: &Statement) -> Timestamp {
        s.last_updated.or(s.timestamp).unwrap_or(self.timestamp)
    }
}

/// The document's top-level fields (without `statements`) and its statements as read.
struct DocParts {
    fields: serde_json::Map<String, serde_json::Value>,
    statements: StatementsPart,
}

enum StatementsPart {
    Missing,
    WrongType(&'static str),
    Read { count: usize, list: Vec<Statement> },
}

/// A count limit hit while deserializing: (what, max).
type Hit = Cell<Option<(&'static str, usize)>>;

fn limit(what: &'static str, max: usize, actual: usize) -> Result<(), VexError> {
    if actual > max {
        return Err(VexError::Limit { what, max, actual });
    }
    Ok(())
}

/// The count limits over an already-built statement value (the in-toto predicate path).
fn check_value_counts(statement: &serde_json::Value, o: &ParseOptions) -> Result<(), VexError> {
    let len = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_array()).map_or(0, Vec::len);
    let products = statement.get("products");
    limit("products per statement", o.max_products, len(products))?;
    limit(
        "subcomponents per product",
        o.max_subcomponents,
        len(statement.get("subcomponents")),
    )?;
    if let Some(serde_json::Value::Array(items)) = products {
        for p in items {
            limit(
                "subcomponents per product",
                o.max_subcomponents,
                len(p.get("subcomponents")),
            )?;
        }
    }
    Ok(())
}

/// Where a JSON value sits in the document, for its lists' limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Statement,
    Products,
    Product,
    Subcomponents,
    Other,
}

/// A JSON value read with the count limits of its place: a statement's `products`, a
/// product's (or v0.0.1 statement's) `subcomponents`, and every other list of a statement.
struct ValueSeed<'a> {
    options: &'a ParseOptions,
    hit: &'a Hit,
    ctx: Ctx,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = serde_json::Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let (what, max, elem) = match self.ctx {
            Ctx::Products => (
                "products per statement",
                self.options.max_products,
                Ctx::Product,
            ),
            Ctx::Subcomponents => (
                "subcomponents per product",
                self.options.max_subcomponents,
                Ctx::Other,
            ),
            _ => (
                "entries of a list in a statement",
                self.options.max_products,
                Ctx::Other,
            ),
        };
        let mut out = Vec::new();
        loop {
            let seed = ValueSeed {
                options: self.options,
                hit: self.hit,
                ctx: elem,
            };
            if out.len() == max {
                // One more element is over the limit: stop before reading it.
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    self.hit.set(Some((what, max)));
                    return Err(serde::de::Error::custom(format!("{what} over {max}")));
                }
                break;
            }
            match seq.next_element_seed(seed)? {
                Some(v) => out.push(v),
                None => break,
            }
        }
        Ok(serde_json::Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let ctx = match (self.ctx, key.as_str()) {
                (Ctx::Statement, "products") => Ctx::Products,
                (Ctx::Statement | Ctx::Product, "subcomponents") => Ctx::Subcomponents,
                _ => Ctx::Other,
            };
            let value = map.next_value_seed(ValueSeed {
                options: self.options,
                hit: self.hit,
                ctx,
            })?;
            out.insert(key, value);
        }
        Ok(serde_json::Value::Object(out))
    }
}

/// The document: top-level fields kept as (bounded) values, `statements` read one by one.
struct DocSeed<'a> {
    options: &'a ParseOptions,
    hit: &'a Hit,
    violations: &'a mut Vec<Violation>,
    legacy: &'a std::cell::RefCell<StatementNotes>,
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_> {
    type Value = DocParts;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_> {
    type Value = DocParts;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OpenVEX document (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = serde_json::Map::new();
        let mut statements = StatementsPart::Missing;
        while let Some(key) = map.next_key::<String>()? {
            if key == "statements" {
                statements = map.next_value_seed(StatementsSeed {
                    options: self.options,
                    hit: self.hit,
                    violations: &mut *self.violations,
                    legacy: self.legacy,
                })?;
            } else {
                let value = map.next_value_seed(ValueSeed {
                    options: self.options,
                    hit: self.hit,
                    ctx: Ctx::Other,
                })?;
                fields.insert(key, value);
            }
        }
        Ok(DocParts { fields, statements })
    }
}

/// The `statements` array: each statement is read as a bounded value, turned into a
/// [`Statement`] (or violations) and dropped before the next one is read.
struct StatementsSeed<'a> {
    options: &'a ParseOptions,
    hit: &'a Hit,
    violations: &'a mut Vec<Violation>,
    legacy: &'a std::cell::RefCell<StatementNotes>,
}

impl<'de> DeserializeSeed<'de> for StatementsSeed<'_> {
    type Value = StatementsPart;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StatementsSeed<'_> {
    type Value = StatementsPart;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the statements array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let max = self.options.max_statements;
        let mut list = Vec::new();
        let mut count = 0usize;
        loop {
            if count == max {
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    self.hit.set(Some(("statements per document", max)));
                    return Err(serde::de::Error::custom("too many statements"));
                }
                break;
            }
            let Some(item) = seq.next_element_seed(ValueSeed {
                options: self.options,
                hit: self.hit,
                ctx: Ctx::Statement,
            })?
            else {
                break;
            };
            self.legacy.borrow_mut().note(&item);
            if let Some(s) = parse_statement(count, &item, self.violations) {
                list.push(s);
            }
            count += 1;
        }
        Ok(StatementsPart::Read { count, list })
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(StatementsPart::WrongType("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(StatementsPart::WrongType("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(StatementsPart::WrongType("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(StatementsPart::WrongType("a number"))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(StatementsPart::WrongType("a string"))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(StatementsPart::WrongType("null"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(StatementsPart::WrongType("an object"))
    }
}

/// The top-level fields of an OpenVEX v0.2.0 document (the schema refuses any other).
const KNOWN_FIELDS: [&str; 9] = [
    "@context",
    "@id",
    "author",
    "role",
    "timestamp",
    "last_updated",
    "version",
    "tooling",
    "statements",
];

/// The fields of an OpenVEX v0.2.0 statement (the schema refuses any other).
const STATEMENT_FIELDS: [&str; 13] = [
    "@id",
    "version",
    "vulnerability",
    "timestamp",
    "last_updated",
    "products",
    "status",
    "supplier",
    "status_notes",
    "justification",
    "impact_statement",
    "action_statement",
    "action_statement_timestamp",
];

/// What the statements of a document showed of older or looser shapes, counted (not listed,
/// so a document of many statements costs no more).
#[derive(Debug, Default)]
struct StatementNotes {
    /// Statements in the v0.0.1 shape.
    legacy: usize,
    /// Statements with a field v0.2.0 does not define.
    unknown: usize,
    /// The first such field.
    first_unknown: Option<String>,
}

impl StatementNotes {
    fn note(&mut self, item: &serde_json::Value) {
        if is_legacy_statement(item) {
            self.legacy = self.legacy.saturating_add(1);
        }
        if let Some(obj) = item.as_object() {
            // v0.0.1 fields are counted as legacy, not as unknown.
            let unknown = obj.keys().find(|k| {
                !STATEMENT_FIELDS.contains(&k.as_str())
                    && !["subcomponents", "vuln_description"].contains(&k.as_str())
            });
            if let Some(k) = unknown {
                self.unknown = self.unknown.saturating_add(1);
                if self.first_unknown.is_none() {
                    self.first_unknown = Some(truncate(k));
                }
            }
        }
    }
}

/// True when a statement is in the v0.0.1 shape: a string vulnerability, string products,
/// statement-level subcomponents or a string version.
fn is_legacy_statement(item: &serde_json::Value) -> bool {
    item.get("vulnerability")
        .is_some_and(serde_json::Value::is_string)
        || item.get("subcomponents").is_some()
        || item
            .get("version")
            .is_some_and(serde_json::Value::is_string)
        || item
            .get("products")
            .and_then(serde_json::Value::as_array)
            .is_some_and(|ps| ps.iter().any(serde_json::Value::is_string))
}

fn is_openvex_context(c: &str) -> bool {
    c == CONTEXT_UNVERSIONED
        || c.strip_prefix("https://openvex.dev/ns/v")
            .is_some_and(|v| !v.is_empty() && v.chars().all(|ch| ch.is_ascii_digit() || ch == '.'))
}

fn truncate(s: &str) -> String {
    s.chars().take(200).collect()
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn at(statement: Option<(usize, Option<&str>)>, kind: ViolationKind) -> Violation {
    Violation {
        statement: statement.map(|(i, _)| i),
        statement_id: statement.and_then(|(_, id)| id.map(str::to_owned)),
        kind,
    }
}

type Loc<'a> = Option<(usize, Option<&'a str>)>;

fn opt_str(
    value: Option<&serde_json::Value>,
    field: &'static str,
    v: &mut Vec<Violation>,
    loc: Loc<'_>,
) -> Option<String> {
    match value {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(other) => {
            v.push(at(
                loc,
                ViolationKind::WrongType {
                    field,
                    message: format!("expected a string, found {}", json_kind(other)),
                },
            ));
            None
        }
    }
}

fn opt_time(
    value: Option<&serde_json::Value>,
    field: &'static str,
    v: &mut Vec<Violation>,
    loc: Loc<'_>,
) -> Option<Timestamp> {
    let s = opt_str(value, field, v, loc)?;
    match Timestamp::parse_rfc3339(&s) {
        Ok(t) => Some(t),
        Err(_) => {
            v.push(at(
                loc,
                ViolationKind::InvalidTimestamp {
                    field,
                    value: truncate(&s),
                },
            ));
            None
        }
    }
}

fn parse_version(x: &serde_json::Value, v: &mut Vec<Violation>, loc: Loc<'_>) -> Option<u64> {
    // v0.0.1 documents (and vexctl of that era) wrote the version as a string.
    let n = match x {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse::<u64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n >= 1 => Some(n),
        _ => {
            v.push(at(
                loc,
                ViolationKind::InvalidVersion {
                    value: truncate(&x.to_string()),
                },
            ));
            None
        }
    }
}

fn parse_statement(
    i: usize,
    item: &serde_json::Value,
    v: &mut Vec<Violation>,
) -> Option<Statement> {
    let Some(obj) = item.as_object() else {
        v.push(at(
            Some((i, None)),
            ViolationKind::WrongType {
                field: "statement",
                message: format!("expected an object, found {}", json_kind(item)),
            },
        ));
        return None;
    };
    let before = v.len();
    let mut scratch = Vec::new();
    let sid = opt_str(obj.get("@id"), "@id", &mut scratch, Some((i, None)));
    v.append(&mut scratch);
    let loc = Some((i, sid.as_deref()));
    let version = match obj.get("version") {
        None | Some(serde_json::Value::Null) => None,
        Some(x) => parse_version(x, v, loc),
    };
    let vulnerability = match obj.get("vulnerability") {
        None | Some(serde_json::Value::Null) => {
            v.push(at(
                loc,
                ViolationKind::MissingField {
                    field: "vulnerability",
                },
            ));
            None
        }
        // v0.0.1: the vulnerability is a bare string; its description sat beside it.
        Some(serde_json::Value::String(name)) => Some(Vulnerability {
            name: name.clone(),
            description: opt_str(obj.get("vuln_description"), "vuln_description", v, loc),
            ..Vulnerability::default()
        }),
        Some(x @ serde_json::Value::Object(_)) => {
            match serde_json::from_value::<Vulnerability>(x.clone()) {
                Ok(vul) => Some(vul),
                Err(e) => {
                    v.push(at(
                        loc,
                        ViolationKind::WrongType {
                            field: "vulnerability",
                            message: e.to_string(),
                        },
                    ));
                    None
                }
            }
        }
        Some(other) => {
            v.push(at(
                loc,
                ViolationKind::WrongType {
                    field: "vulnerability",
                    message: format!("expected an object, found {}", json_kind(other)),
                },
            ));
            None
        }
    };
    if let Some(vul) = &vulnerability {
        if vul.name.trim().is_empty() {
            v.push(at(
                loc,
                ViolationKind::MissingField {
                    field: "vulnerability.name",
                },
            ));
        }
    }
    let status = match opt_str(obj.get("status"), "status", v, loc) {
        None => {
            if !v.iter().skip(before).any(|x| {
                matches!(
                    x.kind,
                    ViolationKind::WrongType {
                        field: "status",
                        ..
                    }
                )
            }) {
                v.push(at(loc, ViolationKind::MissingField { field: "status" }));
            }
            None
        }
        Some(s) => match Status::parse(&s) {
            Some(st) => Some(st),
            None => {
                v.push(at(
                    loc,
                    ViolationKind::UnknownStatus {
                        status: truncate(&s),
                    },
                ));
                None
            }
        },
    };
    let justification = match opt_str(obj.get("justification"), "justification", v, loc) {
        None => None,
        Some(s) => match Justification::parse(&s) {
            Some(j) => Some(j),
            None => {
                v.push(at(
                    loc,
                    ViolationKind::UnknownJustification {
                        justification: truncate(&s),
                    },
                ));
                None
            }
        },
    };
    let mut products = Vec::new();
    match obj.get("products") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Array(items)) => {
            for (p, item) in items.iter().enumerate() {
                if let Some(prod) = parse_product(p, item, v, loc) {
                    products.push(prod);
                }
            }
        }
        Some(other) => v.push(at(
            loc,
            ViolationKind::WrongType {
                field: "products",
                message: format!("expected an array, found {}", json_kind(other)),
            },
        )),
    }
    // v0.0.1: subcomponents were listed beside the products, as strings; they apply to every
    // product of the statement.
    if let Some(serde_json::Value::Array(subs)) = obj.get("subcomponents") {
        let mut list = Vec::new();
        for (p, item) in subs.iter().enumerate() {
            if let Some(c) = parse_component(p, item, v, loc) {
                list.push(c);
            }
        }
        for prod in &mut products {
            prod.subcomponents.extend(list.iter().cloned());
        }
    }
    let timestamp = opt_time(obj.get("timestamp"), "timestamp", v, loc);
    let last_updated = opt_time(obj.get("last_updated"), "last_updated", v, loc);
    let action_statement_timestamp = opt_time(
        obj.get("action_statement_timestamp"),
        "action_statement_timestamp",
        v,
        loc,
    );
    let supplier = opt_str(obj.get("supplier"), "supplier", v, loc);
    let status_notes = opt_str(obj.get("status_notes"), "status_notes", v, loc);
    let impact_statement = opt_str(obj.get("impact_statement"), "impact_statement", v, loc);
    let action_statement = opt_str(obj.get("action_statement"), "action_statement", v, loc);
    if v.len() != before {
        return None;
    }
    Some(Statement {
        id: sid,
        version,
        vulnerability: vulnerability?,
        timestamp,
        last_updated,
        products,
        status: status?,
        supplier,
        status_notes,
        justification,
        impact_statement,
        action_statement,
        action_statement_timestamp,
    })
}

fn parse_component(
    p: usize,
    item: &serde_json::Value,
    v: &mut Vec<Violation>,
    loc: Loc<'_>,
) -> Option<Component> {
    match item {
        serde_json::Value::String(s) => Some(Component::purl(s.clone())),
        serde_json::Value::Object(obj) => {
            let mut c = Component {
                id: opt_str(obj.get("@id"), "product @id", v, loc),
                ..Component::default()
            };
            if let Some(ids) = obj.get("identifiers") {
                match ids.as_object() {
                    Some(map) => {
                        for (k, val) in map {
                            let s = opt_str(Some(val), "identifiers", v, loc);
                            match k.as_str() {
                                "purl" => c.identifiers.purl = s,
                                "cpe22" => c.identifiers.cpe22 = s,
                                "cpe23" => c.identifiers.cpe23 = s,
                                other => v.push(at(
                                    loc,
                                    ViolationKind::UnknownIdentifier {
                                        product: p,
                                        identifier: truncate(other),
                                    },
                                )),
                            }
                        }
                    }
                    None => v.push(at(
                        loc,
                        ViolationKind::WrongType {
                            field: "identifiers",
                            message: format!("expected an object, found {}", json_kind(ids)),
                        },
                    )),
                }
            }
            if let Some(hashes) = obj.get("hashes") {
                match hashes.as_object() {
                    Some(map) => {
                        for (k, val) in map {
                            if !HASH_ALGORITHMS.contains(&k.as_str()) {
                                v.push(at(
                                    loc,
                                    ViolationKind::UnknownHashAlgorithm {
                                        product: p,
                                        algorithm: truncate(k),
                                    },
                                ));
                            } else if let Some(s) = opt_str(Some(val), "hashes", v, loc) {
                                c.hashes.insert(k.clone(), s);
                            }
                        }
                    }
                    None => v.push(at(
                        loc,
                        ViolationKind::WrongType {
                            field: "hashes",
                            message: format!("expected an object, found {}", json_kind(hashes)),
                        },
                    )),
                }
            }
            Some(c)
        }
        other => {
            v.push(at(
                loc,
                ViolationKind::WrongType {
                    field: "products",
                    message: format!("expected an object or a string, found {}", json_kind(other)),
                },
            ));
            None
        }
    }
}

fn parse_product(
    p: usize,
    item: &serde_json::Value,
    v: &mut Vec<Violation>,
    loc: Loc<'_>,
) -> Option<Product> {
    let component = parse_component(p, item, v, loc)?;
    let mut subcomponents = Vec::new();
    if let Some(subs) = item.get("subcomponents") {
        match subs.as_array() {
            Some(items) => {
                for s in items {
                    if let Some(c) = parse_component(p, s, v, loc) {
                        subcomponents.push(c);
                    }
                }
            }
            None => v.push(at(
                loc,
                ViolationKind::WrongType {
                    field: "subcomponents",
                    message: format!("expected an array, found {}", json_kind(subs)),
                },
            )),
        }
    }
    Some(Product {
        component,
        subcomponents,
    })
}

pub(crate) fn component_identified(c: &Component) -> bool {
    c.is_identified()
}
