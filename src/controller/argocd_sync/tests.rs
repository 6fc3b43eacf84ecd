//! Tests of the controller's `argocd_sync` step: fixtures through the pure planning core.
use serde_json::json;

use super::*;
use crate::controller::fixtures::*;

fn plugin_app() -> Value {
    let mut app = application(REV_B);
    app["spec"]["source"]["plugin"] = json!({"name": "rollpin", "parameters": [
        {"name": "release-record", "string": "true"},
        {"name": "expect-render-digest", "string": "sha256:stale"}]});
    app
}

#[test]
fn the_operation_is_argo_cds_rollback_plus_the_guard() {
    let mut app = plugin_app();
    // The history's source wins over the spec's (what Argo CD's rollback syncs).
    app["status"]["history"][0]["source"] = json!({"repoURL": "https://git.example.com/shop.git",
        "path": "overlays/prod", "targetRevision": "release-1",
        "plugin": {"name": "rollpin", "parameters": [{"name": "release-record", "string": "true"}]}});
    let record = record_a();
    let pinned = vec![crate::release::ObservedImage {
        image: "busybox:1.36".into(),
        digest: digest('d'),
        ..Default::default()
    }];
    let op = operation(&app, &record, &pinned, "uid-back");
    assert_eq!(op["initiatedBy"], json!({"username": "rollpin-controller"}));
    assert_eq!(
        op["info"],
        json!([{"name": "rollpin.dev/request", "value": "uid-back"}])
    );
    let sync = &op["sync"];
    assert_eq!(sync["revision"], REV_A);
    assert_eq!(sync["syncStrategy"], json!({"apply": {}}));
    assert_eq!(sync["syncOptions"], json!(["CreateNamespace=true"]));
    assert_eq!(sync["source"]["targetRevision"], "release-1");
    assert_eq!(
        sync["source"]["repoURL"],
        "https://git.example.com/shop.git"
    );
    assert_eq!(
        sync["source"]["plugin"]["parameters"],
        json!([{"name": "release-record", "string": "true"},
               {"name": "expect-render-digest", "string": digest('f')},
               {"name": "expect-objects", "string": crate::release::guard::ExpectedObjects::from_digests(record.spec.resources.iter().map(|r| r.sha256.as_str()))},
               {"name": "pin-images", "map": {"busybox:1.36": digest('d')}}])
    );
    // Not set, as in Argo CD's rollback: retry, resources, prune, dryRun.
    for absent in ["retry", "resources", "prune", "dryRun"] {
        assert!(
            sync.get(absent).is_none() && op.get(absent).is_none(),
            "{absent}"
        );
    }
    let patch = operation_patch(&app, &op);
    assert_eq!(
        patch[0],
        json!({"op": "replace", "path": "/metadata/resourceVersion", "value": "50"})
    );
    assert_eq!(patch[1]["path"], "/operation");
}

#[test]
fn only_single_source_plugin_apps() {
    assert_eq!(unsupported(&plugin_app()), None);
    assert!(
        unsupported(&application(REV_B))
            .unwrap()
            .contains("needs the Application to render with the rollpin plugin")
    );
    let mut multi = plugin_app();
    multi["spec"]["sources"] = json!([{}, {}]);
    assert!(unsupported(&multi).unwrap().contains("single-source"));
}

#[test]
fn progress_is_read_from_the_operation_and_its_state() {
    let mut app = plugin_app();
    assert_eq!(progress(&app, "u"), OperationProgress::NotStarted);
    app["operation"] = json!({"initiatedBy": {"username": "alice"}, "sync": {}});
    assert_eq!(
        progress(&app, "u"),
        OperationProgress::Busy(
            "another operation is in progress on the Application (initiated by alice)".into()
        )
    );
    app["operation"] = json!({"info": [{"name": INFO_NAME, "value": "u"}], "sync": {}});
    assert!(matches!(progress(&app, "u"), OperationProgress::Running(_)));
    app["operation"] = Value::Null;
    app["status"]["operationState"] = json!({"phase": "Running", "message": "one or more tasks are running",
        "operation": {"initiatedBy": {"automated": true}}});
    assert!(matches!(progress(&app, "u"), OperationProgress::Busy(m) if m.contains("Running")));
    app["status"]["operationState"] = json!({"phase": "Running", "message": "one or more tasks are running",
        "operation": {"info": [{"name": INFO_NAME, "value": "u"}]}});
    assert_eq!(
        progress(&app, "u"),
        OperationProgress::Running("one or more tasks are running".into())
    );
    app["status"]["operationState"]["phase"] = json!("Error");
    app["status"]["operationState"]["message"] =
        json!("ComparisonError: Failed to load target state: rollpin: E_RENDER_DIGEST_MISMATCH");
    assert_eq!(
        progress(&app, "u"),
        OperationProgress::Failed("Argo CD's sync error: ComparisonError: Failed to load target state: rollpin: E_RENDER_DIGEST_MISMATCH".into())
    );
    app["status"]["operationState"]["phase"] = json!("Succeeded");
    app["status"]["operationState"]["syncResult"] = json!({"revision": REV_A});
    assert_eq!(
        progress(&app, "u"),
        OperationProgress::Succeeded(REV_A.into())
    );
    // A finished operation of someone else's: nothing runs.
    app["status"]["operationState"]["operation"] = json!({"info": []});
    assert_eq!(progress(&app, "u"), OperationProgress::NotStarted);
}

#[test]
fn the_pins_a_release_was_rendered_with_are_passed_again() {
    let app = plugin_app();
    let mut record = record_a();
    record
        .spec
        .renderer
        .pin_images
        .insert("envoy:1.30".into(), digest('c'));
    let op = operation(&app, &record, &[], "u");
    let params = op["sync"]["source"]["plugin"]["parameters"]
        .as_array()
        .unwrap();
    let pins = params.iter().find(|p| p["name"] == "pin-images").unwrap();
    assert_eq!(pins["map"], json!({"envoy:1.30": digest('c')}));
    // A pinned record's documents are not the render's: no expect-objects.
    assert!(!params.iter().any(|p| p["name"] == "expect-objects"));
}
