//! `rollpin resume APP`: give the Application back the automated sync a rollback paused.
//! It picks the newest finished RollbackRequest of the app whose saved sync policy is not
//! restored yet, sets `spec.resume: true` on it (merge patch) and waits (`--timeout`,
//! 30 s) for the controller to restore the policy — the controller restores it only while
//! it is still the one the rollback left, else it says why (`ResumeRefused`, exit 1).
//! Nothing paused is not a failure: it says so and exits 0. While a rollback of the app
//! is still running, resume refuses (that rollback needs the pause).

use std::time::Duration;

use serde_json::json;

use super::follow::since;
use super::{CliError, EXIT_OK, Session};
use crate::controller::history::PatchKind;
use crate::controller::shell::api::{self, REQUEST};
use crate::controller::sync_policy::NOT_AUTOMATED;
use crate::release::{RollbackPhase, RollbackRequest};

/// Which request `rollpin resume` acts on.
#[derive(Debug, PartialEq)]
pub enum Pick<'a> {
    /// No rollback of the app left its automated sync paused.
    Nothing,
    /// A rollback of the app is still running.
    InProgress(&'a RollbackRequest),
    /// The newest finished request whose paused policy is not restored.
    Resume(&'a RollbackRequest),
}

/// Where a resume is, as the request's status tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeState {
    /// Restored; the controller's words.
    Restored(String),
    /// The controller refused; why.
    Refused(String),
    /// Not acted on yet.
    Waiting,
}

fn finished(r: &RollbackRequest) -> bool {
    matches!(
        r.status.as_ref().and_then(|s| s.phase),
        Some(RollbackPhase::Succeeded | RollbackPhase::Failed)
    )
}

fn name(r: &RollbackRequest) -> String {
    format!(
        "{}/{}",
        r.metadata.namespace.as_deref().unwrap_or(""),
        r.metadata.name.as_deref().unwrap_or("")
    )
}

/// The request to resume among `requests` (any app's).
pub fn pick<'a>(app: &str, requests: &'a [RollbackRequest]) -> Pick<'a> {
    let mut mine: Vec<&RollbackRequest> = requests.iter().filter(|r| r.spec.app == app).collect();
    // Newest first (creation time, then name).
    mine.sort_by(|a, b| {
        let t = |r: &RollbackRequest| r.metadata.creation_timestamp.as_ref().map(|t| t.0);
        t(b).cmp(&t(a)).then(b.metadata.name.cmp(&a.metadata.name))
    });
    if let Some(running) = mine.iter().find(|r| !finished(r)) {
        return Pick::InProgress(running);
    }
    mine.into_iter()
        .find(|r| {
            r.status
                .as_ref()
                .and_then(|s| s.saved_sync_policy.as_ref())
                .is_some_and(|p| !p.restored && p.method != NOT_AUTOMATED)
        })
        .map_or(Pick::Nothing, Pick::Resume)
}

/// What the request's status says about its resume.
pub fn state(req: &RollbackRequest) -> ResumeState {
    let Some(status) = req.status.as_ref() else {
        return ResumeState::Waiting;
    };
    let paused = status.conditions.iter().find(|c| c.type_ == "SyncPaused");
    if status
        .saved_sync_policy
        .as_ref()
        .is_some_and(|p| p.restored)
    {
        return ResumeState::Restored(
            paused
                .filter(|c| c.reason == "Resumed" && !c.message.is_empty())
                .map(|c| c.message.clone())
                .unwrap_or_else(|| format!("automated sync of {} restored", req.spec.app)),
        );
    }
    if let Some(c) = paused.filter(|c| c.reason == "ResumeRefused") {
        return ResumeState::Refused(c.message.clone());
    }
    match status.message.as_deref() {
        Some(m) if m.starts_with("cannot resume") => ResumeState::Refused(m.to_string()),
        _ => ResumeState::Waiting,
    }
}

