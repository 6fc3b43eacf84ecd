#!/usr/bin/env python3
"""Writes the hostile-input corpus fixtures/hostile/<case>/ (see tests/integration/hostile.rs).

Each case: an app tree, `expect` (exit, stderr-contains/-lacks, build, limit-flags) and,
when it needs symlinks or FIFOs, a `symlinks` file the test applies at run time. Re-run
after editing a case here; cases added by hand under fixtures/hostile/ are left alone.
"""
import os, shutil
ROOT=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'hostile')
cases={}
def case(name, files, expect, symlinks=None):
    assert name not in cases, name
    cases[name]=(files, expect, symlinks)
K='kustomization.yaml'
CM='apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n'
def res(body, exp, name=None, extra=None):
    f={K:'resources:\n- res.yaml\n','res.yaml':body}
    if extra: f.update(extra)
    case(name, f, exp)
NZ='exit: nonzero\n'
def sc(*t): return ''.join(f'stderr-contains: {x}\n' for x in t)
def sl(*t): return ''.join(f'stderr-lacks: {x}\n' for x in t)
# ---- malformed YAML
res('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "abc}\n', NZ+sc('res.yaml','line'), 'yaml-unclosed-quote')
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n   labels: x\n', NZ+sc('res.yaml','line'), 'yaml-bad-indentation')
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n', NZ+sc('res.yaml','line'), 'yaml-tab-indentation')
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: [a, b\n', NZ+sc('res.yaml','line'), 'yaml-unclosed-flow')
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: *nope\n', NZ+sc('res.yaml','nope'), 'yaml-undefined-alias')
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n--- garbage here\nkind: x\n', NZ+sc('res.yaml','invalid document separator'), 'yaml-separator-with-content')
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a\x01b"\n', NZ+sc('res.yaml'), 'yaml-control-character')
res(b'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \xff\xfe\n', NZ+sc('res.yaml','UTF-8'), 'invalid-utf8-resource')
case('invalid-utf8-kustomization',{K:b'resources:\n- \xc3\x28.yaml\n'}, NZ+sc('kustomization.yaml','UTF-8'))
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n', NZ+sc('res.yaml','already defined'), 'duplicate-key-resource')
case('duplicate-key-kustomization',{K:'namePrefix: a-\nnamePrefix: b-\nresources:\n- cm.yaml\n','cm.yaml':CM}, 'exit: zero\n# go-yaml v2 (kustomize reads kustomization files with it): the last key wins\n')
res('just a string\n', NZ+sc('res.yaml','expected a YAML mapping'), 'scalar-document')
res('- a\n- b\n', NZ+sc('res.yaml','expected a YAML mapping'), 'sequence-document')
res('apiVersion: v1\nmetadata:\n  name: a\n', NZ+sc('res.yaml','missing kind'), 'missing-kind')
res('apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n', NZ+sc('res.yaml','missing metadata.name'), 'missing-name')
res('', 'exit: zero\n# an empty resource file contributes nothing (as in kustomize)\n', 'empty-resource-file')
case('empty-kustomization',{K:''}, NZ+sc('kustomization.yaml','empty'))
case('comment-only-kustomization',{K:'# nothing\n'}, NZ+sc('kustomization.yaml','empty'))
res(bytes(range(256))*4, NZ+sc('res.yaml'), 'binary-resource')
case('binary-kustomization',{K:b'\x00\x01\x02\x7fELF\x00\x00'+bytes(range(256))}, NZ+sc('kustomization.yaml'))
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: !!binary "not base64!!"\n', NZ+sc('res.yaml'), 'bad-binary-tag')
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: !!int abc\n', NZ+sc('res.yaml','cannot decode'), 'tag-mismatch')
res('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a",}\n', NZ+sc('res.yaml'), 'broken-json')
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n? [complex, key]\n: value\n', NZ+sc('res.yaml'), 'complex-key')
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  <<: 5\n', NZ+sc('res.yaml'), 'bad-merge-key')
res('%YAML 9.9\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n', 'exit: nonzero\n'+sc('res.yaml'), 'bad-yaml-directive')
# ---- numbers
res('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: 1e400\n', 'exit: zero\n# 1e400 overflows float64, so go-yaml keeps it a string: kustomize prints it unchanged\n', 'huge-float')
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    n: 123456789012345678901234567890123456789\ndata:\n  k: v\n', 'exit: zero\n# a huge integer becomes a float as in Go; no crash\n', 'huge-integer')
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nx: .nan\n', NZ+sc('res.yaml','unsupported value'), 'nan-value')
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nx: -.inf\n', NZ+sc('res.yaml','unsupported value'), 'inf-value')
case('nan-replicas-count',{K:'resources:\n- d.yaml\nreplicas:\n- name: a\n  count: .nan\n','d.yaml':'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: 1\n'}, NZ+sc('kustomization.yaml'))
case('huge-replicas-count',{K:'resources:\n- d.yaml\nreplicas:\n- name: a\n  count: 99999999999999999999999\n','d.yaml':'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: 1\n'}, NZ+sc('kustomization.yaml'))
# ---- nesting and bombs
deep_flow='['*5000+']'*5000
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nx: '+deep_flow+'\n', NZ+sc('res.yaml','nesting is too deep'), 'deep-flow-nesting')
deep_block=''.join('  '*i+'k:\n' for i in range(800))+'  '*800+'k: v\n'
res('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nx:\n'+''.join('  '*(i+1)+'k:\n' for i in range(700))+'  '*701+'k: v\n', NZ+sc('res.yaml','max depth','--max-depth'), 'deep-block-nesting')
case('deep-nesting-kustomization',{K:'commonLabels: '+'{a: '*3000+'x'+'}'*3000+'\n'}, NZ+sc('kustomization.yaml','nesting is too deep'))
lol='apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
prev='a'
for i in 'bcdefghi':
    lol+=f'{i}: &{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n'; prev=i
res(lol, NZ+sc('res.yaml','aliasing','--max-yaml-nodes'), 'billion-laughs-resource')
case('billion-laughs-kustomization',{K:lol.replace('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n','')+'resources: []\n'}, NZ+sc('kustomization.yaml','aliasing'))
case('billion-laughs-patch',{K:'resources:\n- cm.yaml\npatches:\n- path: p.yaml\n','cm.yaml':CM,'p.yaml':lol}, NZ+sc('kustomization.yaml','aliasing'))
case('deep-json-patch',{K:'resources:\n- cm.yaml\npatches:\n- path: p.json\n  target: {kind: ConfigMap}\n','cm.yaml':CM,'p.json':'[{"op": "add", "path": "/data/x", "value": '+'['*3000+']'*3000+'}]\n'}, NZ+sc('kustomization.yaml'))
# ---- limits via flags
res(CM, NZ+sc('res.yaml','--max-file-bytes')+'limit-flags: --max-file-bytes 40\n', 'limit-file-bytes')
case('limit-total-bytes',{K:'resources:\n- a.yaml\n- b.yaml\n','a.yaml':CM,'b.yaml':CM.replace('name: a','name: b')}, NZ+sc('--max-total-bytes','b.yaml')+'limit-flags: --max-total-bytes 150\n')
res(CM+'---\n'+CM.replace('name: a','name: b')+'---\n'+CM.replace('name: a','name: c'), NZ+sc('res.yaml','3 documents','--max-documents-per-file')+'limit-flags: --max-documents-per-file 2\n', 'limit-documents-per-file')
case('limit-documents',{K:'resources:\n- a.yaml\n- b.yaml\n','a.yaml':CM+'---\n'+CM.replace('name: a','name: a2'),'b.yaml':CM.replace('name: a','name: b')+'---\n'+CM.replace('name: a','name: b2')}, NZ+sc('b.yaml','--max-documents')+'limit-flags: --max-documents 3\n')
case('limit-resources',{K:'resources:\n- a.yaml\nconfigMapGenerator:\n- name: g\n  literals: [a=b]\n- name: h\n  literals: [a=b]\n','a.yaml':CM}, NZ+sc('kustomization.yaml','--max-resources')+'limit-flags: --max-resources 2\n')
res(CM.replace('k: v','k: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]'), NZ+sc('res.yaml','--max-yaml-nodes')+'limit-flags: --max-yaml-nodes 10\n', 'limit-yaml-nodes')
case('limit-yaml-nodes-total',{K:'resources:\n- a.yaml\n- b.yaml\n','a.yaml':CM,'b.yaml':CM.replace('name: a','name: b')}, NZ+sc('b.yaml','--max-yaml-nodes')+'limit-flags: --max-yaml-nodes 12\n')
res(CM.replace('k: v','k: {a: {b: {c: {d: e}}}}'), NZ+sc('res.yaml','--max-depth')+'limit-flags: --max-depth 3\n', 'limit-depth')
case('limit-kustomizations',{K:'resources:\n- a\n- b\n','a/'+K:'resources:\n- ../c\n','b/'+K:'resources:\n- ../c\n','c/'+K:'namePrefix: x-\n'}, NZ+sc('--max-kustomizations')+'limit-flags: --max-kustomizations 3\n')
# exponential diamond: 2^16 visits, stopped by the default limit
f={K:'resources:\n- l0a\n- l0b\n'}
for i in range(16):
    for side in 'ab':
        f[f'l{i}{side}/{K}']=f'resources:\n- ../l{i+1}a\n- ../l{i+1}b\n' if i<15 else 'namePrefix: x-\n'
case('diamond-explosion',f, NZ+sc('--max-kustomizations','10000'))
# ---- wrong types in every kustomization field
wrong={
 'resources':'5','bases':'{a: b}','components':'"x"','namespace':'[a]','namePrefix':'{a: b}','nameSuffix':'[x]',
 'commonLabels':'[a]','labels':'"x"','commonAnnotations':'5','images':'"nginx"','replicas':'{name: a}',
 'configMapGenerator':'"x"','secretGenerator':'5','generatorOptions':'[a]','patches':'"p.yaml"',
 'patchesStrategicMerge':'5','patchesJson6902':'"x"','replacements':'"x"','vars':'5','configurations':'{a: b}',
 'generators':'5','transformers':'{a: b}','buildMetadata':'"x"','sortOptions':'[a]','openapi':'[a]','crds':'5',
 'apiVersion':'[a]','kind':'{a: b}','helmCharts':'5','validators':'"x"',
}
for field,val in wrong.items():
    case(f'type-{field}',{K:f'{field}: {val}\n'}, NZ+sc('kustomization.yaml', field))
case('type-images-newtag-map',{K:'resources:\n- cm.yaml\nimages:\n- name: nginx\n  newTag: {a: b}\n','cm.yaml':CM}, NZ+sc('kustomization.yaml','images'))
case('type-generator-literals-int',{K:'configMapGenerator:\n- name: a\n  literals: 5\n'}, NZ+sc('kustomization.yaml','literals'))
case('unknown-kind',{K:'apiVersion: v9\nkind: Deployment\n'}, NZ+sc('kustomization.yaml','kind'))
# ---- traversal and absolute paths
case('traversal-resource',{'app/'+K:'resources:\n- ../other.yaml\n','other.yaml':CM}, NZ+sc('security','not in or below')+'build: app\n')
case('traversal-resource-deep',{K:'resources:\n- ../../../../../../../../etc/hostname\n'}, NZ+sc('kustomization.yaml'))
case('traversal-outside-repo-dir',{K:'resources:\n- ../outside\n'}, NZ+sc('outside the repository root','--root'))
case('traversal-generator-file',{'app/'+K:'configMapGenerator:\n- name: a\n  files:\n  - ../../outside/secret.yaml\n'}, NZ+sc('security')+'build: app\n')
case('traversal-env-file',{'app/'+K:'secretGenerator:\n- name: a\n  envs:\n  - ../other.env\n','other.env':'A=1\n'}, NZ+sc('security')+'build: app\n')
case('traversal-patch-path',{'app/'+K:'resources:\n- cm.yaml\npatches:\n- path: ../p.yaml\n','app/cm.yaml':CM,'p.yaml':CM}, NZ+sc('security')+'build: app\n')
case('traversal-patches-strategic-merge',{'app/'+K:'resources:\n- cm.yaml\npatchesStrategicMerge:\n- ../p.yaml\n','app/cm.yaml':CM,'p.yaml':CM}, NZ+sc('security')+'build: app\n')
case('traversal-patches-json6902',{'app/'+K:'resources:\n- cm.yaml\npatchesJson6902:\n- target: {version: v1, kind: ConfigMap, name: a}\n  path: ../p.json\n','app/cm.yaml':CM,'p.json':'[]'}, NZ+sc('security')+'build: app\n')
case('traversal-configurations',{'app/'+K:'configurations:\n- ../c.yaml\nresources:\n- cm.yaml\n','app/cm.yaml':CM,'c.yaml':'namePrefix: []\n'}, NZ+sc('security')+'build: app\n')
case('traversal-replacements-path',{'app/'+K:'resources:\n- cm.yaml\nreplacements:\n- path: ../r.yaml\n','app/cm.yaml':CM,'r.yaml':'source: {kind: ConfigMap}\n'}, NZ+sc('security')+'build: app\n')
case('traversal-transformers-file',{'app/'+K:'resources:\n- cm.yaml\ntransformers:\n- ../t.yaml\n','app/cm.yaml':CM,'t.yaml':'apiVersion: builtin\nkind: NamespaceTransformer\nmetadata:\n  name: n\n  namespace: x\n'}, NZ+sc('security')+'build: app\n')
case('absolute-resource-file',{K:'resources:\n- /etc/hostname\n'}, NZ+sc('kustomization.yaml'))
case('absolute-resource-dir',{K:'resources:\n- /etc\n'}, NZ+sc('kustomization.yaml'))
case('absolute-generator-file',{K:'configMapGenerator:\n- name: a\n  files:\n  - /etc/passwd\n'}, NZ+sc('kustomization.yaml','security'))
case('proc-self-environ',{K:'configMapGenerator:\n- name: a\n  files:\n  - /proc/self/environ\n'}, NZ+sc('kustomization.yaml'))
case('remote-url',{K:'resources:\n- https://example.com/app.yaml\n'}, NZ+sc('remote resource','hermetically'))
case('remote-git',{K:'resources:\n- github.com/org/repo//deploy?ref=v1.0.0\n'}, NZ+sc('remote resource'))
case('helm-refused',{K:'helmCharts:\n- name: x\n  repo: https://charts.example.com\n'}, NZ+sc('helmCharts','never runs programs'))
case('exec-plugin-refused',{K:'generators:\n- gen.yaml\n','gen.yaml':'apiVersion: someteam.example.com/v1\nkind: ExecThing\nmetadata:\n  name: x\nargsOneLiner: rm -rf /\n'}, NZ+sc('kustomization.yaml'))
# ---- symlinks
def symcase(name, files, links, exp): case(name, files, exp, links)
symcase('symlink-file-outside-repo',{K:'resources:\n- res.yaml\n'},'res.yaml -> ../outside/secret.yaml\n', NZ+sc('security'))
symcase('symlink-file-to-etc',{K:'resources:\n- res.yaml\n'},'res.yaml -> /etc/passwd\n', NZ+sc('security'))
symcase('symlink-file-to-parent',{'app/'+K:'resources:\n- res.yaml\n','p.yaml':CM},'app/res.yaml -> ../p.yaml\n', NZ+sc('security','not in or below')+'build: app\n')
symcase('symlink-dir-outside-repo',{K:'resources:\n- base\n'},'base -> ../outside\n', NZ+sc('outside the repository root'))
symcase('symlink-dir-to-etc',{K:'resources:\n- base\n'},'base -> /etc\n', NZ+sc('outside the repository root'))
symcase('symlink-chain-outside',{K:'resources:\n- a.yaml\n'},'a.yaml -> b.yaml\nb.yaml -> c.yaml\nc.yaml -> ../outside/secret.yaml\n', NZ+sc('security'))
symcase('symlink-loop',{K:'resources:\n- a.yaml\n'},'a.yaml -> b.yaml\nb.yaml -> a.yaml\n', NZ+sc('a.yaml'))
symcase('symlink-self-loop',{K:'resources:\n- a\n'},'a -> a\n', NZ+sc('kustomization.yaml'))
symcase('symlink-dir-cycle',{K:'resources:\n- sub\n'},'sub -> .\n', NZ+sc('cycle'))
symcase('symlink-kustomization-outside',{},'kustomization.yaml -> ../outside/kustomization.yaml\n', NZ+sc('security'))
symcase('symlink-kustomization-to-etc',{},'kustomization.yaml -> /etc/passwd\n', NZ+sc('security'))
symcase('symlink-generator-file-outside',{K:'secretGenerator:\n- name: s\n  files:\n  - key=link\n'},'link -> ../outside/secret.yaml\n', NZ+sc('security')+sl(OUT:='OUTSIDE-MARKER'))
symcase('symlink-env-file-to-proc',{K:'secretGenerator:\n- name: s\n  envs:\n  - link.env\n'},'link.env -> /proc/self/environ\n', NZ+sc('security'))
symcase('symlink-in-repo-base',{'app/'+K:'resources:\n- base\n','shared/'+K:'resources:\n- cm.yaml\n','shared/cm.yaml':CM},'app/base -> ../shared\n', 'exit: zero\n# a symlinked base directory inside the repository is followed, as kustomize does\nbuild: app\n')
symcase('symlink-to-dev-zero',{K:'resources:\n- zero.yaml\n'},'zero.yaml -> /dev/zero\n', NZ+sc('not a regular file'))
symcase('symlink-to-dev-urandom-generator',{K:'configMapGenerator:\n- name: a\n  files:\n  - r.bin\n'},'r.bin -> /dev/urandom\n', NZ+sc('kustomization.yaml'))
symcase('fifo-resource',{K:'resources:\n- pipe.yaml\n'},'fifo pipe.yaml\n', NZ+sc('not a regular file'))
symcase('fifo-kustomization',{},'fifo kustomization.yaml\n', NZ+sc('not a regular file'))
symcase('fifo-env-file',{K:'configMapGenerator:\n- name: a\n  envs:\n  - pipe.env\n'},'fifo pipe.env\n', NZ+sc('not a regular file'))
# ---- cycles
case('cycle-self',{K:'resources:\n- .\n'}, NZ+sc('cycle'))
case('cycle-two',{K:'resources:\n- a\n','a/'+K:'resources:\n- ../b\n','b/'+K:'resources:\n- ../a\n'}, NZ+sc('cycle'))
case('cycle-parent',{'app/'+K:'resources:\n- ..\n',K:'resources:\n- app\n'}, NZ+sc('cycle')+'build: app\n')
case('cycle-component',{K:'components:\n- c\n','c/'+K:'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncomponents:\n- ../c\n'}, NZ+sc('cycle'))
# ---- patches that target nothing
case('patch-targets-nothing',{K:'resources:\n- cm.yaml\npatches:\n- path: p.yaml\n','cm.yaml':CM,'p.yaml':CM.replace('name: a','name: zzz')}, NZ+sc('no resource matches'))
case('patch-selector-matches-nothing',{K:'resources:\n- cm.yaml\npatches:\n- patch: |-\n    - op: add\n      path: /data/x\n      value: y\n  target:\n    kind: Deployment\n','cm.yaml':CM}, 'exit: zero\n# a target selector matching nothing is a no-op, as in kustomize\n')
case('json6902-path-missing',{K:'resources:\n- cm.yaml\npatches:\n- patch: |-\n    - op: replace\n      path: /spec/nothing\n      value: y\n  target:\n    kind: ConfigMap\n','cm.yaml':CM}, NZ+sc('kustomization.yaml','replace operation does not apply'))
case('replacement-source-missing',{K:'resources:\n- cm.yaml\nreplacements:\n- source: {kind: Secret, name: nope}\n  targets:\n  - select: {kind: ConfigMap}\n    fieldPaths: [data.k]\n','cm.yaml':CM}, NZ+sc('nothing selected'))
case('patch-empty-file',{K:'resources:\n- cm.yaml\npatches:\n- path: p.yaml\n','cm.yaml':CM,'p.yaml':''}, NZ+sc('kustomization.yaml','must specify a target for JSON patch'))
case('patch-binary-file',{K:'resources:\n- cm.yaml\npatches:\n- path: p.yaml\n','cm.yaml':CM,'p.yaml':bytes(range(256))}, NZ+sc('kustomization.yaml'))
case('duplicate-resource-id',{K:'resources:\n- a.yaml\n- b.yaml\n','a.yaml':CM,'b.yaml':CM}, NZ+sc('already registered id'))
# ---- secrets in failing inputs
S='S3CR3T-hunter2-VALUE'
SEC=f'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: {S}\n'
case('secret-patch-no-match',{K:f'resources:\n- s.yaml\npatches:\n- patch: |-\n    apiVersion: v1\n    kind: Secret\n    metadata:\n      name: other\n    stringData:\n      password: {S}\n','s.yaml':SEC}, NZ+sc('no resource matches')+sl(S))
case('secret-json6902-test-fails',{K:f'resources:\n- s.yaml\npatches:\n- patch: |-\n    - op: test\n      path: /stringData/password\n      value: {S}-other\n  target:\n    kind: Secret\n','s.yaml':SEC}, NZ+sc('test')+sl(S))
case('secret-json6902-bad-ops',{K:f'resources:\n- s.yaml\npatchesJson6902:\n- target: {{version: v1, kind: Secret, name: s}}\n  patch: |-\n    {S}: [unclosed\n','s.yaml':SEC}, NZ+sc('kustomization.yaml')+sl(S))
case('secret-literal-without-equals',{K:f'secretGenerator:\n- name: s\n  literals:\n  - {S}\n'}, NZ+sc('invalid literal source','expected key=value')+sl(S))
case('secret-literal-duplicate-key',{K:f'secretGenerator:\n- name: s\n  literals:\n  - password={S}\n  - password={S}2\n'}, NZ+sc('password')+sl(S))
case('secret-env-invalid-line',{K:'secretGenerator:\n- name: s\n  envs:\n  - s.env\n','s.env':f'GOOD=1\n{S} more words\n'}, NZ+sc('line 2')+sl(S))
case('secret-env-invalid-utf8',{K:'secretGenerator:\n- name: s\n  envs:\n  - s.env\n','s.env':f'A={S}\nB=\xff\n'.encode('latin-1')}, NZ+sc('line 2')+sl(S))
case('secret-literals-wrong-type',{K:f'secretGenerator:\n- name: s\n  literals: "{S}"\n'}, NZ+sc('secretGenerator')+sl(S))
case('secret-resource-tag-mismatch',{K:'resources:\n- s.yaml\n','s.yaml':f'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: !!int {S}\n'}, NZ+sc('s.yaml','cannot decode')+sl(S))
case('secret-resource-bad-yaml',{K:'resources:\n- s.yaml\n','s.yaml':f'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: "{S}\n'}, NZ+sc('s.yaml')+sl(S))
case('secret-resource-separator',{K:'resources:\n- s.yaml\n','s.yaml':f'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n--- {S}\n'}, NZ+sc('s.yaml','invalid document separator')+sl(S))
case('secret-replacement-delimiter-index',{K:'resources:\n- s.yaml\n- cm.yaml\nreplacements:\n- source: {kind: Secret, name: s, fieldPath: stringData.password, options: {delimiter: "-", index: 9}}\n  targets:\n  - select: {kind: ConfigMap}\n    fieldPaths: [data.k]\n','s.yaml':SEC,'cm.yaml':CM}, NZ+sc('out of bounds')+sl(S))
case('secret-generator-clash',{K:f'secretGenerator:\n- name: s\n  literals: [a={S}]\n- name: s\n  literals: [b={S}]\n'}, NZ+sc('behavior')+sl(S))
case('secret-file-source-bad',{K:'secretGenerator:\n- name: s\n  files:\n  - a=b=c\n'}, NZ+sc('contains'))
case('secret-generator-missing-file',{K:'secretGenerator:\n- name: s\n  files:\n  - missing.txt\n'}, NZ+sc('missing.txt'))
case('secret-key-invalid',{K:f'secretGenerator:\n- name: s\n  literals:\n  - "bad key!={S}"\n'}, NZ+sc('not a valid key name')+sl(S))

for name,(files,exp,links) in cases.items():
    d=os.path.join(ROOT,name); shutil.rmtree(d, ignore_errors=True); os.makedirs(d, exist_ok=True)
    for rel,body in files.items():
        p=os.path.join(d,rel); os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p,'wb').write(body if isinstance(body,bytes) else body.encode())
    open(os.path.join(d,'expect'),'w').write(exp)
    if links: open(os.path.join(d,'symlinks'),'w').write(links)
print(len(cases))
