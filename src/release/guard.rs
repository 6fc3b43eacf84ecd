//! The render guard (`--expect-render-digest`, plugin parameter `expect-render-digest`):
//! a render whose stream does not have the expected digest — a release record's
//! `spec.renderDigest`, computed the same way ([`render_digest`]) — is refused before
//! anything is printed, so Argo CD applies only exactly the recorded release.
//!
//! It runs right after the build, on the stream as `rollpin render` writes it without a
//! record and before any `pin-images` rewrite ([`super::pin_images`]).

use super::record::render_digest;

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

    /// Checks `stream` (the render without a record, `objects` documents) against the
    /// expected digest.
    pub fn check(&self, stream: &str, objects: usize) -> Result<(), DigestMismatch> {
        let actual = render_digest(stream);
        if actual == self.0 {
            Ok(())
        } else {
            Err(DigestMismatch {
                expected: self.0.clone(),
                actual,
                objects,
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
}

impl std::fmt::Display for DigestMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{MISMATCH_CODE} expected {} got {}: this render of {} object{} is not the \
             expected release (a stream digest cannot name the objects that differ; rollpin \
             verify --record with the release's RollbackManifest lists them)",
            self.expected,
            self.actual,
            self.objects,
            if self.objects == 1 { "" } else { "s" }
        )
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
        let expected = RenderDigest::parse(&render_digest(stream)).unwrap();
        assert_eq!(expected.check(stream, 1), Ok(()));
        let other = RenderDigest::parse(EMPTY).unwrap();
        let e = other.check(stream, 1).unwrap_err();
        assert_eq!(e.actual, render_digest(stream));
        assert_eq!(
            e.to_string(),
            format!(
                "E_RENDER_DIGEST_MISMATCH expected {EMPTY} got {}: this render of 1 object is \
                 not the expected release (a stream digest cannot name the objects that differ; \
                 rollpin verify --record with the release's RollbackManifest lists them)",
                e.actual
            )
        );
        assert_eq!(
            other.check("", 0),
            Ok(()),
            "an empty render: the digest of no bytes"
        );
        let e = expected.check("", 0).unwrap_err();
        let needle = format!(" got {EMPTY}: this render of 0 objects is not");
        assert!(e.to_string().contains(&needle), "{e}");
    }
}
