//! The digest policy (`--require-digests`): every container and init container image of
//! the render — and every other `image` field ([`field_images`]) — must be pinned by a
//! digest, or the render fails listing each one that is not.

use serde_json::Value;

use super::digest::{ImagePin, image_pin};
use super::object_ref;
use super::pins::{field_images, pod_spec};

/// Images not pinned by a digest, one line each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--require-digests: {} not pinned by digest:\n{}",
    if .0.len() == 1 { "1 image is".to_string() } else { format!("{} images are", .0.len()) },
    .0.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
)]
pub struct UnpinnedImages(pub Vec<String>);

/// Checks that every image in `objects` carries a well-formed digest.
pub fn require_digests<'a>(
    objects: impl IntoIterator<Item = &'a Value>,
) -> Result<(), UnpinnedImages> {
    let mut unpinned = Vec::new();
    let why = |image: &str| match image_pin(image) {
        ImagePin::Digest(_) => None,
        ImagePin::Tag if image.is_empty() => Some(" (no image)".to_string()),
        ImagePin::Tag => Some(String::new()),
        ImagePin::Malformed(d) => Some(format!(
            " (malformed digest {d:?}: {})",
            super::digest::digest_problem(d).unwrap_or_default()
        )),
    };
    for obj in objects {
        if let Some(spec) = pod_spec(obj) {
            for (key, label) in [
                ("initContainers", "initContainer"),
                ("containers", "container"),
            ] {
                for c in spec
                    .get(key)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let name = c.get("name").and_then(Value::as_str).unwrap_or("");
                    let image = c.get("image").and_then(Value::as_str).unwrap_or("");
                    if let Some(why) = why(image) {
                        unpinned.push(format!("{} {label} {name}: {image}{why}", object_ref(obj)));
                    }
                }
            }
        }
        for (path, image) in field_images(obj) {
            if let Some(why) = why(&image) {
                unpinned.push(format!("{} field {path}: {image}{why}", object_ref(obj)));
            }
        }
    }
    if unpinned.is_empty() {
        Ok(())
    } else {
        Err(UnpinnedImages(unpinned))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_every_unpinned_image() {
        let digest = format!("sha256:{}", "b".repeat(64));
        let objs = [
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": "web", "namespace": "prod"},
                   "spec": {"template": {"spec": {
                       "initContainers": [{"name": "init", "image": "busybox@sha256:abc"}],
                       "containers": [{"name": "app", "image": format!("web@{digest}")},
                                      {"name": "proxy", "image": "envoy:1.29"}]}}}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                   "spec": {"containers": [{"name": "c"}]}}),
            json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus",
                   "metadata": {"name": "k8s", "namespace": "mon"},
                   "spec": {"image": "quay.io/prometheus/prometheus:v2.54.1"}}),
        ];
        let err = require_digests(objs.iter()).unwrap_err();
        assert_eq!(
            err.0,
            [
                "apps/v1 Deployment prod/web initContainer init: busybox@sha256:abc (malformed digest \"sha256:abc\": sha256 takes 64 hexadecimal digits, this has 3)",
                "apps/v1 Deployment prod/web container proxy: envoy:1.29",
                "v1 Pod p container c:  (no image)",
                "monitoring.coreos.com/v1 Prometheus mon/k8s field spec.image: quay.io/prometheus/prometheus:v2.54.1",
            ]
        );
        assert!(
            err.to_string()
                .starts_with("--require-digests: 4 images are not pinned by digest:\n  apps/v1")
        );
        assert!(require_digests(objs[..0].iter()).is_ok());
    }
}
