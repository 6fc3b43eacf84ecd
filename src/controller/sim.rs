//! A simulated cluster for the planner's tests: applies the planner's writes to a
//! snapshot the way the API server would (JSON patches, `$patch: replace` templates,
//! resourceVersion preconditions), and finishes rollouts on demand.

use serde_json::{Value, json};

use super::history::PatchKind;
use super::plan::{Step, plan};
use super::snapshot::Snapshot;
use super::write::{Event, Write};
use super::{Config, str_at};
use crate::release::RollbackManifestStatus;

/// Applies an RFC 6902 patch (add, replace, remove, test) to `doc`.
pub fn json_patch(doc: &mut Value, patch: &Value) -> Result<(), String> {
    for op in patch.as_array().ok_or("patch is not an array")? {
        let path = str_at(op, "/path");
        let (parent, key) = path.rsplit_once('/').ok_or("bad path")?;
        let key = key.replace("~1", "/").replace("~0", "~");
        match str_at(op, "/op") {
            "test" => {
                if doc.pointer(path) != op.get("value") {
                    return Err(format!("test failed at {path}"));
                }
            }
            "remove" => {
                let p = doc
                    .pointer_mut(parent)
                    .and_then(Value::as_object_mut)
                    .ok_or("no parent")?;
                p.remove(&key).ok_or(format!("nothing at {path}"))?;
            }
            "add" | "replace" => {
                let p = doc
                    .pointer_mut(parent)
                    .and_then(Value::as_object_mut)
                    .ok_or(format!("no parent at {path}"))?;
                p.insert(key, op["value"].clone());
            }
            other => return Err(format!("op {other}")),
        }
    }
    Ok(())
}

/// What the simulated cluster saw.
#[derive(Default)]
pub struct Cluster {
    /// Every write, in order.
    pub writes: Vec<Write>,
    /// The events.
    pub events: Vec<Event>,
}

impl Cluster {
    /// Writes other than the request's status and Events: the ones that change the cluster.
    pub fn changes(&self) -> Vec<&Write> {
        self.writes
            .iter()
            .filter(|w| !matches!(w, Write::RequestStatus(_) | Write::Event(_)))
            .collect()
    }

    /// Plans one step at `now` and applies its writes.
    pub fn step(&mut self, snap: &mut Snapshot, now: i64) -> Step {
        let step = plan(snap, &Config::default(), super::fixtures::ts(now));
        let mut paused = false;
        for w in &step.writes {
            let mut w = w.clone();
            // As the shell does: an operation written after this batch's own pause uses
            // the resourceVersion the pause returned.
            if let (Write::SyncOperation { patch, .. }, true) = (&mut w, paused) {
                patch[0]["value"] =
                    snap.app.as_ref().unwrap()["metadata"]["resourceVersion"].clone();
            }
            paused |= matches!(w, Write::PauseAutoSync { .. });
            let w = &w;
            apply(snap, w).unwrap_or_else(|e| panic!("{}: {e}", w.target()));
            if let Write::Event(e) = w {
                self.events.push(e.clone());
            }
            self.writes.push(w.clone());
        }
        step
    }
}

fn bump(obj: &mut Value) {
    let rv: i64 = str_at(obj, "/metadata/resourceVersion")
        .parse()
        .unwrap_or(0);
    obj["metadata"]["resourceVersion"] = json!((rv + 1).to_string());
}

/// Applies one write to the snapshot.
pub fn apply(snap: &mut Snapshot, w: &Write) -> Result<(), String> {
    match w {
        Write::RequestStatus(s) => {
            snap.request.status = Some((**s).clone());
            let uid = snap.request.metadata.uid.clone();
            for r in snap.requests.iter_mut().filter(|r| r.metadata.uid == uid) {
                r.status = Some((**s).clone());
            }
        }
        Write::PauseAutoSync { patch, .. }
        | Write::RestoreAutoSync { patch, .. }
        | Write::SyncOperation { patch, .. } => {
            let app = snap.app.as_mut().ok_or("no app")?;
            let before = str_at(app, "/metadata/resourceVersion").to_string();
            json_patch(app, patch)?;
            if str_at(app, "/metadata/resourceVersion") != before {
                return Err("409 Conflict".into());
            }
            bump(app);
        }
        Write::Workload {
            kind,
            namespace,
            name,
            patch_kind,
            patch,
            ..
        } => {
            let live = snap
                .workloads
                .iter_mut()
                .find(|o| {
                    str_at(o, "/kind") == kind
                        && str_at(o, "/metadata/namespace") == namespace
                        && str_at(o, "/metadata/name") == name
                })
                .ok_or("no workload")?;
            let before = str_at(live, "/metadata/resourceVersion").to_string();
            match patch_kind {
                PatchKind::Json => json_patch(live, patch)?,
                _ => {
                    if patch["metadata"]["resourceVersion"] != json!(before) {
                        return Err("409 Conflict".into());
                    }
                    let mut t = patch["spec"]["template"].clone();
                    t.as_object_mut().ok_or("template")?.remove("$patch");
                    live["spec"]["template"] = t;
                }
            }
            if str_at(live, "/metadata/resourceVersion") != before {
                return Err("409 Conflict".into());
            }
            bump(live);
            let g = live["metadata"]["generation"].as_i64().unwrap_or(0) + 1;
            live["metadata"]["generation"] = json!(g);
        }
        Write::RecordStatus { name, status, .. } => {
            let r = snap
                .records
                .iter_mut()
                .find(|r| r.metadata.name.as_deref() == Some(name))
                .ok_or("no record")?;
            let s: RollbackManifestStatus =
                serde_json::from_value(status.clone()).map_err(|e| e.to_string())?;
            r.status = Some(s);
        }
        Write::Event(_) => {}
    }
    Ok(())
}

/// Finishes every workload's rollout: status caught up, Pods replaced by ones running the
/// digests of the live template (`digest_of` maps an image to what the registry serves).
pub fn finish_rollouts(snap: &mut Snapshot, digest_of: impl Fn(&str) -> String) {
    let mut pods = Vec::new();
    for w in &mut snap.workloads {
        let g = w["metadata"]["generation"].clone();
        w["status"]["observedGeneration"] = g;
        let replicas = w["spec"]["replicas"]
            .as_i64()
            .or(w["status"]["desiredNumberScheduled"].as_i64())
            .unwrap_or(1);
        let fields: &[&str] = if w["kind"] == "DaemonSet" {
            &[
                "desiredNumberScheduled",
                "updatedNumberScheduled",
                "numberAvailable",
                "numberReady",
            ]
        } else {
            &[
                "replicas",
                "updatedReplicas",
                "readyReplicas",
                "availableReplicas",
            ]
        };
        for f in fields {
            w["status"][*f] = json!(replicas);
        }
        let labels = w["spec"]["template"]["metadata"]["labels"].clone();
        for i in 0..replicas {
            let statuses: Vec<Value> = w["spec"]["template"]["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| json!({"name": c["name"], "imageID": format!("repo@{}", digest_of(str_at(c, "/image")))}))
                .collect();
            pods.push(json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("{}-new-{i}", str_at(w, "/metadata/name")), "namespace": w["metadata"]["namespace"], "labels": labels},
                "status": {"containerStatuses": statuses}}));
        }
    }
    snap.pods = pods;
}

/// The digest part of an image reference (what a registry would serve for a pinned one).
pub fn pinned_digest(image: &str) -> String {
    image
        .rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_else(|| "sha256:unknown".into())
}
