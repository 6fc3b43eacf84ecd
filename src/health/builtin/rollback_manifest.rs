//! RollbackManifest (`rollpin.dev`): whether the live state still matches a release record.
//!
//! - any entry in `status.drift` → Degraded, the message naming the drifted objects (the
//!   first three, then how many more);
//! - a `Verified` condition with status True → Healthy "Live state matches the release";
//! - `Verified` False without drift entries → Degraded with the condition's reason and
//!   message;
//! - `Verified` Unknown (a verifier is at work) → Progressing "Waiting for verification
//!   against the live state";
//! - never verified (no status or no `Verified` condition) → Healthy "Release recorded; not
//!   verified against the live state": `rollpin render --release-record` adds one record per
//!   revision and Argo CD keeps the old ones, so an unverified record must not hold the
//!   app's health at Progressing.
//!
//! Example: one drift `{kind: Deployment, namespace: shop, name: web, container: app,
//! field: image, expected: "sha256:aa…", actual: "sha256:bb…"}` → Degraded "Live state
//! differs from the release: Deployment shop/web container app: image sha256:aa… →
//! sha256:bb…".

use serde::Deserialize;

use crate::health::Context;
use crate::health::convert::convert;
use crate::health::object::Object;
use crate::health::prune::Keep;
use crate::health::status::HealthStatus;
use crate::release::{Drift, RollbackManifestStatus, VERIFIED_CONDITION};

/// Drift entries named in the message; the rest are counted.
const NAMED_DRIFTS: usize = 3;

#[derive(Deserialize)]
struct View {
    status: Option<RollbackManifestStatus>,
}

/// Assesses a RollbackManifest.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    match convert::<View>(obj, "RollbackManifest", &[], &Keep::All) {
        Ok(view) => health(&view.status.unwrap_or_default()),
        Err(h) => h,
    }
}

/// `Deployment shop/web container app: image A → B` (`… field spec.image: …` for an image
/// outside a pod template).
fn describe(d: &Drift) -> String {
    let mut s = d.kind.clone();
    s.push(' ');
    if !d.namespace.is_empty() {
        s.push_str(&d.namespace);
        s.push('/');
    }
    s.push_str(&d.name);
    if let Some(c) = d.container.as_deref().filter(|c| !c.is_empty()) {
        s.push_str(" container ");
        s.push_str(c);
    }
    if let Some(p) = d.path.as_deref().filter(|p| !p.is_empty()) {
        s.push_str(" field ");
        s.push_str(p);
    }
    let side = |v: &Option<String>| v.clone().unwrap_or_else(|| "absent".to_string());
    format!(
        "{s}: {} {} → {}",
        d.field,
        side(&d.expected),
        side(&d.actual)
    )
}

fn health(status: &RollbackManifestStatus) -> HealthStatus {
    if !status.drift.is_empty() {
        let mut parts: Vec<String> = status
            .drift
            .iter()
            .take(NAMED_DRIFTS)
            .map(describe)
            .collect();
        let more = status.drift.len().saturating_sub(NAMED_DRIFTS);
        if more > 0 {
            parts.push(format!("and {more} more"));
        }
        return HealthStatus::degraded(format!(
            "Live state differs from the release: {}",
            parts.join("; ")
        ));
    }
    let verified = status
        .conditions
        .iter()
        .find(|c| c.type_ == VERIFIED_CONDITION);
    match verified.map(|c| (c.status.as_str(), c)) {
        Some(("True", _)) => HealthStatus::healthy("Live state matches the release"),
        Some(("False", c)) => {
            let detail = [c.reason.as_str(), c.message.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(": ");
            HealthStatus::degraded(if detail.is_empty() {
                "Verification against the live state failed".to_string()
            } else {
                format!("Verification against the live state failed: {detail}")
            })
        }
        Some(_) => HealthStatus::progressing("Waiting for verification against the live state"),
        None => HealthStatus::healthy("Release recorded; not verified against the live state"),
    }
}
