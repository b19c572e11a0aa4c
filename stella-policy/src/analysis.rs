//! Load-time analysis of a bundle's parsed modules: the builtins it calls and the dependency
//! graph of its rules and functions.
//!
//! Two properties are checked before anything is compiled or evaluated:
//!
//! - **Determinism.** Every builtin called must be on [`ALLOWED_BUILTINS`], an explicit list of
//!   pure builtins: same arguments, same result, no clock, no randomness, no network, no process
//!   state. A call of anything else that names a builtin is refused with
//!   [`RegoError::ForbiddenBuiltin`] naming it (`rand.intn`, `time.now_ns`, `uuid.rfc4122`,
//!   `http.send`, `opa.runtime`, `net.lookup_ip_addr`, `io.jwt.decode_verify`,
//!   `crypto.x509.parse_and_verify_certificates`, `print`, `trace`, …), and a call of a function
//!   that is neither the bundle's nor a builtin with [`RegoError::UnknownFunction`]. A builtin
//!   named as the target or the replacement of a `with` modifier is checked the same way.
//!   Builtins cannot be called through a computed reference in Rego, so a call's name as written
//!   is the builtin it calls; the name is checked whether or not the bundle also defines a
//!   function of that name, so a definition cannot shadow the check.
//! - **No recursion.** OPA refuses recursion when it compiles a policy; regorus 0.14.1 does not
//!   always, and its VM then recurses on the native stack until the process aborts. The graph
//!   has one node per rule path (package path plus the static part of the rule head: `allow`,
//!   `waived`, `a.b` for a `a.b[x] := …` head) and an edge for every reference a rule's head,
//!   bodies or `with` modifiers make to a rule path: a plain name of the same package, an
//!   import alias, a `data.` path (a reference names every rule whose path it is a prefix of or
//!   that is a prefix of it; a computed index such as `data.pkg[x]` stops the static part, so it
//!   names every rule under `data.pkg`) and a function call. A cycle (Tarjan's strongly
//!   connected components) is refused with [`RegoError::Recursion`] naming it. The longest chain
//!   of rules depending on each other is bounded by [`MAX_RULE_DEPTH`]
//!   ([`RegoError::TooDeep`]), which bounds how deep the VM nests rule evaluations.
//!
//! The analysis over-approximates: a local variable declared with `some`, `:=`, `every`, a
//! function argument or a `some … in` pattern shadows a rule of the same name from its
//! declaration on; every other name is taken as a reference, so a policy the engine would run
//! without recursion can be refused (a variable first bound by `=` unification that shares its
//! name with a rule of a cycle), never the reverse. The walk is iterative: a hostile module's
//! deep reference chains cannot overflow the stack here, and a reference names the subtree of
//! its path by one edge to one node (which has edges to the rules and subtrees under it), so
//! the graph stays linear in the size of the bundle however wide its references are.
//!
//! Limits: the name resolution mirrors regorus 0.14.1's (a package-relative name, an import
//! alias, a `data.` path; a function of the bundle before a builtin of the same name, except
//! for builtins regorus compiles in, which are refused whatever the bundle defines); a regorus
//! upgrade must re-check it. regorus 0.14.1 does not compile `with` at all; the analysis handles
//! it anyway.

use std::collections::{BTreeMap, BTreeSet};

use regorus::Value;
use regorus::unstable::{Expr, Literal, Module, Query, Ref, Rule, RuleHead, Span};

use crate::error::{PolicyError, RegoError};
use crate::syntax::Prepared;

/// The deepest chain of rules and functions depending on each other a bundle may have. The VM
/// evaluates a rule reference by a native call, so this bounds the VM's native stack use (the
/// evaluation thread has a fixed stack, [`crate::EVAL_STACK_BYTES`]); real policies nest under 20.
pub const MAX_RULE_DEPTH: usize = 64;

