//! `rollpin rollback APP`: resolve `--to` against the app's release records (a record
//! name wins, else 7+ hex characters are a revision, else `previous`), create a
//! RollbackRequest (generateName `APP-rollback-`, `rollpin.dev/requested-by` set to the
//! kubeconfig user, an absolute deadline), and — with `--wait` — follow it to its end:
//! exit 0 Succeeded, 3 Failed. Choosing the target and building the object are pure; the
//! controller still decides (the CLI only refuses early what the controller would refuse).

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::follow::follow;
use super::progress;
use super::{CliError, EXIT_OK, Format, Session, Streams};
use crate::controller::audit::REQUESTED_BY;
use crate::controller::shell::api::{self, REQUEST};
use crate::controller::str_at;
use crate::controller::target;
use crate::release::{
    OnFailure, RollbackManifest, RollbackRequest, RollbackRequestSpec, RollbackStrategy,
    RollbackTarget,
};

/// `--to previous`.
pub const PREVIOUS: &str = "previous";

/// `rollpin rollback`'s options, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackOptions {
    /// The Argo CD Application.
    pub app: String,
    /// `previous`, a record name or a revision.
    pub to: String,
    /// How the release is restored.
    pub strategy: RollbackStrategy,
    /// How long the rollback may take, from now.
    pub deadline: Option<Duration>,
    /// What a failed rollback does.
    pub on_failure: Option<OnFailure>,
    /// Follow the request to its end.
    pub wait: bool,
    /// Text or JSON.
    pub format: Format,
}

fn record_name(r: &RollbackManifest) -> &str {
    r.metadata.name.as_deref().unwrap_or("")
}

fn short(revision: &str) -> &str {
    revision.get(..7).unwrap_or(revision)
}

/// The app's records, newest first, for an error message.
fn listing(app: &str, application: &Value, records: &[RollbackManifest]) -> String {
    let live = target::synced_revision(application);
    let names: Vec<String> = target::by_age(records)
        .into_iter()
        .rev()
        .filter(|r| r.spec.app == app)
        .map(|r| {
            let rev = &r.spec.source.revision;
            let mark = if !rev.is_empty() && rev == live {
                ", live"
            } else {
                ""
            };
            format!("{} (revision {}{mark})", record_name(r), short(rev))
        })
        .collect();
    if names.is_empty() {
        format!("{app} has no release records (render it with release-record enabled)")
    } else {
        format!("the release records of {app}: {}", names.join(", "))
    }
}

/// The target `--to` names, and the record it resolves to now.
pub fn choose_target<'a>(
    app: &str,
    to: &str,
    application: &Value,
    records: &'a [RollbackManifest],
) -> Result<(RollbackTarget, &'a RollbackManifest), CliError> {
    let (target, usage) = if to == PREVIOUS {
        let t = RollbackTarget {
            previous: true,
            ..Default::default()
        };
        (t, false)
    } else if records
        .iter()
        .any(|r| r.spec.app == app && record_name(r) == to)
    {
        let t = RollbackTarget {
            manifest: Some(to.into()),
            ..Default::default()
        };
        (t, true)
    } else if to.len() >= 7 && to.chars().all(|c| c.is_ascii_hexdigit()) {
        let t = RollbackTarget {
            revision: Some(to.to_ascii_lowercase()),
            ..Default::default()
        };
        (t, true)
    } else {
        return Err(CliError::Usage(format!(
            "--to {to}: no release record of {app} has that name, and it is not a revision (7 or more hex characters) nor `previous`; {}",
            listing(app, application, records)
        )));
    };
    let current = target::current(app, application, records);
    match target::resolve(app, &target, current.as_ref().ok().copied(), records) {
        Ok(record) => Ok((target, record)),
        Err(e) if usage => Err(CliError::Usage(format!(
            "--to {to}: {e}; {}",
            listing(app, application, records)
        ))),
        // `previous` needs the current record: say first why that one is missing.
        Err(e) => Err(CliError::Refused(format!(
            "cannot roll {app} back: {}",
            current.err().unwrap_or(e)
        ))),
    }
}

