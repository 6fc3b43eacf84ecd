//! Strategic merge patch as kustomize 5.5 applies it: kyaml's `merge2` walk, not the API
//! server's strategic merge. Used by `patches` (a YAML patch) and `patchesStrategicMerge`,
//! after generators and before the namespace/prefix/label transformers.
//!
//! The rules, from kyaml (`yaml/merge2`, `yaml/walk`), with kustomize's options
//! (`ListIncreaseDirection: Prepend`, no inference of merge keys):
//! - maps merge recursively; a patch `null` deletes the field; scalars are replaced;
//! - a list merges by key only when its [`openapi`] schema says so (`containers` by `name`,
//!   `ports` by `containerPort`+`protocol`, `finalizers` as a set, …); the patch's elements
//!   come first, then the target's other elements in their order; every other list, and every
//!   list of a kind the schema does not know, is replaced whole;
//! - `$patch: delete|replace|merge` on a map or as a lone list element; any other value fails
//!   with `unknown patch strategy 'x'`; at the document root `delete` removes the resource
//!   and `replace` does nothing at all;
//! - `$setElementOrder/…`, `$retainKeys`, `$deleteFromPrimitiveList/…` are not directives
//!   here and stay in the output as ordinary fields.
//!
//! kyaml's list handling has sharp edges that kustomize users see, and they are reproduced on
//! purpose (each is checked against `kubectl kustomize` in the tests): a patch element without
//! the merge key empties the list; an element of the target without the merge key drops the
//! elements before it; with duplicate keys in the target only the last duplicate survives,
//! unpatched; `$patch: replace` on a list element keeps the target's element; a multi-key
//! element (`ports`) whose patch omits `protocol` keeps the target's element unchanged.
//!
//! kyaml also keeps a replaced scalar's quoting style, so a number or boolean patched over a
//! quoted string comes out as a string (`"9090"` patched with `8080` gives `"8080"`).
//!
//! Divergences, because values do not keep YAML presentation: a null is taken to be written
//! `null` (kyaml keeps a target's `key: null`/`key: ~` but drops an empty `key:` once a patch
//! applies); a string counts as quoted only when it could not have been written plain (so
//! `image: "nginx"` patched with a number stays a number here, a string in kustomize); kyaml's
//! schemas in YAML comments (`# {"$ref": …}`) are not seen.

use serde_json::Value;

use super::node_tree::{Id, Kind, Node, Tree};
use crate::kustomize::openapi::{self, ListMerge, Schema, SchemaRef};

/// What a strategic merge did to the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeOutcome {
    /// The target now holds the merged resource.
    Merged,
    /// The patch deleted the whole resource (`$patch: delete` at the root); the target is
    /// unchanged and the caller must drop the resource.
    DeleteResource,
}

/// Merges `patch` into `target` as kustomize does.
///
/// `schema` is the target's schema when the caller has it; with `None` it is looked up in the
/// built-in schema by the target's (then the patch's) `apiVersion` and `kind`, exactly as
/// kyaml does. Wherever the walk has no schema (the kind is unknown, or a field is not in the
/// schema), a mapping that has its own `apiVersion` and `kind` is looked up again, in the
/// schema set `schema` belongs to (built-in when `None`).
pub fn merge(
    target: &mut Value,
    patch: &Value,
    schema: Option<SchemaRef<'_>>,
) -> Result<MergeOutcome, String> {
    let schemas = match schema {
        Some(s) => s.schema(),
        None => openapi::builtin(),
    };
    merge_inner(target, patch, schema, schemas, true)
}

/// [`merge`] with every schema looked up in `schemas` (a custom `openapi:` schema).
pub fn merge_with_schema(
    target: &mut Value,
    patch: &Value,
    schemas: &Schema,
) -> Result<MergeOutcome, String> {
    merge_inner(target, patch, None, schemas, true)
}

