//! OpenAPI knowledge for strategic merge: which lists merge by key, and with which keys.
//!
//! kustomize (kyaml) finds a resource's schema by its exact `apiVersion` + `kind`, then walks
//! it field by field while merging a patch ([`crate::kustomize::patch::strategic_merge`]). A
//! list is merged element by element only when its schema says
//! `x-kubernetes-patch-strategy: merge`; every other list is replaced whole, and so is every
//! list of a kind the schema does not know (CRDs, `autoscaling/v2`, …).
//!
//! The built-in schema is Kubernetes v1.21.2 plus kustomize's own Kustomization types, kept as
//! a compact generated table (`merge_keys.txt`, made by `scripts/gen_openapi_table.py`) and
//! parsed once on first use. A custom schema (`openapi: path:` in a kustomization) is loaded
//! into the same structure with [`Schema::from_custom_openapi`]; in kustomize it *replaces* the
//! built-in Kubernetes schema (verified: with a custom schema, Deployment containers are
//! replaced, not merged).

mod document;
mod table;

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// The generated table of the built-in schema.
const BUILTIN_TABLE: &str = include_str!("merge_keys.txt");

/// kustomize's Kustomization types, which kustomize loads after any schema.
const KUSTOMIZE_TYPES: &str = include_str!("kustomize_types.json");

/// A set of OpenAPI definitions, indexed by `(apiVersion, kind)`, reduced to what strategic
/// merge navigates.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    nodes: Vec<Node>,
    /// Definition name → node, for diagnostics and tests.
    definitions: BTreeMap<String, usize>,
    kinds: HashMap<(String, String), KindInfo>,
}

/// What a schema knows about one `(apiVersion, kind)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct KindInfo {
    /// The root definition, when the kind has one.
    root: Option<usize>,
    /// Whether the kind is namespaced, when the schema says.
    namespaced: Option<bool>,
}

/// One schema object: the parts kyaml looks at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Node {
    /// `properties`, sorted by name.
    properties: Vec<(String, Link)>,
    /// `additionalProperties` when it is a schema.
    additional: Option<Link>,
    /// `items`, only when `type` is exactly `array` (kyaml ignores it otherwise).
    items: Option<Link>,
    /// The patch extensions, when `x-kubernetes-patch-strategy` is present.
    patch: Option<PatchMeta>,
}

/// The `x-kubernetes-*` patch extensions of a schema that has a patch strategy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PatchMeta {
    strategy: String,
    merge_key: Option<String>,
    map_keys: Option<Vec<String>>,
}

/// Where a property, item or map value leads: a node, or a reference that resolves to
/// nothing (kyaml then has no schema below that point).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Node(usize),
    Missing,
}

/// How strategic merge treats a list, from its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListMerge {
    /// The patch's list replaces the target's.
    Replace,
    /// Elements are matched by the values of these fields (merge key(s)).
    Associative(Vec<String>),
    /// A set of scalars (e.g. `finalizers`): patch values first, then the others.
    PrimitiveSet,
}

/// A position in a [`Schema`]: the schema of a resource or of one of its fields.
#[derive(Debug, Clone, Copy)]
pub struct SchemaRef<'a> {
    schema: &'a Schema,
    node: usize,
}

/// The built-in schema (Kubernetes v1.21.2 + Kustomization types), parsed on first use.
pub fn builtin() -> &'static Schema {
    static BUILTIN: OnceLock<Schema> = OnceLock::new();
    BUILTIN.get_or_init(|| match Schema::from_table(BUILTIN_TABLE) {
        Ok(schema) => schema,
        // The table is generated and checked in; a unit test parses it.
        Err(e) => panic!("embedded merge_keys.txt is invalid: {e}"),
    })
}

/// The built-in schema of a resource type, matched on the exact `apiVersion` and `kind`.
pub fn schema_for(api_version: &str, kind: &str) -> Option<SchemaRef<'static>> {
    builtin().schema_for(api_version, kind)
}

/// Whether the built-in schema says a resource type is namespaced; `None` when it does not
/// know the type.
pub fn is_namespaced(api_version: &str, kind: &str) -> Option<bool> {
    builtin().is_namespaced(api_version, kind)
}

