#!/usr/bin/env python3
"""Generate the compact OpenAPI table that rollpin's strategic merge uses.

kustomize (kyaml) looks up a resource's schema by its exact apiVersion + kind, then walks
the schema field by field: `properties[name]`, else `additionalProperties`; `items` only
when `type` is exactly "array"; every `$ref` is resolved to the definition it names (the
referring schema's own keys are dropped). A list merges by key when its schema has an
`x-kubernetes-patch-strategy` containing "merge"; the keys come from
`x-kubernetes-list-map-keys`, else from `x-kubernetes-patch-merge-key`.

This script keeps exactly what that walk needs, for every definition reachable from a kind:

    N <alias> <namespace>       a definition-name prefix ("io.k8s.api.core.v1"), or "-" for none
    K <apiVersion> <kind> <root NAME or -> <n (namespaced) | c (cluster) | ->
    D <NAME> <property>=<expr> ...

    NAME := alias ':' rest     the definition "<namespace>.<rest>" (or just "rest")

    expr := ['(' strategy '|' merge-key '|' ['+' map-key,map-key...] ')'] base
    base := '.'            a schema with nothing to navigate (scalar, opaque object)
          | '@' NAME       a reference to definition NAME (always last in the token)
          | '*' [expr]     an array (type exactly "array"); the expr, if any, is `items`
          | '%' expr       a map whose values have the schema expr (additionalProperties)

Inputs:
  * the bundle `/work/shared/data/kubernetes-openapi-union-v1.21.2.bundle-v1.json.gz`
    (`definitions` + `resources` with `scope`), or any OpenAPI v2 document
    (`definitions` + `paths`, namespaced when a GET path has `namespaces/{namespace}`);
  * kustomize's own Kustomization types (`src/kustomize/openapi/kustomize_types.json`),
    which kustomize always loads after the Kubernetes schema (`--no-kustomize-types` omits
    them, for testing against a plain document).

Usage:
    scripts/gen_openapi_table.py [--input FILE] [--output FILE] [--no-kustomize-types] [--check]
With no arguments it regenerates src/kustomize/openapi/merge_keys.txt from the bundle;
`--check` only compares and exits 1 when the checked-in table is stale.
The Rust side (`Schema::from_openapi_json`) builds the same structure from a document;
`src/kustomize/openapi/testdata/` holds a sample and the table this script makes from it.
"""

import argparse
import gzip
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_INPUT = "/work/shared/data/kubernetes-openapi-union-v1.21.2.bundle-v1.json.gz"
DEFAULT_OUTPUT = os.path.join(ROOT, "src/kustomize/openapi/merge_keys.txt")
KUSTOMIZE_TYPES = os.path.join(ROOT, "src/kustomize/openapi/kustomize_types.json")

GVK_EXT = "x-kubernetes-group-version-kind"
STRATEGY_EXT = "x-kubernetes-patch-strategy"
MERGE_KEY_EXT = "x-kubernetes-patch-merge-key"
MAP_KEYS_EXT = "x-kubernetes-list-map-keys"
REF_PREFIX = "#/definitions/"


class TableError(Exception):
    pass


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    return json.loads(raw), hashlib.sha256(raw).hexdigest()


def api_version(gvk):
    group, version = gvk.get("group", ""), gvk.get("version")
    if not isinstance(version, str) or not isinstance(gvk.get("kind"), str):
        return None
    return f"{group}/{version}" if isinstance(group, str) and group else version


def ref_target(ref):
    """Definition name a `$ref` points at, or None when it is not `#/definitions/NAME`."""
    if not isinstance(ref, str) or "#" not in ref:
        return None
    pointer = ref.split("#", 1)[1]
    parts = pointer.split("/")
    if len(parts) != 3 or parts[0] != "" or parts[1] != "definitions":
        return None
    return parts[2].replace("~1", "/").replace("~0", "~")


