//! The render guard (`--expect-render-digest`, plugin parameter `expect-render-digest`):
//! a render whose stream does not have the expected digest — a release record's
//! `spec.renderDigest`, computed the same way ([`render_digest`]) — is refused before
//! anything is printed, so Argo CD applies only exactly the recorded release.
//!
//! It runs right after the build, on the stream as `rollpin render` writes it without a
//! record and before any `pin-images` rewrite ([`super::pin_images`]).

use serde_json::Value;

use super::record::render_digest;

/// How many hex digits of each object's digest `expect-objects` carries: enough to tell
/// which object differs (the stream digest still decides whether the render is exact), and
/// short enough that a record's 4 500 objects fit in one environment variable (Linux caps
/// one at 128 KiB; Argo CD passes every parameter in `ARGOCD_APP_PARAMETERS`).
pub const OBJECT_PREFIX: usize = 12;

/// The expected objects (`--expect-objects`, parameter `expect-objects`): the first
/// [`OBJECT_PREFIX`] hex digits of each object's document digest, in output order — a
/// record's `spec.resources[].sha256` — so a refused render can name the first object that
/// differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedObjects(Vec<String>);

impl ExpectedObjects {
    /// Parses the prefixes, separated by spaces; each must be 12 lowercase hex digits.
    pub fn parse(text: &str) -> Result<ExpectedObjects, String> {
        let prefixes: Vec<String> = text.split_whitespace().map(str::to_string).collect();
        let bad = prefixes.iter().position(|p| {
            p.len() != OBJECT_PREFIX
                || !p
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        match bad {
            Some(i) => Err(format!(
                "entry {} ({}) is not {OBJECT_PREFIX} lowercase hex digits (the start of a record's spec.resources[].sha256, after sha256:)",
                i + 1,
                shown(&prefixes[i])
            )),
            None => Ok(ExpectedObjects(prefixes)),
        }
    }

    /// The value for a record's resource digests (`sha256:<hex>` each).
    pub fn from_digests<'a>(digests: impl IntoIterator<Item = &'a str>) -> String {
        digests
            .into_iter()
            .map(|d| {
                d.strip_prefix("sha256:")
                    .unwrap_or(d)
                    .chars()
                    .take(OBJECT_PREFIX)
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The first object of `objects` (written as `stream`) whose document digest does not
    /// start with the expected prefix, named; or what is missing or extra at the end.
    pub fn first_difference(&self, stream: &str, objects: &[&Value]) -> Option<String> {
        let docs = crate::yaml::split_stream(stream);
        let name = |o: &Value| super::object_ref(o);
        for (i, expected) in self.0.iter().enumerate() {
            let (Some(doc), Some(obj)) = (docs.get(i), objects.get(i)) else {
                return Some(format!(
                    "the render ends after {} objects, the release has {}",
                    objects.len(),
                    self.0.len()
                ));
            };
            let actual = super::digest::sha256(doc.as_bytes());
            if !actual["sha256:".len()..].starts_with(expected.as_str()) {
                return Some(format!("object {} ({}) differs", i + 1, name(obj)));
            }
        }
        objects.get(self.0.len()).map(|extra| {
            format!(
                "the render has {} objects, the release {}: the first extra one is {}",
                objects.len(),
                self.0.len(),
                name(extra)
            )
        })
    }
}

/// The stable code that starts the mismatch line (Argo CD shows it in `ComparisonError`).
pub const MISMATCH_CODE: &str = "E_RENDER_DIGEST_MISMATCH";

/// An expected render digest: `sha256:` and 64 lowercase hex digits, the form of a record's
/// `spec.renderDigest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderDigest(String);

impl RenderDigest {
    /// Parses `sha256:<64 lowercase hex>`; the error says what is expected (the caller
    /// names the flag or parameter, and the value: see [`shown`]).
    pub fn parse(text: &str) -> Result<RenderDigest, String> {
        let hex = text.strip_prefix("sha256:").unwrap_or("");
        let well_formed = hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if well_formed {
            Ok(RenderDigest(text.to_string()))
        } else {
            Err(
                "must be sha256: and 64 lowercase hex digits (a release record's \
                 spec.renderDigest)"
                    .into(),
            )
        }
    }

    /// The digest, `sha256:…`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Checks `stream` (the render without a record, of `objects`) against the expected
    /// digest; with `expected_objects`, a mismatch names the first object that differs.
    pub fn check(
        &self,
        stream: &str,
        objects: &[&Value],
        expected_objects: Option<&ExpectedObjects>,
    ) -> Result<(), DigestMismatch> {
        let actual = render_digest(stream);
        if actual == self.0 {
            Ok(())
        } else {
            Err(DigestMismatch {
                expected: self.0.clone(),
                actual,
                objects: objects.len(),
                first: expected_objects.and_then(|e| e.first_difference(stream, objects)),
            })
        }
    }
}

/// A value for a message: quoted, escaped (one line whatever it holds), at most 80
/// characters of it.
pub fn shown(text: &str) -> String {
    let mut head: String = text.chars().take(80).collect();
    if head.len() < text.len() {
        head.push('…');
    }
    format!("{head:?}")
}

/// The render is not the expected release. Its message is one line:
/// `E_RENDER_DIGEST_MISMATCH expected sha256:… got sha256:…: …`. A stream digest cannot
/// tell which object differs; the message says so and names the command that can
/// (`rollpin verify` with the release's record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestMismatch {
    /// The digest asked for.
    pub expected: String,
    /// The digest of this render.
    pub actual: String,
    /// How many objects this render has.
    pub objects: usize,
    /// The first object that differs, when the expected objects were given.
    pub first: Option<String>,
}

impl std::fmt::Display for DigestMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = if self.objects == 1 { "" } else { "s" };
        write!(
            f,
            "{MISMATCH_CODE} expected {} got {}: ",
            self.expected, self.actual
        )?;
        match &self.first {
            Some(first) => write!(
                f,
                "this render of {} object{plural} is not the expected release: {first}",
                self.objects
            ),
            None => write!(
                f,
                "this render of {} object{plural} is not the expected release (a stream digest \
                 cannot name the objects that differ: pass expect-objects, or run rollpin verify \
                 --record with the release's RollbackManifest)",
                self.objects
            ),
        }
    }
}

impl std::error::Error for DigestMismatch {}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn parses_only_a_sha256_render_digest() {
        assert_eq!(RenderDigest::parse(EMPTY).unwrap().as_str(), EMPTY);
        for bad in [
            "",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha256:abc",
            "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 ",
            "sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ] {
            let e = RenderDigest::parse(bad).unwrap_err();
            assert!(
                e.starts_with("must be sha256: and 64 lowercase hex digits"),
                "{bad}: {e}"
            );
        }
        assert_eq!(shown("sha256:abc\nsecond"), r#""sha256:abc\nsecond""#);
        assert_eq!(
            shown(&"é".repeat(500)),
            format!("{:?}", "é".repeat(80) + "…")
        );
    }

