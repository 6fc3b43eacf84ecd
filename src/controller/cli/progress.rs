//! The live view of `rollpin rollback --wait`, rendered from a RollbackRequest as it is
//! read: the phase with its message and the elapsed time, one line per workload with a
//! progress bar (updated, ready, and on the pinned digests, each out of the desired
//! replicas), and how it ended. Pure: [`crate::controller::cli::follow`] feeds it the
//! request and writes what it returns — a redraw in place on a terminal, one line per
//! change elsewhere (no ANSI codes).

use std::time::Duration;

use crate::release::{RollbackPhase, RollbackRequest, WorkloadProgress};

use super::{EXIT_FAILED, EXIT_OK};

/// Width of a progress bar, in characters.
const BAR: usize = 20;
/// How long a request may go without any status before the view asks whether the
/// controller runs.
const STALLED: Duration = Duration::from_secs(10);
/// Longest message a terminal frame shows (a wrapped line would break the redraw).
const MAX_MESSAGE: usize = 110;

/// What the view shows of one read of the request, without the elapsed time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    /// `Verifying: waiting for …`.
    pub phase: String,
    /// One line per workload.
    pub workloads: Vec<String>,
}

/// How a rollback ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The live state matches the target release.
    Succeeded(String),
    /// The rollback stopped; the reason (status.message).
    Failed(String),
}

impl Outcome {
    /// The process exit code: 0 Succeeded, 3 Failed.
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Succeeded(_) => EXIT_OK,
            Outcome::Failed(_) => EXIT_FAILED,
        }
    }
}

/// How the request ended, or None while it runs.
pub fn outcome(req: &RollbackRequest) -> Option<Outcome> {
    let status = req.status.as_ref()?;
    let message = status.message.clone().unwrap_or_default();
    match status.phase? {
        RollbackPhase::Succeeded => Some(Outcome::Succeeded(message)),
        RollbackPhase::Failed => Some(Outcome::Failed(if message.is_empty() {
            "the controller gave no reason".into()
        } else {
            message
        })),
        _ => None,
    }
}

/// `12s`, `1m05s`, `1h02m`.
pub fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// `[#########-----------]`: the share of replicas updated, ready and on the pinned
/// digests (each counted out of the desired replicas); full when there is nothing to run.
pub fn bar(w: &WorkloadProgress) -> String {
    let done = if w.replicas <= 0 {
        BAR
    } else {
        let clamp = |n: i64| n.clamp(0, w.replicas) as usize;
        let sum = clamp(w.updated) + clamp(w.ready) + clamp(w.pods_on_target);
        sum * BAR / (3 * w.replicas as usize)
    };
    format!("[{}{}]", "#".repeat(done), "-".repeat(BAR - done))
}

/// One workload's line.
pub fn workload_line(w: &WorkloadProgress) -> String {
    let r = w.replicas.max(0);
    let mut line = format!(
        "{} {}  {}  updated {}/{r}  ready {}/{r}  pinned {}/{r}",
        w.kind,
        w.name,
        bar(w),
        w.updated,
        w.ready,
        w.pods_on_target
    );
    if !w.state.is_empty() {
        line.push_str("  ");
        line.push_str(&w.state);
    }
    line
}

/// The frame of one read of the request, `elapsed_time` after it was created.
pub fn frame(req: &RollbackRequest, elapsed_time: Duration) -> Frame {
    let Some(status) = req.status.as_ref() else {
        let hint = if elapsed_time >= STALLED {
            " (is rollpin controller running?)"
        } else {
            ""
        };
        return Frame {
            phase: format!("Pending: not picked up by the controller yet{hint}"),
            workloads: Vec::new(),
        };
    };
    let phase = format!("{:?}", status.phase.unwrap_or_default());
    Frame {
        phase: match status.message.as_deref().filter(|m| !m.is_empty()) {
            Some(m) => format!("{phase}: {m}"),
            None => phase,
        },
        workloads: status.workloads.iter().map(workload_line).collect(),
    }
}

