use super::*;
use crate::error::{CoreError, JsonError};

fn canon(input: &str) -> String {
    String::from_utf8(canonicalize(input.as_bytes()).unwrap()).unwrap()
}

fn json_err(input: &[u8]) -> JsonError {
    match canonicalize(input) {
        Err(CoreError::Json(e)) => e,
        other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(input)),
    }
}

/// RFC 8785 §3.2.2: the sample input and its canonical form.
#[test]
fn rfc8785_section_3_2_2_example() {
    let input = r#"{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"#;
    let expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
    assert_eq!(canon(input), expected);
    // And the same through serde: parse with serde_json, serialize canonically.
    let value: serde_json::Value = serde_json::from_str(input).unwrap();
    assert_eq!(to_canonical_string(&value).unwrap(), expected);
}

/// RFC 8785 §3.2.3: sorting by UTF-16 code units.
#[test]
fn rfc8785_section_3_2_3_sorting() {
    let input = r#"{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"#;
    let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
    assert_eq!(canon(input), expected);
    let value: serde_json::Value = serde_json::from_str(input).unwrap();
    assert_eq!(to_canonical_string(&value).unwrap(), expected);
    let map: std::collections::BTreeMap<String, String> = serde_json::from_str(input).unwrap();
    assert_eq!(to_canonical_string(&map).unwrap(), expected);
}

