//! CycloneDX XML input: parsed with `quick-xml` into a bounded element tree, then mapped to the
//! CycloneDX JSON form with the writer's table ([`crate::sbom::cyclonedx_xml`]) and read (and
//! validated) like JSON.
//!
//! Refused before anything is built: a DOCTYPE (so no DTD, no entity declaration, no external
//! entity, no entity expansion: the XXE and "billion laughs" family), any entity reference but
//! the five predefined ones and character references, input that is not UTF-8, nesting deeper
//! than [`MAX_DEPTH`], more than [`MAX_ELEMENTS`] elements, a repeated element that may appear
//! once. The root must be `bom` in a CycloneDX 1.3–1.6 namespace (its version becomes
//! `specVersion`). Elements outside the mapped subset (services, compositions, vulnerabilities,
//! pedigree, …) and elements of other namespaces are not read; each is reported as a warning.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Number, Value};

use crate::error::XmlProblem;
use crate::sbom::cyclonedx_xml::{
    BOM, EXPRESSION, Item, Kind, LICENSE, Scalar, TOOL, TOOLS, Ty, is_xml_char,
};

/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 64;
/// Most elements accepted in one document.
pub const MAX_ELEMENTS: usize = 4_000_000;
/// Most attributes accepted on one element.
pub const MAX_ATTRIBUTES: usize = 64;

#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
}

/// Whether the bytes look like XML (first non-blank character after an optional UTF-8 BOM is
/// `<`).
pub(crate) fn looks_like_xml(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    b.iter()
        .find(|c| !c.is_ascii_whitespace())
        .is_some_and(|c| *c == b'<')
}

fn syntax(e: impl std::fmt::Display) -> XmlProblem {
    XmlProblem::Syntax(e.to_string())
}

fn start_node(e: &quick_xml::events::BytesStart<'_>) -> Result<Node, XmlProblem> {
    let name = std::str::from_utf8(e.name().as_ref())
        .map_err(|_| XmlProblem::NotUtf8)?
        .to_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(syntax)?;
        if attrs.len() >= MAX_ATTRIBUTES {
            return Err(XmlProblem::TooManyAttributes(MAX_ATTRIBUTES));
        }
        let key = std::str::from_utf8(a.key.as_ref())
            .map_err(|_| XmlProblem::NotUtf8)?
            .to_owned();
        if attrs.iter().any(|(k, _)| *k == key) {
            return Err(XmlProblem::Duplicate(format!("@{key}")));
        }
        let value =
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| match e {
                    quick_xml::Error::Escape(
                        quick_xml::escape::EscapeError::UnrecognizedEntity(_, name),
                    ) => XmlProblem::UnknownEntity(name),
                    other => syntax(other),
                })?
                .into_owned();
        attrs.push((key, value));
    }
    Ok(Node {
        name,
        attrs,
        ..Node::default()
    })
}

/// Parses the document into its root element.
fn parse_tree(text: &str) -> Result<Node, XmlProblem> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let mut elements = 0usize;
    loop {
        let event = reader.read_event().map_err(syntax)?;
        match event {
            Event::DocType(_) => return Err(XmlProblem::Doctype),
            Event::Decl(d) => {
                if let Some(enc) = d.encoding() {
                    let enc = enc.map_err(syntax)?;
                    if !enc.eq_ignore_ascii_case(b"utf-8") {
                        return Err(XmlProblem::NotUtf8);
                    }
                }
            }
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(XmlProblem::Syntax("content after the root element".into()));
            }
            Event::Start(e) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(XmlProblem::TooManyElements(MAX_ELEMENTS));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlProblem::TooDeep(MAX_DEPTH));
                }
                stack.push(start_node(&e)?);
            }
            Event::Empty(e) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(XmlProblem::TooManyElements(MAX_ELEMENTS));
                }
                let node = start_node(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::End(_) => {
                let node = stack
                    .pop()
                    .ok_or_else(|| XmlProblem::Syntax("unbalanced end tag".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Text(t) => {
                let s = t.xml10_content().map_err(syntax)?;
                match stack.last_mut() {
                    Some(n) => n.text.push_str(&s),
                    None if s.trim().is_empty() => {}
                    None => return Err(XmlProblem::Syntax("text outside the root element".into())),
                }
            }
            Event::CData(t) => {
                let s = t.xml10_content().map_err(syntax)?;
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(syntax)?
                        .filter(|c| is_xml_char(*c))
                        .ok_or_else(|| XmlProblem::Syntax("invalid character reference".into()))?
                        .to_string()
                } else {
                    let name = r.decode().map_err(syntax)?;
                    quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| XmlProblem::UnknownEntity(name.to_string()))?
                        .to_owned()
                };
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&resolved);
                }
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlProblem::Syntax("unclosed element".into()));
    }
    root.ok_or_else(|| XmlProblem::Syntax("no root element".into()))
}