/// The builtins a policy may call: every one is pure (its result depends only on its
/// arguments). A builtin not listed here is refused, so a regorus upgrade that compiles in more
/// builtins adds nothing until each is reviewed and listed (a unit test fails until then).
pub const ALLOWED_BUILTINS: &[&str] = &[
    // numbers
    "abs",
    "ceil",
    "floor",
    "numbers.range",
    "numbers.range_step",
    "round",
    // aggregates
    "count",
    "max",
    "min",
    "product",
    "sort",
    "sum",
    // arrays
    "array.concat",
    "array.reverse",
    "array.slice",
    // sets
    "intersection",
    "union",
    // objects
    "json.filter",
    "json.remove",
    "object.filter",
    "object.get",
    "object.keys",
    "object.remove",
    "object.subset",
    "object.union",
    "object.union_n",
    // strings
    "concat",
    "contains",
    "endswith",
    "format_int",
    "indexof",
    "indexof_n",
    "lower",
    "replace",
    "split",
    "sprintf",
    "startswith",
    "strings.any_prefix_match",
    "strings.any_suffix_match",
    "strings.count",
    "strings.replace_n",
    "strings.reverse",
    "substring",
    "trim",
    "trim_left",
    "trim_prefix",
    "trim_right",
    "trim_space",
    "trim_suffix",
    "upper",
    // bits
    "bits.and",
    "bits.lsh",
    "bits.negate",
    "bits.or",
    "bits.rsh",
    "bits.xor",
    // conversions and types
    "to_number",
    "is_array",
    "is_boolean",
    "is_null",
    "is_number",
    "is_object",
    "is_set",
    "is_string",
    "type_name",
    // encoding
    "json.is_valid",
    "json.marshal",
    "json.marshal_with_options",
    "json.unmarshal",
    // units
    "units.parse",
    "units.parse_bytes",
];

/// Builtins refused although they are known (compiled into regorus or defined by OPA), with
/// why. Names outside both lists that are compiled into regorus are refused as
/// "not on the allow-list of pure builtins".
const REFUSED_BUILTINS: &[(&str, &str)] = &[
    ("rand.intn", "returns a random number"),
    ("time.now_ns", "reads the clock"),
    ("uuid.rfc4122", "returns a random UUID"),
    ("http.send", "reads the network"),
    ("opa.runtime", "reads the process environment"),
    ("net.lookup_ip_addr", "reads DNS"),
    (
        "io.jwt.decode_verify",
        "reads the clock when no time is given",
    ),
    (
        "crypto.x509.parse_and_verify_certificates",
        "verifies against the current time",
    ),
    (
        "crypto.x509.parse_and_verify_certificates_with_options",
        "verifies against the current time",
    ),
    ("print", "writes debug output outside the decision"),
    ("trace", "debug output that does not belong in a decision"),
    ("__builtin_host_await", "suspends evaluation for the host"),
];

/// Why a call of `name` is refused as a builtin call. `user` says whether the name also
/// resolves to a function of the bundle: regorus then calls that function, except for names it
/// has compiled in, which are refused whatever the bundle defines.
fn refusal(name: &str, user: bool) -> Option<&'static str> {
    if ALLOWED_BUILTINS.contains(&name) {
        return None;
    }
    if let Some((_, why)) = REFUSED_BUILTINS.iter().find(|(n, _)| *n == name) {
        return Some(why);
    }
    if regorus::unstable::BUILTINS.contains_key(name) || (!user && is_opa_namespace(name)) {
        return Some("not on the allow-list of pure builtins");
    }
    None
}

