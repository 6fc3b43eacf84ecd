//! Kustomization field names. Go's `encoding/json` matches struct fields
//! case-insensitively (`nameprefix` sets `namePrefix`), and kustomize decodes kustomization
//! files with it. This module renames keys to their canonical spelling before strict
//! decoding, so rollpin accepts exactly what kustomize accepts, and suggests the field a
//! misspelt name was meant to be.

use serde_json::{Map, Value};

const TOP: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "imageTags",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generatorOptions",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
];
/// The fields of a `patches` entry.
pub(crate) const PATCH: &[&str] = &["path", "patch", "target", "options"];
/// The fields of a selector (a patch's `target`, a replacement's `select`/`reject`).
pub(crate) const SELECTOR: &[&str] = &[
    "group",
    "version",
    "kind",
    "name",
    "namespace",
    "labelSelector",
    "annotationSelector",
];
const LABEL: &[&str] = &["pairs", "includeSelectors", "includeTemplates", "fields"];
const FIELD_SPEC: &[&str] = &["group", "version", "kind", "path", "create"];
const IMAGE: &[&str] = &["name", "newName", "newTag", "digest", "tagSuffix"];
const REPLICA: &[&str] = &["name", "count"];
const GENERATOR: &[&str] = &[
    "namespace",
    "name",
    "behavior",
    "literals",
    "files",
    "envs",
    "env",
    "options",
    "type",
];
const OPTIONS: &[&str] = &[
    "labels",
    "annotations",
    "disableNameSuffixHash",
    "immutable",
];
const SORT: &[&str] = &["order", "legacySortOptions"];
const LEGACY_SORT: &[&str] = &["orderFirst", "orderLast"];

fn rename(map: &mut Map<String, Value>, fields: &[&str]) {
    let keys: Vec<String> = map.keys().cloned().collect();
    for k in keys {
        if fields.contains(&k.as_str()) {
            continue;
        }
        if let Some(canon) = fields.iter().find(|f| f.eq_ignore_ascii_case(&k))
            && !map.contains_key(*canon)
            && let Some(v) = map.remove(&k)
        {
            map.insert((*canon).to_string(), v);
        }
    }
}

fn each_item(v: Option<&mut Value>, f: impl Fn(&mut Map<String, Value>)) {
    if let Some(Value::Array(items)) = v {
        for item in items {
            if let Value::Object(m) = item {
                f(m);
            }
        }
    }
}

fn object(v: Option<&mut Value>, f: impl Fn(&mut Map<String, Value>)) {
    if let Some(Value::Object(m)) = v {
        f(m);
    }
}

fn generator(m: &mut Map<String, Value>) {
    rename(m, GENERATOR);
    object(m.get_mut("options"), |o| rename(o, OPTIONS));
}

/// Renames the keys of a decoded kustomization to the spelling kustomize's struct uses.
pub fn canonicalize(v: &mut Value) {
    let Value::Object(top) = v else {
        return;
    };
    rename(top, TOP);
    each_item(top.get_mut("labels"), |l| {
        rename(l, LABEL);
        each_item(l.get_mut("fields"), |f| rename(f, FIELD_SPEC));
    });
    for field in ["patches", "patchesJson6902"] {
        each_item(top.get_mut(field), |p| {
            rename(p, PATCH);
            object(p.get_mut("target"), |t| rename(t, SELECTOR));
        });
    }
    each_item(top.get_mut("images"), |i| rename(i, IMAGE));
    each_item(top.get_mut("imageTags"), |i| rename(i, IMAGE));
    each_item(top.get_mut("replicas"), |r| rename(r, REPLICA));
    each_item(top.get_mut("configMapGenerator"), generator);
    each_item(top.get_mut("secretGenerator"), generator);
    object(top.get_mut("generatorOptions"), |o| rename(o, OPTIONS));
    object(top.get_mut("sortOptions"), |s| {
        rename(s, SORT);
        object(s.get_mut("legacySortOptions"), |l| rename(l, LEGACY_SORT));
    });
}

/// The known field closest to a misspelt `name` (case-insensitive edit distance at most
/// 2, or a transposition), if there is one.
pub(crate) fn did_you_mean<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&lower, &k.to_ascii_lowercase()), k))
        .filter(|(d, k)| *d <= 2.min(k.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

/// Optimal string alignment distance (Levenshtein with adjacent transpositions).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_match_case_insensitively() {
        let mut v = json!({"nameprefix": "p-", "CONFIGMAPGENERATOR": [{"NAME": "x"}], "weird": 1});
        canonicalize(&mut v);
        assert_eq!(
            v,
            json!({"namePrefix": "p-", "configMapGenerator": [{"name": "x"}], "weird": 1})
        );
    }

    #[test]
    fn misspelt_fields_get_a_suggestion() {
        let known: Vec<String> = ["patches", "resources", "namePrefix", "name"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(did_you_mean("pathces", &known), Some("patches"));
        assert_eq!(did_you_mean("resouces", &known), Some("resources"));
        assert_eq!(did_you_mean("NAMEPREFX", &known), Some("namePrefix"));
        assert_eq!(did_you_mean("xyzzy", &known), None);
        assert_eq!(did_you_mean("nm", &known), None);
    }
}
