//! The renderer: builds a kustomization directory into resources with output identical to
//! `kustomize build` v5.5. One file per kustomize concept; [`build`] drives them in
//! kustomize's order.

pub mod build;
pub mod builtin_plugins;
pub mod cluster_scope;
pub mod configurations;
pub mod crds;
pub mod error;
pub mod field_names;
pub mod field_path;
pub mod field_spec;
pub mod fs;
pub mod generators;
pub mod hash;
pub mod images;
pub mod kustomization;
pub mod kv;
pub mod labels;
pub mod loader;
pub mod name_reference;
pub mod namespace;
pub mod openapi;
pub mod order;
pub mod patch;
pub mod patches;
pub mod prefetch;
pub mod prefix_suffix;
pub mod replacements;
pub mod replicas;
pub mod selector;
pub mod vars;

pub use build::{Options, Output, build};
pub use error::Error;
