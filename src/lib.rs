//! rollpin: exact, visible rollbacks for Argo CD.
//!
//! Render flow: app dir → [`kustomize`] (hermetic loading, generators, transformers,
//! name-reference fix-up, order) → [`yaml::writer`] → stdout.

pub mod yaml;