/// OPA builtin namespaces whose members are not compiled into Stella's regorus but would be
/// non-deterministic or environment-reading where they exist (time, randomness, network, OS).
fn is_opa_namespace(name: &str) -> bool {
    [
        "rand.", "time.", "uuid.", "http.", "net.", "opa.", "io.", "crypto.",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

/// A position in a module as written.
#[derive(Debug, Clone)]
struct Pos {
    file: String,
    line: u32,
    col: u32,
}

/// Checks the parsed modules; `prepared` maps positions back to the files as written.
pub(crate) fn check(
    modules: &[Ref<Module>],
    prepared: &[(String, Prepared)],
) -> Result<(), PolicyError> {
    let pos = |span: &Span| {
        let file = span.source.file().clone();
        let col = prepared
            .iter()
            .find(|(name, _)| *name == file)
            .map_or(span.col, |(_, p)| p.original_column(span.line, span.col));
        Pos {
            file,
            line: span.line,
            col,
        }
    };

    // Nodes: every rule path, with the position of its first definition.
    let mut nodes: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    let mut node_info: Vec<(Vec<String>, Pos)> = Vec::new();
    let mut module_info = Vec::new();
    for module in modules {
        let package = static_path(&module.package.refr)
            .map(|(root, mut comps, _)| {
                comps.insert(0, root);
                if comps.first().is_some_and(|c| c == "data") {
                    comps.remove(0);
                }
                comps
            })
            .unwrap_or_default();
        let mut imports = BTreeMap::new();
        for import in &module.imports {
            if let Some((root, comps, false)) = static_path(&import.refr) {
                let alias = match &import.r#as {
                    Some(span) => span.text().to_owned(),
                    None => comps.last().cloned().unwrap_or_else(|| root.clone()),
                };
                let target = match root.as_str() {
                    "data" => Some(comps),
                    _ => None,
                };
                if matches!(root.as_str(), "data" | "input") {
                    imports.insert(alias, target);
                }
            }
        }
        for rule in &module.policy {
            let (span, head_ref) = match rule.as_ref() {
                Rule::Spec { span, head, .. } => (span, head_refr(head)),
                Rule::Default { span, refr, .. } => (span, refr),
            };
            let mut path = package.clone();
            if let Some((root, comps, _)) = static_path(head_ref) {
                path.push(root);
                path.extend(comps);
            }
            if !nodes.contains_key(&path) {
                nodes.insert(path.clone(), node_info.len());
                node_info.push((path, pos(span)));
            }
        }
        module_info.push((package, imports));
    }

    // Subtree nodes: one per prefix of a rule path, with edges to the subtrees one component
    // longer and to the rule at its path. A reference names a subtree (every rule under it) by
    // one edge, so the graph stays linear in the size of the bundle however wide a reference is
    // (`data`, `data.pkg[x]`).
    let rule_count = node_info.len();
    let mut subtrees: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    let mut tree_edges: Vec<(usize, usize)> = Vec::new();
    for r in 0..rule_count {
        let Some((path, at)) = node_info.get(r).cloned() else {
            continue;
        };
        let mut below = r;
        for k in (0..=path.len()).rev() {
            let prefix = path.get(..k).map(<[String]>::to_vec).unwrap_or_default();
            let (id, new) = match subtrees.get(&prefix) {
                Some(&id) => (id, false),
                None => {
                    let id = node_info.len();
                    subtrees.insert(prefix.clone(), id);
                    node_info.push((prefix, at.clone()));
                    (id, true)
                }
            };
            tree_edges.push((id, below));
            if !new {
                break;
            }
            below = id;
        }
    }

    // Edges, with the position of the reference that made each.
    let mut edges: Vec<BTreeMap<usize, Pos>> = vec![BTreeMap::new(); node_info.len()];
    for (from, to) in tree_edges {
        if let (Some(out), Some((_, at))) = (edges.get_mut(from), node_info.get(to)) {
            out.entry(to).or_insert_with(|| at.clone());
        }
    }
    for (module, (package, imports)) in modules.iter().zip(&module_info) {
        let ctx = Ctx {
            package,
            imports,
            rules: &nodes,
            subtrees: &subtrees,
        };
        for rule in &module.policy {
            let (head_ref, roots) = match rule.as_ref() {
                Rule::Spec { head, bodies, .. } => (head_refr(head), rule_roots(head, bodies)),
                Rule::Default {
                    refr, args, value, ..
                } => {
                    let mut locals = BTreeSet::new();
                    for a in args {
                        pattern_vars(a, &mut locals);
                    }
                    (
                        refr,
                        vec![Root {
                            locals,
                            query: None,
                            exprs: vec![value.clone()],
                        }],
                    )
                }
            };
            let mut path = package.clone();
            if let Some((root, comps, _)) = static_path(head_ref) {
                path.push(root);
                path.extend(comps);
            }
            let Some(&from) = nodes.get(&path) else {
                continue;
            };
            for root in roots {
                let mut found = Vec::new();
                walk_root(&ctx, root, &mut found).map_err(|(span, e)| -> PolicyError {
                    let p = pos(&span);
                    match e {
                        CallProblem::Forbidden { name, reason } => RegoError::ForbiddenBuiltin {
                            file: p.file,
                            line: p.line,
                            col: p.col,
                            builtin: name,
                            reason,
                        }
                        .into(),
                        CallProblem::Unknown { name } => RegoError::UnknownFunction {
                            file: p.file,
                            line: p.line,
                            col: p.col,
                            name,
                        }
                        .into(),
                    }
                })?;
                if let Some(out) = edges.get_mut(from) {
                    for (to, span) in found {
                        out.entry(to).or_insert_with(|| pos(&span));
                    }
                }
            }
        }
    }

    let is_rule = |i: usize| i < rule_count;
    let name = |i: usize| {
        node_info
            .get(i)
            .map(|(p, _)| format!("data.{}", p.join(".")))
            .unwrap_or_default()
    };
    let succ: Vec<Vec<usize>> = edges.iter().map(|m| m.keys().copied().collect()).collect();
    let sccs = tarjan(&succ);
    // Tarjan emits a component after every component it reaches: depths in one pass.
    let mut depth = vec![0usize; succ.len()];
    let mut next_on_chain = vec![usize::MAX; succ.len()];
    for scc in &sccs {
        let cyclic = scc.len() > 1
            || scc
                .first()
                .is_some_and(|&n| succ.get(n).is_some_and(|s| s.contains(&n)));
        if cyclic {
            let mut members: Vec<usize> = scc.clone();
            members.sort_unstable();
            let start = members.first().copied().unwrap_or_default();
            let cycle = cycle_through(start, &succ, &members);
            let second = cycle.get(1).copied().unwrap_or(start);
            let at = edges
                .get(start)
                .and_then(|m| m.get(&second))
                .cloned()
                .or_else(|| node_info.get(start).map(|(_, p)| p.clone()))
                .unwrap_or(Pos {
                    file: String::new(),
                    line: 0,
                    col: 0,
                });
            return Err(RegoError::Recursion {
                file: at.file,
                line: at.line,
                col: at.col,
                cycle: cycle
                    .into_iter()
                    .filter(|&n| is_rule(n))
                    .map(name)
                    .collect(),
            }
            .into());
        }
        for &n in scc {
            let mut best = 0usize;
            for &s in succ.get(n).map(Vec::as_slice).unwrap_or_default() {
                let d = depth.get(s).copied().unwrap_or_default();
                if d > best {
                    best = d;
                    if let Some(slot) = next_on_chain.get_mut(n) {
                        *slot = s;
                    }
                }
            }
            // A subtree node adds no level: it stands for the rules under it.
            let here = if is_rule(n) { best + 1 } else { best };
            if let Some(slot) = depth.get_mut(n) {
                *slot = here;
            }
            if here > MAX_RULE_DEPTH {
                let mut chain = vec![name(n)];
                let mut cur = n;
                for _ in 0..succ.len() {
                    match next_on_chain.get(cur) {
                        Some(&next) if next != usize::MAX => {
                            if is_rule(next) {
                                chain.push(name(next));
                            }
                            cur = next;
                        }
                        _ => break,
                    }
                }
                let at = node_info.get(n).map(|(_, p)| p.clone()).unwrap_or(Pos {
                    file: String::new(),
                    line: 0,
                    col: 0,
                });
                return Err(RegoError::TooDeep {
                    file: at.file,
                    line: at.line,
                    col: at.col,
                    depth: here,
                    max: MAX_RULE_DEPTH,
                    chain,
                }
                .into());
            }
        }
    }
    Ok(())
}

/// A shortest cycle from `start` back to itself inside `members` (breadth first).
fn cycle_through(start: usize, succ: &[Vec<usize>], members: &[usize]) -> Vec<usize> {
    let mut prev: BTreeMap<usize, usize> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        for &s in succ.get(n).map(Vec::as_slice).unwrap_or_default() {
            if members.binary_search(&s).is_err() {
                continue;
            }
            if s == start {
                let mut path = vec![start];
                let mut cur = n;
                while cur != start {
                    path.push(cur);
                    cur = prev.get(&cur).copied().unwrap_or(start);
                }
                path.push(start);
                // path is start, (reversed chain), start: put the chain in call order.
                let inner: Vec<usize> = path
                    .get(1..path.len().saturating_sub(1))
                    .map(|s| s.iter().rev().copied().collect())
                    .unwrap_or_default();
                let mut cycle = vec![start];
                cycle.extend(inner);
                cycle.push(start);
                return cycle;
            }
            if let std::collections::btree_map::Entry::Vacant(e) = prev.entry(s) {
                e.insert(n);
                queue.push_back(s);
            }
        }
    }
    vec![start, start]
}