struct Converter {
    /// The prefix of CycloneDX elements (`""` when the namespace is the default one).
    prefix: String,
    warnings: Warnings,
}

/// Warnings, the first [`super::MAX_WARNINGS`] kept and the rest counted.
#[derive(Default)]
pub(crate) struct Warnings {
    kept: Vec<String>,
    dropped: usize,
}

impl Warnings {
    /// Adds one.
    pub(crate) fn push(&mut self, w: String) {
        if self.kept.len() < super::MAX_WARNINGS {
            self.kept.push(w);
        } else {
            self.dropped += 1;
        }
    }
    /// Counts `n` more that are not kept.
    pub(crate) fn count_more(&mut self, n: usize) {
        self.dropped += n;
    }
    /// The kept warnings, with a last line counting the dropped ones.
    pub(crate) fn into_vec(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.kept.push(format!("… and {} more", self.dropped));
        }
        self.kept
    }
}

fn scalar(text: &str, s: Scalar) -> Value {
    let t = text.trim();
    match s {
        Scalar::Str => Value::String(t.to_owned()),
        Scalar::Int => t
            .parse::<i64>()
            .map(|n| Value::Number(Number::from(n)))
            .unwrap_or_else(|_| Value::String(t.to_owned())),
        Scalar::Bool => match t {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => Value::String(t.to_owned()),
        },
    }
}

