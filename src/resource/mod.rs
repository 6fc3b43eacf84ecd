//! Resources as the renderer carries them: the object tree plus kustomize's build-time
//! bookkeeping (previous ids, prefixes and suffixes, generator behaviour), and the ordered
//! collection of them ([`ResMap`]).
//!
//! kustomize keeps this bookkeeping in `internal.config.kubernetes.io/*` annotations and
//! strips them before output; rollpin keeps it beside the object instead, so it can never
//! leak into the rendered stream.

pub mod id;

use serde_json::{Map, Value};

pub use id::{Gvk, ResId};

/// How a generated object combines with one of the same id from a base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behavior {
    /// A new object; an existing one with the same id is an error.
    #[default]
    Create,
    /// Replace the existing object's data.
    Replace,
    /// Merge data into the existing object.
    Merge,
}

/// One earlier identity of a resource (before a rename, namespace change or hash suffix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrevId {
    /// Name before the change.
    pub name: String,
    /// Effective namespace before the change.
    pub namespace: String,
    /// Kind before the change.
    pub kind: String,
}

/// kustomize's build annotations, kept out of the object.
#[derive(Debug, Clone, Default)]
pub struct BuildMeta {
    /// Earlier ids, oldest first (kustomize's `previousNames`/`Namespaces`/`Kinds`).
    pub prev: Vec<PrevId>,
    /// Name prefixes added, innermost layer first.
    pub prefixes: Vec<String>,
    /// Name suffixes added, innermost layer first.
    pub suffixes: Vec<String>,
    /// Generator behaviour (generated objects only).
    pub behavior: Behavior,
    /// Whether the name gets a content-hash suffix at the end of the build.
    pub needs_hash: bool,
    /// Where the object came from (file path), for messages.
    pub origin: String,
    /// Fields written as nothing in the source (`key:`), which kustomize drops once a
    /// strategic-merge patch has walked the object.
    pub empty_fields: Vec<Vec<String>>,
}

/// A Kubernetes object being rendered.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The object (always a JSON object).
    pub obj: Value,
    /// Build bookkeeping.
    pub meta: BuildMeta,
}

impl Resource {
    /// Wraps an object read from `origin`.
    pub fn new(obj: Value, origin: impl Into<String>) -> Resource {
        Resource {
            obj,
            meta: BuildMeta {
                origin: origin.into(),
                ..BuildMeta::default()
            },
        }
    }

    /// The object's top-level map.
    pub fn map(&self) -> Option<&Map<String, Value>> {
        self.obj.as_object()
    }

    fn str_at(&self, path: &[&str]) -> &str {
        let mut cur = &self.obj;
        for p in path {
            match cur.get(p) {
                Some(v) => cur = v,
                None => return "",
            }
        }
        cur.as_str().unwrap_or("")
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> &str {
        self.str_at(&["apiVersion"])
    }
    /// `kind`.
    pub fn kind(&self) -> &str {
        self.str_at(&["kind"])
    }
    /// `metadata.name`.
    pub fn name(&self) -> &str {
        self.str_at(&["metadata", "name"])
    }
    /// `metadata.namespace`.
    pub fn namespace(&self) -> &str {
        self.str_at(&["metadata", "namespace"])
    }

    /// Group, version and kind.
    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(self.api_version(), self.kind())
    }

    /// The current id.
    pub fn cur_id(&self) -> ResId {
        ResId {
            gvk: self.gvk(),
            name: self.name().to_string(),
            namespace: self.namespace().to_string(),
        }
    }

    /// Earlier ids, oldest first (kustomize's `PrevIds`).
    pub fn prev_ids(&self) -> Vec<ResId> {
        let gvk = self.gvk();
        self.meta
            .prev
            .iter()
            .map(|p| ResId {
                gvk: Gvk {
                    kind: p.kind.clone(),
                    ..gvk.clone()
                },
                name: p.name.clone(),
                namespace: p.namespace.clone(),
            })
            .collect()
    }

