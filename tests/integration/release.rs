//! `rollpin render --release-record|--require-digests`, `rollpin verify` and `rollpin crds`
//! through the binary.