impl Converter {
    /// The CycloneDX local name of an element, or `None` for another namespace's element.
    fn local<'a>(&self, name: &'a str) -> Option<&'a str> {
        match name.split_once(':') {
            Some((p, l)) if p == self.prefix => Some(l),
            Some(_) => None,
            None if self.prefix.is_empty() => Some(name),
            None => None,
        }
    }

    fn set(
        &self,
        obj: &mut Map<String, Value>,
        key: &str,
        v: Value,
        path: &str,
    ) -> Result<(), XmlProblem> {
        if obj.insert(key.to_owned(), v).is_some() {
            return Err(XmlProblem::Duplicate(format!("{path}/{key}")));
        }
        Ok(())
    }

    fn object(
        &mut self,
        node: &Node,
        ty: &Ty,
        path: &str,
    ) -> Result<Map<String, Value>, XmlProblem> {
        let mut obj = Map::new();
        for (k, v) in &node.attrs {
            if k == "xmlns" || k.contains(':') {
                continue;
            }
            match ty.by_attr(k) {
                Some((key, _, Kind::Attr(s))) => {
                    self.set(&mut obj, key, scalar(v, *s), path)?;
                }
                _ => self
                    .warnings
                    .push(format!("{path}/@{k}: attribute not read")),
            }
        }
        if let Some((key, s)) = ty.content() {
            self.set(&mut obj, key, scalar(&node.text, s), path)?;
        } else if !node.text.trim().is_empty() {
            self.warnings.push(format!("{path}: text not read"));
        }
        for child in &node.children {
            let Some(local) = self.local(&child.name) else {
                self.warnings
                    .push(format!("{path}/{}: extension element not read", child.name));
                continue;
            };
            let Some((key, _, kind)) = ty.by_element(local) else {
                self.warnings
                    .push(format!("{path}/{local}: element not read"));
                continue;
            };
            let here = format!("{path}/{key}");
            match kind {
                Kind::Text(s) => self.set(&mut obj, key, scalar(&child.text, *s), path)?,
                Kind::Obj(t) => {
                    let v = Value::Object(self.object(child, t, &here)?);
                    self.set(&mut obj, key, v, path)?;
                }
                Kind::Wrapped(item_name, item) => {
                    let v = self.items(child, item_name, *item, &here)?;
                    self.set(&mut obj, key, v, path)?;
                }
                Kind::Repeated(item) => {
                    let n = obj.get(*key).and_then(Value::as_array).map_or(0, Vec::len);
                    let v = self.item(child, *item, &format!("{here}/{n}"))?;
                    match obj
                        .entry((*key).to_owned())
                        .or_insert_with(|| Value::Array(Vec::new()))
                    {
                        Value::Array(a) => a.push(v),
                        _ => return Err(XmlProblem::Duplicate(here)),
                    }
                }
                Kind::Licenses => {
                    let mut out = Vec::new();
                    for (i, l) in child.children.iter().enumerate() {
                        let at = format!("{here}/{i}");
                        match self.local(&l.name) {
                            Some("license") => {
                                let lic = self.object(l, &LICENSE, &format!("{at}/license"))?;
                                let mut m = Map::new();
                                m.insert("license".into(), Value::Object(lic));
                                out.push(Value::Object(m));
                            }
                            Some("expression") => {
                                out.push(Value::Object(self.object(l, &EXPRESSION, &at)?));
                            }
                            _ => self.warnings.push(format!("{at}: element not read")),
                        }
                    }
                    self.set(&mut obj, key, Value::Array(out), path)?;
                }
                Kind::Tools => {
                    let legacy = child
                        .children
                        .iter()
                        .any(|c| self.local(&c.name) == Some("tool"));
                    let v = if legacy {
                        self.items(child, "tool", Item::Obj(&TOOL), &here)?
                    } else {
                        Value::Object(self.object(child, &TOOLS, &here)?)
                    };
                    self.set(&mut obj, key, v, path)?;
                }
                Kind::Attr(_) | Kind::Content(_) | Kind::Implied => {}
            }
        }
        Ok(obj)
    }

    fn items(
        &mut self,
        wrapper: &Node,
        item_name: &str,
        item: Item,
        path: &str,
    ) -> Result<Value, XmlProblem> {
        let mut out = Vec::new();
        for c in &wrapper.children {
            if self.local(&c.name) == Some(item_name) {
                let at = format!("{path}/{}", out.len());
                out.push(self.item(c, item, &at)?);
            } else {
                self.warnings
                    .push(format!("{path}/{}: element not read", c.name));
            }
        }
        Ok(Value::Array(out))
    }

    fn item(&mut self, node: &Node, item: Item, path: &str) -> Result<Value, XmlProblem> {
        Ok(match item {
            Item::Text(s) => scalar(&node.text, s),
            Item::Obj(t) => Value::Object(self.object(node, t, path)?),
            Item::Ref => Value::String(
                node.attrs
                    .iter()
                    .find(|(k, _)| k == "ref")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            ),
        })
    }
}

