//! rollpin: exact, visible rollbacks for Argo CD.
//!
//! Render flow: app dir → [`kustomize`] (hermetic loading, generators, transformers,
//! name-reference fix-up, order) → [`yaml::writer`] → stdout. [`render`] is the entry point
//! the CLI and the tests share.
//!
//! Assess flow: live objects → [`health`] (Argo CD's checks for Kubernetes kinds, rollback
//! state for [`release`]'s resources, declarative rules, generic conditions) → one health
//! per object → the app's roll-up.

pub mod argocd;
pub mod cli;
pub mod controller;
pub mod health;
pub mod kustomize;
pub mod release;
pub mod render;
pub mod resource;
pub mod slo;
pub mod strconv;
pub mod version;
pub mod yaml;