    /// The id the resource had when it was read (kustomize's `OrgId`).
    pub fn org_id(&self) -> ResId {
        self.prev_ids()
            .into_iter()
            .next()
            .unwrap_or_else(|| self.cur_id())
    }

    /// Records the current id as a previous one (kustomize's `StorePreviousId`).
    pub fn store_previous_id(&mut self) {
        let id = self.cur_id();
        if id.name.is_empty() {
            return;
        }
        self.meta.prev.push(PrevId {
            namespace: id.effective_namespace().to_string(),
            name: id.name,
            kind: id.gvk.kind,
        });
    }

    /// True when `id` equals the current id or any previous one.
    pub fn matches_any_id(&self, id: &ResId) -> bool {
        if self.cur_id().equals(id) {
            return true;
        }
        // Previous ids share the current group and version; compare without building them.
        let gvk = self.gvk();
        gvk.group == id.gvk.group
            && gvk.version == id.gvk.version
            && self.meta.prev.iter().any(|p| {
                p.kind == id.gvk.kind
                    && p.name == id.name
                    && ResId {
                        gvk: Gvk {
                            kind: p.kind.clone(),
                            ..gvk.clone()
                        },
                        name: p.name.clone(),
                        namespace: p.namespace.clone(),
                    }
                    .ns_equals(id)
            })
    }

    fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        let obj = ensure_object(&mut self.obj);
        ensure_object(
            obj.entry("metadata")
                .or_insert_with(|| Value::Object(Map::new())),
        )
    }

    /// Sets `metadata.name`.
    pub fn set_name(&mut self, name: &str) {
        self.metadata_mut()
            .insert("name".into(), Value::String(name.into()));
    }

    /// Sets `metadata.namespace` (removes it when empty).
    pub fn set_namespace(&mut self, namespace: &str) {
        let md = self.metadata_mut();
        if namespace.is_empty() {
            md.remove("namespace");
        } else {
            md.insert("namespace".into(), Value::String(namespace.into()));
        }
    }

    /// `metadata.<field>` as a string map (non-string values are skipped).
    pub fn string_map(&self, field: &str) -> Vec<(String, String)> {
        let Some(m) = self
            .obj
            .get("metadata")
            .and_then(|m| m.get(field))
            .and_then(Value::as_object)
        else {
            return Vec::new();
        };
        m.iter().map(|(k, v)| (k.clone(), scalar_text(v))).collect()
    }

    /// Replaces `metadata.<field>` with the given map (removed when empty and absent).
    pub fn set_string_map(&mut self, field: &str, entries: Vec<(String, String)>) {
        let md = self.metadata_mut();
        if entries.is_empty() {
            if md.get(field).is_some_and(|v| !v.is_object()) {
                md.remove(field);
            }
            if let Some(Value::Object(m)) = md.get_mut(field) {
                m.clear();
            }
            return;
        }
        let m: Map<String, Value> = entries
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        md.insert(field.into(), Value::Object(m));
    }
}

/// Makes `v` an object (replacing a null) and returns its map.
pub fn ensure_object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("just made an object"),
    }
}

/// The text of a scalar as a Go string map would hold it.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Resources in accumulation order.
#[derive(Debug, Clone, Default)]
pub struct ResMap {
    /// The resources, in order.
    pub resources: Vec<Resource>,
}

impl ResMap {
    /// Index of the resource whose current id equals `id`.
    pub fn find_cur(&self, id: &ResId) -> Option<usize> {
        self.resources.iter().position(|r| r.cur_id().equals(id))
    }

    /// Indices of resources with `id` as current or previous id.
    pub fn find_any(&self, id: &ResId) -> Vec<usize> {
        (0..self.resources.len())
            .filter(|&i| self.resources[i].matches_any_id(id))
            .collect()
    }
}
