//! Fuzz target: the release flow on any objects the YAML reader accepts — pins, the digest
//! policy, the record, reading them back as a record file, and verify's comparisons.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rollpin::release::record::{RecordInput, record, spec_for, write_record};
use rollpin::release::verify::{compare_live, compare_render, describe, find_record};
use rollpin::yaml::{Schema, parse_stream};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(docs) = parse_stream(text, Schema::Kyaml) else {
        return;
    };
    let objects: Vec<serde_json::Value> = docs.into_iter().map(|d| d.value).collect();
    let refs: Vec<&serde_json::Value> = objects.iter().collect();
    let _ = rollpin::release::policy::require_digests(refs.iter().copied());
    let input = RecordInput {
        app: "fuzz".into(),
        source: rollpin::release::SourcePin {
            revision: "0123456789abcdef".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let fresh = spec_for(&input, &refs, text);
    if let Ok(rec) = record(&input, &refs, text) {
        let _ = write_record(&rec);
    }
    // The same objects read as a record file (a hostile one, perhaps).
    if let Ok(rm) = find_record(&objects, std::path::Path::new("fuzz.yaml"), None) {
        for d in compare_render(&rm.spec, &fresh, false)
            .iter()
            .chain(compare_live(&rm.spec, &objects, false).iter())
        {
            let _ = describe(d);
        }
    }
});
