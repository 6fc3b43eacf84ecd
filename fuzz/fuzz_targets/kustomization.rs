//! Fuzz target: the kustomization parser, then a whole build in memory over one resource.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rollpin::kustomize::fs::MemFs;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut fs = MemFs::new();
    fs.write("/app/kustomization.yaml", text.as_bytes().to_vec());
    fs.write(
        "/app/cm.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n".to_vec(),
    );
    let _ = rollpin::render::render(
        &fs,
        std::path::Path::new("/app"),
        &rollpin::kustomize::Options::default(),
    );
});