fn shorten(line: &str) -> String {
    if line.chars().count() <= MAX_MESSAGE {
        return line.to_string();
    }
    let mut s: String = line.chars().take(MAX_MESSAGE - 1).collect();
    s.push('…');
    s
}

/// The text that replaces the previous terminal frame (`previous_height` lines, 0 for
/// the first) with `frame`; returns it and the new frame's height. A long phase line is
/// cut (a wrapped line would break the next redraw) unless the frame is the `last`.
pub fn redraw(
    frame: &Frame,
    elapsed_time: Duration,
    previous_height: usize,
    last: bool,
) -> (String, usize) {
    let mut out = String::new();
    if previous_height > 0 {
        // Cursor up to the frame's first line, then clear to the end of the screen.
        out.push_str(&format!("\x1b[{previous_height}A\r\x1b[J"));
    }
    let phase = format!("{}  {}", elapsed(elapsed_time), frame.phase);
    let mut lines = vec![if last { phase } else { shorten(&phase) }];
    lines.extend(frame.workloads.iter().map(|w| format!("  {w}")));
    for l in &lines {
        out.push_str(l);
        out.push('\n');
    }
    (out, lines.len())
}

/// The lines that changed since `previous` (every line of the first frame), each
/// prefixed with the elapsed time: the output when the view is not a terminal.
pub fn changes(previous: Option<&Frame>, frame: &Frame, elapsed_time: Duration) -> String {
    let t = format!("{:>6}", elapsed(elapsed_time));
    let mut out = String::new();
    if previous.map(|p| &p.phase) != Some(&frame.phase) {
        out.push_str(&format!("{t}  {}\n", frame.phase));
    }
    for (i, w) in frame.workloads.iter().enumerate() {
        if previous.and_then(|p| p.workloads.get(i)) != Some(w) {
            out.push_str(&format!("{t}    {w}\n"));
        }
    }
    out
}