/// The RollbackRequest to create.
pub fn request_object(
    opts: &RollbackOptions,
    namespace: &str,
    target: RollbackTarget,
    requester: &str,
    now: Timestamp,
) -> Result<Value, CliError> {
    let deadline = match opts.deadline {
        None => None,
        Some(d) => {
            let too_far = || CliError::Usage(format!("--deadline {d:?} is too far away"));
            let d = SignedDuration::try_from(d).map_err(|_| too_far())?;
            Some(Time(now.checked_add(d).map_err(|_| too_far())?))
        }
    };
    let req = RollbackRequest {
        metadata: ObjectMeta {
            generate_name: Some(format!("{}-rollback-", opts.app)),
            namespace: Some(namespace.into()),
            annotations: Some([(REQUESTED_BY.to_string(), requester.to_string())].into()),
            ..Default::default()
        },
        spec: RollbackRequestSpec {
            app: opts.app.clone(),
            target,
            strategy: Some(opts.strategy),
            deadline,
            on_failure: opts.on_failure,
            resume: false,
        },
        status: None,
    };
    serde_json::to_value(&req)
        .map_err(|e| CliError::Refused(format!("cannot encode the RollbackRequest: {e}")))
}

/// What the request does, in one line.
pub fn header(
    namespace: &str,
    name: &str,
    opts: &RollbackOptions,
    record: &RollbackManifest,
    requester: &str,
) -> String {
    format!(
        "rollback {namespace}/{name}: {} to release {} (revision {}), strategy {}, requested by {requester}\n",
        opts.app,
        record_name(record),
        short(&record.spec.source.revision),
        match opts.strategy {
            RollbackStrategy::Workloads => "Workloads",
            RollbackStrategy::ArgoCd => "ArgoCD",
        }
    )
}

/// The JSON `-o json` prints: the request's name, namespace and status.
pub fn json_result(
    namespace: &str,
    name: &str,
    status: Option<&crate::release::RollbackRequestStatus>,
) -> String {
    let v = json!({"name": name, "namespace": namespace, "status": status.cloned().unwrap_or_default()});
    format!(
        "{}\n",
        serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string())
    )
}

