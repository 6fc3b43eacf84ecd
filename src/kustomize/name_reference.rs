//! The name-reference fix-up (kustomize's `FixBackReferences`): after prefixes, suffixes,
//! namespaces and hash suffixes have renamed objects, every field that refers to one of
//! them by its old name (a Deployment's ConfigMap volume, a RoleBinding's roleRef, an
//! Ingress backend, …) is updated to the new name, following kustomize's candidate rules.

use std::collections::HashMap;

use serde_json::Value;

use crate::kustomize::field_spec::{FieldSpec, NameBackReference, split_path, walk};
use crate::resource::{Gvk, ResId, ResMap};

/// What the fix-up needs to know of each resource, taken before any field changes.
struct Snapshot {
    cur: ResId,
    prev: Vec<ResId>,
    org_ns: String,
    kind: String,
    name: String,
    namespace: String,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() > b.len() { (b, a) } else { (a, b) };
    let diff = long.len() - short.len();
    if short.is_empty() {
        return diff == 0;
    }
    short.iter().zip(&long[diff..]).all(|(x, y)| x == y)
}

fn affixes_equal(a: &Snapshot, b: &Snapshot, allow_empty: bool) -> bool {
    let prefix_ok = (allow_empty && (a.prefixes.is_empty() || b.prefixes.is_empty()))
        || same_ending(&a.prefixes, &b.prefixes);
    let suffix_ok = (allow_empty && (a.suffixes.is_empty() || b.suffixes.is_empty()))
        || same_ending(&a.suffixes, &b.suffixes);
    prefix_ok && suffix_ok
}

struct Context<'a> {
    snaps: &'a [Snapshot],
    by_prev_name: &'a HashMap<&'a str, Vec<usize>>,
}

impl Context<'_> {
    /// kustomize's `SubsetThatCouldBeReferencedByResource`.
    fn could_refer(&self, referrer: usize, rb_namespaces: &[String], candidate: usize) -> bool {
        let r = &self.snaps[referrer].cur;
        let c = &self.snaps[candidate];
        r.gvk.is_cluster_scoped()
            || c.cur.gvk.is_cluster_scoped()
            || c.cur.ns_equals(r)
            || rb_namespaces.contains(&c.namespace)
    }

    #[allow(clippy::too_many_arguments)]
    fn select(
        &self,
        referrer: usize,
        rb_namespaces: &[String],
        old_name: &str,
        subject_ns: Option<&str>,
        mapping: bool,
        referral: &Gvk,
        role_ref: Option<&Gvk>,
    ) -> Result<Option<usize>, String> {
        let Some(list) = self.by_prev_name.get(old_name) else {
            return Ok(None);
        };
        let me = &self.snaps[referrer];
        let in_subset: Vec<usize> = list
            .iter()
            .copied()
            .filter(|&c| self.could_refer(referrer, rb_namespaces, c))
            .collect();
        let pool: Vec<usize> = match subject_ns {
            None => in_subset,
            Some(ns) => {
                let by_org: Vec<usize> = self
                    .subset_all(referrer, rb_namespaces)
                    .filter(|&c| self.snaps[c].org_ns == ns)
                    .collect();
                let group_exists = !by_org.is_empty();
                in_subset
                    .into_iter()
                    .filter(|&c| {
                        let s = &self.snaps[c];
                        if group_exists {
                            s.org_ns == ns
                        } else {
                            s.cur.effective_namespace() == ns
                        }
                    })
                    .collect()
            }
        };
        let mut cands: Vec<usize> = pool
            .into_iter()
            .filter(|&c| {
                let s = &self.snaps[c];
                s.prev.iter().any(|p| p.name == old_name)
                    && s.prev.iter().any(|p| p.gvk.is_selected_by(referral))
                    && role_ref.is_none_or(|g| s.prev.iter().any(|p| p.gvk.is_selected_by(g)))
                    && (me.cur.gvk.is_cluster_scoped()
                        || s.cur.gvk.is_cluster_scoped()
                        || s.kind == "ServiceAccount"
                        || me.cur.ns_equals(&s.cur))
            })
            .collect();
        if cands.len() == 1 {
            return Ok(Some(cands[0]));
        }
        cands.retain(|&c| affixes_equal(&self.snaps[c], me, true));
        if cands.len() > 1 {
            cands.retain(|&c| affixes_equal(&self.snaps[c], me, false));
        }
        match cands.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            [first, rest @ ..] => {
                let f = &self.snaps[*first];
                let identical = rest.iter().all(|&c| {
                    let s = &self.snaps[c];
                    s.name == f.name && (!mapping || s.namespace == f.namespace)
                });
                if identical {
                    Ok(Some(*first))
                } else {
                    let ids: Vec<String> = cands
                        .iter()
                        .map(|&c| self.snaps[c].cur.to_string())
                        .collect();
                    Err(format!(
                        "found multiple possible referrals: {} (referred to as '{old_name}' by {})",
                        ids.join(", "),
                        me.cur
                    ))
                }
            }
        }
    }

    fn subset_all<'b>(
        &'b self,
        referrer: usize,
        rb_namespaces: &'b [String],
    ) -> impl Iterator<Item = usize> + 'b {
        (0..self.snaps.len()).filter(move |&c| {
            !self.snaps[c].cur.gvk.is_cluster_scoped()
                && self.could_refer(referrer, rb_namespaces, c)
        })
    }
}

