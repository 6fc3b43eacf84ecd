//! SLO-driven automatic rollback: a `RollbackPolicy` watches Prometheus metrics after each
//! successful sync of an Argo CD Application and files a `RollbackRequest` to the last
//! verified release when they break (DESIGN.md, "decide").
//!
//! Flow: policy ──[`validate`]──▶ timings ──[`decide::decide`]──▶ due measurements ──
//! [`provider::measure`] ([`prometheus::Prometheus`] behind [`provider::MetricProvider`],
//! values judged by CEL [`expr`] conditions) ──▶ [`decide::record_measurement`] ──▶
//! [`decide::decide`] again ──▶ verdict ([`analysis`], Argo Rollouts' rules) ──▶ the
//! RollbackRequest to create ([`request`]), status, Events and log lines ([`audit`]).
//!
//! # Wiring into the controller
//!
//! Everything here is synchronous; the only I/O is the provider's HTTP GET
//! ([`http`], std `TcpStream`), so run [`reconcile::reconcile`] inside
//! `tokio::task::spawn_blocking`. Per reconcile of a policy:
//!
//! 1. read the Application (JSON) → [`observed::AppSync::from_application`]; the app's
//!    RollbackManifests → [`observed::Record::from_manifest`]; RollbackRequests labelled
//!    `rollpin.dev/policy=<name>` → [`observed::PolicyRequest::from_value`]; the Secrets
//!    named by `headersFrom` → [`prometheus::SecretHeaders`] (key → header);
//! 2. `let provider = Prometheus::restricted(allow_list.clone(), secrets);`
//!    `let d = reconcile(&Observed { policy, app, records, requests, allow: Some(&allow) },
//!    &provider, &clock);` — or, without I/O, [`decide::decide`] then
//!    [`provider::measure`] + [`decide::record_measurement`] for each [`decide::Due`];
//! 3. act on the [`decide::Decision`]: create `d.create` (a RollbackRequest as JSON;
//!    AlreadyExists counts only when it is this policy's request for this release), then
//!    patch `d.status` into the status subresource,
//!    publish `d.events`, print `d.log` (one JSON line each), requeue after
//!    `d.requeue_after` (and on any change of the Application, its records and requests).
//!
//! The allow-list comes from the controller's repeated `--prometheus-allow URL` flags
//! ([`allow::AllowList::from_urls`]). `rollpin slo check` ([`check`]) runs the same code over a window
//! ending at a given time, without a list.

pub mod allow;
pub mod analysis;
pub mod audit;
pub mod check;
pub mod decide;
pub mod duration;
pub mod expr;
pub mod http;
pub mod observed;
pub mod prometheus;
pub mod provider;
pub mod reconcile;
pub mod request;
mod types;
pub mod validate;

pub use types::*;
