//! The Kubernetes API as the controller (and the CLI) use it: plain HTTP requests through
//! kube's client (GET, LIST with a label selector, POST, PATCH with an explicit content
//! type), objects as JSON. Every path is spelled out here, so the mock tests can assert them.

use http::Request;
use kube::Client;
use serde_json::Value;

use crate::controller::history::PatchKind;

/// A resource the controller reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// API group ("" for core).
    pub group: &'static str,
    /// Version.
    pub version: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Plural resource name.
    pub plural: &'static str,
}

macro_rules! kind {
    ($name:ident, $group:literal, $version:literal, $kind:literal, $plural:literal) => {
        #[doc = concat!("`", $kind, "` (", $group, "/", $version, ").")]
        pub const $name: Kind = Kind {
            group: $group,
            version: $version,
            kind: $kind,
            plural: $plural,
        };
    };
}

kind!(
    APPLICATION,
    "argoproj.io",
    "v1alpha1",
    "Application",
    "applications"
);
kind!(
    RECORD,
    "rollpin.dev",
    "v1alpha1",
    "RollbackManifest",
    "rollbackmanifests"
);
kind!(
    REQUEST,
    "rollpin.dev",
    "v1alpha1",
    "RollbackRequest",
    "rollbackrequests"
);
kind!(DEPLOYMENT, "apps", "v1", "Deployment", "deployments");
kind!(STATEFULSET, "apps", "v1", "StatefulSet", "statefulsets");
kind!(DAEMONSET, "apps", "v1", "DaemonSet", "daemonsets");
kind!(REPLICASET, "apps", "v1", "ReplicaSet", "replicasets");
kind!(
    CONTROLLER_REVISION,
    "apps",
    "v1",
    "ControllerRevision",
    "controllerrevisions"
);
kind!(POD, "", "v1", "Pod", "pods");
kind!(CONFIGMAP, "", "v1", "ConfigMap", "configmaps");
kind!(SECRET, "", "v1", "Secret", "secrets");
kind!(JOB, "batch", "v1", "Job", "jobs");
kind!(
    POLICY,
    "rollpin.dev",
    "v1alpha1",
    "RollbackPolicy",
    "rollbackpolicies"
);
kind!(CRONJOB, "batch", "v1", "CronJob", "cronjobs");
kind!(
    REPLICATION_CONTROLLER,
    "",
    "v1",
    "ReplicationController",
    "replicationcontrollers"
);

impl Kind {
    /// The kind of a workload or config by its kind name.
    pub fn by_name(kind: &str) -> Option<Kind> {
        [DEPLOYMENT, STATEFULSET, DAEMONSET, CONFIGMAP, SECRET]
            .into_iter()
            .find(|k| k.kind == kind)
    }

    /// A kind the table knows, by apiVersion and kind.
    pub fn known(api_version: &str, kind: &str) -> Option<Kind> {
        [
            DEPLOYMENT,
            STATEFULSET,
            DAEMONSET,
            REPLICASET,
            CONFIGMAP,
            SECRET,
            POD,
            JOB,
            CRONJOB,
            REPLICATION_CONTROLLER,
            RECORD,
            APPLICATION,
        ]
        .into_iter()
        .find(|k| k.kind == kind && k.api_version() == api_version)
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The collection's path in a namespace.
    pub fn path(&self, namespace: &str) -> String {
        let root = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        format!("{root}/namespaces/{namespace}/{}", self.plural)
    }
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `metav1.LabelSelector` as a label selector string (`app=web,tier in (a,b),!canary`);
/// None when the selector selects nothing by labels (the controller never lists a whole
/// namespace for a workload).
pub fn selector_string(selector: Option<&Value>) -> Option<String> {
    let selector = selector?;
    let mut parts: Vec<String> = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
        .collect();
    for e in selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = e.get("key").and_then(Value::as_str)?;
        let values: Vec<&str> = e
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        parts.push(match e.get("operator").and_then(Value::as_str)? {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            _ => return None,
        });
    }
    (!parts.is_empty()).then(|| parts.join(","))
}

/// An API call's failure: the HTTP status (0: no response) and the server's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status, 0 when there was no response.
    pub code: u16,
    /// What went wrong.
    pub message: String,
}

impl From<kube::Error> for ApiError {
    fn from(e: kube::Error) -> Self {
        match e {
            kube::Error::Api(s) => ApiError {
                code: s.code,
                message: s.message.clone(),
            },
            other => ApiError {
                code: 0,
                message: other.to_string(),
            },
        }
    }
}

fn build(
    method: &str,
    uri: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Result<Request<Vec<u8>>, ApiError> {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    b.body(body).map_err(|e| ApiError {
        code: 0,
        message: e.to_string(),
    })
}

/// The collection path of any namespaced kind: from the table, else from API discovery.
pub async fn collection_path(
    client: &Client,
    api_version: &str,
    kind: &str,
    namespace: &str,
) -> Result<String, ApiError> {
    if let Some(k) = Kind::known(api_version, kind) {
        return Ok(k.path(namespace));
    }
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let gvk = kube::api::GroupVersionKind::gvk(group, version, kind);
    let (ar, _) = kube::discovery::pinned_kind(client, &gvk).await?;
    let root = if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    };
    Ok(format!("{root}/namespaces/{namespace}/{}", ar.plural))
}

