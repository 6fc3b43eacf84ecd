//! Argo CD integration: the environment a config-management plugin (CMP) sidecar gives
//! its commands, the plugin's parameters, and the announcement the `rollpin parameters`
//! command prints for the Argo CD UI.

pub mod env;
pub mod parameters;

pub use env::{CmpEnv, EnvError};
pub use parameters::{Announcement, Parameter, ParameterValue};
