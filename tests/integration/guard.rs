//! The render guard and image pins through the binary: `--expect-render-digest` lets only
//! the expected render through (one stable stderr line, nothing on stdout otherwise),
//! `--pin-image` rewrites exactly the image fields equal to a pin, and the flags' plugin
//! parameters behave the same. Expected digests are computed here from recorded files
//! (`fixtures/examples/`, kustomize's output; `fixtures/render-guard/`), not by rollpin.

use std::process::{Command, Output};

use serde_json::Value;

use crate::util::{App, assert_fails, assert_succeeds, manifest_dir, sha256_hex};

const WEB: &str = "sha256:5b0f8c6a0e2f4c1d9a7e3b6d8c2f1a0e9d7c5b3a1f2e4d6c8b0a9e7f5d3c1b2a";
const BUSYBOX: &str = "sha256:9ae97d36d26566ff84e8893c64a6dc4fe8ca6d1144bf5b87b2b85a32def253c7";
const REPORT: &str = "sha256:1f3c5e7a9b2d4f6081a3c5e7f9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7";

/// The pins `fixtures/render-guard/pinned.yaml` was made with.
const PINS: [(&str, &str); 3] = [
    ("ghcr.io/acme/web:1.4", WEB),
    ("busybox:1.36", BUSYBOX),
    ("ghcr.io/acme/report", REPORT),
];

fn rollpin(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rollpin"))
        .args(args)
        .env_remove("ARGOCD_APP_PARAMETERS")
        .envs(envs.iter().copied())
        .output()
        .expect("run rollpin")
}

fn path(rel: &str) -> String {
    manifest_dir().join(rel).to_string_lossy().into_owned()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(manifest_dir().join(rel)).expect("recorded file")
}

fn documents(yaml: &str) -> Vec<Value> {
    rollpin::yaml::parse_stream(yaml, rollpin::yaml::Schema::Kyaml)
        .expect("a YAML stream")
        .into_iter()
        .map(|d| d.value)
        .collect()
}

/// The line rollpin prints when the render is not the expected one.
fn mismatch_line(expected: &str, actual: &str, objects: usize) -> String {
    format!(
        "rollpin: E_RENDER_DIGEST_MISMATCH expected {expected} got {actual}: this render of \
         {objects} objects is not the expected release (a stream digest cannot name the \
         objects that differ: pass expect-objects, or run rollpin verify --record with the \
         release's RollbackManifest)\n"
    )
}

fn pin_flags() -> Vec<String> {
    PINS.iter()
        .flat_map(|(image, digest)| ["--pin-image".to_string(), format!("{image}={digest}")])
        .collect()
}

fn render_fixture(extra: &[&str], envs: &[(&str, &str)]) -> Output {
    let app = path("fixtures/render-guard/app");
    let mut args = vec!["render", app.as_str()];
    args.extend_from_slice(extra);
    rollpin(&args, envs)
}

#[test]
fn expected_digest_lets_the_exact_render_through() {
    let want = read("fixtures/examples/production.yaml");
    let digest = sha256_hex(want.as_bytes());
    let dir = path("examples/overlays/production");
    let out = rollpin(&["render", &dir, "--expect-render-digest", &digest], &[]);
    assert_eq!(assert_succeeds(&out), want, "the output is unchanged");
    assert!(out.stderr.is_empty());
}

#[test]
fn digest_mismatch_prints_one_line_and_nothing_on_stdout() {
    // Expecting the staging release while the production overlay renders.
    let staging = sha256_hex(read("fixtures/examples/staging.yaml").as_bytes());
    let production = read("fixtures/examples/production.yaml");
    let dir = path("examples/overlays/production");
    let out = rollpin(&["render", &dir, "--expect-render-digest", &staging], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "Argo CD would apply partial output");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        mismatch_line(
            &staging,
            &sha256_hex(production.as_bytes()),
            documents(&production).len()
        )
    );
}

#[test]
fn mismatch_is_the_only_stderr_line_and_writes_no_file() {
    let app = App::new();
    app.write("kustomization.yaml", "bases:\n- base\n")
        .write("base/kustomization.yaml", "resources:\n- cm.yaml\n")
        .write(
            "base/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
        );
    let target = app.path("out.yaml");
    let target = target.to_str().expect("utf-8 path");
    let wrong = format!("sha256:{}", "0".repeat(64));
    let out = app.render(
        ".",
        &["--expect-render-digest", &wrong, "--output-file", target],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("rollpin: E_RENDER_DIGEST_MISMATCH expected sha256:0000"));
    assert!(
        stderr.contains(" this render of 1 object is not "),
        "{stderr}"
    );
    assert!(!app.path("out.yaml").exists());
    // The expected render passes: kustomize's warning, then the file.
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
    let out = app.render(
        ".",
        &[
            "--expect-render-digest",
            &sha256_hex(cm.as_bytes()),
            "-o",
            target,
        ],
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("# Warning: 'bases' is deprecated."));
    assert_eq!(std::fs::read_to_string(target).expect("written"), cm);
}

