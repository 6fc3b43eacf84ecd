//! rollpin's integration tests: one binary, one module per concern.

mod argocd_install;
mod cli;
mod cmp;
mod controller_cli;
mod corpus;
mod determinism;
mod discovery;
mod fixtures;
mod flags;
mod guard;
mod help;
mod hostile;
mod image;
mod install_variants;
mod kustomize_options;
mod licence;
mod path_safety;
mod properties;
mod release;
mod thesis;
mod util;
mod verify_report;