def check_word(word, what, forbidden="=|(),+"):
    if not word or any(c.isspace() for c in word) or any(c in word for c in forbidden):
        raise TableError(f"{what} {word!r} cannot be written in the table")
    return word


def annotation(schema):
    """`(strategy|merge-key|map-keys)`; map-keys is `+k1,k2` when the list is present."""
    strategy = schema.get(STRATEGY_EXT)
    if not isinstance(strategy, str):
        return ""
    key = schema.get(MERGE_KEY_EXT)
    key = key if isinstance(key, str) else ""
    map_keys = schema.get(MAP_KEYS_EXT)
    map_keys = [k for k in map_keys if isinstance(k, str)] if isinstance(map_keys, list) else None
    check_word(strategy, "patch strategy", "|()")
    for word in [key] + (map_keys or []):
        if word:
            check_word(word, "merge key")
    keys = "" if map_keys is None else "+" + ",".join(map_keys)
    return f"({strategy}|{key}|{keys})"


def expr(schema, refs, where):
    """Encode one schema; collect the definitions it refers to in `refs`."""
    if not isinstance(schema, dict):
        raise TableError(f"{where}: schema is not an object")
    if "$ref" in schema:
        name = ref_target(schema["$ref"])
        if name is None:
            raise TableError(f"{where}: unsupported $ref {schema['$ref']!r}")
        refs.add(name)
        return "@" + check_word(name, "definition name", "=|()+:")
    if schema.get("properties"):
        raise TableError(f"{where}: inline object with properties is not supported")
    ann = annotation(schema)
    is_array = schema.get("type") == "array" or schema.get("type") == ["array"]
    addl = schema.get("additionalProperties")
    has_addl = isinstance(addl, dict)
    if is_array and has_addl:
        raise TableError(f"{where}: array with additionalProperties is not supported")
    if is_array:
        items = schema.get("items")
        return ann + "*" + (expr(items, refs, where + "[]") if isinstance(items, dict) else "")
    if has_addl:
        return ann + "%" + expr(addl, refs, where + "{}")
    return ann + "."


def definition_line(name, schema, refs):
    if not isinstance(schema, dict):
        raise TableError(f"definition {name}: not an object")
    for key in ("$ref", "items", STRATEGY_EXT):
        if key in schema:
            raise TableError(f"definition {name}: top-level {key} is not supported")
    if isinstance(schema.get("additionalProperties"), dict):
        raise TableError(f"definition {name}: top-level additionalProperties is not supported")
    words = ["D", check_word(name, "definition name", "=|()+:")]
    for prop in sorted(schema.get("properties") or {}):
        sub = schema["properties"][prop]
        words.append(check_word(prop, "property name") + "=" + expr(sub, refs, f"{name}.{prop}"))
    return " ".join(words)


def kinds_from(definitions, order):
    """(apiVersion, kind) -> definition, later documents overriding earlier ones."""
    kinds = {}
    for doc_defs in order:
        for name in sorted(doc_defs):
            exts = doc_defs[name].get(GVK_EXT) if isinstance(doc_defs[name], dict) else None
            if not isinstance(exts, list):
                continue
            for gvk in exts:
                if not isinstance(gvk, dict):
                    continue
                av = api_version(gvk)
                if av is not None:
                    kinds[(av, gvk["kind"])] = name
    return kinds


def scopes_from_paths(paths):
    scopes = {}
    for path in sorted(paths or {}):
        get = (paths[path] or {}).get("get") if isinstance(paths[path], dict) else None
        gvk = get.get(GVK_EXT) if isinstance(get, dict) else None
        if not isinstance(gvk, dict) or api_version(gvk) is None:
            continue
        key = (api_version(gvk), gvk["kind"])
        if "namespaces/{namespace}" in path:
            scopes[key] = True
        else:
            scopes.setdefault(key, False)
    return scopes


