//! Argo CD integration: the environment a config-management plugin (CMP) sidecar gives
//! its commands, the plugin's parameters, and the announcement the `rollpin parameters`
//! command prints for the Argo CD UI, and the argocd-cm health customizations (rules
//! compiled to Lua, [`lua`], assembled by [`cm`]).

pub mod cm;
pub mod env;
pub mod lua;
pub mod parameters;

pub use env::{CmpEnv, EnvError};
pub use parameters::{Announcement, Parameter, ParameterValue};