/// The walk itself; `prepend: false` is kyaml's default (append) direction, which kustomize
/// never uses but kyaml's own test cases do.
pub(super) fn merge_inner<'a>(
    target: &mut Value,
    patch: &Value,
    schema: Option<SchemaRef<'a>>,
    schemas: &'a Schema,
    prepend: bool,
) -> Result<MergeOutcome, String> {
    let mut walker = Walker {
        tree: Tree::default(),
        schemas,
        prepend,
    };
    let dest = walker.tree.add(target);
    let origin = walker.tree.add(patch);
    match walker.walk(Some(dest), Some(origin), schema)? {
        Some(root) if root == dest => {
            *target = walker.tree.to_value(root);
            Ok(MergeOutcome::Merged)
        }
        // `$patch: replace` at the root: kyaml returns the patch as a new node, but kustomize
        // only looks at the node it passed in, so the resource stays as it was (verified).
        Some(_) => Ok(MergeOutcome::Merged),
        None => Ok(MergeOutcome::DeleteResource),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

struct Walker<'s> {
    tree: Tree,
    schemas: &'s Schema,
    prepend: bool,
}

impl<'s> Walker<'s> {
    /// Merges `origin` (patch side) into `dest` (target side); `None` means "no value": the
    /// caller removes the field or element.
    fn walk(
        &mut self,
        dest: Option<Id>,
        origin: Option<Id>,
        schema: Option<SchemaRef<'s>>,
    ) -> Result<Option<Id>, String> {
        let sources = [dest, origin];
        let kind = sources
            .iter()
            .flatten()
            .find(|&&id| !self.tree.is_null(id))
            .map(|&id| self.tree.kind(id));
        let Some(kind) = kind else {
            return self.walk_map(dest, origin, None);
        };
        for id in sources.iter().flatten() {
            self.tree.expect_kind(*id, kind)?;
        }
        match kind {
            Kind::Map => {
                let schema = schema.or_else(|| self.lookup(&sources));
                self.walk_map(dest, origin, schema)
            }
            Kind::Seq => {
                let merge = schema.map_or(ListMerge::Replace, |s| s.list_merge());
                if merge == ListMerge::Replace {
                    Ok(origin.or(dest))
                } else {
                    self.walk_associative(dest, origin, schema, merge)
                }
            }
            Kind::Scalar => Ok(origin.or(dest)),
        }
    }

    /// The schema of the first mapping (target first) that names a known `apiVersion`/`kind`.
    fn lookup(&self, sources: &[Option<Id>]) -> Option<SchemaRef<'s>> {
        sources.iter().flatten().find_map(|&id| {
            let text = |field: &str| {
                self.tree
                    .field(id, field)
                    .filter(|&f| !self.tree.is_nil_or_empty(f))
                    .map(|f| self.tree.text(f))
                    .filter(|t| !t.is_empty())
            };
            let (api_version, kind) = (text("apiVersion")?, text("kind")?);
            self.schemas.schema_for(&api_version, &kind)
        })
    }

    fn walk_map(
        &mut self,
        dest: Option<Id>,
        origin: Option<Id>,
        schema: Option<SchemaRef<'s>>,
    ) -> Result<Option<Id>, String> {
        let Some(dest) = self.visit_map(dest, origin)? else {
            return Ok(None);
        };
        let mut names = self.tree.field_names(dest);
        if let Some(o) = origin {
            names.extend(self.tree.field_names(o));
        }
        names.sort();
        names.dedup();
        for name in names {
            let sub = schema.and_then(|s| s.field(&name));
            let d = self.tree.field(dest, &name);
            let o = origin.and_then(|o| self.tree.field(o, &name));
            let val = self.walk(d, o, sub)?;
            self.tree.set_field(dest, &name, val);
        }
        Ok(Some(dest))
    }

    /// Chooses the mapping to merge into: kyaml `Merger.VisitMap`.
    fn visit_map(&mut self, dest: Option<Id>, origin: Option<Id>) -> Result<Option<Id>, String> {
        if dest.is_none_or(|d| self.tree.is_null(d)) {
            // kyaml ignores an invalid directive here (the target has nothing to merge into).
            if self.directive(origin).ok() == Some(Directive::Delete) {
                return Ok(None);
            }
            if origin.is_none() && dest.is_some() {
                return Ok(Some(self.tree.push(Node::Null { keep: true })));
            }
            return Ok(origin);
        }
        if origin.is_some_and(|o| self.tree.is_null(o)) {
            return Ok(None);
        }
        Ok(match self.directive(origin)? {
            Directive::Delete => None,
            Directive::Replace => origin,
            Directive::Merge => dest,
        })
    }

    /// Reads and removes a `$patch` directive: kyaml `determineSmpDirective`.
    fn directive(&mut self, patch: Option<Id>) -> Result<Directive, String> {
        let Some(patch) = patch else {
            return Ok(Directive::Merge);
        };
        match self.tree.node(patch) {
            Node::Map(_) => {
                let Some(value) = self.tree.field(patch, "$patch") else {
                    return Ok(Directive::Merge);
                };
                let directive = parse_directive(&self.tree.text(value))?;
                self.tree.remove_field(patch, "$patch");
                Ok(directive)
            }
            Node::Seq(items) => {
                // The first mapping element with a `$patch` field decides; it is a directive
                // for the list only when it has no other field.
                let first = items
                    .iter()
                    .copied()
                    .find(|&e| self.tree.field(e, "$patch").is_some());
                let Some(elem) = first else {
                    return Ok(Directive::Merge);
                };
                if self.tree.field_names(elem).len() > 1 {
                    return Ok(Directive::Merge);
                }
                let Some(value) = self.tree.field(elem, "$patch") else {
                    return Ok(Directive::Merge);
                };
                let text = self.tree.text(value);
                let directive = parse_directive(&text)?;
                let key = ["$patch".to_string()];
                self.tree.element_setter(patch, None, &key, &[text])?;
                Ok(directive)
            }
            Node::Scalar(_) | Node::Null { .. } => Err(format!(
                "no implemented strategic merge patch strategy for '{}'",
                self.tree.text(patch)
            )),
        }
    }

    /// An associative list (merge key or primitive set): kyaml `walkAssociativeSequence`.
    fn walk_associative(
        &mut self,
        dest: Option<Id>,
        origin: Option<Id>,
        schema: Option<SchemaRef<'s>>,
        merge: ListMerge,
    ) -> Result<Option<Id>, String> {
        let Some(dest) = self.visit_list(dest, origin)? else {
            return Ok(None);
        };
        let keys = match merge {
            ListMerge::Associative(keys) => keys,
            ListMerge::Replace | ListMerge::PrimitiveSet => Vec::new(),
        };
        let values = self.element_values(dest, origin, &keys);
        if !values.is_empty() || !keys.is_empty() {
            return self.set_elements(values, &keys, dest, origin, schema);
        }
        let values = self.primitive_values(dest, origin);
        self.set_elements(values, &[String::new()], dest, origin, schema)
    }

    /// Chooses the list to merge into: kyaml `Merger.VisitList` for associative lists.
    fn visit_list(&mut self, dest: Option<Id>, origin: Option<Id>) -> Result<Option<Id>, String> {
        let Some(dest) = dest.filter(|&d| !self.tree.is_null(d)) else {
            return Ok(origin);
        };
        if origin.is_some_and(|o| self.tree.is_null(o)) {
            return Ok(None);
        }
        Ok(match self.directive(origin)? {
            Directive::Delete => None,
            Directive::Replace => origin,
            Directive::Merge => Some(dest),
        })
    }

    /// The sources in the order their elements are considered (patch first when prepending).
    fn ordered(&self, dest: Id, origin: Option<Id>) -> [Option<Id>; 2] {
        if self.prepend {
            [origin, Some(dest)]
        } else {
            [Some(dest), origin]
        }
    }

    /// The distinct key-value tuples of all elements ("" for a missing or empty key field).
    fn element_values(&self, dest: Id, origin: Option<Id>, keys: &[String]) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        for src in self.ordered(dest, origin).into_iter().flatten() {
            for elem in self.tree.items(src) {
                let tuple: Vec<String> = keys
                    .iter()
                    .map(|k| {
                        self.tree
                            .field(elem, k)
                            .filter(|&f| !self.tree.is_nil_or_empty(f))
                            .map_or_else(String::new, |f| self.tree.text(f))
                    })
                    .collect();
                if !tuple.is_empty() && !out.contains(&tuple) {
                    out.push(tuple);
                }
            }
        }
        out
    }

    /// The distinct element texts of a primitive set.
    fn primitive_values(&self, dest: Id, origin: Option<Id>) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        for src in self.ordered(dest, origin).into_iter().flatten() {
            for elem in self.tree.items(src) {
                let value = vec![self.tree.text(elem)];
                if !out.contains(&value) {
                    out.push(value);
                }
            }
        }
        out
    }

    /// Merges element by element, then adds the target's remaining elements: kyaml
    /// `setAssociativeSequenceElements`.
    fn set_elements(
        &mut self,
        mut values_list: Vec<Vec<String>>,
        keys: &[String],
        dest: Id,
        origin: Option<Id>,
        schema: Option<SchemaRef<'s>>,
    ) -> Result<Option<Id>, String> {
        let added = self.tree.push(Node::Seq(Vec::new()));
        let elem_schema = schema.and_then(|s| s.items());
        if keys.len() > 1 {
            merge_values(&mut values_list);
        }
        let mut valid_keys: Vec<String> = Vec::new();
        for values in &values_list {
            if values.is_empty() {
                continue;
            }
            let (vkeys, vvalues) = validate_keys(&values_list, values, keys);
            valid_keys = vkeys.clone();
            let (mkeys, mvalues) = validate_keys(std::slice::from_ref(&vvalues), &vvalues, &vkeys);
            let d = self.tree.element_list(Some(dest), &mkeys, &mvalues);
            let o = self.tree.element_list(origin, &mkeys, &mvalues);
            let val = self.walk(d, o, elem_schema)?;
            let removed = val.is_none_or(|v| self.tree.is_null_or_empty_map(v));
            for (key, value) in vkeys.iter().zip(&vvalues) {
                match val {
                    Some(v) if !removed => {
                        if self.tree.field(v, key).is_none()
                            && !value.is_empty()
                            && self.tree.is_map(v)
                        {
                            let filled = self.tree.push(Node::Scalar(Value::String(value.clone())));
                            self.tree.set_field(v, key, Some(filled));
                        }
                    }
                    _ => {
                        self.tree.element_setter(dest, None, &vkeys, &vvalues)?;
                    }
                }
            }
            if removed {
                continue;
            }
            if let Some(v) = val {
                self.tree.element_setter(added, Some(v), &vkeys, &vvalues)?;
            }
        }
        let mut result = dest;
        if !values_list.is_empty() {
            result = if self.prepend {
                self.append_list(added, dest, &valid_keys)?
            } else {
                self.append_list(dest, added, &valid_keys)?
            };
        }
        Ok((!self.tree.is_null(result)).then_some(result))
    }

    /// Adds `src`'s elements to `dst`, each replacing the elements it matches by key: kyaml
    /// `appendListNode`. An element lacking a key field is appended first and then goes
    /// through the same replacement with fewer values.
    fn append_list(&mut self, dst: Id, src: Id, keys: &[String]) -> Result<Id, String> {
        for elem in self.tree.items(src) {
            if keys.first().is_none_or(|k| k.is_empty()) {
                let text = self.tree.text(elem);
                self.tree
                    .element_setter(dst, Some(elem), &[String::new()], &[text])?;
                continue;
            }
            let mut values = Vec::new();
            for key in keys {
                match self.tree.field_matcher(elem, key, "")? {
                    Some(field) => values.push(self.tree.text(field)),
                    None => self.tree.append(dst, elem)?,
                }
            }
            if keys.len() > 1 {
                self.tree.element_setter(dst, None, keys, &values)?;
            }
            self.tree.element_setter(dst, Some(elem), keys, &values)?;
        }
        Ok(dst)
    }
}

