//! Fuzz target: the health assessor on any object the YAML reader accepts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rollpin::health::{Assessor, Timestamp};
use rollpin::yaml::{Schema, parse_stream};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(docs) = parse_stream(text, Schema::Kyaml) else {
        return;
    };
    let assessor = Assessor::new(Default::default(), Timestamp::UNIX_EPOCH);
    for d in docs {
        let _ = assessor.assess(&d.value);
    }
});