/// `rollpin rollback`: returns the exit code (0, or 3 when the rollback failed).
pub async fn run(
    session: &Session,
    opts: &RollbackOptions,
    streams: &mut Streams<'_>,
) -> Result<u8, CliError> {
    let application = session.application(&opts.app).await?;
    let records_ns = session.records_namespace(&application);
    let records = session.records(&records_ns, &opts.app).await?;
    let (target, record) = choose_target(&opts.app, &opts.to, &application, &records)?;
    let namespace = session.request_namespace(Some(&application));
    let started = session.now();
    let body = request_object(opts, &namespace, target, &session.requester, started)?;
    let created = api::create(&session.client, REQUEST, &namespace, &body)
        .await
        .map_err(|e| CliError::api("creating", REQUEST, &namespace, "", e))?;
    let name = str_at(&created, "/metadata/name").to_string();
    let header = header(&namespace, &name, opts, record, &session.requester);
    if !opts.wait {
        let text = match opts.format {
            Format::Json => json_result(&namespace, &name, None),
            _ => format!(
                "{header}not waiting; follow it with: kubectl get rollbackrequest -n {namespace} {name} -w\n"
            ),
        };
        streams.out.write_all(text.as_bytes())?;
        return Ok(EXIT_OK);
    }
    streams.progress.write_all(header.as_bytes())?;
    let (req, outcome, elapsed) = follow(session, &namespace, &name, started, streams).await?;
    let text = match opts.format {
        Format::Json => json_result(&namespace, &name, req.status.as_ref()),
        _ => progress::summary(
            &opts.app,
            &format!("release {}", record_name(record)),
            &outcome,
            elapsed,
        ),
    };
    streams.out.write_all(text.as_bytes())?;
    streams.out.flush()?;
    Ok(outcome.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::fixtures::{
        REV_A, REV_B, application, objects, record, record_a, record_b, ts,
    };

    fn opts() -> RollbackOptions {
        RollbackOptions {
            app: "shop".into(),
            to: PREVIOUS.into(),
            strategy: RollbackStrategy::Workloads,
            deadline: Some(Duration::from_secs(600)),
            on_failure: Some(OnFailure::Revert),
            wait: true,
            format: Format::Text,
        }
    }

    fn target_of(to: &str) -> Result<(RollbackTarget, String), CliError> {
        let records = [record_a(), record_b()];
        choose_target("shop", to, &application(REV_B), &records)
            .map(|(t, r)| (t, record_name(r).to_string()))
    }

    #[test]
    fn to_names_a_record_a_revision_or_previous() {
        let (t, r) = target_of("previous").unwrap();
        assert!(t.previous);
        assert_eq!(r, "shop-aaaaaaa");
        let (t, r) = target_of("shop-aaaaaaa").unwrap();
        assert_eq!(t.manifest.as_deref(), Some("shop-aaaaaaa"));
        assert_eq!(r, "shop-aaaaaaa");
        let (t, r) = target_of("AAAAAAA1").unwrap();
        assert_eq!(t.revision.as_deref(), Some("aaaaaaa1"));
        assert_eq!(r, "shop-aaaaaaa");
    }

    #[test]
    fn a_record_name_wins_over_a_revision() {
        // A record named like a hex revision of another release.
        let odd = record("bbbbbbb2", REV_A, &objects('a'), 0, Some(true));
        let records = [odd, record_b()];
        let (t, r) = choose_target("shop", "bbbbbbb2", &application(REV_B), &records).unwrap();
        assert_eq!(t.manifest.as_deref(), Some("bbbbbbb2"));
        assert_eq!(r.spec.source.revision, REV_A);
    }

    #[test]
    fn a_name_that_names_nothing_is_a_usage_error_listing_the_records() {
        let err = target_of("yesterday").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(
            err.to_string(),
            "--to yesterday: no release record of shop has that name, and it is not a revision (7 or more hex characters) nor `previous`; the release records of shop: shop-bbbbbbb (revision bbbbbbb, live), shop-aaaaaaa (revision aaaaaaa)"
        );
        let err = target_of("cccccccc").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.to_string()
                .starts_with("--to cccccccc: no RollbackManifest of shop records revision cccccccc; the release records of shop: "),
            "{err}"
        );
    }

    #[test]
    fn previous_without_a_verified_older_release_is_refused_before_creating() {
        let unverified = record("shop-aaaaaaa", REV_A, &objects('a'), 0, Some(false));
        let records = [unverified, record_b()];
        let err = choose_target("shop", PREVIOUS, &application(REV_B), &records).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(err.to_string().contains("Verified=True"), "{err}");
        // The live release has no record: that is the reason given.
        let err = choose_target("shop", PREVIOUS, &application("ccccccc9"), &records).unwrap_err();
        assert!(
            err.to_string()
                .contains("revision ccccccc9) has no RollbackManifest"),
            "{err}"
        );
    }

    #[test]
    fn the_request_object() {
        let t = RollbackTarget {
            previous: true,
            ..Default::default()
        };
        let v = request_object(&opts(), "shop", t, "alice@example.com", ts(0)).unwrap();
        assert_eq!(
            v,
            json!({"apiVersion": "rollpin.dev/v1alpha1", "kind": "RollbackRequest",
                "metadata": {"generateName": "shop-rollback-", "namespace": "shop",
                    "annotations": {"rollpin.dev/requested-by": "alice@example.com"}},
                "spec": {"app": "shop", "target": {"previous": true}, "strategy": "Workloads",
                    "deadline": "2027-01-15T08:10:00Z", "onFailure": "Revert"}})
        );
        let mut argocd = opts();
        argocd.strategy = RollbackStrategy::ArgoCd;
        argocd.deadline = None;
        argocd.on_failure = None;
        let v = request_object(&argocd, "shop", Default::default(), "me", ts(0)).unwrap();
        assert_eq!(v["spec"]["strategy"], "ArgoCD");
        assert!(v["spec"].get("deadline").is_none());
        let mut far = opts();
        far.deadline = Some(Duration::from_secs(u64::MAX));
        assert_eq!(
            request_object(&far, "shop", Default::default(), "me", ts(0))
                .unwrap_err()
                .exit_code(),
            2
        );
    }
}
