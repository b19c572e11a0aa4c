//! Loads the sigstore-conformance cases under tests/data/sigstore/conformance/ (see
//! PROVENANCE.md there): the bundle JSON, its trusted root, and the trusted root's certificate
//! authorities, timestamp authorities and transparency logs in this crate's types. The trusted
//! root is read here with plain serde_json (the crate's own trusted-root model lives in
//! transparency::bundle); only the fields these tests need are read.
#![allow(dead_code)]

use std::path::PathBuf;

use base64::Engine;
use serde_json::Value;
use stella_attest::transparency::x509::{CertificateAuthority, TimeWindow};

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigstore/conformance")
}

/// Standard base64; line breaks are dropped first (one case's timestamp is wrapped at 76
/// columns, as `base64` writes it).
pub fn b64(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(&s)
        .unwrap_or_else(|e| panic!("base64 {s:.20}…: {e}"))
}

/// RFC 3339 to Unix seconds.
pub fn unix(s: &str) -> i64 {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("time {s}: {e}"))
        .unix_timestamp()
}

/// Every case name with its trusted root file.
pub fn cases() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(data_dir().join("cases.txt")).unwrap();
    text.lines()
        .map(|l| {
            let (c, r) = l.split_once(' ').unwrap();
            (c.to_string(), r.to_string())
        })
        .collect()
}

pub struct Case {
    pub name: String,
    pub bundle: Value,
    pub root: Value,
}

pub fn case(name: &str) -> Case {
    let (_, root_file) = cases()
        .into_iter()
        .find(|(c, _)| c == name)
        .unwrap_or_else(|| panic!("no case {name}"));
    let dir = data_dir();
    let bundle = std::fs::read(dir.join(name).join("bundle.sigstore.json")).unwrap();
    let root = std::fs::read(dir.join("trusted_roots").join(root_file)).unwrap();
    Case {
        name: name.to_string(),
        bundle: serde_json::from_slice(&bundle).unwrap(),
        root: serde_json::from_slice(&root).unwrap(),
    }
}

fn window(v: &Value) -> TimeWindow {
    TimeWindow {
        start: v["start"].as_str().map(unix),
        end: v["end"].as_str().map(unix),
    }
}

fn authorities(list: &Value) -> Vec<CertificateAuthority> {
    list.as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|ca| CertificateAuthority {
            chain: ca["certChain"]["certificates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| b64(c["rawBytes"].as_str().unwrap()))
                .collect(),
            valid_for: window(&ca["validFor"]),
        })
        .collect()
}

impl Case {
    pub fn fulcio(&self) -> Vec<CertificateAuthority> {
        authorities(&self.root["certificateAuthorities"])
    }

    pub fn tsas(&self) -> Vec<CertificateAuthority> {
        authorities(&self.root["timestampAuthorities"])
    }

    /// `(SPKI DER, validity window)` of each transparency log of the trusted root.
    pub fn tlogs(&self) -> Vec<(Vec<u8>, TimeWindow)> {
        self.root["tlogs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    b64(t["publicKey"]["rawBytes"].as_str().unwrap()),
                    window(&t["publicKey"]["validFor"]),
                )
            })
            .collect()
    }

    /// The signing certificate (v0.3 `certificate` or the first of `x509CertificateChain`).
    pub fn leaf(&self) -> Vec<u8> {
        let vm = &self.bundle["verificationMaterial"];
        let raw = vm["certificate"]["rawBytes"]
            .as_str()
            .or_else(|| vm["x509CertificateChain"]["certificates"][0]["rawBytes"].as_str())
            .unwrap();
        b64(raw)
    }

    /// The DER RFC 3161 timestamp tokens of the bundle.
    pub fn timestamps(&self) -> Vec<Vec<u8>> {
        self.bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
            .as_array()
            .map(|a| a.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|t| b64(t["signedTimestamp"].as_str().unwrap()))
            .collect()
    }

    /// The bytes a timestamp covers: the message signature, or the DSSE envelope's signature.
    pub fn signature(&self) -> Vec<u8> {
        let b = &self.bundle;
        let s = b["messageSignature"]["signature"]
            .as_str()
            .or_else(|| b["dsseEnvelope"]["signatures"][0]["sig"].as_str())
            .unwrap();
        b64(s)
    }

    pub fn tlog_entry(&self) -> &Value {
        &self.bundle["verificationMaterial"]["tlogEntries"][0]
    }
}
