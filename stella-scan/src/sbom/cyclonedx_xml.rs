//! CycloneDX 1.6 XML, written from the same document as the JSON writer.
//!
//! [`write`] builds the CycloneDX JSON document with [`super::cyclonedx::write`] and maps it
//! to XML with one table of CycloneDX's JSON ↔ XML correspondence ([`BOM`] and the types it
//! reaches): which JSON keys are XML attributes, which are child elements, which arrays are
//! wrapped (`hashes/hash`, `properties/property`, `components/component`) or repeated
//! (`url`, `contact`, `dependency`), and the element order of the XSD's sequences. So a field
//! the JSON writer gains reaches the XML as soon as the table knows its key; a key the table
//! does not know is a typed error ([`SbomWriteProblem::NoXmlMapping`]), never dropped. The
//! reader ([`crate::sbom_input`]) uses the same table backwards.
//!
//! Text is escaped for XML 1.0; characters XML 1.0 cannot carry at all (C0 controls other than
//! tab, newline and carriage return; U+FFFE, U+FFFF) are written as U+FFFD. Carriage returns,
//! and in attributes tabs and newlines, are written as character references so that a parser's
//! end-of-line and attribute-value normalisation gives back the same string.

use std::borrow::Cow;

use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use serde_json::{Map, Value};

use crate::error::{SbomWriteProblem, ScanError};
use crate::package::Sbom;

use super::WriteOptions;

/// The CycloneDX 1.6 XML namespace.
pub const NAMESPACE: &str = "http://cyclonedx.org/schema/bom/1.6";

/// The scalar type of an attribute or a text element (how the reader types it in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scalar {
    /// A string.
    Str,
    /// An integer.
    Int,
    /// A boolean.
    Bool,
}

