//! Image pins given at render time (`--pin-image IMAGE=DIGEST`, plugin map parameter
//! `pin-images`): a tag-only image whose digest is known — typically the digest observed
//! running — is rewritten to `IMAGE@DIGEST` in every `image` field of the rendered
//! objects; the stream is then written again from them, so the output is the writer's own
//! bytes, never a text replacement.
//!
//! The pins apply after the render guard ([`super::guard`]) and before the digest policy
//! and the release record, which therefore describe the pinned output.

use std::collections::BTreeMap;

use serde_json::Value;

use super::digest::{ImagePin, image_pin};

/// Where a pin was given, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinOrigin {
    /// `--pin-image`.
    Flag,
    /// The plugin parameter `pin-images`.
    Parameter,
    /// A release record's `spec.renderer.pinImages` (verify re-applies them).
    Record,
}

impl std::fmt::Display for PinOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PinOrigin::Flag => "--pin-image",
            PinOrigin::Parameter => "parameter 'pin-images'",
            PinOrigin::Record => "spec.renderer.pinImages",
        })
    }
}

/// What `IMAGE=DIGEST` a pin must be: an image without a digest, and a well-formed
/// digest. The error says why not (the caller names the flag or parameter).
pub fn check_pin(image: &str, digest: &str) -> Result<(), String> {
    if image.is_empty() {
        return Err("the image to pin is empty".into());
    }
    if image_pin(image) != ImagePin::Tag {
        return Err(format!(
            "{image} already carries a digest: pin an image that is written by tag"
        ));
    }
    if let Some(why) = super::digest::digest_problem(digest) {
        return Err(format!(
            "{image}: {} is not a well-formed digest: {why}",
            super::guard::shown(digest)
        ));
    }
    Ok(())
}

/// Parses one `--pin-image` value, `IMAGE=DIGEST`.
pub fn parse_flag(text: &str) -> Result<(String, String), String> {
    let Some((image, digest)) = text.split_once('=') else {
        return Err(
            "expected IMAGE=DIGEST, e.g. ghcr.io/acme/web:1.4=sha256:<64 hex digits>".into(),
        );
    };
    check_pin(image, digest)?;
    Ok((image.to_string(), digest.to_string()))
}

/// The pins to apply: image (exactly as rendered) → digest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImagePins {
    pins: BTreeMap<String, (String, PinOrigin)>,
}

/// Pins that matched no image of the render: a pin never silently does nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedPins(pub Vec<(String, PinOrigin)>);

impl std::fmt::Display for UnmatchedPins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list: Vec<String> = self
            .0
            .iter()
            .map(|(image, origin)| format!("{image} (from {origin})"))
            .collect();
        write!(
            f,
            "no image in the render is {}: a pin must equal an image field exactly as \
             rendered, registry and tag included",
            list.join(", ")
        )
    }
}

impl std::error::Error for UnmatchedPins {}

impl ImagePins {
    /// Whether there is nothing to pin.
    pub fn is_empty(&self) -> bool {
        self.pins.is_empty()
    }

