//! Determinism: (filled in by the determinism work).