/// Tarjan's strongly connected components, iterative; components come out in reverse
/// topological order (each after every component it reaches).
fn tarjan(succ: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = succ.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0usize;
    for root in 0..n {
        if index.get(root).is_some_and(|&i| i != usize::MAX) {
            continue;
        }
        // (node, position in its successor list)
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut pos)) = work.last_mut() {
            if *pos == 0 && index.get(v).is_some_and(|&i| i == usize::MAX) {
                if let Some(slot) = index.get_mut(v) {
                    *slot = next;
                }
                if let Some(slot) = low.get_mut(v) {
                    *slot = next;
                }
                next += 1;
                stack.push(v);
                if let Some(slot) = on_stack.get_mut(v) {
                    *slot = true;
                }
            }
            let succs = succ.get(v).map(Vec::as_slice).unwrap_or_default();
            if let Some(&w) = succs.get(*pos) {
                *pos += 1;
                if index.get(w).is_some_and(|&i| i == usize::MAX) {
                    work.push((w, 0));
                } else if on_stack.get(w).copied().unwrap_or(false) {
                    let iw = index.get(w).copied().unwrap_or_default();
                    if let Some(lv) = low.get_mut(v) {
                        *lv = (*lv).min(iw);
                    }
                }
                continue;
            }
            work.pop();
            let lv = low.get(v).copied().unwrap_or_default();
            if let Some(&(parent, _)) = work.last() {
                if let Some(lp) = low.get_mut(parent) {
                    *lp = (*lp).min(lv);
                }
            }
            if index.get(v).is_some_and(|&i| i == lv) {
                let mut scc = Vec::new();
                while let Some(w) = stack.pop() {
                    if let Some(slot) = on_stack.get_mut(w) {
                        *slot = false;
                    }
                    scc.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(scc);
            }
        }
    }
    out
}

