//! Parsing ahead: before the (sequential) build, find every resource file the
//! kustomization tree lists and parse them on two threads. The build then takes each
//! file's objects from here instead of parsing it itself; anything this pass skips or gets
//! wrong is simply parsed again by the build, which also reports every error, so the
//! output and the messages are the same with or without it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::kustomize::build::read_resources;
use crate::kustomize::error::Result;
use crate::kustomize::kustomization::Kustomization;
use crate::kustomize::loader::{Entry, Loader};
use crate::resource::Resource;

/// A file's resources and the YAML nodes it produced.
pub(crate) type Parsed = (Vec<Resource>, usize);

/// Trees whose resource files are smaller than this in total are parsed by the build alone.
const MIN_BYTES: u64 = 128 * 1024;

struct File {
    path: PathBuf,
    referrer: String,
    size: u64,
}

fn collect(
    ldr: &Loader,
    kpath: &Path,
    k: &Kustomization,
    files: &mut Vec<File>,
    visited: &mut usize,
) {
    *visited += 1;
    // The build itself enforces the limit (and reports it).
    if *visited > ldr.limits.max_kustomizations {
        return;
    }
    let referrer = kpath.display().to_string();
    let entries = k
        .all_resources()
        .into_iter()
        .chain(k.components.iter().flatten().cloned());
    for entry in entries {
        match ldr.resolve_entry(&entry, &referrer) {
            Ok(Entry::File(path)) => {
                let size = ldr.fs().size(&path).unwrap_or(0);
                files.push(File {
                    path,
                    referrer: referrer.clone(),
                    size,
                });
            }
            Ok(Entry::Dir(dir)) => {
                let child = ldr.child(dir);
                let Ok((ckpath, text)) = child.kustomization_file() else {
                    continue;
                };
                if let Ok(ck) = Kustomization::parse_with_limits(&ckpath, &text, ldr.limits.yaml())
                {
                    collect(&child, &ckpath, &ck, files, visited);
                }
            }
            Err(_) => {}
        }
    }
}

/// Parses the tree's resource files on two threads when they are large enough to gain.
pub fn parse_tree_files(
    ldr: &Loader,
    kpath: &Path,
    k: &Kustomization,
) -> HashMap<PathBuf, Result<Parsed>> {
    let mut files = Vec::new();
    collect(ldr, kpath, k, &mut files, &mut 0);
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(f.path.clone()));
    let total: u64 = files.iter().map(|f| f.size).sum();
    // Past the byte budget the build reads sequentially, so that the file named in the
    // `--max-total-bytes` error does not depend on thread timing.
    if files.len() < 2 || total < MIN_BYTES || total > ldr.bytes_left() {
        return HashMap::new();
    }
    // Alternate files between the two threads, largest first, to balance the bytes.
    files.sort_by_key(|f| std::cmp::Reverse(f.size));
    let (mut a, mut b, mut bytes_a, mut bytes_b) = (Vec::new(), Vec::new(), 0, 0);
    for f in &files {
        if bytes_a <= bytes_b {
            bytes_a += f.size;
            a.push(f);
        } else {
            bytes_b += f.size;
            b.push(f);
        }
    }
    // Past `--max-yaml-nodes` the threads stop; errors are left to the build, which
    // reports them in order.
    let parse = |part: &[&File]| -> Vec<(PathBuf, Result<Parsed>)> {
        let mut out = Vec::new();
        for f in part {
            if !ldr.prefetch_within_nodes() {
                break;
            }
            let Ok((resources, nodes)) = read_resources(ldr, &f.path, &f.referrer) else {
                continue;
            };
            if ldr.note_prefetched_nodes(nodes) {
                out.push((f.path.clone(), Ok((resources, nodes))));
            }
        }
        out
    };
    let (first, second) = std::thread::scope(|s| {
        let h = s.spawn(|| parse(&b));
        (parse(&a), h.join())
    });
    first
        .into_iter()
        .chain(second.unwrap_or_default())
        .collect()
}