fn parse_directive(text: &str) -> Result<Directive, String> {
    match text {
        "delete" => Ok(Directive::Delete),
        "replace" => Ok(Directive::Replace),
        "merge" => Ok(Directive::Merge),
        other => Err(format!("unknown patch strategy '{other}'")),
    }
}

/// Keeps only the keys that have a value in some tuple (all keys when none has): kyaml
/// `validateKeys`.
fn validate_keys(
    values_list: &[Vec<String>],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut valid = vec![false; keys.len()];
    for tuple in values_list {
        for (i, v) in tuple.iter().enumerate() {
            if !v.is_empty() && i < valid.len() {
                valid[i] = true;
            }
        }
    }
    if !valid.contains(&true) {
        return (keys.to_vec(), values.to_vec());
    }
    let vkeys = keys
        .iter()
        .zip(&valid)
        .filter(|(_, ok)| **ok)
        .map(|(k, _)| k.clone())
        .collect();
    let vvalues = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || valid.get(*i).copied().unwrap_or(false))
        .map(|(_, v)| v.clone())
        .collect();
    (vkeys, vvalues)
}

/// Unifies tuples that agree wherever both have a value and share at least one value (so a
/// port without `protocol` matches the same port with one): kyaml `mergeValues`.
fn merge_values(values_list: &mut [Vec<String>]) {
    for i in 0..values_list.len() {
        let first = values_list[i].clone();
        for j in 0..values_list.len() {
            if let Some(merged) = match_values(&first, &values_list[j]) {
                values_list[i] = merged.clone();
                values_list[j] = merged;
            }
        }
    }
}

fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut merged = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            merged.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else {
            merged.push(if x.is_empty() { y.clone() } else { x.clone() });
        }
    }
    common.then_some(merged)
}

#[cfg(test)]
#[path = "strategic_merge_tests.rs"]
mod tests;