/// Where a reference starts: its root variable (regorus' span of `a.b` starts at `.b`).
fn root_span(e: &Ref<Expr>) -> Span {
    let mut cur = e.clone();
    loop {
        let next = match cur.as_ref() {
            Expr::RefDot { refr, .. } | Expr::RefBrack { refr, .. } => refr.clone(),
            _ => return cur.span().clone(),
        };
        cur = next;
    }
}

/// A rule (or function) a module defines, by its package and simple name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct NamedRule {
    /// `data.a.b`.
    pub(crate) package: String,
    /// The rule's name (one component: rules with a dotted or computed head are not listed).
    pub(crate) name: String,
    /// Whether it takes arguments (a function: it cannot be evaluated on its own).
    pub(crate) function: bool,
}

/// Every rule with a simple name in `modules`, sorted by (package, name), each once.
pub(crate) fn named_rules(modules: &[Ref<Module>]) -> Vec<NamedRule> {
    let mut out = BTreeSet::new();
    for module in modules {
        let Some((root, comps, false)) = static_path(&module.package.refr) else {
            continue;
        };
        let mut package = if root == "data" {
            root
        } else {
            format!("data.{root}")
        };
        for c in comps {
            package.push('.');
            package.push_str(&c);
        }
        for rule in &module.policy {
            let (refr, function) = match rule.as_ref() {
                Rule::Spec { head, .. } => (head_refr(head), matches!(head, RuleHead::Func { .. })),
                Rule::Default { refr, .. } => (refr, false),
            };
            if let Some((name, rest, false)) = static_path(refr) {
                if rest.is_empty() {
                    out.insert(NamedRule {
                        package: package.clone(),
                        name,
                        function,
                    });
                }
            }
        }
    }
    out.into_iter().collect()
}

/// The reference of a rule head.
fn head_refr(head: &RuleHead) -> &Ref<Expr> {
    match head {
        RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. } | RuleHead::Func { refr, .. } => {
            refr
        }
    }
}

/// One body of a rule (or its head alone), with the locals its head declares.
struct Root {
    locals: BTreeSet<String>,
    query: Option<Ref<Query>>,
    /// Head expressions evaluated in the body's scope (key, value, computed head indexes).
    exprs: Vec<Ref<Expr>>,
}

fn rule_roots(head: &RuleHead, bodies: &[regorus::unstable::RuleBody]) -> Vec<Root> {
    let mut locals = BTreeSet::new();
    let mut exprs = Vec::new();
    match head {
        RuleHead::Compr { refr, assign, .. } => {
            exprs.extend(index_exprs(refr));
            if let Some(a) = assign {
                exprs.push(a.value.clone());
            }
        }
        RuleHead::Set { refr, key, .. } => {
            exprs.extend(index_exprs(refr));
            exprs.extend(key.iter().cloned());
        }
        RuleHead::Func {
            refr, args, assign, ..
        } => {
            exprs.extend(index_exprs(refr));
            for a in args {
                pattern_vars(a, &mut locals);
            }
            if let Some(a) = assign {
                exprs.push(a.value.clone());
            }
        }
    }
    if bodies.is_empty() {
        return vec![Root {
            locals,
            query: None,
            exprs,
        }];
    }
    bodies
        .iter()
        .map(|b| {
            let mut e = exprs.clone();
            if let Some(a) = &b.assign {
                e.push(a.value.clone());
            }
            Root {
                locals: locals.clone(),
                query: Some(b.query.clone()),
                exprs: e,
            }
        })
        .collect()
}

/// The computed index expressions of a reference (`x` in `a[x].b`), outermost first.
fn index_exprs(e: &Ref<Expr>) -> Vec<Ref<Expr>> {
    let mut out = Vec::new();
    let mut cur = e.clone();
    loop {
        let next = match cur.as_ref() {
            Expr::RefDot { refr, .. } => refr.clone(),
            Expr::RefBrack { refr, index, .. } => {
                out.push(index.clone());
                refr.clone()
            }
            _ => break,
        };
        cur = next;
    }
    out
}

/// The root variable, the static components after it and whether a computed index cut the
/// reference short. `None` when the reference is not rooted at a variable.
fn static_path(e: &Ref<Expr>) -> Option<(String, Vec<String>, bool)> {
    let mut comps: Vec<String> = Vec::new();
    let mut cut = false;
    let mut cur = e.clone();
    loop {
        let next = match cur.as_ref() {
            Expr::Var { span, .. } => {
                comps.reverse();
                return Some((span.text().to_owned(), comps, cut));
            }
            Expr::RefDot { refr, field, .. } => {
                match &field.1 {
                    Value::String(s) => comps.push(s.to_string()),
                    _ => comps.push(field.0.text().to_owned()),
                }
                refr.clone()
            }
            Expr::RefBrack { refr, index, .. } => {
                match index.as_ref() {
                    Expr::String {
                        value: Value::String(s),
                        ..
                    }
                    | Expr::RawString {
                        value: Value::String(s),
                        ..
                    } => comps.push(s.to_string()),
                    _ => {
                        // Everything outward of a computed index is not static.
                        comps.clear();
                        cut = true;
                    }
                }
                refr.clone()
            }
            _ => return None,
        };
        cur = next;
    }
}

