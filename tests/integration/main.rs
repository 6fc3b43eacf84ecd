//! rollpin's integration tests: one binary, one module per concern.

mod cli;
mod corpus;
mod fixtures;
mod util;
