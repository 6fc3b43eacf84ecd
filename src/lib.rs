//! rollpin: exact, visible rollbacks for Argo CD.
//!
//! Render flow: app dir → [`kustomize`] (hermetic loading, generators, transformers,
//! name-reference fix-up, order) → [`yaml::writer`] → stdout. [`render`] is the entry point
//! the CLI and the tests share.

pub mod argocd;
pub mod cli;
pub mod health;
pub mod kustomize;
pub mod release;
pub mod render;
pub mod resource;
pub mod yaml;
