//! Validation of SBOM input against the official JSON schemas (embedded): CycloneDX 1.6 (with
//! its `spdx` and `jsf` sub-schemas, formats asserted), SPDX 2.3 and SPDX 3.0.1.
//!
//! The schema files are the repository's copies in `tests/data/schemas/` (provenance there);
//! each is compiled once per process, on first use.

use std::sync::OnceLock;

use serde_json::Value;

use crate::error::SchemaViolation;

/// Which official schema applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schema {
    /// CycloneDX 1.6 (`bom-1.6.schema.json`).
    CycloneDx16,
    /// SPDX 2.3 (`spdx-schema.json`, 2.3.1).
    Spdx23,
    /// SPDX 3.0.1 (`spdx-json-schema.json`).
    Spdx301,
}

const CDX16: &str = include_str!("../../../tests/data/schemas/cyclonedx-1.6/bom-1.6.schema.json");
const CDX_SPDX: &str = include_str!("../../../tests/data/schemas/cyclonedx-1.6/spdx.schema.json");
const CDX_JSF: &str =
    include_str!("../../../tests/data/schemas/cyclonedx-1.6/jsf-0.82.schema.json");
const SPDX23: &str = include_str!("../../../tests/data/schemas/spdx-2.3/spdx-schema.json");
const SPDX301: &str = include_str!("../../../tests/data/schemas/spdx-3.0.1/spdx-json-schema.json");

/// Longest validator message kept per violation (the message can quote large values).
const MAX_MESSAGE: usize = 300;

type Compiled = Result<jsonschema::Validator, String>;

fn compile(schema: Schema) -> Compiled {
    let parse = |text: &str| serde_json::from_str::<Value>(text).map_err(|e| e.to_string());
    let mut options = jsonschema::options().should_validate_formats(true);
    let registry;
    let root = match schema {
        Schema::CycloneDx16 => {
            let base = "http://cyclonedx.org/schema/";
            let (spdx, jsf) = (parse(CDX_SPDX)?, parse(CDX_JSF)?);
            registry = jsonschema::Registry::new()
                .add(format!("{base}spdx.schema.json"), spdx)
                .and_then(|r| r.add(format!("{base}jsf-0.82.schema.json"), jsf))
                .and_then(|r| r.prepare())
                .map_err(|e| e.to_string())?;
            options = options.with_registry(&registry);
            parse(CDX16)?
        }
        Schema::Spdx23 => parse(SPDX23)?,
        Schema::Spdx301 => parse(SPDX301)?,
    };
    options.build(&root).map_err(|e| e.to_string())
}

fn validator(schema: Schema) -> &'static Compiled {
    static CDX: OnceLock<Compiled> = OnceLock::new();
    static S23: OnceLock<Compiled> = OnceLock::new();
    static S301: OnceLock<Compiled> = OnceLock::new();
    let cell = match schema {
        Schema::CycloneDx16 => &CDX,
        Schema::Spdx23 => &S23,
        Schema::Spdx301 => &S301,
    };
    cell.get_or_init(|| compile(schema))
}

/// Cuts a validator message to [`MAX_MESSAGE`] bytes (on a character boundary), marking the cut.
pub(crate) fn shorten(mut message: String) -> String {
    if message.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    message
}

/// The first `keep` violations of `schema` in `doc` (in the validator's order) and how many
/// there are in all. An embedded schema that does not compile (it cannot happen with the
/// shipped files; a test compiles each) is reported as one violation at the root rather than a
/// pass.
pub(crate) fn violations(
    schema: Schema,
    doc: &Value,
    keep: usize,
) -> (Vec<SchemaViolation>, usize) {
    match validator(schema) {
        Ok(v) => {
            let mut kept = Vec::new();
            let mut total = 0usize;
            for e in v.iter_errors(doc) {
                total += 1;
                if kept.len() < keep {
                    kept.push(SchemaViolation {
                        path: e.instance_path().to_string(),
                        message: shorten(e.masked().to_string()),
                    });
                }
            }
            (kept, total)
        }
        Err(e) => (
            vec![SchemaViolation {
                path: String::new(),
                message: format!("the embedded schema does not compile: {e}"),
            }],
            1,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_schema_compiles() {
        for s in [Schema::CycloneDx16, Schema::Spdx23, Schema::Spdx301] {
            assert!(
                validator(s).is_ok(),
                "{s:?}: {:?}",
                validator(s).as_ref().err()
            );
        }
    }

    #[test]
    fn a_violation_names_its_json_path() {
        let doc = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
            "components": [{"type": "library", "name": "a",
                "hashes": [{"alg": "SHA-256", "content": "not hex"}]}]});
        let (v, total) = violations(Schema::CycloneDx16, &doc, 10);
        assert_eq!(total, v.len());
        assert!(
            v.iter().any(|v| v.path == "/components/0/hashes/0/content"),
            "{v:?}"
        );
    }
}
