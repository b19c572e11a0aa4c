//! Why a gate decided as it did, derived from evaluation rather than re-implemented.
//!
//! [`Gate::explain`] evaluates every rule of the queried package that takes no arguments
//! (`allow`, `violation`, `deny`, `warn` and the helper rules such as the seed's
//! `exploitable_some`), each as its own entry point of the compiled policy, and reports its
//! value. Then it attributes each value to input items — findings, VEX statements,
//! attestations, waivers — by evaluating the same rules over variants of the input:
//!
//! - **without** the item (the item's list minus it): if a rule's value changes, the item
//!   decided it (`allow` is `true` only because `vex[0]` waives the critical finding);
//! - **alone** (the item's list holding only it), compared with the list emptied: if the value
//!   differs, the item on its own makes that difference (two critical findings each turn
//!   `allow` false alone, though removing either leaves it false).
//!
//! For a set-valued rule (`violation`, `warn`, …) the attribution is per element: the elements
//! an item **produces** (gone without it, or present with it alone and absent with its list
//! empty) and the elements it **suppresses** (present only without it: a VEX statement or
//! waiver that keeps a violation out). For any other value, the value **without** the item
//! and the value **alone** are given when they differ.
//!
//! Nothing here knows what a policy means: it is the engine's answers to "what if", so it
//! stays true for any policy. It costs `1 + Σ (1 + 2·len)` evaluations over the non-empty lists;
//! with more than [`MAX_EXPLAIN_ITEMS`] items the values are reported and attribution is
//! skipped, saying so. The output is deterministic: rules by name, items in input order,
//! elements sorted.

use std::collections::BTreeSet;

use regorus::Value;
use serde::Serialize;

use crate::analysis;
use crate::bundle::Bundle;
use crate::error::{PolicyError, RegoError};
use crate::gate::{self, Gate, Runner, Verdict};
use crate::input::GateInput;

/// Most input items (findings, VEX statements, attestations and waivers together) that
/// [`Gate::explain`] attributes rule values to.
pub const MAX_EXPLAIN_ITEMS: usize = 2_000;

/// The explanation of one decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The package evaluated (`data.stella.policy`).
    pub query: String,
    /// The verdict (as [`Gate::evaluate`] gives it).
    pub verdict: Verdict,
    /// Every argument-free rule of the package, by name.
    pub rules: Vec<RuleValue>,
    /// Functions of the package (they take arguments, so they have no value of their own).
    pub functions: Vec<String>,
    /// Why attribution was skipped, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution_skipped: Option<String>,
}

/// One rule's value and the input items it depends on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleValue {
    /// The rule's name (`allow`).
    pub rule: String,
    /// Its value (sets as sorted arrays; absent when undefined).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// The items that change it, in input order.
    pub items: Vec<ItemEffect>,
}

/// How one input item bears on one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemEffect {
    /// Where it is in the input (`findings[0]`).
    pub item: String,
    /// What it is (a finding's id and package, a VEX statement's vulnerability, status and
    /// product, an attestation's id, a waiver's vulnerability).
    pub label: String,
    /// Set rules: elements this item produces.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub produces: Vec<serde_json::Value>,
    /// Set rules: elements this item keeps out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppresses: Vec<serde_json::Value>,
    /// Other rules: the value without this item, when it differs (`null`: undefined).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without: Option<serde_json::Value>,
    /// Other rules: the value with this item alone in its list, when that differs from the
    /// list emptied (`null`: undefined).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alone: Option<serde_json::Value>,
}

/// The four item lists of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum List {
    Findings,
    Vex,
    Attestations,
    Waivers,
}

impl List {
    const ALL: [Self; 4] = [Self::Findings, Self::Vex, Self::Attestations, Self::Waivers];

    fn name(self) -> &'static str {
        match self {
            Self::Findings => "findings",
            Self::Vex => "vex",
            Self::Attestations => "attestations",
            Self::Waivers => "waivers",
        }
    }

    fn len(self, input: &GateInput) -> usize {
        match self {
            Self::Findings => input.findings.len(),
            Self::Vex => input.vex.len(),
            Self::Attestations => input.attestations.len(),
            Self::Waivers => input.waivers.len(),
        }
    }

    fn label(self, input: &GateInput, i: usize) -> String {
        let or_dash = |o: Option<&str>| o.unwrap_or("-").to_owned();
        match self {
            Self::Findings => input.findings.get(i).map_or_else(String::new, |f| {
                format!(
                    "{} {}",
                    f.id,
                    or_dash(f.package.as_ref().map(|p| p.purl.as_str()))
                )
            }),
            Self::Vex => input.vex.get(i).map_or_else(String::new, |v| {
                format!(
                    "{} {} {}",
                    v.vuln_id,
                    text(&v.status),
                    or_dash(v.product.as_deref())
                )
            }),
            Self::Attestations => input
                .attestations
                .get(i)
                .map_or_else(String::new, |a| a.id.clone()),
            Self::Waivers => input
                .waivers
                .get(i)
                .map_or_else(String::new, |w| format!("{} valid={}", w.vuln_id, w.valid)),
        }
    }

    /// The input with this list replaced by `keep` applied to it.
    fn variant(self, input: &GateInput, keep: impl Fn(usize) -> bool) -> GateInput {
        fn filter<T: Clone>(items: &[T], keep: &impl Fn(usize) -> bool) -> Vec<T> {
            items
                .iter()
                .enumerate()
                .filter(|(i, _)| keep(*i))
                .map(|(_, x)| x.clone())
                .collect()
        }
        let mut out = input.clone();
        match self {
            Self::Findings => out.findings = filter(&input.findings, &keep),
            Self::Vex => out.vex = filter(&input.vex, &keep),
            Self::Attestations => out.attestations = filter(&input.attestations, &keep),
            Self::Waivers => out.waivers = filter(&input.waivers, &keep),
        }
        out
    }
}

