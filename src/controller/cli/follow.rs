//! Following a RollbackRequest live: read it every poll interval (one GET a second),
//! render it with [`super::progress`], and stop when it has Succeeded or Failed. A read
//! that fails is retried; [`MAX_FAILED_READS`] in a row end the command.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;

use super::progress::{self, Frame, Outcome};
use super::{CliError, Session, Streams};
use crate::controller::shell::api::{self, ApiError, REQUEST};
use crate::release::RollbackRequest;

/// Consecutive failed reads after which following gives up.
pub const MAX_FAILED_READS: u32 = 3;

/// Time since `started`, never negative.
pub fn since(started: Timestamp, now: Timestamp) -> Duration {
    let ms = now.as_millisecond() - started.as_millisecond();
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// Reads the request until it ends, showing each read on `streams.progress`; returns the
/// last read, how it ended and how long it took since `started`.
pub async fn follow(
    session: &Session,
    namespace: &str,
    name: &str,
    started: Timestamp,
    streams: &mut Streams<'_>,
) -> Result<(RollbackRequest, Outcome, Duration), CliError> {
    let mut shown: Option<Frame> = None;
    let mut height = 0;
    let mut failed_reads = 0;
    loop {
        let read = api::get(&session.client, REQUEST, namespace, name).await;
        let req: RollbackRequest = match read {
            Ok(Some(v)) => serde_json::from_value(v).map_err(|e| {
                CliError::Refused(format!(
                    "RollbackRequest {namespace}/{name} does not read as one: {e}"
                ))
            })?,
            Ok(None) => {
                return Err(CliError::Refused(format!(
                    "RollbackRequest {namespace}/{name} was deleted while it was being followed"
                )));
            }
            Err(e) => {
                failed_reads += 1;
                if failed_reads >= MAX_FAILED_READS || !transient(&e) {
                    return Err(CliError::api("reading", REQUEST, namespace, name, e));
                }
                tokio::time::sleep(session.poll).await;
                continue;
            }
        };
        failed_reads = 0;
        let elapsed = since(started, session.now());
        let frame = progress::frame(&req, elapsed);
        let outcome = progress::outcome(&req);
        if streams.terminal {
            let (text, h) = progress::redraw(&frame, elapsed, height, outcome.is_some());
            height = h;
            streams.progress.write_all(text.as_bytes())?;
        } else {
            let text = progress::changes(shown.as_ref(), &frame, elapsed);
            streams.progress.write_all(text.as_bytes())?;
        }
        streams.progress.flush()?;
        shown = Some(frame);
        if let Some(outcome) = outcome {
            return Ok((req, outcome, elapsed));
        }
        tokio::time::sleep(session.poll).await;
    }
}

/// Whether a failed read is worth retrying: no answer, a conflict, throttling or a
/// server-side error; never a refusal (401, 403) or a bad request.
fn transient(e: &ApiError) -> bool {
    matches!(e.code, 0 | 409 | 429 | 500..=599)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::fixtures::ts;

    #[test]
    fn elapsed_time_is_never_negative() {
        assert_eq!(since(ts(10), ts(12)), Duration::from_secs(2));
        assert_eq!(since(ts(12), ts(10)), Duration::ZERO);
    }

    #[test]
    fn only_passing_failures_are_retried() {
        let e = |code| ApiError {
            code,
            message: String::new(),
        };
        for code in [0, 409, 429, 500, 503] {
            assert!(transient(&e(code)), "{code}");
        }
        for code in [400, 401, 403, 404] {
            assert!(!transient(&e(code)), "{code}");
        }
    }
}