/// RFC 8785 Appendix B: IEEE-754 bit patterns and their ECMAScript text.
#[test]
fn rfc8785_appendix_b_numbers() {
    let table: &[(u64, &str)] = &[
        (0x0000000000000000, "0"),
        (0x8000000000000000, "0"),
        (0x0000000000000001, "5e-324"),
        (0x8000000000000001, "-5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0xffefffffffffffff, "-1.7976931348623157e+308"),
        (0x4340000000000000, "9007199254740992"),
        (0xc340000000000000, "-9007199254740992"),
        (0x4430000000000000, "295147905179352830000"),
        (0x44b52d02c7e14af5, "9.999999999999997e+22"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
        (0x444b1ae4d6e2ef4e, "999999999999999700000"),
        (0x444b1ae4d6e2ef4f, "999999999999999900000"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8d, "0.000001"),
        (0x41b3de4355555553, "333333333.3333332"),
        (0x41b3de4355555554, "333333333.33333325"),
        (0x41b3de4355555555, "333333333.3333333"),
        (0x41b3de4355555556, "333333333.3333334"),
        (0x41b3de4355555557, "333333333.33333343"),
        (0xbecbf647612f3696, "-0.0000033333333333333333"),
        (0x43143ff3c1cb0959, "1424953923781206.2"),
    ];
    for &(bits, expected) in table {
        let value = f64::from_bits(bits);
        assert_eq!(
            to_canonical_string(&value).unwrap(),
            expected,
            "bits {bits:016x}"
        );
        // The raw path: the shortest round-trip text of the double, and the expected text
        // itself, both canonicalize to the expected text.
        assert_eq!(canon(&format!("{value:e}")), expected, "bits {bits:016x}");
        assert_eq!(canon(expected), expected, "bits {bits:016x}");
    }
    for bits in [
        0x7fffffffffffffffu64,
        0x7ff0000000000000,
        0xfff0000000000000,
    ] {
        let err = to_canonical_vec(&f64::from_bits(bits)).unwrap_err();
        assert!(matches!(
            err,
            CoreError::Json(JsonError::NumberOutOfRange { .. })
        ));
    }
}

#[test]
fn exponent_boundaries() {
    assert_eq!(canon("1e21"), "1e+21");
    assert_eq!(canon("1e20"), "100000000000000000000");
    assert_eq!(canon("123e18"), "123000000000000000000");
    assert_eq!(canon("1e-7"), "1e-7");
    assert_eq!(canon("1e-6"), "0.000001");
    assert_eq!(canon("0.0000012345"), "0.0000012345");
    assert_eq!(canon("-0"), "0");
    assert_eq!(canon("-0.0"), "0");
    assert_eq!(canon("0e10"), "0");
    assert_eq!(canon("-1.5E+2"), "-150");
    assert_eq!(to_canonical_string(&-0.0f64).unwrap(), "0");
    assert_eq!(to_canonical_string(&1e21f64).unwrap(), "1e+21");
    assert_eq!(to_canonical_string(&1e-7f64).unwrap(), "1e-7");
    // Underflow rounds to zero (the nearest double); documented behaviour.
    assert_eq!(canon("1e-400"), "0");
}

#[test]
fn integers_beyond_2_pow_53_are_doubles() {
    // 2^53 + 1 is not a double; JCS prints the nearest one.
    assert_eq!(canon("9007199254740993"), "9007199254740992");
    assert_eq!(
        to_canonical_string(&9_007_199_254_740_993u64).unwrap(),
        "9007199254740992"
    );
    assert_eq!(
        to_canonical_string(&-9_007_199_254_740_993i64).unwrap(),
        "-9007199254740992"
    );
    assert_eq!(
        to_canonical_string(&u64::MAX).unwrap(),
        "18446744073709552000"
    );
    assert_eq!(
        to_canonical_string(&i64::MIN).unwrap(),
        "-9223372036854776000"
    );
    assert_eq!(canon("18446744073709551615"), "18446744073709552000");
    // The float_roundtrip regression: a 20-digit integer re-canonicalizes to itself.
    let once = canon("33239669334333334333");
    assert_eq!(canon(&once), once);
    assert_eq!(once, "33239669334333334000");
    // 15-digit fast path and 16-digit slow path agree with the double.
    assert_eq!(canon("999999999999999"), "999999999999999");
    assert_eq!(canon("1234567890123456"), "1234567890123456");
    assert_eq!(canon("12345678901234567"), "12345678901234568");
    assert_eq!(
        to_canonical_string(&u128::MAX).unwrap(),
        "3.402823669209385e+38"
    );
}

#[test]
fn string_escaping() {
    assert_eq!(canon(r#""\u0000\u001f\u007f""#), "\"\\u0000\\u001f\u{7f}\"");
    assert_eq!(canon(r#""\b\f\n\r\t""#), r#""\b\f\n\r\t""#);
    assert_eq!(canon(r#""\u0008\u000C""#), r#""\b\f""#);
    assert_eq!(canon(r#""\/""#), r#""/""#);
    assert_eq!(canon(r#""\u2028\u2029""#), "\"\u{2028}\u{2029}\"");
    assert_eq!(canon(r#""\uD834\uDD1E""#), "\"𝄞\"");
    assert_eq!(canon("\"𝄞\""), "\"𝄞\"");
    assert_eq!(
        to_canonical_string("quote\" back\\ nl\n ctl\u{1} del\u{7f} é").unwrap(),
        "\"quote\\\" back\\\\ nl\\n ctl\\u0001 del\u{7f} é\""
    );
    assert_eq!(to_canonical_string(&'\u{1}').unwrap(), "\"\\u0001\"");
}

#[test]
fn lone_surrogates_are_rejected() {
    for input in [
        r#""\uD800""#,
        r#""\uDBFF x""#,
        r#""\uDC00""#,
        r#""\uD800\u0041""#,
        r#""\uD800\uD800""#,
        r#"{"\uDFFF":1}"#,
    ] {
        assert!(
            matches!(json_err(input.as_bytes()), JsonError::LoneSurrogate { .. }),
            "{input}"
        );
    }
}

#[test]
fn duplicate_keys_are_rejected() {
    assert_eq!(
        json_err(br#"{"a":1,"b":2,"a":3}"#),
        JsonError::DuplicateKey {
            key: "a".into(),
            offset: 13
        }
    );
    // Adjacent and already-sorted duplicates.
    assert!(matches!(
        json_err(br#"{"a":1,"a":1}"#),
        JsonError::DuplicateKey { .. }
    ));
    // Duplicates hidden by escapes.
    assert!(matches!(
        json_err(br#"{"a":1,"\u0061":2}"#),
        JsonError::DuplicateKey { .. }
    ));
    // Nested.
    assert!(matches!(
        json_err(br#"{"x":[{"k":1,"k":2}]}"#),
        JsonError::DuplicateKey { .. }
    ));
    // Same key at different levels is fine.
    assert_eq!(canon(r#"{"a":{"a":1}}"#), r#"{"a":{"a":1}}"#);
    // Through serde: a map serialized with repeated keys.
    struct Dup;
    impl serde::Serialize for Dup {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(None)?;
            m.serialize_entry("z", &1)?;
            m.serialize_entry("z", &2)?;
            m.end()
        }
    }
    assert!(matches!(
        to_canonical_vec(&Dup),
        Err(CoreError::Json(JsonError::DuplicateKey { .. }))
    ));
}

#[test]
fn malformed_input_is_rejected() {
    let cases: &[&[u8]] = &[
        b"",
        b" ",
        b"{",
        b"[1,]",
        b"{\"a\":1,}",
        b"[01]",
        b"[1.]",
        b"[.5]",
        b"[1e]",
        b"[+1]",
        b"[-]",
        b"NaN",
        b"Infinity",
        b"[tru]",
        b"nul",
        b"\"abc",
        b"\"a\x01b\"",
        b"\"\\x\"",
        b"\"\\u12G4\"",
        b"\"\\u12\"",
        b"{\"a\" 1}",
        b"{1:2}",
        b"[1] [2]",
        b"[1]x",
        b"\xef\xbb\xbf[1]",
        b"[\"\xff\"]",
        b"[\"\xc3\"]",
        b"'a'",
    ];
    for input in cases {
        let err = json_err(input);
        assert!(
            matches!(err, JsonError::Syntax { .. }),
            "{:?} gave {err:?}",
            String::from_utf8_lossy(input)
        );
    }
    assert!(matches!(
        json_err(b"[1e400]"),
        JsonError::NumberOutOfRange { offset: 1, .. }
    ));
    assert!(matches!(
        json_err(b"-1e309"),
        JsonError::NumberOutOfRange { .. }
    ));
}

#[test]
fn depth_and_size_limits() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(canonicalize(deep(128).as_bytes()).is_ok());
    assert!(matches!(
        json_err(deep(129).as_bytes()),
        JsonError::TooDeep { max_depth: 128, .. }
    ));
    // A huge configured depth is capped, and a hostile nesting never overflows the stack.
    let lax = JsonLimits {
        max_depth: usize::MAX,
        ..JsonLimits::default()
    };
    let hostile = deep(1_000_000);
    assert!(matches!(
        canonicalize_with(hostile.as_bytes(), &lax),
        Err(CoreError::Json(JsonError::TooDeep {
            max_depth: JsonLimits::MAX_DEPTH_CAP,
            ..
        }))
    ));
    let small = JsonLimits {
        max_bytes: 4,
        ..JsonLimits::default()
    };
    assert!(matches!(
        canonicalize_with(b"[1,2]", &small),
        Err(CoreError::Json(JsonError::TooLarge {
            length: 5,
            max_bytes: 4
        }))
    ));
}

#[test]
fn is_canonical_and_ensure() {
    assert!(is_canonical(br#"{"a":1,"b":[true,null]}"#));
    assert!(!is_canonical(br#"{"b":1,"a":2}"#));
    assert!(!is_canonical(br#"{"a": 1}"#));
    assert!(!is_canonical(b"1.0"));
    assert!(!is_canonical(br#""\u0041""#));
    assert!(!is_canonical(br#"{"a":1,"a":1}"#));
    assert!(matches!(
        ensure_canonical(br#"{"a": 1}"#),
        Err(CoreError::Json(JsonError::NotCanonical { offset: 5 }))
    ));
}

#[test]
fn serde_shapes() {
    #[derive(serde::Serialize)]
    enum E {
        Unit,
        New(u8),
        Tuple(u8, u8),
        Struct { b: u8, a: u8 },
    }
    #[derive(serde::Serialize)]
    struct S {
        zeta: Option<u8>,
        alpha: Vec<E>,
        #[serde(flatten)]
        extra: std::collections::HashMap<String, i32>,
        bytes: serde_bytes_like::Bytes,
    }
    mod serde_bytes_like {
        pub struct Bytes(pub Vec<u8>);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }
    }
    let mut extra = std::collections::HashMap::new();
    extra.insert("mid".to_owned(), 5);
    let s = S {
        zeta: None,
        alpha: vec![E::Unit, E::New(1), E::Tuple(2, 3), E::Struct { b: 4, a: 5 }],
        extra,
        bytes: serde_bytes_like::Bytes(vec![0, 255]),
    };
    assert_eq!(
        to_canonical_string(&s).unwrap(),
        r#"{"alpha":["Unit",{"New":1},{"Tuple":[2,3]},{"Struct":{"a":5,"b":4}}],"bytes":[0,255],"mid":5,"zeta":null}"#
    );
    let mut int_keys = std::collections::BTreeMap::new();
    int_keys.insert(10, "ten");
    int_keys.insert(9, "nine");
    assert_eq!(
        to_canonical_string(&int_keys).unwrap(),
        r#"{"10":"ten","9":"nine"}"#
    );
    let mut bad_keys = std::collections::BTreeMap::new();
    bad_keys.insert(vec![1u8], 1);
    assert!(matches!(
        to_canonical_vec(&bad_keys),
        Err(CoreError::Json(JsonError::KeyMustBeString))
    ));
}

#[test]
fn strict_deserialization() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct T {
        a: u32,
    }
    assert_eq!(from_slice_strict::<T>(br#"{"a":1}"#).unwrap(), T { a: 1 });
    assert!(matches!(
        from_slice_strict::<T>(br#"{"a":1,"a":2}"#),
        Err(CoreError::Json(JsonError::DuplicateKey { .. }))
    ));
    assert!(matches!(
        from_slice_strict::<T>(br#"{"b":1}"#),
        Err(CoreError::Json(JsonError::Serde { .. }))
    ));
}

mod properties {
    use super::super::*;
    use proptest::prelude::*;

    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|i| serde_json::json!(i)),
            any::<u64>().prop_map(|i| serde_json::json!(i)),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| serde_json::json!(f)),
            "\\PC{0,12}".prop_map(serde_json::Value::String),
            any::<String>().prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(5, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..8)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn canonicalization_is_idempotent(value in arb_json()) {
            let once = to_canonical_vec(&value).unwrap();
            prop_assert!(is_canonical(&once));
            prop_assert_eq!(canonicalize(&once).unwrap(), once.clone());
            // The pretty and compact serde_json texts canonicalize to the same bytes.
            let pretty = serde_json::to_vec_pretty(&value).unwrap();
            prop_assert_eq!(canonicalize(&pretty).unwrap(), once.clone());
            let compact = serde_json::to_vec(&value).unwrap();
            prop_assert_eq!(canonicalize(&compact).unwrap(), once);
        }

        #[test]
        fn independent_of_key_order(value in arb_json(), seed in any::<u64>()) {
            let reference = to_canonical_vec(&value).unwrap();
            let shuffled = shuffle(&value, seed);
            prop_assert_eq!(canonicalize(shuffled.as_bytes()).unwrap(), reference);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = canonicalize(&bytes);
        }

        #[test]
        fn double_formatting_round_trips(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
            let text = to_canonical_string(&f).unwrap();
            let back: f64 = text.parse().unwrap();
            prop_assert!(back == f || (back == 0.0 && f == 0.0));
            prop_assert_eq!(canonicalize(text.as_bytes()).unwrap(), text.into_bytes());
        }
    }

    /// Writes `value` as JSON text with object members in a seed-dependent order and random
    /// whitespace.
    fn shuffle(value: &serde_json::Value, seed: u64) -> String {
        let mut state = seed | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        fn write(v: &serde_json::Value, next: &mut dyn FnMut() -> u64, out: &mut String) {
            let ws = |n: u64| [" ", "\n", "\t", "", "\r\n "][(n % 5) as usize];
            match v {
                serde_json::Value::Object(m) => {
                    let mut members: Vec<_> = m.iter().collect();
                    for i in (1..members.len()).rev() {
                        let j = (next() % (i as u64 + 1)) as usize;
                        members.swap(i, j);
                    }
                    out.push('{');
                    for (i, (k, v)) in members.into_iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str(ws(next()));
                        out.push_str(&serde_json::to_string(k).unwrap());
                        out.push_str(ws(next()));
                        out.push(':');
                        write(v, next, out);
                    }
                    out.push_str(ws(next()));
                    out.push('}');
                }
                serde_json::Value::Array(a) => {
                    out.push('[');
                    for (i, v) in a.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str(ws(next()));
                        write(v, next, out);
                    }
                    out.push(']');
                }
                other => out.push_str(&serde_json::to_string(other).unwrap()),
            }
        }
        let mut out = String::new();
        write(value, &mut next, &mut out);
        out
    }
}