/// Namespaces of a RoleBinding's ServiceAccount subjects; a subject whose namespace is
/// present but not a string (`namespace:` left blank) is an error, as in kustomize.
fn role_binding_namespaces(obj: &Value, id: &ResId) -> Result<Vec<String>, String> {
    if obj.get("kind").and_then(Value::as_str) != Some("RoleBinding") {
        return Ok(Vec::new());
    }
    let Some(Value::Array(subjects)) = obj.get("subjects") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for s in subjects {
        if s.get("kind").and_then(Value::as_str) != Some("ServiceAccount") {
            continue;
        }
        match s.get("namespace") {
            None => {}
            Some(Value::String(ns)) => out.push(ns.clone()),
            Some(_) => {
                return Err(format!(
                    "Invalid Input: namespace is blank for resource \"{id}\""
                ));
            }
        }
    }
    Ok(out)
}

fn role_ref_gvk(obj: &Value) -> Option<Gvk> {
    let rr = obj.get("roleRef")?;
    Some(Gvk {
        group: rr.get("apiGroup")?.as_str().unwrap_or("").to_string(),
        version: String::new(),
        kind: rr.get("kind")?.as_str().unwrap_or("").to_string(),
    })
}

/// A referral kind, one field that refers to it, and the field's path split.
type ReferrerField<'a> = (&'a Gvk, &'a FieldSpec, Vec<String>);

/// Updates every name reference in `rm`.
pub fn fix(rm: &mut ResMap, backrefs: &[NameBackReference]) -> Result<(), String> {
    let snaps: Vec<Snapshot> = rm
        .resources
        .iter()
        .map(|r| {
            let org = r.org_id();
            Snapshot {
                cur: r.cur_id(),
                prev: r.prev_ids(),
                org_ns: org.effective_namespace().to_string(),
                kind: r.kind().to_string(),
                name: r.name().to_string(),
                namespace: r.namespace().to_string(),
                prefixes: r.meta.prefixes.clone(),
                suffixes: r.meta.suffixes.clone(),
            }
        })
        .collect();
    let mut by_prev_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in snaps.iter().enumerate() {
        let mut names: Vec<&str> = s.prev.iter().map(|p| p.name.as_str()).collect();
        names.dedup();
        for n in names {
            let v = by_prev_name.entry(n).or_default();
            if v.last() != Some(&i) {
                v.push(i);
            }
        }
    }
    let ctx = Context {
        snaps: &snaps,
        by_prev_name: &by_prev_name,
    };
    if by_prev_name.is_empty() {
        // Nothing was renamed: every reference is already right (the RoleBinding subject
        // check still runs, as kustomize runs it for every referrer).
        for (i, res) in rm.resources.iter().enumerate() {
            role_binding_namespaces(&res.obj, &snaps[i].cur)?;
        }
        return Ok(());
    }
    // Referrer fields, paths split once, indexed by the referrer kind they name.
    let mut by_kind: HashMap<&str, Vec<ReferrerField<'_>>> = HashMap::new();
    for br in backrefs {
        for spec in &br.referrers {
            by_kind.entry(spec.kind.as_str()).or_default().push((
                &br.referral,
                spec,
                split_path(&spec.path),
            ));
        }
    }
    let no_specs = Vec::new();
    for (i, res) in rm.resources.iter_mut().enumerate() {
        let org_gvk = res.org_id().gvk;
        let rb_ns = role_binding_namespaces(&res.obj, &snaps[i].cur)?;
        let role_ref = role_ref_gvk(&res.obj);
        let for_kind = by_kind.get(org_gvk.kind.as_str()).unwrap_or(&no_specs);
        let for_any = by_kind.get("").unwrap_or(&no_specs);
        for (referral, spec, path) in for_kind.iter().chain(for_any) {
            if !org_gvk.is_selected_by(&spec.gvk()) {
                continue;
            }
            let rr = if spec.path.ends_with("roleRef/name") {
                role_ref.as_ref()
            } else {
                None
            };
            let mut set = |node: &mut Value| -> Result<(), String> {
                set_reference(&ctx, i, &rb_ns, node, referral, rr)
            };
            walk(&mut res.obj, path, None, &mut set).map_err(|e| {
                format!(
                    "updating name reference in '{}' field of '{}': {e}",
                    spec.path, snaps[i].cur
                )
            })?;
        }
    }
    Ok(())
}

fn set_reference(
    ctx: &Context,
    referrer: usize,
    rb_ns: &[String],
    node: &mut Value,
    referral: &Gvk,
    role_ref: Option<&Gvk>,
) -> Result<(), String> {
    match node {
        Value::Null => Ok(()),
        Value::String(old) => {
            if let Some(c) = ctx.select(referrer, rb_ns, old, None, false, referral, role_ref)? {
                let new = &ctx.snaps[c].name;
                if new != old {
                    *old = new.clone();
                }
            }
            Ok(())
        }
        Value::Object(m) => {
            let Some(old) = m.get("name").map(crate::resource::scalar_text) else {
                return Err("path config error; no 'name' field in node".into());
            };
            let subject_ns = m.get("namespace").map(crate::resource::scalar_text);
            let Some(c) = ctx.select(
                referrer,
                rb_ns,
                &old,
                subject_ns.as_deref(),
                true,
                referral,
                role_ref,
            )?
            else {
                return Ok(());
            };
            let s = &ctx.snaps[c];
            if s.name == old && s.namespace.is_empty() {
                return Ok(());
            }
            m.insert("name".into(), Value::String(s.name.clone()));
            if !s.namespace.is_empty() {
                m.insert("namespace".into(), Value::String(s.namespace.clone()));
            }
            Ok(())
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Array(_) => {
                        return Err("expected either a string or a map of string".into());
                    }
                    other => set_reference(ctx, referrer, rb_ns, other, referral, role_ref)?,
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