    #[test]
    fn check_compares_the_record_digest_of_the_stream() {
        let stream = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
        let obj =
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
        let objects = [&obj];
        let expected = RenderDigest::parse(&render_digest(stream)).unwrap();
        assert_eq!(expected.check(stream, &objects, None), Ok(()));
        let other = RenderDigest::parse(EMPTY).unwrap();
        let e = other.check(stream, &objects, None).unwrap_err();
        assert_eq!(e.actual, render_digest(stream));
        assert_eq!(
            e.to_string(),
            format!(
                "E_RENDER_DIGEST_MISMATCH expected {EMPTY} got {}: this render of 1 object is \
                 not the expected release (a stream digest cannot name the objects that differ: \
                 pass expect-objects, or run rollpin verify --record with the release's \
                 RollbackManifest)",
                e.actual
            )
        );
        assert_eq!(
            other.check("", &[], None),
            Ok(()),
            "an empty render: the digest of no bytes"
        );
        let e = expected.check("", &[], None).unwrap_err();
        let needle = format!(" got {EMPTY}: this render of 0 objects is not");
        assert!(e.to_string().contains(&needle), "{e}");
    }

    #[test]
    fn expected_objects_name_the_first_object_that_differs() {
        let a = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "shop"}});
        let b = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}});
        let doc_a = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: shop\n";
        let doc_b =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n";
        let stream = format!("{doc_a}---\n{doc_b}");
        let digests = [
            crate::release::digest::sha256(doc_a.as_bytes()),
            crate::release::digest::sha256(b"something else"),
        ];
        let text = ExpectedObjects::from_digests(digests.iter().map(String::as_str));
        assert_eq!(text.len(), 2 * OBJECT_PREFIX + 1);
        let expected = ExpectedObjects::parse(&text).unwrap();
        assert_eq!(
            expected.first_difference(&stream, &[&a, &b]).as_deref(),
            Some("object 2 (apps/v1 Deployment shop/web) differs")
        );
        let e = RenderDigest::parse(EMPTY)
            .unwrap()
            .check(&stream, &[&a, &b], Some(&expected))
            .unwrap_err();
        assert!(
            e.to_string().ends_with(
                "is not the expected release: object 2 (apps/v1 Deployment shop/web) differs"
            ),
            "{e}"
        );
        let one = ExpectedObjects::parse(&text[..OBJECT_PREFIX]).unwrap();
        assert_eq!(
            one.first_difference(&stream, &[&a, &b]).as_deref(),
            Some(
                "the render has 2 objects, the release 1: the first extra one is apps/v1 Deployment shop/web"
            )
        );
        let three = ExpectedObjects::parse(&format!("{text} {}", &text[..OBJECT_PREFIX])).unwrap();
        assert_eq!(
            three.first_difference(doc_a, &[&a]).as_deref(),
            Some("the render ends after 1 objects, the release has 3")
        );
        for bad in ["abc", "ABCDEF012345", "0123456789abc", "0123456789ag"] {
            assert!(ExpectedObjects::parse(bad).is_err(), "{bad}");
        }
    }
}