/// The last line: how it ended and how long it took (`target`: `release shop-aaaaaaa`).
pub fn summary(app: &str, target: &str, outcome: &Outcome, elapsed_time: Duration) -> String {
    match outcome {
        Outcome::Succeeded(_) => format!(
            "rolled {app} back to {target} in {}\n",
            elapsed(elapsed_time)
        ),
        Outcome::Failed(reason) => format!(
            "rollback of {app} to {target} failed after {}: {reason}\n",
            elapsed(elapsed_time)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::RollbackRequestStatus;

    fn web(replicas: i64, updated: i64, ready: i64, pinned: i64, state: &str) -> WorkloadProgress {
        WorkloadProgress {
            kind: "Deployment".into(),
            name: "web".into(),
            namespace: "shop".into(),
            replicas,
            updated,
            ready,
            pods_on_target: pinned,
            pods: replicas,
            state: state.into(),
            ..Default::default()
        }
    }

    fn req(
        phase: RollbackPhase,
        message: &str,
        workloads: Vec<WorkloadProgress>,
    ) -> RollbackRequest {
        let mut r = RollbackRequest::new("back", Default::default());
        r.status = Some(RollbackRequestStatus {
            phase: Some(phase),
            message: (!message.is_empty()).then(|| message.to_string()),
            workloads,
            ..Default::default()
        });
        r
    }

    #[test]
    fn a_request_without_status_for_long_asks_about_the_controller() {
        let fresh = RollbackRequest::new("back", Default::default());
        assert_eq!(
            frame(&fresh, Duration::from_secs(9)).phase,
            "Pending: not picked up by the controller yet"
        );
        assert_eq!(
            frame(&fresh, Duration::from_secs(10)).phase,
            "Pending: not picked up by the controller yet (is rollpin controller running?)"
        );
    }

    #[test]
    fn bars_count_updated_ready_and_pinned_out_of_the_replicas() {
        assert_eq!(bar(&web(2, 0, 0, 0, "")), format!("[{}]", "-".repeat(20)));
        assert_eq!(
            bar(&web(2, 1, 2, 0, "")),
            format!("[{}{}]", "#".repeat(10), "-".repeat(10))
        );
        assert_eq!(bar(&web(2, 2, 2, 2, "")), format!("[{}]", "#".repeat(20)));
        // More pods than desired (a surge) does not overflow the bar.
        assert_eq!(bar(&web(2, 3, 3, 3, "")), format!("[{}]", "#".repeat(20)));
        assert_eq!(bar(&web(0, 0, 0, 0, "")), format!("[{}]", "#".repeat(20)));
        assert_eq!(
            workload_line(&web(2, 1, 1, 1, "Patched")),
            "Deployment web  [##########----------]  updated 1/2  ready 1/2  pinned 1/2  Patched"
        );
    }

    #[test]
    fn elapsed_reads_like_a_clock() {
        assert_eq!(elapsed(Duration::from_secs(0)), "0s");
        assert_eq!(elapsed(Duration::from_secs(65)), "1m05s");
        assert_eq!(elapsed(Duration::from_secs(3720)), "1h02m");
    }

    #[test]
    fn outcomes_and_exit_codes() {
        assert_eq!(outcome(&req(RollbackPhase::Verifying, "", vec![])), None);
        assert_eq!(
            outcome(&RollbackRequest::new("x", Default::default())),
            None
        );
        let ok = outcome(&req(RollbackPhase::Succeeded, "done", vec![])).unwrap();
        assert_eq!(ok.exit_code(), 0);
        let failed = outcome(&req(RollbackPhase::Failed, "", vec![])).unwrap();
        assert_eq!(
            failed,
            Outcome::Failed("the controller gave no reason".into())
        );
        assert_eq!(failed.exit_code(), 3);
    }

    #[test]
    fn a_terminal_frame_is_redrawn_in_place() {
        let f = frame(
            &req(
                RollbackPhase::Verifying,
                "waiting",
                vec![web(2, 1, 1, 1, "Patched")],
            ),
            Duration::ZERO,
        );
        let (first, h) = redraw(&f, Duration::from_secs(3), 0, false);
        assert_eq!(h, 2);
        assert!(!first.contains('\x1b'), "{first:?}");
        let (second, _) = redraw(&f, Duration::from_secs(4), h, false);
        assert!(
            second.starts_with("\x1b[2A\r\x1b[J4s  Verifying: waiting\n"),
            "{second:?}"
        );
        let long = frame(
            &req(RollbackPhase::Verifying, &"x".repeat(300), vec![]),
            Duration::ZERO,
        );
        let (text, _) = redraw(&long, Duration::ZERO, 0, false);
        assert_eq!(text.trim_end().chars().count(), MAX_MESSAGE);
        let (last, _) = redraw(&long, Duration::ZERO, 0, true);
        assert!(
            last.trim_end().ends_with(&"x".repeat(300)),
            "the last frame stays whole"
        );
    }

    #[test]
    fn plain_output_prints_only_what_changed() {
        let a = frame(
            &req(
                RollbackPhase::Verifying,
                "waiting",
                vec![web(2, 1, 1, 1, "Patched")],
            ),
            Duration::ZERO,
        );
        let b = frame(
            &req(
                RollbackPhase::Verifying,
                "waiting",
                vec![web(2, 2, 2, 2, "Patched")],
            ),
            Duration::ZERO,
        );
        assert_eq!(
            changes(None, &a, Duration::from_secs(1)),
            "    1s  Verifying: waiting\n    1s    Deployment web  [##########----------]  updated 1/2  ready 1/2  pinned 1/2  Patched\n"
        );
        assert_eq!(changes(Some(&a), &a, Duration::from_secs(2)), "");
        let c = changes(Some(&a), &b, Duration::from_secs(3));
        assert_eq!(c.lines().count(), 1, "{c}");
        assert!(c.contains("updated 2/2"), "{c}");
    }
}
