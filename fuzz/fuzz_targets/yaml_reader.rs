//! Fuzz target: the YAML reader (both schemas) and, for what it accepts, the writer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rollpin::yaml::{Schema, parse_stream, write_document};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for schema in [Schema::Kyaml, Schema::Yaml11] {
        if let Ok(docs) = parse_stream(text, schema) {
            for d in docs {
                let mut out = String::new();
                write_document(&d.value, &mut out);
            }
        }
    }
});
