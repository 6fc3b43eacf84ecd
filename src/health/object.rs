//! A live object as the assessor sees it: its group, version and kind (parsed from
//! `apiVersion` as `schema.ParseGroupVersion` does), its name and namespace, and the few
//! metadata accessors whose Go semantics decide Argo CD's behaviour before any rule runs —
//! `GetAnnotations`, `GetFinalizers` and `GetDeletionTimestamp` of `unstructured`.
//!
//! Those accessors are lenient in specific ways (a non-string annotation value hides every
//! annotation; an unparseable deletion timestamp counts as unset), and rollpin reproduces
//! them so that hooks, `ignore-healthcheck` and "Pending deletion" behave as in Argo CD.

use serde_json::{Map, Value};

/// The finalizer Argo CD puts on hooks it is still watching; a hook being deleted with it is
/// assessed normally instead of as "Pending deletion".
pub const HOOK_FINALIZER: &str = "argocd.argoproj.io/hook-finalizer";

/// A borrowed view of one object.
#[derive(Debug, Clone, Copy)]
pub struct Object<'a> {
    /// The whole object.
    pub value: &'a Value,
    /// The API group (`""` for the core group).
    pub group: &'a str,
    /// The API version (`v1`).
    pub version: &'a str,
    /// The kind.
    pub kind: &'a str,
}

impl<'a> Object<'a> {
    /// Views `value`. A missing or malformed `apiVersion` gives an empty group and version;
    /// one with more than one `/` gives an empty group, version *and kind*, as
    /// `unstructured.GroupVersionKind()` does when `ParseGroupVersion` fails.
    pub fn new(value: &'a Value) -> Object<'a> {
        let api_version = str_at(value, &["apiVersion"]).unwrap_or("");
        let kind = str_at(value, &["kind"]).unwrap_or("");
        let (group, version, kind) = match api_version.split_once('/') {
            None => ("", api_version, kind),
            Some((_, v)) if v.contains('/') => ("", "", ""),
            Some((g, v)) => (g, v, kind),
        };
        Object {
            value,
            group,
            version,
            kind,
        }
    }

    /// `metadata.name` when it is a string, else `""`.
    pub fn name(&self) -> &'a str {
        str_at(self.value, &["metadata", "name"]).unwrap_or("")
    }

    /// `metadata.namespace` when it is a string, else `""`.
    pub fn namespace(&self) -> &'a str {
        str_at(self.value, &["metadata", "namespace"]).unwrap_or("")
    }

    /// `GetAnnotations()`: the annotations, or none at all when any value is not a string.
    pub fn annotations(&self) -> Option<&'a Map<String, Value>> {
        let map = at(self.value, &["metadata", "annotations"])?.as_object()?;
        map.values().all(Value::is_string).then_some(map)
    }

    /// One annotation, through [`Object::annotations`].
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.annotations()?.get(key)?.as_str()
    }

    /// `HasHookFinalizer`: `metadata.finalizers` is a list of strings holding
    /// [`HOOK_FINALIZER`] (a list with a non-string entry counts as no finalizers).
    pub fn has_hook_finalizer(&self) -> bool {
        let Some(list) = at(self.value, &["metadata", "finalizers"]).and_then(Value::as_array)
        else {
            return false;
        };
        list.iter().all(Value::is_string) && list.iter().any(|f| f == HOOK_FINALIZER)
    }

    /// `GetDeletionTimestamp() != nil`: `metadata.deletionTimestamp` is a string Go's RFC 3339
    /// parser accepts and not the zero time.
    pub fn is_being_deleted(&self) -> bool {
        str_at(self.value, &["metadata", "deletionTimestamp"])
            .is_some_and(super::go::is_set_rfc3339)
    }
}

/// The value at a path of object keys, if every step is an object holding the key.
pub fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(value, |v, key| v.as_object().and_then(|m| m.get(*key)))
}

/// The string at a path (Go's `NestedString` without the error: anything else is `None`).
pub fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(value, path).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_group_version_like_parse_group_version() {
        let v = json!({"apiVersion": "apps/v1", "kind": "Deployment"});
        let o = Object::new(&v);
        assert_eq!((o.group, o.version, o.kind), ("apps", "v1", "Deployment"));
        let v = json!({"apiVersion": "v1", "kind": "Pod"});
        let o = Object::new(&v);
        assert_eq!((o.group, o.version, o.kind), ("", "v1", "Pod"));
        let v = json!({"kind": "Pod"});
        let o = Object::new(&v);
        assert_eq!((o.group, o.version, o.kind), ("", "", "Pod"));
        let v = json!({"apiVersion": "a/b/c", "kind": "Pod"});
        let o = Object::new(&v);
        assert_eq!((o.group, o.version, o.kind), ("", "", ""));
    }

    #[test]
    fn annotations_vanish_when_one_is_not_a_string() {
        let v = json!({"metadata": {"annotations": {"a": "1", "b": "2"}}});
        assert_eq!(Object::new(&v).annotation("a"), Some("1"));
        let v = json!({"metadata": {"annotations": {"a": "1", "b": 2}}});
        assert_eq!(Object::new(&v).annotation("a"), None);
    }

    #[test]
    fn hook_finalizer_needs_a_list_of_strings() {
        let v = json!({"metadata": {"finalizers": ["x", HOOK_FINALIZER]}});
        assert!(Object::new(&v).has_hook_finalizer());
        let v = json!({"metadata": {"finalizers": [1, HOOK_FINALIZER]}});
        assert!(!Object::new(&v).has_hook_finalizer());
    }

    #[test]
    fn deletion_needs_a_parseable_non_zero_time() {
        let del = |t: Value| {
            let v = json!({"metadata": {"deletionTimestamp": t}});
            Object::new(&v).is_being_deleted()
        };
        assert!(del(json!("2024-05-01T10:00:00Z")));
        assert!(!del(json!("soon")));
        assert!(!del(json!("0001-01-01T00:00:00Z")));
        assert!(!del(json!(17)));
        assert!(!del(Value::Null));
    }
}
