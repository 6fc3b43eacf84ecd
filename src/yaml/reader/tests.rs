//! Tests of the parent module, from cases recorded with kubectl kustomize.
use super::*;
use serde_json::json;

use Schema::{Kyaml as K, Yaml11 as V2};

/// `v: <text>` in a resource → the value kustomize 5.5.0 (`kubectl kustomize`) gives it.
/// Floats stay floats (`1.0`); the writer prints them as Go does (`1`).
const KYAML_SCALARS: &[(&str, &str)] = &[
    ("1", "1"),
    ("-1", "-1"),
    ("+12", "12"),
    ("0755", "493"),
    ("0o755", "493"),
    ("0O755", "493"),
    ("0x1F", "31"),
    ("0X1f", "31"),
    ("-0x1F", "-31"),
    ("0b101", "5"),
    ("-0b101", "-5"),
    ("1_000", "1000"),
    ("1__0", "10"),
    ("1_", "1"),
    ("_1", r#""_1""#),
    ("0_755", "493"),
    ("08", "8.0"),
    ("09.5", "9.5"),
    ("0x", r#""0x""#),
    ("00", "0"),
    ("-0", "0"),
    ("1.0", "1.0"),
    ("1.50", "1.5"),
    ("1e3", "1000.0"),
    ("1E+3", "1000.0"),
    ("1e-7", "1e-7"),
    ("1.", "1.0"),
    (".5", "0.5"),
    (".5e3", "500.0"),
    (".5_0", "0.5"),
    ("1_0.5", "10.5"),
    ("._5", r#""._5""#),
    (".e3", r#"".e3""#),
    ("+.5", "0.5"),
    ("-.5", "-0.5"),
    ("12345678901234567890", "12345678901234567890"),
    ("18446744073709551616", "1.8446744073709552e19"),
    ("-9223372036854775808", "-9223372036854775808"),
    ("-9223372036854775809", "-9.223372036854776e18"),
    ("0xFFFFFFFFFFFFFFFF", "18446744073709551615"),
    ("0x10000000000000000", r#""0x10000000000000000""#),
    ("1e400", r#""1e400""#),
    ("1e-400", "0.0"),
    ("0x1p3", r#""0x1p3""#),
    ("12:30", r#""12:30""#),
    ("inf", r#""inf""#),
    (".Nan", r#"".Nan""#),
    ("yes", r#""yes""#),
    ("No", r#""No""#),
    ("on", r#""on""#),
    ("off", r#""off""#),
    ("y", r#""y""#),
    ("N", r#""N""#),
    ("True", "true"),
    ("FALSE", "false"),
    ("tRue", r#""tRue""#),
    ("~", "null"),
    ("", "null"),
    ("Null", "null"),
    ("nULL", r#""nULL""#),
    ("\"\"", r#""""#),
    ("'true'", r#""true""#),
    ("\"1\"", r#""1""#),
    ("!!str 1", r#""1""#),
    ("!!int \"12\"", "12"),
    ("!!int '0x1F'", "31"),
    ("!!float 1", "1.0"),
    ("!!bool \"true\"", "true"),
    ("!!null \"null\"", "null"),
    ("!!binary aGVsbG8=", r#""hello""#),
    ("!!timestamp \"2020-01-01\"", r#""2020-01-01T00:00:00Z""#),
    ("!foo 123", r#""123""#),
    ("!!foo 12", r#""12""#),
    ("! 123", "123"),
    ("!<tag:yaml.org,2002:str> 12", r#""12""#),
    ("!<tag:yaml.org,2002:int> \"13\"", "13"),
    ("<<", r#""<<""#),
    ("2020-01-01", r#""2020-01-01T00:00:00Z""#),
    ("2020-1-1", r#""2020-01-01T00:00:00Z""#),
    ("2020-13-01", r#""2020-13-01""#),
    ("2019-02-29", r#""2019-02-29""#),
    ("2020-02-29", r#""2020-02-29T00:00:00Z""#),
    ("0000-01-01", r#""0000-01-01T00:00:00Z""#),
    (
        "2001-12-14t21:59:43.10-05:00",
        r#""2001-12-14T21:59:43.1-05:00""#,
    ),
    ("2001-12-14T21:59:43.000Z", r#""2001-12-14T21:59:43Z""#),
    ("2001-12-14T21:59:43,5Z", r#""2001-12-14T21:59:43.5Z""#),
    ("2001-12-14T21:59:43+00:00", r#""2001-12-14T21:59:43Z""#),
    (
        "2001-12-14T21:59:43+01:60",
        r#""2001-12-14T21:59:43+02:00""#,
    ),
    ("2001-12-14T21:59:43+0530", r#""2001-12-14T21:59:43+0530""#),
    ("2001-12-14T21:59:43", r#""2001-12-14T21:59:43""#),
    ("2001-12-14T24:00:00Z", r#""2001-12-14T24:00:00Z""#),
    ("2001-12-14 21:59:43.10", r#""2001-12-14T21:59:43.1Z""#),
    ("2001-12-14   1:2:3", r#""2001-12-14T01:02:03Z""#),
    ("2001-12-14 21:59:43Z", r#""2001-12-14 21:59:43Z""#),
    (
        "2001-12-14 21:59:43.10 -5",
        r#""2001-12-14 21:59:43.10 -5""#,
    ),
    ("\"2001-12-14\"", r#""2001-12-14""#),
];

/// `v: <text>` in a kustomization file (go-yaml v2 into `interface{}`).
const YAML11_SCALARS: &[(&str, &str)] = &[
    ("yes", "true"),
    ("Yes", "true"),
    ("ON", "true"),
    ("y", "true"),
    ("n", "false"),
    ("off", "false"),
    ("NO", "false"),
    ("\"yes\"", r#""yes""#),
    ("0755", "493"),
    ("0o17", "15"),
    ("0x10", "16"),
    ("1_0", "10"),
    ("+5", "5"),
    ("1e1", "10.0"),
    ("!!int \"9\"", "9"),
    ("2020-01-01", r#""2020-01-01""#),
    ("2001-12-14 21:59:43.10", r#""2001-12-14 21:59:43.10""#),
    ("!!binary aGk=", r#""hi""#),
    ("! 12", r#""12""#),
    ("~", "null"),
    ("tRue", r#""tRue""#),
];

fn one(text: &str, schema: Schema) -> Result<Value, YamlError> {
    let docs = parse_stream(text, schema)?;
    assert_eq!(docs.len(), 1, "{text:?}");
    Ok(docs.into_iter().next().map(|d| d.value).unwrap_or_default())
}

#[test]
fn kyaml_scalars() {
    for (src, want) in KYAML_SCALARS {
        let want: Value = serde_json::from_str(want).expect(want);
        let got = one(&format!("v: {src}\n"), K);
        assert_eq!(got, Ok(json!({ "v": want })), "v: {src}");
    }
}

#[test]
fn yaml11_scalars() {
    for (src, want) in YAML11_SCALARS {
        let want: Value = serde_json::from_str(want).expect(want);
        let got = one(&format!("v: {src}\n"), V2);
        assert_eq!(got, Ok(json!({ "v": want })), "v: {src}");
    }
}

/// What a whole input gives: every document's value, or an error on a line.
enum Want {
    Docs(&'static str),
    Err(usize, &'static str),
}
use Want::{Docs, Err as Fails};

const DOCUMENTS: &[(&str, Schema, &str, Want)] = &[
    (
        "root annotations keep their text; labels and nested annotations resolve",
        K,
        "metadata:\n  annotations:\n    a: 1.0\n    b: true\n    c: 2020-01-01\n    d: 0755\n    \
             e:\n    f: null\n    g: ~\n    h: .inf\n    i: !!binary aGk=\n    j: [1]\n    \
             k: {x: 1}\n    l: \"esc\\ttab\"\n  labels:\n    a: 1.0\n    b: 2020-01-01\n\
             spec:\n  template:\n    metadata:\n      annotations: {a: 1.0, c: 2020-01-01}\n",
        Docs(
            r#"[{"metadata": {"annotations": {"a": "1.0", "b": "true", "c": "2020-01-01",
                "d": "0755", "e": "", "f": "null", "g": "~", "h": ".inf", "i": "aGk=", "j": "",
                "k": "", "l": "esc\ttab"}, "labels": {"a": 1.0, "b": "2020-01-01T00:00:00Z"}},
                "spec": {"template": {"metadata": {"annotations": {"a": 1.0,
                "c": "2020-01-01T00:00:00Z"}}}}}]"#,
        ),
    ),
    (
        "annotations filled by a merge and aliases keep the anchored text",
        K,
        "spec:\n  v: &v 1.0\n  m: &m {p: 0x10, q: 2020-01-01}\nmetadata:\n  annotations:\n    \
             <<: *m\n    a: *v\n    b: *m\n    q: own\n",
        Docs(
            r#"[{"spec": {"v": 1.0, "m": {"p": 16, "q": "2020-01-01T00:00:00Z"}},
                "metadata": {"annotations": {"p": "0x10", "q": "own", "a": "1.0", "b": ""}}}]"#,
        ),
    ),
    (
        "metadata and annotations coming from a root merge",
        K,
        "base: &b\n  metadata:\n    annotations: {a: 1.0}\n<<: *b\nkind: K\n",
        Docs(
            r#"[{"base": {"metadata": {"annotations": {"a": 1.0}}}, "kind": "K",
                "metadata": {"annotations": {"a": "1.0"}}}]"#,
        ),
    ),
    (
        "duplicate annotation keys: the last wins",
        K,
        "metadata:\n  annotations:\n    a: 1\n    a: 2\n",
        Docs(r#"[{"metadata": {"annotations": {"a": "2"}}}]"#),
    ),
    (
        "annotations given as a list keep the items' text",
        K,
        "metadata:\n  annotations: [1.0, x]\n",
        Docs(r#"[{"metadata": {"annotations": ["1.0", "x"]}}]"#),
    ),
    (
        "an annotation key that reads as a number fails (kustomize writes keys back plain)",
        K,
        "metadata:\n  name: x\n  annotations:\n    \"12\": a\n",
        Fails(4, "json: unsupported type: map[interface {}]interface {}"),
    ),
    (
        "a quoted `<<` key is dropped, also among annotations",
        K,
        "metadata:\n  annotations:\n    \"<<\": a\n    b: c\nspec:\n  '<<': {a: 1}\n",
        Docs(r#"[{"metadata": {"annotations": {"b": "c"}}, "spec": {}}]"#),
    ),
    (
        "duplicate label key",
        K,
        "metadata:\n  name: x\n  labels:\n    a: 1\n    a: 2\n",
        Fails(5, r#"mapping key "a" already defined at line 4"#),
    ),
    (
        "duplicate root key",
        K,
        "apiVersion: v1\nkind: Thing\nmetadata:\n  name: x\nkind: Other\n",
        Fails(5, r#"mapping key "kind" already defined at line 2"#),
    ),
    (
        "quoted and plain spellings of a key are duplicates",
        K,
        "spec:\n  \"1\": 1\n  '1': 2\n",
        Fails(3, r#"mapping key "1" already defined at line 2"#),
    ),
    (
        "root keys are taken as text",
        K,
        "1: a\ntrue: b\n2020-01-01: e\n1.5: f\n\"q\": g\n!!binary aGk=: h\n0x1F: i\n",
        Docs(
            r#"[{"1": "a", "true": "b", "2020-01-01": "e", "1.5": "f", "q": "g", "hi": "h",
                "0x1F": "i"}]"#,
        ),
    ),
    ("a null root key fails", K, "a: 1\n~: c\n", Fails(2, "null")),
    (
        "nested int key",
        K,
        "spec:\n  1: a\n",
        Fails(2, "json: unsupported type: map[interface {}]interface {}"),
    ),
    (
        "nested key with a custom tag",
        K,
        "spec:\n  - {!foo a: a}\n",
        Fails(2, "not a string"),
    ),
    (
        "nested timestamp key",
        K,
        "spec:\n  2020-01-01: a\n",
        Fails(2, "not a string"),
    ),
    (
        "yes/on keys and !!str keys are strings",
        K,
        "spec:\n  yes: a\n  on: b\n  !!str 1: c\n  \"\": d\n",
        Docs(r#"[{"spec": {"yes": "a", "on": "b", "1": "c", "": "d"}}]"#),
    ),
    (
        "an explicit empty key is the empty string",
        K,
        "spec:\n  ? \n  : a\n",
        Docs(r#"[{"spec": {"": "a"}}]"#),
    ),
    (
        "complex key",
        K,
        "spec:\n  ? {a: 1}\n  : c\n",
        Fails(2, "invalid map key"),
    ),
    (
        "merge list: explicit keys win, then earlier maps",
        K,
        "a: &a {p: 1, q: 2}\nb: &b {q: 3, r: 4}\nspec:\n  <<: [*a, *b]\n  p: 0\n",
        Docs(
            r#"[{"a": {"p": 1, "q": 2}, "b": {"q": 3, "r": 4},
                "spec": {"p": 0, "q": 2, "r": 4}}]"#,
        ),
    ),
    (
        "an explicit key wins even when written before the merge",
        K,
        "a: &a {p: 1, q: 2}\nspec:\n  q: own\n  <<: *a\n",
        Docs(r#"[{"a": {"p": 1, "q": 2}, "spec": {"p": 1, "q": "own"}}]"#),
    ),
    (
        "merge of a map that merges",
        K,
        "a: &a {p: 1}\nb: &b {<<: *a, q: 2}\nspec:\n  <<: *b\n  r: 3\n",
        Docs(r#"[{"a": {"p": 1}, "b": {"p": 1, "q": 2}, "spec": {"p": 1, "q": 2, "r": 3}}]"#),
    ),
    (
        "merge of an inline map, empty list",
        K,
        "spec:\n  <<: {p: 1, q: 2}\n  q: own\nx:\n  <<: []\n  a: 1\n",
        Docs(r#"[{"spec": {"p": 1, "q": "own"}, "x": {"a": 1}}]"#),
    ),
    (
        "merge of a scalar",
        K,
        "spec:\n  <<: 5\n",
        Fails(2, "map merge requires map or sequence of maps as the value"),
    ),
    (
        "merge of null",
        K,
        "spec:\n  <<:\n  a: 1\n",
        Fails(2, "map merge requires map or sequence of maps as the value"),
    ),
    (
        "merge of an alias to a list",
        K,
        "a: &a [{k: 1}]\nspec:\n  <<: *a\n",
        Fails(3, "invalid map merge: received alias for a non-map value"),
    ),
    (
        "merge of a nested list",
        K,
        "spec:\n  <<: [[{a: 1}]]\n",
        Fails(2, "invalid map merge: received a nested sequence"),
    ),
    (
        "two merge keys",
        K,
        "spec:\n  <<: {a: 1}\n  <<: {b: 1}\n",
        Fails(3, "duplicate merge key"),
    ),
    (
        "aliases expand; an anchor may be redefined",
        K,
        "name: &n x\nlist: &l [a, *n]\nagain: *l\nc: &n 2\nd: *n\n",
        Docs(r#"[{"name": "x", "list": ["a", "x"], "again": ["a", "x"], "c": 2, "d": 2}]"#),
    ),
    (
        "an anchor used inside itself",
        K,
        "spec: &s\n  a: *s\n",
        Fails(2, "anchor 's' value contains itself"),
    ),
    (
        "unknown alias",
        K,
        "a: 1\nspec: *nope\n",
        Fails(2, "unknown anchor 'nope' referenced"),
    ),
    (
        "anchors do not cross documents",
        K,
        "a: &n x\n---\nb: *n\n",
        Fails(3, "unknown anchor 'n' referenced"),
    ),
    (
        "empty plain values in flow collections come back as empty strings",
        K,
        "spec: {f: , g: ~, h: [a: ]}\nblock:\n  e: &e\n  l: [*e, ~]\n",
        Docs(
            r#"[{"spec": {"f": "", "g": null, "h": [{"a": ""}]},
                "block": {"e": null, "l": ["", null]}}]"#,
        ),
    ),
    (
        "null forms in block context",
        K,
        "a:\nb: ~\nc: null\nd:\n  -\n  - ~\n",
        Docs(r#"[{"a": null, "b": null, "c": null, "d": [null, null]}]"#),
    ),
    (
        "documents: empty, null and comment-only ones are skipped",
        K,
        "a: 1\n---\n---\nb: 2\n--- # c\n# only a comment\n---\n~\n---\nnull\n---\nc: 3\n",
        Docs(r#"[{"a": 1}, {"b": 2}, {"c": 3}]"#),
    ),
    ("empty input", K, "", Docs("[]")),
    ("only a comment", K, "# nothing\n", Docs("[]")),
    ("only separators", K, "---\n---\n", Docs("[]")),
    (
        "text after `...` in the same piece is ignored",
        K,
        "a: 1\n...\n: : [ garbage\n",
        Docs(r#"[{"a": 1}]"#),
    ),
    (
        "a separator line with content is an error",
        K,
        "a: 1\n--- {b: 2}\n",
        Fails(
            2,
            "invalid document separator: only a comment may follow `---` on its line",
        ),
    ),
    (
        "four dashes are not a separator",
        K,
        "a: 1\n----\nb: 2\n",
        Fails(
            2,
            "invalid document separator: only a comment may follow `---` on its line",
        ),
    ),
    (
        "the first line may carry content after `---`",
        K,
        "--- {a: 1}\n---\nb: 2\n...\n",
        Docs(r#"[{"a": 1}, {"b": 2}]"#),
    ),
    (
        "scalar and list documents are returned as they are",
        K,
        "just text\n---\n- a: 1\n---\n!!str null\n",
        Docs(r#"["just text", [{"a": 1}], "null"]"#),
    ),
    (
        "JSON input",
        K,
        r#"{"kind": "K", "metadata": {"annotations": {"a": "1"}}, "spec": {"n": 1.5, "b": true, "z": null, "l": [1, "2", {"k": "v"}], "e": 1e3, "u": "\u00e9\n"}}"#,
        Docs(
            r#"[{"kind": "K", "metadata": {"annotations": {"a": "1"}},
                "spec": {"n": 1.5, "b": true, "z": null, "l": [1, "2", {"k": "v"}],
                "e": 1000.0, "u": "é\n"}}]"#,
        ),
    ),
    (
        "block scalars",
        K,
        "lit: |\n  line1\n    indented\n\nkeep: |+\n  a\n\nstrip: |-\n  b\nfold: >\n  folded\n  \
             text\n\n  para\nind: |2\n    two\nqs: 'it''s'\nmulti: plain\n  continued\n",
        Docs(
            r#"[{"lit": "line1\n  indented\n", "keep": "a\n\n", "strip": "b",
                "fold": "folded text\npara\n", "ind": "  two\n", "qs": "it's",
                "multi": "plain continued"}]"#,
        ),
    ),
    (
        "folded scalars come back as kyaml's writer leaves them",
        K,
        "keep: >+\n  para\n\nmore: >\n  a\n    b\nlead: >2\n   x\n  a\n\n  b\nplain: >-\n  one\n  \
             two\nlist:\n- >+\n  item\n\nmetadata:\n  annotations:\n    k: >+\n      para\n\n",
        Docs(
            r#"[{"keep": "para\n\n\n", "more": "a\n\n  b\n", "lead": " x\na b\n",
                "plain": "one two", "list": ["item\n\n\n"],
                "metadata": {"annotations": {"k": "para\n\n"}}}]"#,
        ),
    ),
    (
        "kustomization: folded scalars are read as written",
        V2,
        "keep: >+\n  para\n\n",
        Docs(r#"[{"keep": "para\n\n"}]"#),
    ),
    (
        "tags on collections and scalars",
        K,
        "kind: !Thing Thing\nmetadata: !!map {name: x}\nspec: !!seq [!!str 1, !!float 3, \
             !!null ~, !!timestamp 2020-01-01, !custom {a: 1}]\n",
        Docs(
            r#"[{"kind": "Thing", "metadata": {"name": "x"}, "spec": ["1", 3.0, null,
                "2020-01-01T00:00:00Z", {"a": 1}]}]"#,
        ),
    ),
    (
        "a !!binary block",
        K,
        "a: !!binary |\n  aGVsbG8g\n  d29ybGQ=\n",
        Docs(r#"[{"a": "hello world"}]"#),
    ),
    (
        "a tag that does not fit",
        K,
        "a: 1\nb: !!int abc\n",
        Fails(2, "cannot decode !!str value as a !!int"),
    ),
    (
        "bad base64",
        K,
        "a: !!binary \"not base64!\"\n",
        Fails(1, "!!binary value contains invalid base64 data"),
    ),
    (
        "+Inf",
        K,
        "a: 1\nspec:\n  a: .inf\n",
        Fails(3, "json: unsupported value: +Inf"),
    ),
    (
        "-Inf",
        K,
        "a: [-.Inf]\n",
        Fails(1, "json: unsupported value: -Inf"),
    ),
    (
        "NaN",
        K,
        "a: .NaN\n",
        Fails(1, "json: unsupported value: NaN"),
    ),
    (
        "a timestamp whose offset reaches 24 hours",
        K,
        "a: 2001-12-14T21:59:43+24:00\n",
        Fails(1, "timezone hour outside of range [0,23]"),
    ),
    (
        "bad indentation",
        K,
        "kind: Thing\nmetadata:\n  name: x\n bad: indent\n",
        Fails(4, "did not find expected key"),
    ),
    (
        "a character that cannot start a token",
        K,
        "a: 1\nb: @x\n",
        Fails(2, "found character that cannot start any token"),
    ),
    (
        "an unclosed quote",
        K,
        "a: 1\nb: \"x\n",
        Fails(2, "found unexpected end of stream"),
    ),
    (
        "mapping value in a plain scalar",
        K,
        "a: 1\nb: x: y\n",
        Fails(2, "mapping values are not allowed in this context"),
    ),
    (
        "an unclosed flow mapping",
        K,
        "a: {b: 1\n",
        Fails(2, "did not find expected ',' or '}'"),
    ),
    ("tab indentation", K, "a:\n\tb: 1\n", Fails(2, "tab")),
    (
        "a control character",
        K,
        "a: 1\nb: \"x\u{1}y\"\n",
        Fails(2, "control characters are not allowed"),
    ),
    (
        "errors after tab fix-ups keep their line",
        K,
        "a:\tvalue\nb:\t1\t\nc: [x, {d:\te}]\n- 0\n",
        Fails(4, ""),
    ),
    (
        "a tab after `:` (valid document)",
        K,
        "a:\tvalue\nb:\t1\t\nc: [x, {d:\te}]\ns: \"k:\tv\"\n",
        Docs(r#"[{"a": "value", "b": 1, "c": ["x", {"d": "e"}], "s": "k:\tv"}]"#),
    ),
    (
        "a comment right after a quoted scalar or a flow collection",
        K,
        "a: \"x\"#c\nb: 'y'#c\nc: [1]#c\nd: 1#c\n",
        Docs(r#"[{"a": "x", "b": "y", "c": [1], "d": "1#c"}]"#),
    ),
    (
        "CRLF line ends and a byte order mark",
        K,
        "\u{feff}a: 1\r\nb: |\r\n  x\r\n  y\r\n---\r\nc: 2\r\n",
        Docs(r#"[{"a": 1, "b": "x\ny\n"}, {"c": 2}]"#),
    ),
    (
        "kustomization: only the first document is read",
        V2,
        "namePrefix: p-\n---\nnamePrefix: [q-\n",
        Docs(r#"[{"namePrefix": "p-"}]"#),
    ),
    ("kustomization: empty", V2, "# empty\n", Docs("[]")),
    (
        "kustomization: duplicate keys, the last wins",
        V2,
        "a: p\na: q\n",
        Docs(r#"[{"a": "q"}]"#),
    ),
    (
        "kustomization: merge keys apply where they stand",
        V2,
        "m:\n  o: \"o\"\n  <<: {o: merged, m: merged}\n  z: \"z\"\n  <<: [{z: first}, {z: second}]\n  \
             k: own\n  <<: {k: late}\n",
        Docs(r#"[{"m": {"o": "merged", "m": "merged", "z": "first", "k": "late"}}]"#),
    ),
    (
        "kustomization: keys are stringified like sigs.k8s.io/yaml",
        V2,
        "k:\n  1: a\n  y: b\n  1.5: c\n  0x10: d\n  1e3: e\n  123456789.0: f\n  2020-01-01: g\n  \
             .inf: h\n  \"<<\": i\n",
        Docs(
            r#"[{"k": {"1": "a", "true": "b", "1.5": "c", "16": "d", "1000": "e",
                "1.2345679e+08": "f", "2020-01-01": "g", ".inf": "h", "<<": "i"}}]"#,
        ),
    ),
    (
        "kustomization: a null key",
        V2,
        "commonAnnotations:\n  ~: x\n",
        Fails(2, "unsupported map key of type: <nil>"),
    ),
    (
        "kustomization: empty values stay null, also in flow style",
        V2,
        "a: {b: , c: }\n",
        Docs(r#"[{"a": {"b": null, "c": null}}]"#),
    ),
    (
        "kustomization: .inf",
        V2,
        "a: .inf\n",
        Fails(1, "json: unsupported value: +Inf"),
    ),
];

#[test]
fn documents() {
    for (name, schema, text, want) in DOCUMENTS {
        let got = parse_stream(text, *schema);
        match want {
            Docs(json) => {
                let want: Vec<Value> = serde_json::from_str(json).expect(name);
                let got: Vec<Value> = match got {
                    Ok(docs) => docs.into_iter().map(|d| d.value).collect(),
                    Err(e) => panic!("{name}: unexpected error {e}"),
                };
                assert_eq!(got, want, "{name}");
            }
            Fails(line, message) => match got {
                Ok(docs) => panic!("{name}: expected an error, got {docs:?}"),
                Err(e) => {
                    assert_eq!(e.line, *line, "{name}: {e}");
                    assert!(e.message.contains(message), "{name}: {e}");
                }
            },
        }
    }
}

#[test]
fn document_lines() {
    // kyaml's split regex consumes the newline before `--- {c: 3}`, so that line is not a
    // separator but the first line of the next piece, where content after `---` is fine.
    let text = "# c\na: 1\n---\n\nb: 2\n--- # x\n--- {c: 3}\n---\n- d\n";
    let lines: Vec<usize> = parse_stream(text, K)
        .map(|d| d.into_iter().map(|d| d.line).collect())
        .unwrap_or_default();
    assert_eq!(lines, [2, 5, 7, 9]);
    let err = parse_stream("a: 1\n---\nb: 2\n---\nc: [\n", K).err();
    assert_eq!(err.map(|e| e.line), Some(6));
}

#[test]
fn billion_laughs_is_bounded() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let limits = Limits {
        max_nodes: 100_000,
        ..Limits::DEFAULT
    };
    let err = parse_stream_with_limits(&text, K, limits).err();
    assert!(
        err.is_some_and(|e| e.message.contains("excessive aliasing")),
        "aliases must be bounded"
    );
}

#[test]
fn nesting_is_bounded() {
    let limits = Limits {
        max_depth: 3,
        ..Limits::DEFAULT
    };
    let ok = parse_stream_with_limits("a:\n b: [1]\n", K, limits);
    assert_eq!(ok.map(|d| d.len()), Ok(1));
    let deep = parse_stream_with_limits("a:\n b:\n  c: [1]\n", K, limits).err();
    assert!(deep.is_some_and(|e| e.message.contains("max depth")));
    // Aliases count towards the depth too.
    let via_alias = "x: &x\n  y:\n    z: 1\na:\n  b: *x\n";
    let deep = parse_stream_with_limits(via_alias, K, limits).err();
    assert!(deep.is_some_and(|e| e.message.contains("max depth")));
    // Flow nesting deeper than the parser's own limit.
    let flow = format!("{}{}", "[".repeat(300), "]".repeat(300));
    assert!(parse_stream(&flow, K).is_err());
    // The default limit holds on a small thread stack.
    let text: String = (0..600).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
    let small_stack = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            parse_stream(&text, K)
                .map(|d| d.len())
                .map_err(|e| e.message)
        });
    let result = small_stack.ok().and_then(|h| h.join().ok());
    assert!(result.is_some_and(|r| r.is_err_and(|m| m.contains("max depth"))));
}

#[test]
fn hostile_bytes_do_not_panic() {
    let inputs = [
        "\0",
        "*",
        "&",
        "!",
        "!<",
        "%",
        "%YAML",
        "--- |\n\t",
        "? ",
        ": ",
        "-\t-",
        "[",
        "{",
        "'",
        "\"\\",
        "\"\\x",
        "&a *a",
        "a: &a\n  b: *a\n",
        "- &a [*a]",
        "<<: *x",
        "\u{feff}",
        "\u{feff}\u{feff}",
        "a: |0\n",
        "a: >-1\n x",
        "\r",
        "\r\r\n",
        "... \n...",
        "!!",
        "!a!b c",
        "%TAG !e! tag:e,2000:\n--- !e!x 1",
        "a: !!binary",
        "? - a\n: b",
    ];
    for text in inputs {
        for schema in [K, V2] {
            let _ = parse_stream(text, schema);
        }
    }
}