    /// The pins as the record keeps them: image → digest.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.pins
            .iter()
            .map(|(image, (digest, _))| (image.clone(), digest.clone()))
            .collect()
    }

    /// Adds a pin, checked with [`check_pin`]; the same image pinned again to another
    /// digest is refused. Errors name `origin`.
    pub fn insert(&mut self, image: &str, digest: &str, origin: PinOrigin) -> Result<(), String> {
        check_pin(image, digest).map_err(|e| format!("{origin}: {e}"))?;
        match self.pins.get(image) {
            Some((other, other_origin)) if other != digest => Err(format!(
                "{image} is pinned to {other} ({other_origin}) and to {digest} ({origin})"
            )),
            Some(_) => Ok(()),
            None => {
                self.pins
                    .insert(image.to_string(), (digest.to_string(), origin));
                Ok(())
            }
        }
    }

    /// Pins the images of a render and writes its stream again. Returns the stream as it
    /// was before the pins (what the render guard and a record's render digest cover) and
    /// what [`ImagePins::apply`] returned.
    pub fn pin_render(
        &self,
        rendered: &mut crate::render::Rendered,
    ) -> (String, Result<usize, UnmatchedPins>) {
        let applied = self.apply(rendered.resources.iter_mut().map(|r| &mut r.obj));
        let pinned = crate::render::write_resources(&rendered.resources);
        (std::mem::replace(&mut rendered.yaml, pinned), applied)
    }

    /// Rewrites every `image` string field of `objects` that equals a pinned image to
    /// `IMAGE@DIGEST`: containers, init containers and ephemeral containers, and any other
    /// `image` field outside `metadata` and `status` (the fields a record pins, see
    /// [`super::pins::field_images`]). Returns how many fields it rewrote; a pin that
    /// matched none is an error.
    pub fn apply<'a>(
        &self,
        objects: impl IntoIterator<Item = &'a mut Value>,
    ) -> Result<usize, UnmatchedPins> {
        let mut used = vec![false; self.pins.len()];
        let index: BTreeMap<&str, (usize, &str)> = self
            .pins
            .iter()
            .enumerate()
            .map(|(i, (image, (digest, _)))| (image.as_str(), (i, digest.as_str())))
            .collect();
        let mut rewritten = 0;
        for obj in objects {
            let Some(m) = obj.as_object_mut() else {
                continue;
            };
            for (_, v) in m
                .iter_mut()
                .filter(|(k, _)| !matches!(k.as_str(), "metadata" | "status"))
            {
                pin_fields(v, &index, &mut used, &mut rewritten);
            }
        }
        let unmatched: Vec<(String, PinOrigin)> = self
            .pins
            .iter()
            .zip(&used)
            .filter(|(_, used)| !**used)
            .map(|((image, (_, origin)), _)| (image.clone(), *origin))
            .collect();
        if unmatched.is_empty() {
            Ok(rewritten)
        } else {
            Err(UnmatchedPins(unmatched))
        }
    }
}