impl Schema {
    /// Builds a schema from one OpenAPI v2 document (`definitions`, and `paths` for
    /// namespace scope), as kyaml indexes it: by each definition's
    /// `x-kubernetes-group-version-kind`.
    pub fn from_openapi_json(v: &serde_json::Value) -> Result<Schema, String> {
        Self::from_openapi_documents(&[v])
    }

    /// Builds a schema from several documents loaded in order: a later definition with the
    /// same name, or a later kind, wins; namespace scope is `true` once any document has a
    /// namespaced path for the kind.
    pub fn from_openapi_documents(docs: &[&serde_json::Value]) -> Result<Schema, String> {
        document::build(docs)
    }

    /// The schema kustomize uses for `openapi: path:`: the custom document followed by
    /// kustomize's own Kustomization types (the built-in Kubernetes schema is not used).
    pub fn from_custom_openapi(doc: &serde_json::Value) -> Result<Schema, String> {
        let types: serde_json::Value = serde_json::from_str(KUSTOMIZE_TYPES)
            .map_err(|e| format!("embedded kustomize_types.json: {e}"))?;
        Self::from_openapi_documents(&[doc, &types])
    }

    /// Parses the generated table format (see `scripts/gen_openapi_table.py`).
    pub fn from_table(text: &str) -> Result<Schema, String> {
        table::parse(text)
    }

    /// The schema of a resource type, matched on the exact `apiVersion` and `kind`.
    pub fn schema_for(&self, api_version: &str, kind: &str) -> Option<SchemaRef<'_>> {
        let info = self
            .kinds
            .get(&(api_version.to_string(), kind.to_string()))?;
        info.root.map(|node| SchemaRef { schema: self, node })
    }

    /// Whether the schema says a resource type is namespaced; `None` when it does not say.
    pub fn is_namespaced(&self, api_version: &str, kind: &str) -> Option<bool> {
        self.kinds
            .get(&(api_version.to_string(), kind.to_string()))
            .and_then(|info| info.namespaced)
    }

    fn link(&self, link: Link) -> Option<SchemaRef<'_>> {
        match link {
            Link::Node(node) if node < self.nodes.len() => Some(SchemaRef { schema: self, node }),
            _ => None,
        }
    }
}

impl<'a> SchemaRef<'a> {
    /// The schema this position belongs to (for looking up embedded resources).
    pub fn schema(&self) -> &'a Schema {
        self.schema
    }

    fn node(&self) -> &'a Node {
        &self.schema.nodes[self.node]
    }

    /// The schema of a field: the named property, else the map-value schema
    /// (`additionalProperties`), else none.
    pub fn field(&self, name: &str) -> Option<SchemaRef<'a>> {
        let node = self.node();
        let link = match node
            .properties
            .binary_search_by(|(prop, _)| prop.as_str().cmp(name))
        {
            Ok(i) => node.properties[i].1,
            Err(_) => node.additional?,
        };
        self.schema.link(link)
    }

    /// The schema of a list's elements (only for `type: array`).
    pub fn items(&self) -> Option<SchemaRef<'a>> {
        self.node().items.and_then(|link| self.schema.link(link))
    }

    /// How a list with this schema is merged: kyaml's rules (a strategy containing `merge`;
    /// keys from `x-kubernetes-list-map-keys`, else `x-kubernetes-patch-merge-key`; no keys →
    /// a primitive set).
    pub fn list_merge(&self) -> ListMerge {
        let Some(patch) = &self.node().patch else {
            return ListMerge::Replace;
        };
        if !patch.strategy.split(',').any(|s| s == "merge") {
            return ListMerge::Replace;
        }
        let keys = match (&patch.map_keys, &patch.merge_key) {
            (Some(keys), _) => keys.clone(),
            (None, Some(key)) => vec![key.clone()],
            (None, None) => Vec::new(),
        };
        if keys.is_empty() {
            ListMerge::PrimitiveSet
        } else {
            ListMerge::Associative(keys)
        }
    }
}

#[cfg(test)]
mod tests;