/// Every variable in a pattern (a function argument, a `some … in` target, an `:=` left side).
fn pattern_vars(e: &Ref<Expr>, out: &mut BTreeSet<String>) {
    let mut work = vec![e.clone()];
    while let Some(e) = work.pop() {
        match e.as_ref() {
            Expr::Var { span, .. } => {
                out.insert(span.text().to_owned());
            }
            Expr::Array { items, .. } | Expr::Set { items, .. } => {
                work.extend(items.iter().cloned());
            }
            Expr::Object { fields, .. } => {
                for (_, _, v) in fields {
                    work.push(v.clone());
                }
            }
            _ => {}
        }
    }
}

/// Name resolution context of one module.
struct Ctx<'a> {
    package: &'a [String],
    /// Import alias → `data` path (None: an `input` import).
    imports: &'a BTreeMap<String, Option<Vec<String>>>,
    /// Rule path → rule node.
    rules: &'a BTreeMap<Vec<String>, usize>,
    /// Path prefix → subtree node.
    subtrees: &'a BTreeMap<Vec<String>, usize>,
}

impl Ctx<'_> {
    /// The absolute `data` path a reference names, if it names one.
    fn target(&self, root: &str, comps: &[String]) -> Option<Vec<String>> {
        match root {
            "input" => None,
            "data" => Some(comps.to_vec()),
            _ => match self.imports.get(root) {
                Some(Some(base)) => {
                    let mut t = base.clone();
                    t.extend(comps.iter().cloned());
                    Some(t)
                }
                Some(None) => None,
                None => {
                    let mut t = self.package.to_vec();
                    t.push(root.to_owned());
                    t.extend(comps.iter().cloned());
                    Some(t)
                }
            },
        }
    }

    /// The nodes a `data` path names: the subtree of the rules at or under it, and the rules
    /// above it (whose value contains it).
    fn named(&self, target: &[String], out: &mut Vec<usize>) {
        for k in 0..target.len() {
            if let Some(prefix) = target.get(..k) {
                if let Some(&n) = self.rules.get(prefix) {
                    out.push(n);
                }
            }
        }
        if let Some(&n) = self.subtrees.get(target) {
            out.push(n);
        }
    }
}

