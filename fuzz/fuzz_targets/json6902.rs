//! Fuzz target: JSON 6902 operations (second document) applied to the first document.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rollpin::kustomize::patch::json6902::apply;
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
    let _ = apply(&mut target, &docs[1].value);
});
