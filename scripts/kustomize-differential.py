#!/usr/bin/env python3
"""Differential kustomize check: random base + overlay (+ second overlay) trees — name
prefixes/suffixes, namespace, labels, annotations, images, replicas, generators with
merge/replace, strategic-merge and JSON 6902 patches, replacements — built by `kubectl
kustomize` and by rollpin; every case where they differ (accepted by one only, or different
bytes) is kept under OUT/diffN/ with both outputs.

Usage (from the repository root; kubectl with kustomize v5.5.0 on PATH):

    python3 scripts/kustomize-differential.py SEED COUNT ROLLPIN OUT

Python 3.9+, standard library only. Exits 1 on any difference.
"""
import os
import random
import shutil
import subprocess
import sys

if len(sys.argv) != 5:
    sys.exit(__doc__)
R = random.Random(int(sys.argv[1])); N = int(sys.argv[2]); ROLL = sys.argv[3]; OUT = sys.argv[4]
os.makedirs(OUT, exist_ok=True)
def dep(name, app):
    c = R.choice(['nginx', 'nginx:1.25', 'ghcr.io/org/app:v1', 'redis@sha256:' + 'a'*64, 'busybox'])
    env = R.choice(['', '\n        envFrom:\n        - configMapRef:\n            name: settings', '\n        env:\n        - name: X\n          valueFrom:\n            secretKeyRef:\n              name: creds\n              key: password'])
    vol = R.choice(['', '\n      volumes:\n      - name: cfg\n        configMap:\n          name: settings'])
    return f'''apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    app: {app}
spec:
  replicas: {R.choice([1, 2, 3])}
  selector:
    matchLabels:
      app: {app}
  template:
    metadata:
      labels:
        app: {app}
    spec:
      containers:
      - name: main
        image: {c}
        ports:
        - containerPort: 80{env}{vol}
'''
def svc(name, app):
    return f'''apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {app}
  ports:
  - port: 80
    targetPort: {R.choice([80, 8080, '"http"'])}
'''
def sa(name):
    return f'''apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {name}-rb
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
subjects:
- kind: ServiceAccount
  name: {name}
- kind: ServiceAccount
  name: default
'''
def base(d):
    os.makedirs(d)
    res = []
    open(f'{d}/web.yaml','w').write(dep('web','web') + '---\n' + svc('web','web')); res.append('web.yaml')
    if R.random() < 0.5: open(f'{d}/api.yaml','w').write(dep('api','api')); res.append('api.yaml')
    if R.random() < 0.5: open(f'{d}/sa.yaml','w').write(sa('runner')); res.append('sa.yaml')
    k = 'resources:\n' + ''.join(f'- {r}\n' for r in res)
    gens = []
    if R.random() < 0.7:
        lits = R.sample(['LOG=info', 'MODE=prod', 'A=1', 'EMPTY=', 'URL=http://x'], R.randint(1,3))
        gens.append('configMapGenerator:\n- name: settings\n  literals:\n' + ''.join(f'  - {l}\n' for l in lits))
    if R.random() < 0.5:
        gens.append('secretGenerator:\n- name: creds\n  literals:\n  - password=s3cret\n')
    k += ''.join(gens)
    if R.random() < 0.3: k += 'generatorOptions:\n  disableNameSuffixHash: true\n'
    if R.random() < 0.3: k += 'labels:\n- pairs:\n    team: core\n  includeSelectors: ' + R.choice(['true','false']) + '\n'
    open(f'{d}/kustomization.yaml','w').write(k)
def overlay(d, basepath):
    os.makedirs(d)
    k = f'resources:\n- {basepath}\n'
    if R.random() < 0.5: k += f'namePrefix: {R.choice(["p-","prod-","x"])}\n'
    if R.random() < 0.4: k += f'nameSuffix: {R.choice(["-s","-v2"])}\n'
    if R.random() < 0.5: k += f'namespace: {R.choice(["shop","prod"])}\n'
    if R.random() < 0.4: k += 'commonLabels:\n  env: prod\n'
    if R.random() < 0.3: k += 'commonAnnotations:\n  owner: team-a\n'
    if R.random() < 0.5: k += 'images:\n- name: nginx\n  newTag: "1.27"\n- name: busybox\n  newName: registry.example.com/busybox\n  digest: sha256:' + 'b'*64 + '\n'
    if R.random() < 0.4: k += 'replicas:\n- name: web\n  count: 5\n'
    if R.random() < 0.4: k += 'configMapGenerator:\n- name: settings\n  behavior: ' + R.choice(['merge','replace']) + '\n  literals:\n  - MODE=staging\n  - NEW=1\n'
    patches = []
    if R.random() < 0.5: patches.append('- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      template:\n        spec:\n          containers:\n          - name: main\n            resources:\n              limits:\n                memory: 128Mi\n')
    if R.random() < 0.4: patches.append('- target:\n    kind: Deployment\n  patch: |-\n    - op: add\n      path: /metadata/annotations\n      value:\n        patched: "yes"\n')
    if R.random() < 0.3: patches.append('- target:\n    kind: Service\n    name: web\n  patch: |-\n    - op: replace\n      path: /spec/ports/0/port\n      value: 8081\n')
    if patches: k += 'patches:\n' + ''.join(patches)
    if R.random() < 0.3: k += 'replacements:\n- source:\n    kind: Service\n    name: web\n    fieldPath: metadata.name\n  targets:\n  - select:\n      kind: Deployment\n    fieldPaths:\n    - metadata.annotations.svc\n    options:\n      create: true\n'
    open(f'{d}/kustomization.yaml','w').write(k)
diffs = ok = 0
for i in range(N):
    w = f'{OUT}/w'; shutil.rmtree(w, ignore_errors=True)
    base(f'{w}/base'); overlay(f'{w}/ov', '../base')
    target = f'{w}/ov'
    if R.random() < 0.3:
        overlay(f'{w}/ov2', '../ov'); target = f'{w}/ov2'
    k = subprocess.run(['kubectl','kustomize',target],capture_output=True,text=True)
    r = subprocess.run([ROLL,'render',target],capture_output=True,text=True)
    ok += k.returncode == 0
    if (k.returncode == 0) != (r.returncode == 0) or (k.returncode == 0 and k.stdout != r.stdout):
        diffs += 1; d = f'{OUT}/diff{diffs}'; shutil.rmtree(d, ignore_errors=True); shutil.copytree(w, d)
        open(f'{d}/k.out','w').write(k.stdout + k.stderr[-500:]); open(f'{d}/r.out','w').write(r.stdout + r.stderr)
print(f"{N} cases, {ok} accepted by kustomize, {diffs} differ (kept in {OUT})")
if ok == 0:
    sys.exit("kustomize accepted no case: nothing was compared (is kubectl with kustomize v5.5.0 on PATH?)")
sys.exit(1 if diffs else 0)