#[test]
fn malformed_expected_digest_is_refused() {
    let dir = path("examples/overlays/production");
    let upper = format!("sha256:{}", "AB".repeat(32));
    for bad in ["sha256:abc", upper.as_str(), "5b0f8c6a", ""] {
        let out = rollpin(&["render", &dir, "--expect-render-digest", bad], &[]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert_fails(
            &out,
            &[
                &format!("invalid value '{bad}' for '--expect-render-digest <sha256:HEX>'"),
                "must be sha256: and 64 lowercase hex digits (a release record's spec.renderDigest)",
            ],
        );
    }
    let json = r#"[{"name":"expect-render-digest","string":"sha256:abc"}]"#;
    let out = rollpin(&["render", &dir], &[("ARGOCD_APP_PARAMETERS", json)]);
    assert_eq!(out.status.code(), Some(1));
    assert_fails(&out, &[]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: parameter 'expect-render-digest': must be sha256: and 64 lowercase hex digits \
         (a release record's spec.renderDigest), got \"sha256:abc\"\n"
    );
    let out = rollpin(
        &["render", &dir],
        &[("PARAM_EXPECT_RENDER_DIGEST", "latest")],
    );
    assert_fails(
        &out,
        &["parameter 'expect-render-digest'", "got \"latest\""],
    );
    let json = r#"[{"name":"expect-render-digest","array":["sha256:abc"]}]"#;
    let out = rollpin(&["render", &dir], &[("ARGOCD_APP_PARAMETERS", json)]);
    assert_fails(&out, &["parameter 'expect-render-digest' must be a string"]);
}

#[test]
fn flag_and_parameter_must_agree() {
    let dir = path("examples/overlays/production");
    let digest = sha256_hex(read("fixtures/examples/production.yaml").as_bytes());
    let other = format!("sha256:{}", "1".repeat(64));
    let json = format!(r#"[{{"name":"expect-render-digest","string":"{other}"}}]"#);
    let out = rollpin(
        &["render", &dir, "--expect-render-digest", &digest],
        &[("ARGOCD_APP_PARAMETERS", &json)],
    );
    assert_fails(
        &out,
        &[&format!(
            "--expect-render-digest {digest} and parameter 'expect-render-digest' {other} differ"
        )],
    );
    // The same digest twice is fine.
    let json = format!(r#"[{{"name":"expect-render-digest","string":"{digest}"}}]"#);
    let out = rollpin(
        &["render", &dir, "--expect-render-digest", &digest],
        &[("ARGOCD_APP_PARAMETERS", &json)],
    );
    assert_succeeds(&out);
}

/// Every line of `pinned` equals the same line of `plain`, except `image:` lines where
/// the pinned one is the plain one followed by `@<digest of that image>`.
fn only_image_lines_differ(plain: &str, pinned: &str) -> usize {
    let (a, b): (Vec<&str>, Vec<&str>) = (plain.lines().collect(), pinned.lines().collect());
    assert_eq!(a.len(), b.len(), "same number of lines");
    let mut changed = 0;
    for (i, (was, now)) in a.iter().zip(&b).enumerate() {
        if was == now {
            continue;
        }
        let image = was
            .trim_start_matches([' ', '-'])
            .strip_prefix("image: ")
            .unwrap_or_else(|| panic!("line {}: only image lines may change: {was:?}", i + 1));
        let digest = PINS
            .iter()
            .find(|(pin, _)| *pin == image)
            .map(|(_, d)| *d)
            .unwrap_or_else(|| panic!("line {}: {image} is not pinned", i + 1));
        assert_eq!(*now, format!("{was}@{digest}"), "line {}", i + 1);
        changed += 1;
    }
    changed
}

#[test]
fn pin_images_rewrite_only_the_pinned_image_fields() {
    let plain = read("fixtures/render-guard/expected.yaml");
    let pinned = read("fixtures/render-guard/pinned.yaml");
    assert_eq!(
        assert_succeeds(&render_fixture(&[], &[])),
        plain,
        "without pins: kustomize's bytes"
    );
    let flags = pin_flags();
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    assert_eq!(assert_succeeds(&render_fixture(&flags, &[])), pinned);
    // Containers, init containers, ephemeral containers and a custom resource's image
    // field; not annotations that hold the same text, not other images.
    assert_eq!(only_image_lines_differ(&plain, &pinned), 5);
    assert_eq!(pinned.matches("ghcr.io/acme/web:1.4\n").count(), 4);
    assert!(pinned.contains("image: envoyproxy/envoy:v1.30.1\n"));
    assert!(pinned.contains("image: ghcr.io/acme/web:1.5\n"));
    // The map parameter gives the same bytes.
    let map: serde_json::Map<String, Value> = PINS
        .iter()
        .map(|(i, d)| (i.to_string(), Value::String(d.to_string())))
        .collect();
    let json = serde_json::json!([{"name": "pin-images", "map": map}]).to_string();
    let out = render_fixture(&[], &[("ARGOCD_APP_PARAMETERS", &json)]);
    assert_eq!(assert_succeeds(&out), pinned);
}

#[test]
fn a_pin_that_matches_no_image_is_an_error() {
    let flags = pin_flags();
    let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
    let missing = format!("docker.io/library/busybox:1.36={BUSYBOX}");
    args.extend(["--pin-image", &missing]);
    let json = format!(r#"[{{"name":"pin-images","map":{{"ghcr.io/acme/web:1.6":"{WEB}"}}}}]"#);
    let out = render_fixture(&args, &[("ARGOCD_APP_PARAMETERS", &json)]);
    assert_eq!(out.status.code(), Some(1));
    assert_fails(&out, &[]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: no image in the render is docker.io/library/busybox:1.36 (from --pin-image), \
         ghcr.io/acme/web:1.6 (from parameter 'pin-images'): a pin must equal an image field \
         exactly as rendered, registry and tag included\n"
    );
}

#[test]
fn malformed_pins_are_refused() {
    let flag_cases = [
        ("ghcr.io/acme/web:1.4", "expected IMAGE=DIGEST"),
        (
            "ghcr.io/acme/web:1.4=sha256:abc",
            "ghcr.io/acme/web:1.4: \"sha256:abc\" is not a well-formed digest",
        ),
        (
            &format!("ghcr.io/acme/web@{WEB}={WEB}"),
            "already carries a digest: pin an image that is written by tag",
        ),
        (&format!("={WEB}"), "the image to pin is empty"),
    ];
    for (value, needle) in &flag_cases {
        let out = render_fixture(&["--pin-image", value], &[]);
        assert_eq!(out.status.code(), Some(2), "{value}");
        assert_fails(
            &out,
            &[
                &format!("invalid value '{value}' for '--pin-image <IMAGE=DIGEST>'"),
                needle,
            ],
        );
    }
    let param_cases = [
        (
            format!(
                r#"[{{"name":"pin-images","map":{{"busybox:1.36":"{}"}}}}]"#,
                WEB.to_uppercase()
            ),
            "Error: parameter 'pin-images': busybox:1.36: \"SHA256:5B0F",
        ),
        (
            format!(r#"[{{"name":"pin-images","map":{{"busybox@{BUSYBOX}":"{BUSYBOX}"}}}}]"#),
            "Error: parameter 'pin-images': busybox@sha256:9ae9",
        ),
        (
            format!(r#"[{{"name":"pin-images","map":{{"":"{BUSYBOX}"}}}}]"#),
            "Error: parameter 'pin-images': the image to pin is empty",
        ),
        (
            r#"[{"name":"pin-images","string":"busybox:1.36"}]"#.to_string(),
            "Error: parameter 'pin-images' must be a map of image to digest",
        ),
    ];
    for (json, needle) in &param_cases {
        let out = render_fixture(&[], &[("ARGOCD_APP_PARAMETERS", json)]);
        assert_eq!(out.status.code(), Some(1), "{json}");
        assert_fails(&out, &[needle]);
    }
    // Only the escaped PARAM_ form: its key cannot be read back.
    let out = render_fixture(&[], &[("PARAM_PIN_IMAGES_BUSYBOX_1_36", BUSYBOX)]);
    assert_eq!(out.status.code(), Some(1));
    assert_fails(
        &out,
        &[
            "Error: parameter 'pin-images': PARAM_PIN_IMAGES_BUSYBOX_1_36 is set but \
           ARGOCD_APP_PARAMETERS is not",
        ],
    );
    // One image, two digests.
    let json = format!(r#"[{{"name":"pin-images","map":{{"busybox:1.36":"{BUSYBOX}"}}}}]"#);
    let out = render_fixture(
        &["--pin-image", &format!("busybox:1.36={WEB}")],
        &[("ARGOCD_APP_PARAMETERS", &json)],
    );
    assert_fails(
        &out,
        &[&format!(
            "busybox:1.36 is pinned to {BUSYBOX} (parameter 'pin-images') and to {WEB} (--pin-image)"
        )],
    );
}

#[test]
fn the_guard_checks_the_render_before_the_pins() {
    let plain = read("fixtures/render-guard/expected.yaml");
    let pinned = read("fixtures/render-guard/pinned.yaml");
    let flags = pin_flags();
    let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
    let plain_digest = sha256_hex(plain.as_bytes());
    args.extend(["--expect-render-digest", &plain_digest]);
    assert_eq!(assert_succeeds(&render_fixture(&args, &[])), pinned);
    // The pinned stream's digest is not what the guard compares.
    let pinned_digest = sha256_hex(pinned.as_bytes());
    let last = args.len() - 1;
    args[last] = &pinned_digest;
    let out = render_fixture(&args, &[]);
    assert_fails(&out, &[]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        mismatch_line(&pinned_digest, &plain_digest, 3)
    );
}

#[test]
fn the_guard_accepts_the_render_digest_a_record_holds() {
    let dir = path("fixtures/render-guard/app");
    let record_args = [
        "--release-record",
        "--app",
        "shop",
        "--revision",
        "0123456789abcdef",
    ];
    let mut args = vec!["render", dir.as_str()];
    args.extend(record_args);
    let out = assert_succeeds(&rollpin(&args, &[]));
    let record = documents(&out).pop().expect("the record");
    let digest = record["spec"]["renderDigest"]
        .as_str()
        .expect("renderDigest");
    assert_eq!(
        digest,
        sha256_hex(read("fixtures/render-guard/expected.yaml").as_bytes())
    );
    args.extend(["--expect-render-digest", digest]);
    assert_eq!(
        assert_succeeds(&rollpin(&args, &[])),
        out,
        "same render, same record"
    );
}

#[test]
fn a_record_of_a_pinned_render_pins_the_pinned_output() {
    let pinned = read("fixtures/render-guard/pinned.yaml");
    let flags = pin_flags();
    let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
    // The digest policy sees the pinned output: only the images left by tag fail it.
    args.push("--require-digests");
    let out = render_fixture(&args, &[]);
    assert_fails(&out, &["2 images are not pinned by digest"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("container proxy: envoyproxy/envoy:v1.30.1\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("container web-1-5: ghcr.io/acme/web:1.5\n"),
        "{stderr}"
    );
    args.pop();
    args.extend([
        "--release-record",
        "--app",
        "shop",
        "--revision",
        "0123456789abcdef",
    ]);
    let out = assert_succeeds(&render_fixture(&args, &[]));
    let rest = out
        .strip_prefix(pinned.as_str())
        .and_then(|r| r.strip_prefix("---\n"))
        .expect("the record follows the pinned stream");
    let spec = &documents(rest)[0]["spec"];
    // The record's renderDigest is the stream before the pins — what the guard compares
    // when Argo CD re-renders this release — and the pins are recorded with it.
    let unpinned = read("fixtures/render-guard/expected.yaml");
    assert_eq!(
        spec["renderDigest"],
        sha256_hex(unpinned.as_bytes()).as_str()
    );
    assert_ne!(spec["renderDigest"], sha256_hex(pinned.as_bytes()).as_str());
    let recorded_pins = &spec["renderer"]["pinImages"];
    assert_eq!(
        recorded_pins.as_object().map(|m| m.len()),
        Some(pin_flags().len() / 2)
    );
    let pinned_docs: Vec<String> = pinned.split("\n---\n").map(str::to_string).collect();
    let doc_digests: Vec<String> = pinned_docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let last = i + 1 == pinned_docs.len();
            sha256_hex(if last { d.clone() } else { format!("{d}\n") }.as_bytes())
        })
        .collect();
    let recorded: Vec<&str> = spec["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["sha256"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(recorded, doc_digests);
    let web = &spec["workloads"][0];
    assert_eq!(web["name"], "web");
    assert_eq!(web["initContainers"][0]["digest"], WEB);
    let digests: Vec<&Value> = web["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .map(|c| &c["digest"])
        .collect();
    assert_eq!(digests, [&Value::from(WEB), &Value::Null, &Value::Null]);
    let fields: Vec<(&str, &str)> = spec["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| {
            (
                i["path"].as_str().unwrap_or(""),
                i["digest"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("spec.workflowSpec.templates[0].container.image", REPORT),
            ("spec.ephemeralContainers[0].image", WEB)
        ]
    );
}

#[test]
fn parameters_announce_both() {
    let text = std::fs::read_to_string(path("plugin.yaml")).expect("plugin.yaml");
    let doc = rollpin::yaml::parse_stream(&text, rollpin::yaml::Schema::Kyaml).expect("parses");
    let list = doc[0].value["spec"]["parameters"]["static"].clone();
    let find = |name: &str| {
        list.as_array()
            .and_then(|l| l.iter().find(|a| a["name"] == name))
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(find("expect-render-digest")["collectionType"], "string");
    assert!(
        find("expect-render-digest")["tooltip"]
            .as_str()
            .is_some_and(|t| t.contains("applies only exactly the recorded release"))
    );
    assert_eq!(find("pin-images")["collectionType"], "map");
}

#[test]
fn verify_of_a_pinned_record_re_applies_its_pins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let record = dir.path().join("record.yaml");
    let record = record.to_str().expect("utf-8 path");
    let pin = format!("ghcr.io/acme/web:1.4={WEB}");
    let out = render_fixture(
        &[
            "--pin-image",
            &pin,
            "--release-record",
            "--app",
            "shop",
            "--revision",
            "0123456789abcdef",
            "-o",
            record,
        ],
        &[],
    );
    assert_succeeds(&out);
    // The record says which images were pinned; verify pins them again and finds the
    // release exact.
    let app = path("fixtures/render-guard/app");
    let out = rollpin(
        &["verify", &app, "--record", record, "--allow-unpinned"],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A record whose pins were tampered with is not.
    let text = std::fs::read_to_string(record).expect("record");
    let other = "sha256:".to_string() + &"e".repeat(64);
    std::fs::write(
        record,
        text.replace(
            &format!("ghcr.io/acme/web:1.4: {WEB}"),
            &format!("ghcr.io/acme/web:1.4: {other}"),
        ),
    )
    .expect("write");
    let out = rollpin(
        &["verify", &app, "--record", record, "--allow-unpinned"],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The expected-objects value for `stream` (12 hex digits of each document's sha256), with
/// document `changed` (0-based) given another digest.
fn expected_objects(stream: &str, changed: Option<usize>) -> String {
    let docs: Vec<String> = stream.split("\n---\n").map(str::to_string).collect();
    let n = docs.len();
    docs.iter()
        .enumerate()
        .map(|(i, d)| {
            let doc = if i + 1 == n {
                d.clone()
            } else {
                format!("{d}\n")
            };
            let hex = sha256_hex(doc.as_bytes());
            if Some(i) == changed {
                "000000000000".to_string()
            } else {
                hex["sha256:".len().."sha256:".len() + 12].to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn expected_objects_name_the_first_object_that_differs() {
    let want = read("fixtures/examples/production.yaml");
    let dir = path("examples/overlays/production");
    let objects = documents(&want);
    let other = format!("sha256:{}", "0".repeat(64));
    // As the release recorded it, but the third document is not what it was.
    let expect = expected_objects(&want, Some(2));
    let out = rollpin(
        &[
            "render",
            &dir,
            "--expect-render-digest",
            &other,
            "--expect-objects",
            &expect,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let third = &objects[2];
    let name = format!(
        "{} {} {}/{}",
        third["apiVersion"].as_str().unwrap(),
        third["kind"].as_str().unwrap(),
        third["metadata"]["namespace"].as_str().unwrap(),
        third["metadata"]["name"].as_str().unwrap()
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        format!(
            "rollpin: E_RENDER_DIGEST_MISMATCH expected {other} got {}: this render of {} objects is not the expected release: object 3 ({name}) differs\n",
            sha256_hex(want.as_bytes()),
            objects.len()
        )
    );
    // The same through Argo CD's parameters.
    let params = format!(
        r#"[{{"name":"expect-render-digest","string":"{other}"}},{{"name":"expect-objects","string":"{expect}"}}]"#
    );
    let out = rollpin(
        &["render", &dir],
        &[("ARGOCD_APP_PARAMETERS", params.as_str())],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).ends_with(&format!("object 3 ({name}) differs\n"))
    );
    // A malformed value is refused, naming the parameter.
    let bad = r#"[{"name":"expect-objects","string":"xyz"}]"#;
    let out = rollpin(&["render", &dir], &[("ARGOCD_APP_PARAMETERS", bad)]);
    assert_fails(
        &out,
        &["parameter 'expect-objects': entry 1 (\"xyz\") is not 12 lowercase hex digits"],
    );
}
