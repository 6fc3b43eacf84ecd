//! Argo CD integration: the environment a config-management plugin (CMP) sidecar gives
//! its commands, the plugin's parameters and their announcement (plugin.yaml's static
//! list), Argo CD's built-in kustomize options as parameters ([`kustomize_options`],
//! applied by [`kustomize_edit`]), and the argocd-cm health customizations (rules compiled
//! to Lua, [`lua`], assembled by [`cm`]).

pub mod cm;
pub mod env;
pub mod envsubst;
pub mod kustomize_edit;
pub mod kustomize_options;
pub mod lua;
pub mod parameters;

pub use env::{CmpEnv, EnvError};
pub use parameters::{Announcement, Parameter, ParameterValue};
