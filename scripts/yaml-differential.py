#!/usr/bin/env python3
"""Differential YAML check: random resource files rendered by `kubectl kustomize` and by
rollpin; prints how many kustomize accepts and keeps every case where the two differ
(accepted by one only, or different bytes) under OUT/diffN/ with both outputs.

Usage (from the repository root; kubectl with kustomize v5.5.0 on PATH):

    python3 scripts/yaml-differential.py SEED COUNT [ROLLPIN] [OUT]

The documents mix scalar styles, tags, block scalars with indicators, anchors, comments and
nesting; a seed reproduces a run. Python 3.9+, standard library only. Exits 1 on any
difference.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile

R = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
N = int(sys.argv[2]) if len(sys.argv) > 2 else 100
ROLL = sys.argv[3] if len(sys.argv) > 3 else 'target/release/rollpin'
OUT = sys.argv[4] if len(sys.argv) > 4 else tempfile.mkdtemp(prefix='rollpin-yaml-diff-')
scalars = ['plain', '"dq"', "'sq'", '"a\\tb"', '"\\u00e9\\x41"', "'it''s'", '1', '0x1F', '0o17', '017', '1e3', '.5', '-.inf', '.NaN', 'true', 'yes', 'on', 'off', 'null', '~', '', '2001-12-14t21:59:43.10-05:00', '2002-12-14', '12:30:45', '1_000', '+12', '0b101', '"multi\n  line"', "'multi\n\n  para'", 'plain # comment', 'a:b', 'http://x/y', '-x', '?x', '!!str 5', '!!int "7"', '!!float 1', '!!binary aGVsbG8=', '&a v', '"\\\\ back"', '"emoji 😀"', "'tab\there'", '=', '<<', '"  lead"', "trail  ", '[]', '{}', '[a, [b, {c: d}]]', '{a: 1, b: [2, 3]}']
blocks = ['|\n  text\n  more\n', '|-\n  text\n', '|+\n  text\n\n', '>\n  folded\n  text\n\n  para\n', '>-\n  a\n   b\n  c\n', '>+\n  x\n\n', '|2\n    indented\n', '|\n\n  after blank\n', '>\n  trailing  \n']
# Written with continuation lines at column 0 (left of their node), which libyaml reads.
raws = ['"dq wrapped\nat column zero"', "'sq wrapped\n left'", '[a,\nb]', '{a: 1,\nb: [2,\n3]}', '"tab\n\tcontinued"', "'blank\n\n\nlines'"]
def value(depth):
    r = R.random()
    if r < 0.08:
        return ('raw', R.choice(raws))
    if depth < 2 and r < 0.2:
        return ('map', [(key(), value(depth+1)) for _ in range(R.randint(1,3))])
    if depth < 2 and r < 0.35:
        return ('seq', [value(depth+1) for _ in range(R.randint(1,3))])
    if r < 0.5:
        return ('block', R.choice(blocks))
    return ('scalar', R.choice(scalars))
def key():
    return R.choice(['k', 'key2', '"quoted key"', "'sq key'", '1', 'true', 'null', 'a.b/c', 'x y', '日本', 'on', 'y', '~', '"1"'])
def emit(v, ind):
    kind, x = v
    pad = ' ' * ind
    if kind == 'raw':
        return ' ' + x + '\n'
    if kind == 'scalar':
        return ' ' + x.replace('\n', '\n' + pad + '  ') + '\n'
    if kind == 'block':
        lines = x.split('\n')
        out = ' ' + lines[0] + '\n'
        for l in lines[1:-1]:
            out += (pad + l if l.strip() else l) + '\n'
        return out
    if kind == 'map':
        out = '\n'
        for k, vv in x:
            out += pad + '  ' + k + ':' + emit(vv, ind + 2)
        return out
    out = '\n'
    for vv in x:
        out += pad + '  -' + emit(vv, ind + 4)
    return out
diffs = 0
ok = 0
base = os.path.join(OUT, 'case')
for i in range(N):
    shutil.rmtree(base, ignore_errors=True); os.makedirs(base)
    doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nspec:\n'
    for _ in range(R.randint(1, 3)):
        doc += '  ' + key() + ':' + emit(value(0), 2)
    open(base + '/r.yaml', 'w').write(doc)
    open(base + '/kustomization.yaml', 'w').write('resources:\n- r.yaml\n')
    k = subprocess.run(['kubectl', 'kustomize', base], capture_output=True, text=True)
    r = subprocess.run([ROLL, 'render', base], capture_output=True, text=True)
    kok, rok = k.returncode == 0, r.returncode == 0
    ok += kok
    if kok != rok or (kok and k.stdout != r.stdout):
        diffs += 1
        d = os.path.join(OUT, f'diff{diffs}')
        shutil.rmtree(d, ignore_errors=True); shutil.copytree(base, d)
        open(d + '/k.out', 'w').write(k.stdout + k.stderr[-300:]); open(d + '/r.out', 'w').write(r.stdout + r.stderr)
print(f"{N} cases, {ok} accepted by kustomize, {diffs} differ (kept in {OUT})")
if ok == 0:
    sys.exit("kustomize accepted no case: nothing was compared (is kubectl with kustomize v5.5.0 on PATH?)")
sys.exit(1 if diffs else 0)
