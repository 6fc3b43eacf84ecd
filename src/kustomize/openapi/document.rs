//! Builds a [`Schema`] from OpenAPI v2 documents at run time (a kustomization's
//! `openapi: path:`), the way kyaml indexes them: definitions by name, kinds by each
//! definition's `x-kubernetes-group-version-kind`, namespace scope from the `paths` whose GET
//! carries a group-version-kind (namespaced once any such path has `namespaces/{namespace}`).
//!
//! `scripts/gen_openapi_table.py` applies the same rules when it writes the built-in table;
//! a unit test checks that both agree on `testdata/sample_openapi.json`.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::{KindInfo, Link, Node, PatchMeta, Schema};

const GVK: &str = "x-kubernetes-group-version-kind";
const STRATEGY: &str = "x-kubernetes-patch-strategy";
const MERGE_KEY: &str = "x-kubernetes-patch-merge-key";
const MAP_KEYS: &str = "x-kubernetes-list-map-keys";

/// How many `$ref` hops a definition alias may take before it counts as unresolvable.
const MAX_ALIAS_HOPS: usize = 64;

pub(super) fn build(docs: &[&Value]) -> Result<Schema, String> {
    let mut definitions: BTreeMap<&str, &Value> = BTreeMap::new();
    let mut kind_roots: BTreeMap<(String, String), &str> = BTreeMap::new();
    let mut scopes: BTreeMap<(String, String), bool> = BTreeMap::new();
    for doc in docs {
        let doc = doc
            .as_object()
            .ok_or("the OpenAPI document is not a mapping")?;
        if let Some(defs) = doc.get("definitions") {
            let defs = defs
                .as_object()
                .ok_or("`definitions` in the OpenAPI document is not a mapping")?;
            for (name, schema) in defs {
                definitions.insert(name, schema);
                let gvks = schema.get(GVK).and_then(Value::as_array);
                for key in gvks.into_iter().flatten().filter_map(type_meta) {
                    kind_roots.insert(key, name);
                }
            }
        }
        for (path, item) in doc
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let gvk = item.get("get").and_then(|get| get.get(GVK));
            let Some(key) = gvk.and_then(type_meta) else {
                continue;
            };
            if path.contains("namespaces/{namespace}") {
                scopes.insert(key, true);
            } else {
                scopes.entry(key).or_insert(false);
            }
        }
    }

    let mut builder = Builder::new(&definitions);
    let mut concrete: Vec<(&str, usize)> = builder.index.iter().map(|(n, i)| (*n, *i)).collect();
    concrete.sort();
    for (name, index) in concrete {
        if let Some(schema) = definitions.get(name) {
            let node = builder.node(schema);
            builder.nodes[index] = node;
        }
    }

    let mut kinds = HashMap::new();
    for (key, name) in &kind_roots {
        let root = match builder.resolve(name) {
            Link::Node(n) => Some(n),
            Link::Missing => None,
        };
        let namespaced = scopes.get(key).copied();
        kinds.insert(key.clone(), KindInfo { root, namespaced });
    }
    for (key, namespaced) in &scopes {
        kinds.entry(key.clone()).or_insert(KindInfo {
            root: None,
            namespaced: Some(*namespaced),
        });
    }
    let definitions = builder
        .index
        .iter()
        .map(|(name, index)| (name.to_string(), *index))
        .collect();
    Ok(Schema {
        nodes: builder.nodes,
        definitions,
        kinds,
    })
}

/// `(apiVersion, kind)` of a group-version-kind extension value.
fn type_meta(v: &Value) -> Option<(String, String)> {
    let version = v.get("version")?.as_str()?;
    let kind = v.get("kind")?.as_str()?;
    let api_version = match v.get("group").and_then(Value::as_str) {
        Some(group) if !group.is_empty() => format!("{group}/{version}"),
        _ => version.to_string(),
    };
    Some((api_version, kind.to_string()))
}

/// The definition a `$ref` names, when it is of the form `…#/definitions/NAME`.
fn ref_target(reference: &Value) -> Option<String> {
    let (_, pointer) = reference.as_str()?.split_once('#')?;
    let mut parts = pointer.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(""), Some("definitions"), Some(name), None) => {
            Some(name.replace("~1", "/").replace("~0", "~"))
        }
        _ => None,
    }
}

struct Builder<'d> {
    definitions: &'d BTreeMap<&'d str, &'d Value>,
    /// One node per definition that is not itself a `$ref`.
    index: BTreeMap<&'d str, usize>,
    nodes: Vec<Node>,
}

impl<'d> Builder<'d> {
    fn new(definitions: &'d BTreeMap<&'d str, &'d Value>) -> Self {
        let mut index = BTreeMap::new();
        let mut nodes = Vec::new();
        for (name, schema) in definitions {
            if schema.get("$ref").is_none() {
                index.insert(*name, nodes.len());
                nodes.push(Node::default());
            }
        }
        Builder {
            definitions,
            index,
            nodes,
        }
    }

    /// Follows a definition name (through definitions that are only a `$ref`) to a node.
    fn resolve(&self, name: &str) -> Link {
        let mut name = name.to_string();
        for _ in 0..MAX_ALIAS_HOPS {
            if let Some(&i) = self.index.get(name.as_str()) {
                return Link::Node(i);
            }
            let next = self
                .definitions
                .get(name.as_str())
                .and_then(|schema| schema.get("$ref"))
                .and_then(ref_target);
            match next {
                Some(target) => name = target,
                None => return Link::Missing,
            }
        }
        Link::Missing
    }

    /// A link for a property, item or map-value schema.
    fn link(&mut self, schema: &Value) -> Link {
        if let Some(reference) = schema.get("$ref") {
            return ref_target(reference).map_or(Link::Missing, |name| self.resolve(&name));
        }
        let node = self.node(schema);
        self.nodes.push(node);
        Link::Node(self.nodes.len() - 1)
    }

    /// The navigable parts of a schema object (its `$ref`, if any, is handled by the caller).
    fn node(&mut self, schema: &Value) -> Node {
        let mut node = Node::default();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, sub) in props {
                let link = self.link(sub);
                node.properties.push((name.clone(), link));
            }
            node.properties.sort_by(|a, b| a.0.cmp(&b.0));
        }
        if let Some(addl) = schema.get("additionalProperties").filter(|v| v.is_object()) {
            node.additional = Some(self.link(addl));
        }
        let is_array = match schema.get("type") {
            Some(Value::String(t)) => t == "array",
            Some(Value::Array(ts)) => ts.len() == 1 && ts[0] == "array",
            _ => false,
        };
        if is_array && let Some(items) = schema.get("items").filter(|v| v.is_object()) {
            node.items = Some(self.link(items));
        }
        if let Some(strategy) = schema.get(STRATEGY).and_then(Value::as_str) {
            let merge_key = schema
                .get(MERGE_KEY)
                .and_then(Value::as_str)
                .filter(|k| !k.is_empty())
                .map(str::to_string);
            let map_keys = schema.get(MAP_KEYS).and_then(Value::as_array).map(|keys| {
                keys.iter()
                    .filter_map(Value::as_str)
                    .filter(|k| !k.is_empty())
                    .map(str::to_string)
                    .collect()
            });
            node.patch = Some(PatchMeta {
                strategy: strategy.to_string(),
                merge_key,
                map_keys,
            });
        }
        node
    }
}
