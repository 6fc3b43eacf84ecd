//! Tests of the controller's `history` step: fixtures through the pure planning core.
use serde_json::json;

use super::*;
use crate::release::{ContainerPin, WorkloadPin};

fn template(image: &str) -> Value {
    json!({"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": image}]}})
}

fn sts(image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "shop", "uid": "uid-db", "resourceVersion": "11"},
        "spec": {"template": template(image)}})
}

fn revision(name: &str, n: i64, image: &str) -> Value {
    let mut t = template(image);
    t["$patch"] = json!("replace");
    json!({"apiVersion": "apps/v1", "kind": "ControllerRevision",
        "metadata": {"name": name, "namespace": "shop",
            "ownerReferences": [{"kind": "StatefulSet", "name": "db", "uid": "uid-db", "controller": true}]},
        "revision": n, "data": {"spec": {"template": t}}})
}

fn pin(image: &str) -> WorkloadPin {
    WorkloadPin {
        kind: "StatefulSet".into(),
        name: "db".into(),
        containers: vec![ContainerPin {
            name: "db".into(),
            image: image.into(),
            digest: None,
        }],
        ..Default::default()
    }
}

#[test]
fn statefulset_history_is_its_controller_revisions_newest_first() {
    let live = sts("db:2");
    let history = vec![revision("db-1", 1, "db:1"), revision("db-2", 2, "db:2")];
    let revs = revisions(&live, &history);
    assert_eq!(
        revs.iter().map(|r| r.name).collect::<Vec<_>>(),
        ["db-2", "db-1"]
    );
    let to = find_target(&revs, &pin("db:1")).unwrap();
    assert_eq!(to.name, "db-1");
    assert_eq!(find_live(&revs, &live).unwrap().name, "db-2");
    let (kind, patch) = undo_patch(&live, to, &to.template);
    assert_eq!(kind, PatchKind::StrategicMerge);
    let mut want = template("db:1");
    want["$patch"] = json!("replace");
    assert_eq!(
        patch,
        json!({"metadata": {"resourceVersion": "11"}, "spec": {"template": want}})
    );
}

#[test]
fn a_template_must_match_images_and_config_references() {
    let mut t = template("db:1");
    assert!(matches_pin(&t, &pin("db:1")));
    assert!(!matches_pin(&t, &pin("db:1@sha256:aa")));
    t["spec"]["volumes"] = json!([{"name": "c", "configMap": {"name": "db-config"}}]);
    assert!(
        !matches_pin(&t, &pin("db:1")),
        "a config the record does not reference"
    );
}

#[test]
fn the_pod_template_hash_label_is_ignored() {
    let t = json!({"metadata": {"labels": {"pod-template-hash": "abc"}}, "spec": {}});
    assert_eq!(without_hash(&t), json!({"metadata": {}, "spec": {}}));
}

#[test]
fn observed_digests_are_written_into_the_restored_template() {
    let observed = crate::release::ObservedImage {
        container: "db".into(),
        image: "db:1".into(),
        digest: "sha256:cc".into(),
        ..Default::default()
    };
    let t = pin_observed(&template("db:1"), &[&observed]);
    assert_eq!(t["spec"]["containers"][0]["image"], "db:1@sha256:cc");
}
