//! Patches: strategic merge (kyaml merge2, as kustomize's `patches` and
//! `patchesStrategicMerge` apply it) and JSON 6902 (evanphx/json-patch v4, as
//! `patchesJson6902` and JSON-array `patches` apply it). Both run in the transformer phase:
//! `patchesStrategicMerge` and `patches` before the namespace/prefix/label transformers,
//! `patchesJson6902` after the annotations.

pub mod json6902;
mod node_tree;
pub mod strategic_merge;