/// GET one object by its collection path; Ok(None) on 404.
pub async fn get_at(
    client: &Client,
    collection: &str,
    name: &str,
) -> Result<Option<Value>, ApiError> {
    let req = build("GET", &format!("{collection}/{name}"), None, Vec::new())?;
    match client.request::<Value>(req).await {
        Ok(v) => Ok(Some(v)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// DELETE one object; a 404 is success.
pub async fn delete(
    client: &Client,
    kind: Kind,
    namespace: &str,
    name: &str,
) -> Result<(), ApiError> {
    let req = build(
        "DELETE",
        &format!("{}/{name}", kind.path(namespace)),
        None,
        Vec::new(),
    )?;
    match client.request::<Value>(req).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// GET one object; Ok(None) on 404.
pub async fn get(
    client: &Client,
    kind: Kind,
    namespace: &str,
    name: &str,
) -> Result<Option<Value>, ApiError> {
    let req = build(
        "GET",
        &format!("{}/{name}", kind.path(namespace)),
        None,
        Vec::new(),
    )?;
    match client.request::<Value>(req).await {
        Ok(v) => Ok(Some(v)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// LIST objects with a label selector; items get their apiVersion and kind back (a list
/// response leaves them out).
pub async fn list(
    client: &Client,
    kind: Kind,
    namespace: &str,
    selector: Option<&str>,
) -> Result<Vec<Value>, ApiError> {
    let mut uri = kind.path(namespace);
    if let Some(s) = selector {
        uri.push_str(&format!("?labelSelector={}", encode(s)));
    }
    let list: Value = client
        .request(build("GET", &uri, None, Vec::new())?)
        .await?;
    let mut items = match list.get("items") {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    for i in &mut items {
        if let Value::Object(m) = i {
            m.insert("apiVersion".into(), Value::String(kind.api_version()));
            m.insert("kind".into(), Value::String(kind.kind.into()));
        }
    }
    Ok(items)
}

/// PATCH an object (or its status with `subresource`), returning the object the server
/// answers with.
pub async fn patch(
    client: &Client,
    kind: Kind,
    namespace: &str,
    name: &str,
    subresource: Option<&str>,
    patch_kind: PatchKind,
    body: &Value,
) -> Result<Value, ApiError> {
    let content_type = match patch_kind {
        PatchKind::Json => "application/json-patch+json",
        PatchKind::StrategicMerge => "application/strategic-merge-patch+json",
        PatchKind::Merge => "application/merge-patch+json",
    };
    let mut uri = format!("{}/{name}", kind.path(namespace));
    if let Some(s) = subresource {
        uri.push('/');
        uri.push_str(s);
    }
    let bytes = serde_json::to_vec(body).map_err(|e| ApiError {
        code: 0,
        message: e.to_string(),
    })?;
    Ok(client
        .request(build("PATCH", &uri, Some(content_type), bytes)?)
        .await?)
}

/// POST a new object into its collection (`metadata.generateName` gives it a name),
/// returning the object the server created.
pub async fn create(
    client: &Client,
    kind: Kind,
    namespace: &str,
    body: &Value,
) -> Result<Value, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(|e| ApiError {
        code: 0,
        message: e.to_string(),
    })?;
    let req = build(
        "POST",
        &kind.path(namespace),
        Some("application/json"),
        bytes,
    )?;
    Ok(client.request(req).await?)
}

/// Merge-patches an object's status subresource with `{"status": status}`.
pub async fn merge_status(
    client: &Client,
    kind: Kind,
    namespace: &str,
    name: &str,
    status: &Value,
) -> Result<Value, ApiError> {
    let body = serde_json::json!({ "status": status });
    patch(
        client,
        kind,
        namespace,
        name,
        Some("status"),
        PatchKind::Merge,
        &body,
    )
    .await
}

/// JSON-patches an object's status subresource.
pub async fn json_patch_status(
    client: &Client,
    kind: Kind,
    namespace: &str,
    name: &str,
    ops: &Value,
) -> Result<Value, ApiError> {
    patch(
        client,
        kind,
        namespace,
        name,
        Some("status"),
        PatchKind::Json,
        ops,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_selectors() {
        assert_eq!(
            DEPLOYMENT.path("shop"),
            "/apis/apps/v1/namespaces/shop/deployments"
        );
        assert_eq!(POD.path("shop"), "/api/v1/namespaces/shop/pods");
        assert_eq!(
            encode("app=web,tier in (a)"),
            "app%3Dweb%2Ctier%20in%20%28a%29"
        );
        let sel = serde_json::json!({"matchLabels": {"app": "web", "tier": "fe"},
            "matchExpressions": [{"key": "track", "operator": "In", "values": ["a", "b"]},
                {"key": "canary", "operator": "DoesNotExist"}]});
        assert_eq!(
            selector_string(Some(&sel)).as_deref(),
            Some("app=web,tier=fe,track in (a,b),!canary")
        );
        assert_eq!(selector_string(Some(&serde_json::json!({}))), None);
    }
}