/// How one JSON key appears in XML.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// An attribute of the element.
    Attr(Scalar),
    /// The element's own text (XSD simple content: `<hash alg="…">content</hash>`).
    Content(Scalar),
    /// A child element holding text.
    Text(Scalar),
    /// A child element holding an object.
    Obj(&'static Ty),
    /// A JSON array as a wrapper element of repeated items: `(item element name, item)`.
    Wrapped(&'static str, Item),
    /// A JSON array as repeated child elements without a wrapper.
    Repeated(Item),
    /// CycloneDX licence choice (`license` objects or one `expression`), wrapped.
    Licenses,
    /// `metadata.tools`: the 1.5+ object (`components`, `services`) or the legacy array.
    Tools,
    /// Not in the XML body (`bomFormat`, `specVersion`, `$schema`: the namespace says these).
    Implied,
}

/// One array item.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Item {
    /// Text.
    Text(Scalar),
    /// An object.
    Obj(&'static Ty),
    /// A string written as an empty element with a `ref` attribute (`dependsOn`).
    Ref,
}

/// An XML element type: its JSON keys in XSD order (attributes first).
#[derive(Debug)]
pub(crate) struct Ty {
    /// `(JSON key, XML name, kind)`.
    pub(crate) fields: &'static [(&'static str, &'static str, Kind)],
}

impl Ty {
    /// The field for a JSON key.
    pub(crate) fn by_json(&self, key: &str) -> Option<&(&'static str, &'static str, Kind)> {
        self.fields.iter().find(|(k, _, _)| *k == key)
    }
    /// The field for an XML attribute name.
    pub(crate) fn by_attr(&self, name: &str) -> Option<&(&'static str, &'static str, Kind)> {
        self.fields
            .iter()
            .find(|(_, x, k)| *x == name && matches!(k, Kind::Attr(_)))
    }
    /// The field for a child element name.
    pub(crate) fn by_element(&self, name: &str) -> Option<&(&'static str, &'static str, Kind)> {
        self.fields.iter().find(|(_, x, k)| {
            *x == name && !matches!(k, Kind::Attr(_) | Kind::Content(_) | Kind::Implied)
        })
    }
    /// The key of the element's own text, if it has one.
    pub(crate) fn content(&self) -> Option<(&'static str, Scalar)> {
        self.fields.iter().find_map(|(k, _, kind)| match kind {
            Kind::Content(s) => Some((*k, *s)),
            _ => None,
        })
    }
}

use Kind::{Attr, Content, Implied, Licenses, Obj, Repeated, Text, Tools, Wrapped};
use Scalar::{Bool, Int, Str};

/// The root `bom` element.
pub(crate) static BOM: Ty = Ty {
    fields: &[
        ("bomFormat", "", Implied),
        ("specVersion", "", Implied),
        ("$schema", "", Implied),
        ("serialNumber", "serialNumber", Attr(Str)),
        ("version", "version", Attr(Int)),
        ("metadata", "metadata", Obj(&METADATA)),
        (
            "components",
            "components",
            Wrapped("component", Item::Obj(&COMPONENT)),
        ),
        (
            "externalReferences",
            "externalReferences",
            Wrapped("reference", Item::Obj(&EXTERNAL_REFERENCE)),
        ),
        (
            "dependencies",
            "dependencies",
            Wrapped("dependency", Item::Obj(&DEPENDENCY)),
        ),
        (
            "properties",
            "properties",
            Wrapped("property", Item::Obj(&PROPERTY)),
        ),
    ],
};

static METADATA: Ty = Ty {
    fields: &[
        ("timestamp", "timestamp", Text(Str)),
        (
            "lifecycles",
            "lifecycles",
            Wrapped("lifecycle", Item::Obj(&LIFECYCLE)),
        ),
        ("tools", "tools", Tools),
        ("authors", "authors", Wrapped("author", Item::Obj(&CONTACT))),
        ("component", "component", Obj(&COMPONENT)),
        ("manufacturer", "manufacturer", Obj(&ENTITY)),
        ("manufacture", "manufacture", Obj(&ENTITY)),
        ("supplier", "supplier", Obj(&ENTITY)),
        ("licenses", "licenses", Licenses),
        (
            "properties",
            "properties",
            Wrapped("property", Item::Obj(&PROPERTY)),
        ),
    ],
};

static LIFECYCLE: Ty = Ty {
    fields: &[
        ("phase", "phase", Text(Str)),
        ("name", "name", Text(Str)),
        ("description", "description", Text(Str)),
    ],
};

/// The 1.5+ `tools` object.
pub(crate) static TOOLS: Ty = Ty {
    fields: &[(
        "components",
        "components",
        Wrapped("component", Item::Obj(&COMPONENT)),
    )],
};

/// A legacy (≤ 1.4) `tool`.
pub(crate) static TOOL: Ty = Ty {
    fields: &[
        ("vendor", "vendor", Text(Str)),
        ("name", "name", Text(Str)),
        ("version", "version", Text(Str)),
        ("hashes", "hashes", Wrapped("hash", Item::Obj(&HASH))),
        (
            "externalReferences",
            "externalReferences",
            Wrapped("reference", Item::Obj(&EXTERNAL_REFERENCE)),
        ),
    ],
};

static COMPONENT: Ty = Ty {
    fields: &[
        ("type", "type", Attr(Str)),
        ("mime-type", "mime-type", Attr(Str)),
        ("bom-ref", "bom-ref", Attr(Str)),
        ("supplier", "supplier", Obj(&ENTITY)),
        ("manufacturer", "manufacturer", Obj(&ENTITY)),
        ("authors", "authors", Wrapped("author", Item::Obj(&CONTACT))),
        ("author", "author", Text(Str)),
        ("publisher", "publisher", Text(Str)),
        ("group", "group", Text(Str)),
        ("name", "name", Text(Str)),
        ("version", "version", Text(Str)),
        ("description", "description", Text(Str)),
        ("scope", "scope", Text(Str)),
        ("hashes", "hashes", Wrapped("hash", Item::Obj(&HASH))),
        ("licenses", "licenses", Licenses),
        ("copyright", "copyright", Text(Str)),
        ("cpe", "cpe", Text(Str)),
        ("purl", "purl", Text(Str)),
        ("omniborId", "omniborId", Repeated(Item::Text(Str))),
        ("swhid", "swhid", Repeated(Item::Text(Str))),
        ("modified", "modified", Text(Bool)),
        (
            "externalReferences",
            "externalReferences",
            Wrapped("reference", Item::Obj(&EXTERNAL_REFERENCE)),
        ),
        (
            "properties",
            "properties",
            Wrapped("property", Item::Obj(&PROPERTY)),
        ),
        (
            "components",
            "components",
            Wrapped("component", Item::Obj(&COMPONENT)),
        ),
        ("evidence", "evidence", Obj(&EVIDENCE)),
    ],
};

static ENTITY: Ty = Ty {
    fields: &[
        ("bom-ref", "bom-ref", Attr(Str)),
        ("name", "name", Text(Str)),
        ("url", "url", Repeated(Item::Text(Str))),
        ("contact", "contact", Repeated(Item::Obj(&CONTACT))),
    ],
};

static CONTACT: Ty = Ty {
    fields: &[
        ("bom-ref", "bom-ref", Attr(Str)),
        ("name", "name", Text(Str)),
        ("email", "email", Text(Str)),
        ("phone", "phone", Text(Str)),
    ],
};

static HASH: Ty = Ty {
    fields: &[("alg", "alg", Attr(Str)), ("content", "", Content(Str))],
};

static PROPERTY: Ty = Ty {
    fields: &[("name", "name", Attr(Str)), ("value", "", Content(Str))],
};

static EXTERNAL_REFERENCE: Ty = Ty {
    fields: &[
        ("type", "type", Attr(Str)),
        ("url", "url", Text(Str)),
        ("comment", "comment", Text(Str)),
        ("hashes", "hashes", Wrapped("hash", Item::Obj(&HASH))),
    ],
};

static DEPENDENCY: Ty = Ty {
    fields: &[
        ("ref", "ref", Attr(Str)),
        ("dependsOn", "dependency", Repeated(Item::Ref)),
    ],
};

static EVIDENCE: Ty = Ty {
    fields: &[(
        "occurrences",
        "occurrences",
        Wrapped("occurrence", Item::Obj(&OCCURRENCE)),
    )],
};

static OCCURRENCE: Ty = Ty {
    fields: &[
        ("bom-ref", "bom-ref", Attr(Str)),
        ("location", "location", Text(Str)),
        ("line", "line", Text(Int)),
        ("offset", "offset", Text(Int)),
        ("symbol", "symbol", Text(Str)),
        ("additionalContext", "additionalContext", Text(Str)),
    ],
};

/// A `license` object.
pub(crate) static LICENSE: Ty = Ty {
    fields: &[
        ("bom-ref", "bom-ref", Attr(Str)),
        ("acknowledgement", "acknowledgement", Attr(Str)),
        ("id", "id", Text(Str)),
        ("name", "name", Text(Str)),
        ("text", "text", Obj(&ATTACHED_TEXT)),
        ("url", "url", Text(Str)),
        (
            "properties",
            "properties",
            Wrapped("property", Item::Obj(&PROPERTY)),
        ),
    ],
};

/// An `expression` licence choice (its text is the JSON `expression` key).
pub(crate) static EXPRESSION: Ty = Ty {
    fields: &[
        ("bom-ref", "bom-ref", Attr(Str)),
        ("acknowledgement", "acknowledgement", Attr(Str)),
        ("expression", "", Content(Str)),
    ],
};

static ATTACHED_TEXT: Ty = Ty {
    fields: &[
        ("contentType", "content-type", Attr(Str)),
        ("encoding", "encoding", Attr(Str)),
        ("content", "", Content(Str)),
    ],
};

/// Whether a character can appear in an XML 1.0 document.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes text for element content (`attribute = false`) or a double-quoted attribute value.
fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

fn scalar_text(v: &Value, path: &str) -> Result<String, SbomWriteProblem> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(SbomWriteProblem::NoXmlMapping {
            path: path.to_owned(),
        }),
    }
}

