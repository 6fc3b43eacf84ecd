//! Fuzz target: strategic merge of two arbitrary YAML documents (the first is the target).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rollpin::kustomize::patch::strategic_merge::merge;
use rollpin::yaml::{Schema, parse_stream};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(docs) = parse_stream(text, Schema::Kyaml) else {
        return;
    };
    if docs.len() < 2 {
        return;
    }
    let mut target = docs[0].value.clone();
    let _ = merge(&mut target, &docs[1].value, None);
});