def build(doc, kustomize_types):
    definitions = dict(doc.get("definitions") or {})
    docs = [doc.get("definitions") or {}]
    if kustomize_types is not None:
        definitions.update(kustomize_types["definitions"])
        docs.append(kustomize_types["definitions"])
    kinds = kinds_from(definitions, docs)

    if "resources" in doc:  # the bundle: scope per resource
        scopes = {}
        for res in doc["resources"]:
            key = (res["apiVersion"], res["kind"])
            if "definition" in res and kinds.get(key) != res["definition"]:
                raise TableError(f"bundle resource {key} disagrees with {GVK_EXT}")
            if "scope" in res:
                scopes[key] = res["scope"] == "Namespaced"
            kinds.setdefault(key, None)
    else:
        scopes = scopes_from_paths(doc.get("paths"))
        for key in scopes:
            kinds.setdefault(key, None)

    lines = []
    for (av, kind) in sorted(kinds):
        root = kinds[(av, kind)]
        scope = scopes.get((av, kind))
        flag = "-" if scope is None else ("n" if scope else "c")
        lines.append(" ".join(["K", check_word(av, "apiVersion"), check_word(kind, "kind"),
                               root and "@" + root or "-", flag]))

    # every definition reachable from a kind's root
    todo = sorted({root for root in kinds.values() if root})
    seen, body = set(), {}
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in definitions:
            continue  # a dangling reference: navigation stops there, as in kyaml
        refs = set()
        body[name] = definition_line(name, definitions[name], refs)
        todo.extend(sorted(refs - seen))
    lines.extend(body[name] for name in sorted(body))
    return shorten(lines)


def alias(n):
    """a, b, ..., z, ba, bb, ... (bijective base 26 without leading 'a')."""
    out = ""
    while True:
        out = chr(ord("a") + n % 26) + out
        n //= 26
        if n == 0:
            return out


def shorten(lines):
    """Write every definition name as `alias:rest`, declaring the aliases first."""
    def split(name):
        return tuple(name.rsplit(".", 1)) if "." in name else ("", name)

    spaces = set()
    for line in lines:
        words = line.split(" ")
        if words[0] == "D":
            spaces.add(split(words[1])[0])
        for word in words:
            if "@" in word:
                spaces.add(split(word.split("@", 1)[1])[0])
    ids = {ns: alias(i) for i, ns in enumerate(sorted(spaces))}

    def short(name):
        ns, rest = split(name)
        return f"{ids[ns]}:{rest}"

    out = [f"N {ids[ns]} {ns or '-'}" for ns in sorted(spaces)]
    for line in lines:
        words = line.split(" ")
        if words[0] == "D":
            words[1] = short(words[1])
        for i, word in enumerate(words):
            if "@" in word:
                head, name = word.split("@", 1)
                words[i] = head + "@" + short(name)
        out.append(" ".join(words))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", default=DEFAULT_INPUT)
    ap.add_argument("--output", default=DEFAULT_OUTPUT)
    ap.add_argument("--no-kustomize-types", action="store_true")
    ap.add_argument("--check", action="store_true", help="fail if OUTPUT differs, write nothing")
    args = ap.parse_args()

    doc, digest = load(args.input)
    kustomize_types = None
    if not args.no_kustomize_types:
        kustomize_types, _ = load(KUSTOMIZE_TYPES)
    try:
        lines = build(doc, kustomize_types)
    except TableError as e:
        sys.exit(f"gen_openapi_table: {e}")
    header = [
        "# rollpin OpenAPI merge table, format 1. Generated by scripts/gen_openapi_table.py; do not edit.",
        f"# source: {os.path.basename(args.input)} (JSON sha256 {digest})"
        + ("" if args.no_kustomize_types else " + kustomize_types.json"),
    ]
    text = "\n".join(header + lines) + "\n"
    if args.check:
        try:
            with open(args.output, encoding="utf-8") as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            sys.exit(f"gen_openapi_table: {args.output} is stale; run {sys.argv[0]}")
        return
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