struct Out {
    w: Writer<Vec<u8>>,
}

impl Out {
    fn event(&mut self, e: Event<'_>) -> Result<(), SbomWriteProblem> {
        self.w.write_event(e).map_err(SbomWriteProblem::Xml)
    }

    fn text_element(&mut self, name: &str, text: &str) -> Result<(), SbomWriteProblem> {
        self.event(Event::Start(BytesStart::new(name)))?;
        self.event(Event::Text(BytesText::from_escaped(escape(text, false))))?;
        self.event(Event::End(BytesEnd::new(name)))
    }

    /// Writes `obj` as element `name` of type `ty`, with `extra` attributes first (the root's
    /// namespace).
    fn object(
        &mut self,
        name: &str,
        ty: &Ty,
        obj: &Map<String, Value>,
        path: &str,
        extra: &[(&str, &str)],
    ) -> Result<(), SbomWriteProblem> {
        for key in obj.keys() {
            if ty.by_json(key).is_none() {
                return Err(SbomWriteProblem::NoXmlMapping {
                    path: format!("{path}/{key}"),
                });
            }
        }
        let mut start = BytesStart::new(name);
        for (k, v) in extra {
            start.push_attribute(Attribute {
                key: QName(k.as_bytes()),
                value: Cow::Owned(escape(v, true).into_bytes()),
            });
        }
        let mut has_children = false;
        let mut content = None;
        for (key, xml, kind) in ty.fields {
            let Some(v) = obj.get(*key) else { continue };
            match kind {
                Attr(_) => {
                    let text = scalar_text(v, &format!("{path}/{key}"))?;
                    start.push_attribute(Attribute {
                        key: QName(xml.as_bytes()),
                        value: Cow::Owned(escape(&text, true).into_bytes()),
                    });
                }
                Content(_) => content = Some(scalar_text(v, &format!("{path}/{key}"))?),
                Implied => {}
                _ => has_children = true,
            }
        }
        if !has_children && content.is_none() {
            return self.event(Event::Empty(start));
        }
        self.event(Event::Start(start))?;
        if let Some(text) = content {
            self.event(Event::Text(BytesText::from_escaped(escape(&text, false))))?;
        }
        for (key, xml, kind) in ty.fields {
            let Some(v) = obj.get(*key) else { continue };
            let here = format!("{path}/{key}");
            match kind {
                Attr(_) | Content(_) | Implied => {}
                Text(_) => self.text_element(xml, &scalar_text(v, &here)?)?,
                Obj(t) => self.object(xml, t, as_object(v, &here)?, &here, &[])?,
                Wrapped(item_name, item) => {
                    self.event(Event::Start(BytesStart::new(*xml)))?;
                    for (i, x) in as_array(v, &here)?.iter().enumerate() {
                        self.item(item_name, *item, x, &format!("{here}/{i}"))?;
                    }
                    self.event(Event::End(BytesEnd::new(*xml)))?;
                }
                Repeated(item) => {
                    for (i, x) in as_array(v, &here)?.iter().enumerate() {
                        self.item(xml, *item, x, &format!("{here}/{i}"))?;
                    }
                }
                Licenses => {
                    self.event(Event::Start(BytesStart::new(*xml)))?;
                    for (i, x) in as_array(v, &here)?.iter().enumerate() {
                        let at = format!("{here}/{i}");
                        let choice = as_object(x, &at)?;
                        match choice.get("license") {
                            Some(l) if choice.len() == 1 => {
                                let at = format!("{at}/license");
                                self.object("license", &LICENSE, as_object(l, &at)?, &at, &[])?;
                            }
                            _ => self.object("expression", &EXPRESSION, choice, &at, &[])?,
                        }
                    }
                    self.event(Event::End(BytesEnd::new(*xml)))?;
                }
                Tools => match v {
                    Value::Array(items) => {
                        self.event(Event::Start(BytesStart::new(*xml)))?;
                        for (i, x) in items.iter().enumerate() {
                            self.item("tool", Item::Obj(&TOOL), x, &format!("{here}/{i}"))?;
                        }
                        self.event(Event::End(BytesEnd::new(*xml)))?;
                    }
                    _ => self.object(xml, &TOOLS, as_object(v, &here)?, &here, &[])?,
                },
            }
        }
        self.event(Event::End(BytesEnd::new(name)))
    }