fn text<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

impl Gate {
    /// Explains the decision over `input` (see the module docs). `bundle` must be the bundle
    /// this gate was built from: its rules are compiled again with every argument-free rule of
    /// the package as an entry point (the bundle as written, without lookup indexing, which
    /// never changes a value).
    pub fn explain(&self, bundle: &Bundle, input: &GateInput) -> Result<Explanation, PolicyError> {
        let verdict = self.evaluate(input)?;
        let query = self.options().query.clone();
        let limits = self.options().limits;
        let modules = gate::policy_modules(bundle);
        let data = bundle.data().map(|json| Value::from(json.clone()));
        let roots = bundle.roots();
        gate::on_eval_stack(&query, || {
            let (mut engine, prepared, _) = gate::parse_checked(&modules, data.as_ref(), roots)?;
            let named = analysis::named_rules(engine.get_modules());
            let in_package: Vec<&analysis::NamedRule> =
                named.iter().filter(|r| r.package == query).collect();
            let rules: Vec<String> = in_package
                .iter()
                .filter(|r| !r.function)
                .map(|r| r.name.clone())
                .collect();
            let functions: Vec<String> = in_package
                .iter()
                .filter(|r| r.function)
                .map(|r| r.name.clone())
                .collect();
            if rules.is_empty() {
                return Err(RegoError::NoDecisionRule {
                    query: query.clone(),
                }
                .into());
            }
            let paths: Vec<String> = rules.iter().map(|r| format!("{query}.{r}")).collect();
            let (compiled, program) = gate::compile_entry_points(&mut engine, &paths, &prepared)?;
            let mut runner = Runner::new(&compiled, &program, data.as_ref(), limits)?;
            let mut values = |input: &GateInput| -> Result<Vec<Value>, PolicyError> {
                runner.set_input(input.to_engine_value()?);
                paths.iter().map(|p| runner.eval(p)).collect()
            };
            let full = values(input)?;
            let mut out: Vec<RuleValue> = rules
                .iter()
                .zip(&full)
                .map(|(rule, v)| RuleValue {
                    rule: rule.clone(),
                    value: to_json(v),
                    items: Vec::new(),
                })
                .collect();
            let total: usize = List::ALL.iter().map(|l| l.len(input)).sum();
            let mut skipped = None;
            if total > MAX_EXPLAIN_ITEMS {
                skipped = Some(format!(
                    "{total} input items, more than the {MAX_EXPLAIN_ITEMS} attributed"
                ));
            } else {
                for list in List::ALL {
                    let n = list.len(input);
                    if n == 0 {
                        continue;
                    }
                    let empty = values(&list.variant(input, |_| false))?;
                    for i in 0..n {
                        let without = values(&list.variant(input, |j| j != i))?;
                        let alone = values(&list.variant(input, |j| j == i))?;
                        for (k, rule) in out.iter_mut().enumerate() {
                            let pick =
                                |vs: &[Value]| vs.get(k).cloned().unwrap_or(Value::Undefined);
                            if let Some(effect) =
                                effect(&pick(&full), &pick(&without), &pick(&alone), &pick(&empty))
                            {
                                rule.items.push(ItemEffect {
                                    item: format!("{}[{i}]", list.name()),
                                    label: list.label(input, i),
                                    ..effect
                                });
                            }
                        }
                    }
                }
            }
            Ok(Explanation {
                query: query.clone(),
                verdict,
                rules: out,
                functions,
                attribution_skipped: skipped,
            })
        })
    }
}

/// The effect of one item on one rule, when it has one.
fn effect(full: &Value, without: &Value, alone: &Value, empty: &Value) -> Option<ItemEffect> {
    let mut e = ItemEffect {
        item: String::new(),
        label: String::new(),
        produces: Vec::new(),
        suppresses: Vec::new(),
        without: None,
        alone: None,
    };
    if let Some(full_set) = elements(full) {
        let without = elements(without).unwrap_or_default();
        let alone = elements(alone).unwrap_or_default();
        let empty = elements(empty).unwrap_or_default();
        let produced: BTreeSet<&Value> = full_set
            .iter()
            .filter(|m| !without.contains(*m) || (alone.contains(*m) && !empty.contains(*m)))
            .collect();
        let suppressed: BTreeSet<&Value> =
            without.iter().filter(|m| !full_set.contains(*m)).collect();
        e.produces = produced.into_iter().filter_map(to_json).collect();
        e.suppresses = suppressed.into_iter().filter_map(to_json).collect();
        return (!e.produces.is_empty() || !e.suppresses.is_empty()).then_some(e);
    }
    if without != full {
        e.without = Some(to_json(without).unwrap_or(serde_json::Value::Null));
    }
    if alone != empty {
        e.alone = Some(to_json(alone).unwrap_or(serde_json::Value::Null));
    }
    (e.without.is_some() || e.alone.is_some()).then_some(e)
}

/// The elements of a set value (the RVM gives an undefined partial set as an empty array or
/// object, see `gate::messages`); `None` for other values.
fn elements(v: &Value) -> Option<BTreeSet<Value>> {
    match v {
        Value::Set(s) => Some(s.iter().cloned().collect()),
        Value::Array(a) if a.is_empty() => Some(BTreeSet::new()),
        _ => None,
    }
}

fn to_json(v: &Value) -> Option<serde_json::Value> {
    if matches!(v, Value::Undefined) {
        return None;
    }
    serde_json::from_str(&gate::json_text(v)).ok()
}
