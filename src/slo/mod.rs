//! SLO-driven automatic rollback: a `RollbackPolicy` watches Prometheus metrics after each
//! successful sync of an Argo CD Application and files a `RollbackRequest` to the last
//! verified release when they break (DESIGN.md, "decide"). This module holds the custom
//! resource's types and the duration strings its fields use.

pub mod duration;
mod types;

pub use types::*;