    fn item(
        &mut self,
        name: &str,
        item: Item,
        v: &Value,
        path: &str,
    ) -> Result<(), SbomWriteProblem> {
        match item {
            Item::Text(_) => self.text_element(name, &scalar_text(v, path)?),
            Item::Obj(t) => self.object(name, t, as_object(v, path)?, path, &[]),
            Item::Ref => {
                let mut start = BytesStart::new(name);
                start.push_attribute(Attribute {
                    key: QName(b"ref"),
                    value: Cow::Owned(escape(&scalar_text(v, path)?, true).into_bytes()),
                });
                self.event(Event::Empty(start))
            }
        }
    }
}

fn as_object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, SbomWriteProblem> {
    v.as_object().ok_or_else(|| SbomWriteProblem::NoXmlMapping {
        path: path.to_owned(),
    })
}

fn as_array<'a>(v: &'a Value, path: &str) -> Result<&'a Vec<Value>, SbomWriteProblem> {
    v.as_array().ok_or_else(|| SbomWriteProblem::NoXmlMapping {
        path: path.to_owned(),
    })
}

/// Maps a CycloneDX 1.6 JSON document to CycloneDX 1.6 XML (UTF-8, two-space indent, trailing
/// newline).
pub(crate) fn json_to_xml(doc: &Value) -> Result<Vec<u8>, SbomWriteProblem> {
    let root = as_object(doc, "")?;
    let mut out = Out {
        w: Writer::new_with_indent(Vec::new(), b' ', 2),
    };
    out.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    out.object("bom", &BOM, root, "", &[("xmlns", NAMESPACE)])?;
    let mut bytes = out.w.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

/// Maps a CycloneDX 1.6 JSON document (as [`super::cyclonedx::write`] makes, or any using only
/// the keys the mapping knows) to CycloneDX 1.6 XML.
///
/// ```
/// use stella_scan::sbom::cyclonedx_xml;
/// let doc = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
///     "components": [{"type": "library", "name": "a", "purl": "pkg:npm/a@1"}]});
/// let xml = String::from_utf8(cyclonedx_xml::from_json(&doc)?).unwrap();
/// assert!(xml.contains("<purl>pkg:npm/a@1</purl>"));
/// let unknown = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "services": []});
/// assert!(cyclonedx_xml::from_json(&unknown).is_err());
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
pub fn from_json(doc: &Value) -> Result<Vec<u8>, ScanError> {
    json_to_xml(doc).map_err(|reason| ScanError::SbomWrite {
        format: "CycloneDX XML",
        reason,
    })
}

/// Writes the SBOM as CycloneDX 1.6 XML: the same document as [`super::cyclonedx::write`]
/// (same serial number, components, properties and dependencies), in the XML encoding of the
/// official XSD.
///
/// ```
/// use stella_core::Timestamp;
/// use stella_scan::{ImageInfo, Sbom};
/// use stella_scan::sbom::{WriteOptions, cyclonedx_xml};
///
/// let sbom = Sbom {
///     image: ImageInfo { name: "demo".into(), manifest_digest: None, config_digest: None, platform: None, layers: vec![], repository_url: None },
///     os: None, packages: vec![], catalogers: vec![], notes: vec![], scanner_version: "0.1.0".into(),
/// };
/// let opts = WriteOptions {
///     timestamp: Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
///     tool_name: "stella".into(), tool_version: "0.1.0".into(),
/// };
/// let xml = cyclonedx_xml::write(&sbom, &opts)?;
/// assert_eq!(xml, cyclonedx_xml::write(&sbom, &opts)?);
/// assert!(std::str::from_utf8(&xml).unwrap().contains(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6""#));
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
pub fn write(sbom: &Sbom, options: &WriteOptions) -> Result<Vec<u8>, ScanError> {
    let json = super::cyclonedx::write(sbom, options)?;
    let fail = |reason| ScanError::SbomWrite {
        format: "CycloneDX XML",
        reason,
    };
    let doc: Value = serde_json::from_slice(&json).map_err(|e| fail(SbomWriteProblem::Json(e)))?;
    json_to_xml(&doc).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_an_error_not_dropped() {
        let doc = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
            "components": [{"type": "library", "name": "a", "frobnicate": 1}]});
        match json_to_xml(&doc) {
            Err(SbomWriteProblem::NoXmlMapping { path }) => {
                assert_eq!(path, "/components/0/frobnicate")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn escapes_and_replaces_what_xml_cannot_carry() {
        assert_eq!(escape("a<b>&\"c\"", false), "a&lt;b&gt;&amp;\"c\"");
        assert_eq!(escape("a\"\t\n\r", true), "a&quot;&#9;&#10;&#13;");
        assert_eq!(
            escape("x\u{0}\u{1b}\u{FFFE}y", false),
            "x\u{FFFD}\u{FFFD}\u{FFFD}y"
        );
    }

    #[test]
    fn licences_hashes_and_dependencies_take_their_xml_shapes() {
        let doc = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "components": [{"type": "library", "bom-ref": "a", "name": "a",
                "hashes": [{"alg": "SHA-256", "content": "00"}],
                "licenses": [{"license": {"id": "MIT", "acknowledgement": "declared"}}]},
              {"type": "library", "bom-ref": "b", "name": "b",
                "licenses": [{"expression": "MIT OR Apache-2.0", "acknowledgement": "concluded"}]}],
            "dependencies": [{"ref": "a", "dependsOn": ["b"]}]});
        let xml = String::from_utf8(json_to_xml(&doc).unwrap()).unwrap();
        assert!(xml.contains(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">"#));
        assert!(xml.contains(r#"<hash alg="SHA-256">00</hash>"#));
        assert!(xml.contains(r#"<license acknowledgement="declared">"#));
        assert!(
            xml.contains(
                r#"<expression acknowledgement="concluded">MIT OR Apache-2.0</expression>"#
            )
        );
        assert!(xml.contains(r#"<dependency ref="a">"#));
        assert!(xml.contains(r#"<dependency ref="b"/>"#));
    }
}