/// Below `v`, rewrites each `image` string equal to a pinned image (the same fields
/// [`super::pins`] walks).
fn pin_fields(
    v: &mut Value,
    pins: &BTreeMap<&str, (usize, &str)>,
    used: &mut [bool],
    rewritten: &mut usize,
) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                match child {
                    Value::String(image) if k == "image" => {
                        if let Some(&(i, digest)) = pins.get(image.as_str()) {
                            image.push('@');
                            image.push_str(digest);
                            used[i] = true;
                            *rewritten += 1;
                        }
                    }
                    _ => pin_fields(child, pins, used, rewritten),
                }
            }
        }
        Value::Array(a) => {
            for child in a {
                pin_fields(child, pins, used, rewritten);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(c: char) -> String {
        format!("sha256:{}", c.to_string().repeat(64))
    }

    fn pins(entries: &[(&str, &str)]) -> ImagePins {
        let mut p = ImagePins::default();
        for (image, digest) in entries {
            p.insert(image, digest, PinOrigin::Parameter).unwrap();
        }
        p
    }

    #[test]
    fn flag_values_are_checked() {
        let ok = format!("ghcr.io/acme/web:1.4={}", d('a'));
        assert_eq!(
            parse_flag(&ok).unwrap(),
            ("ghcr.io/acme/web:1.4".to_string(), d('a'))
        );
        assert!(
            parse_flag("ghcr.io/acme/web:1.4")
                .unwrap_err()
                .starts_with("expected IMAGE=DIGEST")
        );
        assert_eq!(
            parse_flag("web:1.4=sha256:abc").unwrap_err(),
            "web:1.4: \"sha256:abc\" is not a well-formed digest: sha256 takes 64 \
             hexadecimal digits, this has 3"
        );
        assert_eq!(
            parse_flag(&format!("={}", d('a'))).unwrap_err(),
            "the image to pin is empty"
        );
        let pinned = format!("web@{}={}", d('b'), d('a'));
        assert!(
            parse_flag(&pinned)
                .unwrap_err()
                .ends_with("already carries a digest: pin an image that is written by tag")
        );
        assert!(
            parse_flag("web@latest=sha256:abc")
                .unwrap_err()
                .contains("already carries")
        );
    }

    #[test]
    fn the_same_image_pinned_twice() {
        let mut p = pins(&[("web:1", &d('a'))]);
        p.insert("web:1", &d('a'), PinOrigin::Flag).unwrap();
        let e = p.insert("web:1", &d('b'), PinOrigin::Flag).unwrap_err();
        assert_eq!(
            e,
            format!(
                "web:1 is pinned to {} (parameter 'pin-images') and to {} (--pin-image)",
                d('a'),
                d('b')
            )
        );
        let e = p.insert("web:2", "md5:", PinOrigin::Flag).unwrap_err();
        assert!(e.starts_with("--pin-image: web:2: \"md5:\" is not"), "{e}");
    }

    #[test]
    fn rewrites_every_image_field_equal_to_a_pin() {
        let mut objs = [
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "annotations": {"image": "web:1"}},
                "spec": {"template": {"spec": {
                    "initContainers": [{"name": "init", "image": "busybox"}],
                    "containers": [{"name": "app", "image": "web:1"},
                                   {"name": "proxy", "image": "envoy:1.29"}],
                    "ephemeralContainers": [{"name": "dbg", "image": "web:1"}]}}},
                "status": {"image": "web:1"}}),
            json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus",
                "metadata": {"name": "k8s"}, "image": "web:1",
                "spec": {"image": "web:1", "imageTag": "web:1", "other": {"image": ["web:1"]}}}),
        ];
        let p = pins(&[("web:1", &d('a')), ("busybox", &d('b'))]);
        assert_eq!(p.apply(objs.iter_mut()), Ok(4));
        let w = &objs[0]["spec"]["template"]["spec"];
        let pinned = format!("web:1@{}", d('a'));
        assert_eq!(w["containers"][0]["image"], pinned.as_str());
        assert_eq!(w["containers"][1]["image"], "envoy:1.29");
        assert_eq!(
            w["initContainers"][0]["image"],
            format!("busybox@{}", d('b')).as_str()
        );
        assert_eq!(w["ephemeralContainers"][0]["image"], pinned.as_str());
        assert_eq!(objs[1]["spec"]["image"], pinned.as_str());
        // Not image fields a record pins: metadata, status, a top-level key, other keys,
        // non-string values.
        assert_eq!(objs[0]["metadata"]["annotations"]["image"], "web:1");
        assert_eq!(objs[0]["status"]["image"], "web:1");
        assert_eq!(objs[1]["image"], "web:1");
        assert_eq!(objs[1]["spec"]["imageTag"], "web:1");
        assert_eq!(objs[1]["spec"]["other"]["image"][0], "web:1");
    }

    #[test]
    fn visits_exactly_the_fields_a_record_pins() {
        // Every container and init container of a workload, and every `field_images` entry.
        let mut obj = json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "c"},
            "spec": {"jobTemplate": {"spec": {"template": {"spec": {
                "initContainers": [{"name": "i", "image": "x"}],
                "containers": [{"name": "a", "image": "x"}],
                "ephemeralContainers": [{"name": "e", "image": "x"}]}}}},
                "extra": [{"image": "x"}]}});
        let workload_images: usize = crate::release::pins::workloads([&obj])
            .iter()
            .map(|w| w.containers.len() + w.init_containers.len())
            .sum();
        let field_images = crate::release::pins::field_images(&obj).len();
        let p = pins(&[("x", &d('c'))]);
        assert_eq!(p.apply([&mut obj]), Ok(workload_images + field_images));
        assert_eq!(workload_images + field_images, 4);
    }

    #[test]
    fn a_pin_that_matches_nothing_is_an_error() {
        let mut objs = [json!({"kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a", "image": "web:1"}]}})];
        let mut p = pins(&[("web:1", &d('a')), ("ghcr.io/acme/web:1", &d('b'))]);
        p.insert("web", &d('c'), PinOrigin::Flag).unwrap();
        let e = p.apply(objs.iter_mut()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no image in the render is ghcr.io/acme/web:1 (from parameter 'pin-images'), web \
             (from --pin-image): a pin must equal an image field exactly as rendered, registry \
             and tag included"
        );
        assert!(ImagePins::default().is_empty());
        assert_eq!(ImagePins::default().apply(objs.iter_mut()), Ok(0));
    }
}