/// Why a call is refused.
enum CallProblem {
    Forbidden { name: String, reason: &'static str },
    Unknown { name: String },
}

/// A walk item: an expression or a query to enter, in a scope.
enum Item {
    Expr(Ref<Expr>, usize),
    /// A query's statements in a fresh scope whose parent is the given scope; `then` are
    /// expressions evaluated in the query's scope afterwards (comprehension terms, head parts).
    Query(Ref<Query>, usize, Vec<Ref<Expr>>, BTreeSet<String>),
    /// Locals declared in a scope from this point of the walk on.
    Declare(usize, BTreeSet<String>),
}

/// Walks one rule body (or head) and records every rule it names, with where.
fn walk_root(
    ctx: &Ctx<'_>,
    root: Root,
    found: &mut Vec<(usize, Span)>,
) -> Result<(), (Span, CallProblem)> {
    // Scopes: (parent, locals).
    let mut scopes: Vec<(Option<usize>, BTreeSet<String>)> = vec![(None, root.locals)];
    let mut work: Vec<Item> = Vec::new();
    match root.query {
        Some(q) => work.push(Item::Query(q, 0, root.exprs, BTreeSet::new())),
        None => work.extend(root.exprs.into_iter().rev().map(|e| Item::Expr(e, 0))),
    }
    let is_local = |scopes: &Vec<(Option<usize>, BTreeSet<String>)>, mut s: usize, name: &str| loop {
        let Some((parent, locals)) = scopes.get(s) else {
            return false;
        };
        if locals.contains(name) {
            return true;
        }
        match parent {
            Some(p) => s = *p,
            None => return false,
        }
    };
    while let Some(item) = work.pop() {
        match item {
            Item::Query(q, parent, then, extra) => {
                let scope = scopes.len();
                scopes.push((Some(parent), extra));
                // Statements in order, each declaring its locals after its own expressions,
                // so a use before the declaration counts as a reference.
                let mut seq: Vec<Item> = Vec::new();
                for stmt in &q.stmts {
                    for w in &stmt.with_mods {
                        check_with_name(&w.refr)?;
                        check_with_name(&w.r#as)?;
                        seq.push(Item::Expr(w.refr.clone(), scope));
                        seq.push(Item::Expr(w.r#as.clone(), scope));
                    }
                    match &stmt.literal {
                        Literal::SomeVars { vars, .. } => {
                            let mut names = BTreeSet::new();
                            for v in vars {
                                names.insert(v.text().to_owned());
                            }
                            seq.push(Item::Declare(scope, names));
                        }
                        Literal::SomeIn {
                            key,
                            value,
                            collection,
                            ..
                        } => {
                            seq.push(Item::Expr(collection.clone(), scope));
                            let mut names = BTreeSet::new();
                            if let Some(k) = key {
                                pattern_vars(k, &mut names);
                            }
                            pattern_vars(value, &mut names);
                            seq.push(Item::Declare(scope, names));
                        }
                        Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => {
                            if let Expr::AssignExpr {
                                op: regorus::unstable::AssignOp::ColEq,
                                lhs,
                                rhs,
                                ..
                            } = expr.as_ref()
                            {
                                seq.push(Item::Expr(rhs.clone(), scope));
                                let mut names = BTreeSet::new();
                                pattern_vars(lhs, &mut names);
                                seq.push(Item::Declare(scope, names));
                            } else {
                                seq.push(Item::Expr(expr.clone(), scope));
                            }
                        }
                        Literal::Every {
                            key,
                            value,
                            domain,
                            query,
                            ..
                        } => {
                            seq.push(Item::Expr(domain.clone(), scope));
                            let mut names = BTreeSet::new();
                            names.insert(value.text().to_owned());
                            if let Some(k) = key {
                                names.insert(k.text().to_owned());
                            }
                            seq.push(Item::Query(query.clone(), scope, Vec::new(), names));
                        }
                    }
                }
                seq.extend(then.into_iter().map(|e| Item::Expr(e, scope)));
                work.extend(seq.into_iter().rev());
            }
            Item::Declare(scope, names) => {
                if let Some((_, locals)) = scopes.get_mut(scope) {
                    locals.extend(names);
                }
            }
            Item::Expr(e, scope) => {
                match e.as_ref() {
                    Expr::String { .. }
                    | Expr::RawString { .. }
                    | Expr::Number { .. }
                    | Expr::Bool { .. }
                    | Expr::Null { .. } => {}
                    Expr::Var { .. } | Expr::RefDot { .. } | Expr::RefBrack { .. } => {
                        match static_path(&e) {
                            Some((root, comps, _)) => {
                                if !is_local(&scopes, scope, &root) {
                                    if let Some(t) = ctx.target(&root, &comps) {
                                        let mut named = Vec::new();
                                        ctx.named(&t, &mut named);
                                        found.extend(named.into_iter().map(|n| (n, root_span(&e))));
                                    }
                                }
                            }
                            None => {
                                // Rooted at a value: walk the root.
                                let mut cur = e.clone();
                                loop {
                                    let next = match cur.as_ref() {
                                        Expr::RefDot { refr, .. } => refr.clone(),
                                        Expr::RefBrack { refr, .. } => refr.clone(),
                                        _ => break,
                                    };
                                    cur = next;
                                }
                                work.push(Item::Expr(cur, scope));
                            }
                        }
                        for i in index_exprs(&e) {
                            work.push(Item::Expr(i, scope));
                        }
                    }
                    Expr::Array { items, .. } | Expr::Set { items, .. } => {
                        work.extend(items.iter().map(|i| Item::Expr(i.clone(), scope)));
                    }
                    Expr::Object { fields, .. } => {
                        for (_, k, v) in fields {
                            work.push(Item::Expr(k.clone(), scope));
                            work.push(Item::Expr(v.clone(), scope));
                        }
                    }
                    Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
                        work.push(Item::Query(
                            query.clone(),
                            scope,
                            vec![term.clone()],
                            BTreeSet::new(),
                        ));
                    }
                    Expr::ObjectCompr {
                        key, value, query, ..
                    } => {
                        work.push(Item::Query(
                            query.clone(),
                            scope,
                            vec![key.clone(), value.clone()],
                            BTreeSet::new(),
                        ));
                    }
                    Expr::Call { fcn, params, .. } => {
                        let span = &root_span(fcn);
                        let Some((root, comps, false)) = static_path(fcn) else {
                            return Err((
                                span.clone(),
                                CallProblem::Unknown {
                                    name: fcn.span().text().to_owned(),
                                },
                            ));
                        };
                        let name = std::iter::once(root.as_str())
                            .chain(comps.iter().map(String::as_str))
                            .collect::<Vec<_>>()
                            .join(".");
                        let mut named = Vec::new();
                        if let Some(t) = ctx.target(&root, &comps) {
                            ctx.named(&t, &mut named);
                        }
                        // `data.…` and import-aliased calls also resolve package-relative
                        // in regorus when the absolute path is no function.
                        let mut rel = ctx.package.to_vec();
                        rel.push(root.clone());
                        rel.extend(comps.iter().cloned());
                        ctx.named(&rel, &mut named);
                        if let Some(reason) = refusal(&name, !named.is_empty()) {
                            return Err((span.clone(), CallProblem::Forbidden { name, reason }));
                        }
                        if named.is_empty() && !ALLOWED_BUILTINS.contains(&name.as_str()) {
                            return Err((span.clone(), CallProblem::Unknown { name }));
                        }
                        found.extend(named.into_iter().map(|n| (n, span.clone())));
                        work.extend(params.iter().map(|p| Item::Expr(p.clone(), scope)));
                    }
                    Expr::UnaryExpr { expr, .. } => work.push(Item::Expr(expr.clone(), scope)),
                    Expr::BinExpr { lhs, rhs, .. }
                    | Expr::BoolExpr { lhs, rhs, .. }
                    | Expr::ArithExpr { lhs, rhs, .. }
                    | Expr::AssignExpr { lhs, rhs, .. } => {
                        work.push(Item::Expr(lhs.clone(), scope));
                        work.push(Item::Expr(rhs.clone(), scope));
                    }
                    Expr::Membership {
                        key,
                        value,
                        collection,
                        ..
                    } => {
                        if let Some(k) = key {
                            work.push(Item::Expr(k.clone(), scope));
                        }
                        work.push(Item::Expr(value.clone(), scope));
                        work.push(Item::Expr(collection.clone(), scope));
                    }
                }
            }
        }
    }
    Ok(())
}

/// A `with` target or replacement that names a builtin must name an allowed one.
fn check_with_name(e: &Ref<Expr>) -> Result<(), (Span, CallProblem)> {
    if let Some((root, comps, false)) = static_path(e) {
        let name = std::iter::once(root.as_str())
            .chain(comps.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(".");
        if let Some(reason) = refusal(&name, false) {
            return Err((root_span(e), CallProblem::Forbidden { name, reason }));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_compiled_in_builtin_is_reviewed() {
        // A regorus upgrade or a feature that compiles in more builtins fails here until each
        // new one is put on the allow-list (it is pure) or refused with a reason.
        for name in regorus::unstable::BUILTINS.keys() {
            let listed = ALLOWED_BUILTINS.contains(name)
                || REFUSED_BUILTINS.iter().any(|(n, _)| n == name)
                || name.starts_with("__builtin_sets.");
            assert!(listed, "builtin {name} is neither allowed nor refused");
        }
        // Every allowed builtin exists (regorus compiles it in with Stella's features).
        for name in ALLOWED_BUILTINS {
            assert!(
                regorus::unstable::BUILTINS.contains_key(name),
                "{name} is allowed but not compiled in"
            );
            assert_eq!(refusal(name, false), None);
        }
        for (name, why) in REFUSED_BUILTINS {
            assert_eq!(refusal(name, true), Some(*why));
        }
        // Internal set helpers are not callable by name from a policy.
        assert!(refusal("__builtin_sets.union", true).is_some());
        // An OPA namespace regorus does not compile in: refused unless the bundle defines it.
        assert!(refusal("time.parse_ns", false).is_some());
        assert_eq!(refusal("time.parse_ns", true), None);
    }

    #[test]
    fn tarjan_finds_cycles_and_orders_components() {
        // 0 -> 1 -> 2 -> 1, 3 -> 3, 4 alone.
        let succ = vec![vec![1], vec![2], vec![1], vec![3], vec![]];
        let sccs = tarjan(&succ);
        let mut sorted: Vec<Vec<usize>> = sccs
            .iter()
            .map(|c| {
                let mut c = c.clone();
                c.sort_unstable();
                c
            })
            .collect();
        sorted.sort();
        assert_eq!(sorted, vec![vec![0], vec![1, 2], vec![3], vec![4]]);
        // {1, 2} comes out before 0, which reaches it.
        let pos = |n: usize| sccs.iter().position(|c| c.contains(&n)).unwrap();
        assert!(pos(1) < pos(0));
        assert_eq!(cycle_through(1, &succ, &[1, 2]), vec![1, 2, 1]);
        // A long chain does not recurse natively.
        let long: Vec<Vec<usize>> = (0..200_000).map(|i| vec![i + 1]).chain([vec![]]).collect();
        assert_eq!(tarjan(&long).len(), 200_001);
    }
}