/// Parses CycloneDX XML into its CycloneDX JSON form, with warnings for what was not read.
pub(crate) fn to_json(bytes: &[u8]) -> Result<(Value, Warnings), XmlProblem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| XmlProblem::NotUtf8)?;
    let root = parse_tree(text)?;
    let (prefix, local) = match root.name.split_once(':') {
        Some((p, l)) => (p.to_owned(), l),
        None => (String::new(), root.name.as_str()),
    };
    let ns_attr = if prefix.is_empty() {
        "xmlns".to_owned()
    } else {
        format!("xmlns:{prefix}")
    };
    let ns = root
        .attrs
        .iter()
        .find(|(k, _)| *k == ns_attr)
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let version = ns
        .strip_prefix("http://cyclonedx.org/schema/bom/")
        .filter(|v| matches!(*v, "1.3" | "1.4" | "1.5" | "1.6"));
    let (Some(version), "bom") = (version, local) else {
        return Err(XmlProblem::NotCycloneDx(format!("{} in {ns:?}", root.name)));
    };
    let mut c = Converter {
        prefix,
        warnings: Warnings::default(),
    };
    let mut obj = Map::new();
    obj.insert("bomFormat".into(), Value::String("CycloneDX".into()));
    obj.insert("specVersion".into(), Value::String(version.to_owned()));
    obj.extend(c.object(&root, &BOM, "")?);
    Ok((Value::Object(obj), c.warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = r#"xmlns="http://cyclonedx.org/schema/bom/1.6""#;

    #[test]
    fn refuses_a_doctype_and_undefined_entities() {
        let xxe = format!(
            r#"<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY x SYSTEM "file:///etc/passwd">]><bom {NS}><components><component type="library"><name>&x;</name></component></components></bom>"#
        );
        assert!(matches!(to_json(xxe.as_bytes()), Err(XmlProblem::Doctype)));
        let undefined = format!(
            r#"<bom {NS}><components><component type="library"><name>&x;</name></component></components></bom>"#
        );
        assert!(matches!(
            to_json(undefined.as_bytes()),
            Err(XmlProblem::UnknownEntity(n)) if n == "x"
        ));
    }

    #[test]
    fn maps_to_the_json_form() {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<bom {NS} serialNumber="urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" version="1">
  <components>
    <component type="library" bom-ref="a">
      <name>a &amp; b</name><version>1&#46;0</version>
      <hashes><hash alg="SHA-256">ab</hash></hashes>
      <licenses><expression>MIT</expression></licenses>
      <purl>pkg:npm/a@1.0</purl>
      <properties><property name="k">v</property></properties>
      <pedigree/>
    </component>
  </components>
  <dependencies><dependency ref="a"><dependency ref="b"/></dependency></dependencies>
</bom>"#
        );
        let (v, warnings) = to_json(xml.as_bytes()).unwrap();
        let warnings = warnings.into_vec();
        assert_eq!(
            v,
            serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
                "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", "version": 1,
                "components": [{"type": "library", "bom-ref": "a", "name": "a & b", "version": "1.0",
                    "hashes": [{"alg": "SHA-256", "content": "ab"}],
                    "licenses": [{"expression": "MIT"}], "purl": "pkg:npm/a@1.0",
                    "properties": [{"name": "k", "value": "v"}]}],
                "dependencies": [{"ref": "a", "dependsOn": ["b"]}]})
        );
        assert_eq!(
            warnings,
            vec!["/components/0/pedigree: element not read".to_owned()]
        );
    }

    #[test]
    fn bounds_and_shape() {
        let deep = format!(
            "<bom {NS}>{}{}</bom>",
            "<a>".repeat(100),
            "</a>".repeat(100)
        );
        assert!(matches!(
            to_json(deep.as_bytes()),
            Err(XmlProblem::TooDeep(_))
        ));
        let dup = format!(
            r#"<bom {NS}><components><component type="library"><name>a</name><name>b</name></component></components></bom>"#
        );
        assert!(matches!(
            to_json(dup.as_bytes()),
            Err(XmlProblem::Duplicate(_))
        ));
        assert!(matches!(
            to_json(br#"<bom xmlns="http://example.com/"/>"#),
            Err(XmlProblem::NotCycloneDx(_))
        ));
        assert!(matches!(
            to_json(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><bom/>"),
            Err(XmlProblem::NotUtf8)
        ));
        assert!(looks_like_xml(b"\xEF\xBB\xBF  <bom/>"));
        assert!(!looks_like_xml(b" {}"));
    }
}