/// `rollpin resume`: returns 0, or an error (exit 1) when the controller refused or did
/// not answer within `timeout`.
pub async fn run(
    session: &Session,
    app: &str,
    timeout: Duration,
    out: &mut dyn std::io::Write,
) -> Result<u8, CliError> {
    let namespace = match &session.namespace {
        Some(ns) => ns.clone(),
        None => session.request_namespace(Some(&session.application(app).await?)),
    };
    let items = api::list(&session.client, REQUEST, &namespace, None)
        .await
        .map_err(|e| CliError::api("listing", REQUEST, &namespace, "", e))?;
    let requests = items
        .into_iter()
        .map(|item| {
            let n = crate::controller::str_at(&item, "/metadata/name").to_string();
            serde_json::from_value::<RollbackRequest>(item).map_err(|e| {
                CliError::Refused(format!(
                    "RollbackRequest {namespace}/{n} does not read as one: {e}"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let req = match pick(app, &requests) {
        Pick::Nothing => {
            writeln!(
                out,
                "nothing to resume: no rollback of {app} paused its automated sync"
            )?;
            return Ok(EXIT_OK);
        }
        Pick::InProgress(r) => {
            let phase = r.status.as_ref().and_then(|s| s.phase).unwrap_or_default();
            return Err(CliError::Refused(format!(
                "a rollback of {app} is still running (RollbackRequest {}, phase {phase:?}); resume once it has finished",
                name(r)
            )));
        }
        Pick::Resume(r) => r,
    };
    let req_name = req.metadata.name.clone().unwrap_or_default();
    // A refusal from an earlier `resume` is not this one's answer until the timeout.
    let stale = req.spec.resume && matches!(state(req), ResumeState::Refused(_));
    let patched = api::patch(
        &session.client,
        REQUEST,
        &namespace,
        &req_name,
        None,
        PatchKind::Merge,
        &json!({"spec": {"resume": true}}),
    )
    .await
    .map_err(|e| CliError::api("patching", REQUEST, &namespace, &req_name, e))?;
    let started = session.now();
    let mut current: RollbackRequest =
        serde_json::from_value(patched).unwrap_or_else(|_| req.clone());
    loop {
        match state(&current) {
            ResumeState::Restored(m) => {
                writeln!(out, "{m} (RollbackRequest {namespace}/{req_name})")?;
                return Ok(EXIT_OK);
            }
            ResumeState::Refused(why) if !stale => return Err(CliError::Refused(why)),
            ResumeState::Refused(why) if since(started, session.now()) >= timeout => {
                return Err(CliError::Refused(why));
            }
            _ if since(started, session.now()) >= timeout => {
                return Err(CliError::Refused(format!(
                    "the controller did not act on the resume of RollbackRequest {namespace}/{req_name} within {}s (is rollpin controller running?); spec.resume stays true, so it will when it runs",
                    timeout.as_secs()
                )));
            }
            _ => {}
        }
        tokio::time::sleep(session.poll).await;
        current = match api::get(&session.client, REQUEST, &namespace, &req_name).await {
            Ok(Some(v)) => serde_json::from_value(v).map_err(|e| {
                CliError::Refused(format!(
                    "RollbackRequest {namespace}/{req_name} does not read as one: {e}"
                ))
            })?,
            Ok(None) => {
                return Err(CliError::NotFound(format!(
                    "RollbackRequest {namespace}/{req_name}"
                )));
            }
            Err(e) => return Err(CliError::api("reading", REQUEST, &namespace, &req_name, e)),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::audit::set_condition;
    use crate::controller::fixtures::{request, to_a, ts};
    use crate::controller::sync_policy::{ENABLED_FALSE, save};
    use crate::release::{RollbackRequestStatus, SavedSyncPolicy};

    fn paused() -> SavedSyncPolicy {
        save(&json!({"spec": {"syncPolicy": {"automated": {"prune": true}}}}))
    }

    fn done(
        name: &str,
        created: i64,
        phase: RollbackPhase,
        saved: Option<SavedSyncPolicy>,
    ) -> RollbackRequest {
        let mut r = request(name, to_a(), created);
        r.status = Some(RollbackRequestStatus {
            phase: Some(phase),
            saved_sync_policy: saved,
            ..Default::default()
        });
        r
    }

    #[test]
    fn picks_the_newest_finished_request_whose_pause_is_not_restored() {
        assert_eq!(paused().method, ENABLED_FALSE);
        let mut restored = paused();
        restored.restored = true;
        let mut manual = paused();
        manual.method = NOT_AUTOMATED.into();
        let mut other_app = done("other", 500, RollbackPhase::Succeeded, Some(paused()));
        other_app.spec.app = "cart".into();
        let requests = vec![
            done("old", 100, RollbackPhase::Succeeded, Some(paused())),
            done("failed", 200, RollbackPhase::Failed, Some(paused())),
            done("restored", 300, RollbackPhase::Succeeded, Some(restored)),
            done("manual", 400, RollbackPhase::Succeeded, Some(manual)),
            other_app,
        ];
        match pick("shop", &requests) {
            Pick::Resume(r) => assert_eq!(r.metadata.name.as_deref(), Some("failed")),
            other => panic!("{other:?}"),
        }
        assert_eq!(pick("shop", &requests[2..4]), Pick::Nothing);
        assert_eq!(pick("shop", &[]), Pick::Nothing);
        let running = done("running", 50, RollbackPhase::Verifying, None);
        let mut with_running = requests.clone();
        with_running.push(running);
        assert!(
            matches!(pick("shop", &with_running), Pick::InProgress(r) if r.metadata.name.as_deref() == Some("running"))
        );
    }

    #[test]
    fn reads_the_controllers_answer() {
        let mut r = done("back", 100, RollbackPhase::Succeeded, Some(paused()));
        assert_eq!(state(&r), ResumeState::Waiting);
        let status = r.status.as_mut().unwrap();
        set_condition(
            &mut status.conditions,
            "SyncPaused",
            true,
            "ResumeRefused",
            "changed since",
            ts(0),
        );
        assert_eq!(state(&r), ResumeState::Refused("changed since".into()));
        let status = r.status.as_mut().unwrap();
        set_condition(
            &mut status.conditions,
            "SyncPaused",
            false,
            "Resumed",
            "automated sync of shop restored to {}",
            ts(1),
        );
        status.saved_sync_policy.as_mut().unwrap().restored = true;
        assert_eq!(
            state(&r),
            ResumeState::Restored("automated sync of shop restored to {}".into())
        );
        let mut gone = done("back", 100, RollbackPhase::Succeeded, Some(paused()));
        gone.status.as_mut().unwrap().message =
            Some("cannot resume: Application shop not found".into());
        assert!(matches!(state(&gone), ResumeState::Refused(m) if m.contains("not found")));
    }
}
