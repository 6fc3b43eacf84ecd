//! `rollpin history` against the mock API server: the Application (for the destination
//! namespace, the synced revision and Argo CD's sync history), then the app's records.

use serde_json::{Value, json};

use super::session;
use crate::controller::cli::Format;
use crate::controller::cli::history::run;
use crate::controller::fixtures::{REV_A, REV_B, application, record, record_a, record_b, web};
use crate::controller::shell::tests::harness::{Expect, expect, finished, list, mock_client, ok};

fn script(records: Vec<Value>) -> Vec<Expect> {
    let mut app = application(REV_B);
    app["status"]["history"] = json!([
        {"id": 0, "revision": REV_A, "deployedAt": "2027-01-15T07:59:00Z"},
        {"id": 1, "revision": REV_B, "deployedAt": "2027-01-15T08:01:40Z"},
        {"id": 2, "revision": REV_A, "deployedAt": "2027-01-15T08:02:10Z"},
        {"id": 3, "revision": REV_B, "deployedAt": "2027-01-15T08:02:50Z"},
    ]);
    vec![
        expect(
            "GET",
            "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/shop",
            ok(app),
        ),
        expect(
            "GET",
            "/apis/rollpin.dev/v1alpha1/namespaces/shop/rollbackmanifests?labelSelector=rollpin.dev%2Fapp%3Dshop",
            list(records),
        ),
    ]
}

async fn history(records: Vec<Value>, format: Format) -> String {
    let (client, server) = mock_client(script(records));
    let s = session(client, 0);
    let mut out = Vec::new();
    assert_eq!(run(&s, "shop", format, &mut out).await.unwrap(), 0);
    drop(s);
    finished(server).await;
    String::from_utf8(out).unwrap()
}

fn records() -> Vec<Value> {
    let tagged = record(
        "shop-ccccccc",
        "ccccccc3",
        &[web("ghcr.io/acme/web:1.2", "c")],
        300,
        None,
    );
    [record_a(), record_b(), tagged]
        .map(|r| serde_json::to_value(r).unwrap())
        .to_vec()
}

/// The table (the README shows it).
const TABLE: &str = "REVISION  RECORD        DEPLOYED              VERIFIED  LIVE  PINNED
ccccccc   shop-ccccccc  —                     —               no (1 by tag)
bbbbbbb   shop-bbbbbbb  2027-01-15T08:02:50Z  True      yes   yes
aaaaaaa   shop-aaaaaaa  2027-01-15T08:02:10Z  True            yes
";

#[tokio::test]
async fn a_table_newest_first_with_the_latest_sync_of_each_revision() {
    assert_eq!(history(records(), Format::Text).await, TABLE);
}

#[tokio::test]
async fn json_for_scripts() {
    let v: Value = serde_json::from_str(&history(records(), Format::Json).await).unwrap();
    assert_eq!(
        v[1],
        json!({"record": "shop-bbbbbbb", "revision": REV_B, "deployedAt": "2027-01-15T08:02:50Z",
            "verified": "True", "live": true, "unpinned": []})
    );
    assert_eq!(v[0]["verified"], Value::Null);
}

#[tokio::test]
async fn no_records_says_so() {
    assert_eq!(
        history(vec![], Format::Text).await,
        "shop has no release records in namespace shop (render it with release-record enabled)\n"
    );
}

#[test]
fn the_readme_shows_this_table() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(&format!("```\n{TABLE}```")),
        "README.md must show:\n{TABLE}"
    );
}
