//! Job (`batch/v1`): Argo CD's `getBatchv1JobHealth` (gitops-engine
//! `pkg/health/health_job.go`, Argo CD v3.5.1).
//!
//! Walks every condition: `Failed` marks the Job failed and finished and keeps its message;
//! `Complete` marks it finished with its message; `Suspended` marks it finished and, when
//! True, suspended. Condition statuses are not checked except for `Suspended` (as in Argo
//! CD). Then: not finished → Progressing; failed → Degraded with the failure message;
//! suspended → Suspended with the *failure* message, which is empty (v3.5.1; Argo CD's
//! master uses the Suspended condition's message); otherwise Healthy with the completion
//! message.
//!
//! Example: a condition `{type: Failed, reason: BackoffLimitExceeded, message: "Job has
//! reached the specified backoff limit"}` → Degraded with that message.

use k8s_openapi::api::batch::v1::JobStatus;
use serde::Deserialize;

use super::check_version;
use crate::health::Context;
use crate::health::convert::{GoTypes, convert};
use crate::health::object::Object;
use crate::health::prune::Keep;
use crate::health::status::HealthStatus;

#[derive(Deserialize)]
struct View {
    status: Option<JobStatus>,
}

/// The fields the check reads.
static KEEP: Keep = Keep::Fields(&[(
    "status",
    Keep::Fields(&[(
        "conditions",
        Keep::Fields(&[
            ("type", Keep::All),
            ("status", Keep::All),
            ("message", Keep::All),
        ]),
    )]),
)]);

const GO_TYPES: GoTypes = &[
    ("status.conditions[].type", "v1.JobConditionType"),
    ("status.conditions[].status", "v1.ConditionStatus"),
];

/// Assesses a Job.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    match typed(obj) {
        Ok(h) | Err(h) => h,
    }
}

fn typed(obj: &Object<'_>) -> Result<HealthStatus, HealthStatus> {
    check_version(obj, "Job", &["v1"])?;
    let view: View = convert(obj, "Job", GO_TYPES, &KEEP)?;
    Ok(health(&view.status.unwrap_or_default()))
}

fn health(status: &JobStatus) -> HealthStatus {
    let (mut failed, mut complete, mut suspended) = (false, false, false);
    let (mut fail_msg, mut message) = (String::new(), String::new());
    for c in status.conditions.iter().flatten() {
        let msg = || c.message.clone().unwrap_or_default();
        match c.type_.as_str() {
            "Failed" => {
                failed = true;
                complete = true;
                fail_msg = msg();
            }
            "Complete" => {
                complete = true;
                message = msg();
            }
            "Suspended" => {
                complete = true;
                message = msg();
                if c.status == "True" {
                    suspended = true;
                }
            }
            _ => {}
        }
    }
    if !complete {
        HealthStatus::progressing(message)
    } else if failed {
        HealthStatus::degraded(fail_msg)
    } else if suspended {
        HealthStatus::suspended(fail_msg)
    } else {
        HealthStatus::healthy(message)
    }
}
