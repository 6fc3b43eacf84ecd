#!/usr/bin/env python3
"""The rollback thesis experiment: does re-rendering a past release reproduce what ran?

Builds a git repository holding 20 releases of a sample app, lets time pass with the
drifts that break naive rollbacks (a registry tag re-pushed, a CI-written generator input
overwritten, a base outside the pinned revision changed, a render that reads the
environment), then rolls back to every past release twice:

- naive: check out the release's commit, re-render it (kubectl kustomize piped through
  the CMP's envsubst, or `rollpin render` with --naive rollpin), let the registry resolve
  its tags as it does today, and compare with what ran at release time;
- rollpin: `rollpin verify` the checkout against the RollbackManifest recorded at release
  time; exit 0 must mean the re-render is exactly what ran, exit 3 is a refusal with the
  reason, before anything is applied.

Standard library only; shells out to git, kubectl (unless --naive rollpin) and rollpin.
Deterministic: fixed commit dates and identities, digests derived from hashes, no clock
and no randomness in what is written. See experiments/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

APP = "shop"
REPO_URL = "https://git.example.com/shop/app-repo.git"
SOURCE_PATH = "overlays/prod"
TARGET_REVISION = "main"
NAMESPACE = "shop-prod"

WEB = "registry.example.com/shop/web"
PROXY = "registry.example.com/platform/envoy"
INIT = "busybox"
REPORT = "registry.example.com/shop/report"  # only with --crd-image

# The environment of the machine that renders (the CMP sidecar). The naive CMP pipes its
# render through `envsubst '$CLUSTER_REGION'`; ZONE is read by a bare `ZONE` line of an
# env file (kustomize < 5 read it from the environment).
ENV_AT_RELEASE = {"CLUSTER_REGION": "eu-west-1", "ZONE": "eu-west-1a"}
ENV_AT_ROLLBACK = {"CLUSTER_REGION": "eu-central-1", "ZONE": "eu-central-1b"}
ENVSUBST_VARS = ("CLUSTER_REGION",)

EPOCH = 1735732800  # 2025-01-01T12:00:00Z; release i is committed at EPOCH + i days
DAY = 86400

GENERATED_NAMES = ("shop-config", "shop-db", "shop-runtime", "shop-build")
REPO_ROOT = Path(__file__).resolve().parent.parent
HASHED_NAME = re.compile(r"\b(" + "|".join(GENERATED_NAMES) + r")-[a-z0-9]{10}\b")
IMAGE_LINE = re.compile(r"(?m)^(\s*(?:- )?image: )(.*)$")


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Release:
    """What a release's commit holds. Each release changes a few fields of the last."""

    note: str
    web: str = "1.0"
    proxy: str = "v1.30"
    init: str = "1.36"
    pin_web: bool = False
    pin_proxy: bool = False
    pin_init: bool = False
    replicas: int = 2
    cache_ttl: int = 30
    checkout_v2: bool = False
    props_rev: int = 1
    ci_build_info: bool = False  # a generator reads the CI-written, git-ignored file
    mesh: str = ""  # "", "platform" (outside the app repo) or "vendored"
    env_render: bool = False  # runtime.env holds ${CLUSTER_REGION} and a bare ZONE line


def _releases() -> list[Release]:
    steps: list[dict] = [
        dict(note="first release; every image by tag; region from the environment",
             env_render=True),
        dict(note="web 1.1", web="1.1"),
        dict(note="web 1.2, cache TTL 60", web="1.2", cache_ttl=60),
        dict(note="replicas 3", replicas=3),
        dict(note="web 1.3 pinned by digest", web="1.3", pin_web=True),
        dict(note="build-info ConfigMap from the CI file; region committed",
             ci_build_info=True, env_render=False),
        dict(note="web 1.4, proxy pinned", web="1.4", pin_proxy=True),
        dict(note="init busybox 1.37 (by tag); build-info dropped", init="1.37",
             ci_build_info=False),
        dict(note="init pinned; shared mesh component from platform-base",
             pin_init=True, mesh="platform"),
        dict(note="web 1.5", web="1.5"),
        dict(note="checkout v2 on", checkout_v2=True),
        dict(note="replicas 4", replicas=4),
        dict(note="mesh component vendored into the app repo", mesh="vendored"),
        dict(note="region from the environment again", env_render=True),
        dict(note="cache TTL 90", cache_ttl=90),
        dict(note="web 1.6; region committed", web="1.6", env_render=False),
        dict(note="app.properties v2", props_rev=2),
        dict(note="web 1.7", web="1.7"),
        dict(note="replicas 5", replicas=5),
        dict(note="web 1.8", web="1.8"),
    ]
    out: list[Release] = []
    current = Release(note="")
    for s in steps:
        current = replace(current, **s)
        out.append(current)
    return out


RELEASES = _releases()

# Drifts that happen after release i (before release i+1; after 20: before the rollback).
EVENTS: dict[int, list[tuple[str, str, str]]] = {
    2: [("repush", f"{WEB}:1.1", "shop/web:1.1 re-pushed (hotfix rebuilt under the same tag)")],
    6: [("repush", f"{INIT}:1.36", "busybox:1.36 re-pushed upstream (CVE rebuild)")],
    10: [("platform", "2", "platform-base main: NetworkPolicy opens the proxy admin port")],
    11: [("repush", f"{PROXY}:v1.30", "platform/envoy:v1.30 re-pushed (patch release)")],
    12: [("platform", "3", "platform-base main: mesh policy v2, proxy memory limit")],
    15: [("repush", f"{WEB}:1.4", "shop/web:1.4 re-pushed (releases 7+ pinned it by digest)")],
}


def digest_of(ref: str, push: int) -> str:
    return "sha256:" + hashlib.sha256(f"{ref} push #{push}".encode()).hexdigest()


class Registry:
    """A tag -> digest registry whose tags can be re-pushed. Written to registry.json."""

    def __init__(self, path: Path):
        self.path = path
        self.tags: dict[str, str] = {}
        self.pushes: dict[str, int] = {}
        self.log: list[dict] = []

    def push(self, ref: str, when: str) -> str:
        n = self.pushes.get(ref, 0) + 1
        self.pushes[ref] = n
        self.tags[ref] = digest_of(ref, n)
        self.log.append({"when": when, "ref": ref, "digest": self.tags[ref]})
        self.path.write_text(json.dumps({"tags": self.tags, "log": self.log}, indent=2) + "\n")
        return self.tags[ref]

    def ensure(self, ref: str, when: str) -> str:
        return self.tags.get(ref) or self.push(ref, when)

    def snapshot(self) -> dict[str, str]:
        return dict(self.tags)


def split_ref(ref: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference."""
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    tag = None
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        ref, tag = ref[:colon], ref[colon + 1:]
    return ref, tag, digest


def resolve_ref(ref: str, tags: dict[str, str]) -> str:
    """What a node pulls: `repo@digest`. A digest wins; a tag goes through the registry."""
    repo, tag, digest = split_ref(ref)
    if digest:
        return f"{repo}@{digest}"
    got = tags.get(f"{repo}:{tag or 'latest'}")
    return f"{repo}@{got}" if got else f"{ref} (NOT IN REGISTRY)"


def resolve_stream(stream: str, tags: dict[str, str]) -> str:
    def sub(m: re.Match) -> str:
        ref = m.group(2).strip().strip("'\"")
        return m.group(1) + resolve_ref(ref, tags)

    return IMAGE_LINE.sub(sub, stream)


# --------------------------------------------------------------------------- files


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


BASE_KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
labels:
- pairs:
    app.kubernetes.io/name: shop
  includeSelectors: true
resources:
- deployment.yaml
- service.yaml
configMapGenerator:
- name: shop-config
  files:
  - config/app.properties
  literals:
  - CACHE_TTL=30
  - FEATURE_CHECKOUT_V2=false
secretGenerator:
- name: shop-db
  envs:
  - db.env
"""

BASE_DEPLOYMENT = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  template:
    spec:
      initContainers:
      - name: wait-for-db
        image: {INIT}:1.36
        command: ["sh", "-c", "until nc -z db 5432; do sleep 2; done"]
      containers:
      - name: app
        image: {WEB}:1.0
        ports:
        - containerPort: 8080
        envFrom:
        - configMapRef:
            name: shop-config
        - configMapRef:
            name: shop-runtime
        - secretRef:
            name: shop-db
        volumeMounts:
        - name: config
          mountPath: /etc/shop
      - name: proxy
        image: {PROXY}:v1.30
        args: ["--config-path", "/etc/envoy/envoy.yaml"]
        ports:
        - containerPort: 8443
      volumes:
      - name: config
        configMap:
          name: shop-config
"""

BASE_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - name: https
    port: 443
    targetPort: 8443
"""

# --crd-image: a nightly report job as an Argo Workflows CronWorkflow. Its container image
# sits outside any pod template (rollpin pins it as a field image, spec.images).
BASE_CRONWORKFLOW = f"""\
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: nightly-report
spec:
  schedule: "0 2 * * *"
  workflowSpec:
    entrypoint: report
    templates:
    - name: report
      container:
        image: {REPORT}:1.0
        args: ["--since", "24h"]
"""
CRD_IMAGE_EVENT = (16, ("repush", f"{REPORT}:1.0", "shop/report:1.0 re-pushed (--crd-image)"))

DB_ENV = "DB_HOST=db.shop-prod.svc\nDB_NAME=shop\nDB_USER=shop\n"


def app_properties(rev: int) -> str:
    lines = ["server.port=8080", "checkout.currency=EUR", "checkout.timeout=5s"]
    if rev >= 2:
        lines += ["checkout.retries=3", "search.backend=opensearch"]
    return "\n".join(lines) + "\n"


def mesh_component(version: int) -> dict[str, str]:
    """The shared mesh component as platform-base holds it at `version`."""
    ports = "  - ports:\n    - port: 8443\n"
    if version >= 2:
        ports += "    - port: 9901\n"
    netpol = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web-mesh\n"
        "spec:\n  podSelector:\n    matchLabels:\n      app.kubernetes.io/name: shop\n"
        "  policyTypes:\n  - Ingress\n  ingress:\n" + ports
    )
    policy = "v2" if version >= 3 else "v1"
    patch = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n"
        "    metadata:\n      annotations:\n        mesh.example.com/inject: \"true\"\n"
        f"        mesh.example.com/policy: {policy}\n"
    )
    if version >= 3:
        patch += (
            "    spec:\n      containers:\n      - name: proxy\n        resources:\n"
            "          limits:\n            memory: 128Mi\n"
        )
    kustomization = (
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n"
        "- networkpolicy.yaml\npatches:\n- path: mesh-patch.yaml\n"
    )
    return {
        "kustomization.yaml": kustomization,
        "networkpolicy.yaml": netpol,
        "mesh-patch.yaml": patch,
    }


BUILD_INFO_PATCH = """\
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      template:
        spec:
          containers:
          - name: app
            volumeMounts:
            - name: build-info
              mountPath: /etc/shop/build
          volumes:
          - name: build-info
            configMap:
              name: shop-build
"""


def image_entry(name: str, tag: str, digest: str | None) -> str:
    s = f"- name: {name}\n  newTag: \"{tag}\"\n"
    if digest:
        s += f"  digest: {digest}\n"
    return s


def overlay_kustomization(r: Release, digests: dict[str, str]) -> str:
    s = (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"namespace: {NAMESPACE}\nresources:\n- ../../base\n"
    )
    if r.mesh == "platform":
        s += "components:\n- ../../../platform-base/components/mesh\n"
    elif r.mesh == "vendored":
        s += "components:\n- ../../components/mesh\n"
    s += f"replicas:\n- name: web\n  count: {r.replicas}\n"
    s += "images:\n"
    s += image_entry(WEB, r.web, digests.get(WEB))
    s += image_entry(PROXY, r.proxy, digests.get(PROXY))
    s += image_entry(INIT, r.init, digests.get(INIT))
    s += (
        "configMapGenerator:\n- name: shop-config\n  behavior: merge\n  literals:\n"
        f"  - CACHE_TTL={r.cache_ttl}\n"
        f"  - FEATURE_CHECKOUT_V2={'true' if r.checkout_v2 else 'false'}\n"
        "- name: shop-runtime\n  envs:\n  - runtime.env\n"
    )
    if r.ci_build_info:
        s += "- name: shop-build\n  files:\n  - build-info.properties\n"
        s += "patches:\n" + BUILD_INFO_PATCH
    return s


def runtime_env(r: Release) -> str:
    if r.env_render:
        # ${CLUSTER_REGION}: filled in by the CMP's envsubst; ZONE: a bare key, read from
        # the environment by kustomize < 5, "" for kustomize >= 5 and rollpin.
        return "LOG_LEVEL=info\nREGION=${CLUSTER_REGION}\nZONE\n"
    return "LOG_LEVEL=info\nREGION=eu-west-1\n"


# --------------------------------------------------------------------------- processes


class Runner:
    def __init__(self, ws: Path):
        self.ws = ws
        home = ws / "home"
        home.mkdir(exist_ok=True)
        self.base_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": "Shop CI",
            "GIT_AUTHOR_EMAIL": "ci@shop.example.com",
            "GIT_COMMITTER_NAME": "Shop CI",
            "GIT_COMMITTER_EMAIL": "ci@shop.example.com",
        }

    def run(self, cmd: list[str], cwd: Path, env: dict | None = None, check: bool = True,
            when: int | None = None) -> subprocess.CompletedProcess:
        e = dict(self.base_env)
        if when is not None:
            stamp = f"{EPOCH + when * DAY // 4} +0000"
            e["GIT_AUTHOR_DATE"] = stamp
            e["GIT_COMMITTER_DATE"] = stamp
        e.update(env or {})
        p = subprocess.run(cmd, cwd=cwd, env=e, capture_output=True, text=True)
        if check and p.returncode != 0:
            raise SystemExit(
                f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}{p.stdout}")
        return p

    def git(self, repo: Path, *args: str, when: int | None = None) -> str:
        return self.run(["git", *args], cwd=repo, when=when).stdout.strip()


def envsubst(text: str, env: dict[str, str], names: tuple[str, ...]) -> str:
    """`envsubst '$A $B'`: only the listed variables, `$A` and `${A}`, unset -> ""."""
    for n in names:
        v = env.get(n, "")
        text = re.sub(r"\$\{" + n + r"\}|\$" + n + r"\b", lambda _m: v, text)
    return text


def strip_records(stream: str) -> str:
    """The render output without the RollbackManifest document(s)."""
    docs = re.split(r"(?m)^---\n", stream)
    keep = [d for d in docs if not re.search(r"(?m)^kind: RollbackManifest$", d)]
    return "---\n".join(keep)


def sha256(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- explaining


def docs_by_key(stream: str) -> dict[tuple[str, str], str]:
    out = {}
    for d in re.split(r"(?m)^---\n", stream):
        if not d.strip():
            continue
        kind = re.search(r"(?m)^kind: (.+)$", d)
        meta = re.search(r"(?m)^metadata:\n((?:[ ].*\n)*)", d)
        name = re.search(r"(?m)^  name: (.+)$", meta.group(1)) if meta else None
        k = (kind.group(1) if kind else "?", name.group(1) if name else "?")
        out[(k[0], HASHED_NAME.sub(r"\1", k[1]))] = HASHED_NAME.sub(r"\1-<hash>", d)
    return out


def short_image(ref: str) -> str:
    ref = re.sub(r"^registry\.example\.com/", "", ref)
    return re.sub(r"@sha256:([0-9a-f]{8})[0-9a-f]+", r"@sha256:\1…", ref)


def container_images(doc: str) -> dict[str, str]:
    """container name -> image of every list item holding both `image:` and `name:`."""
    lines = doc.splitlines()

    def key_indent(line: str) -> int:
        m = re.match(r"^(\s*)(- )?", line)
        return len(m.group(1)) + (2 if m.group(2) else 0)

    out: dict[str, str] = {}
    for idx, line in enumerate(lines):
        m = re.match(r"^\s*(?:- )?image: (.*)$", line)
        if not m:
            continue
        k = key_indent(line)
        start = idx  # the line opening the list item that holds this image
        while start > 0 and not (re.match(r"^\s*- ", lines[start])
                                 and key_indent(lines[start]) == k):
            if key_indent(lines[start - 1]) < k and not re.match(r"^\s*- ", lines[start - 1]):
                break
            start -= 1
        name = None
        for j in range(start, len(lines)):
            if j > start and (key_indent(lines[j]) < k or re.match(r"^\s*- ", lines[j])
                              and key_indent(lines[j]) == k):
                break
            mm = re.match(r"^\s*(?:- )?name: (.*)$", lines[j])
            if mm and key_indent(lines[j]) == k:
                name = mm.group(1).strip()
        out[name or f"#{idx}"] = m.group(1).strip().strip("'\"")
    return out


def explain(ran_raw: str, ran_res: str, now_raw: str, now_res: str) -> str:
    """Why the re-render differs from what ran, in a few words."""
    a_res = docs_by_key(ran_res)
    b_raw, b_res = docs_by_key(now_raw), docs_by_key(now_res)
    a_raw = docs_by_key(ran_raw)
    reasons: list[str] = []
    for key in sorted(set(a_res) | set(b_res), key=lambda k: (k not in a_res, k)):
        kind, name = key
        if key not in b_res:
            reasons.append(f"{kind} {name} gone")
            continue
        if key not in a_res:
            reasons.append(f"new {kind} {name}")
            continue
        if a_res[key] == b_res[key]:
            continue
        ia, ib = container_images(a_res[key]), container_images(b_res[key])
        ra, rb = container_images(a_raw[key]), container_images(b_raw[key])
        for c in sorted(set(ia) | set(ib)):
            if ia.get(c) == ib.get(c):
                continue
            ref = rb.get(c) or ra.get(c) or "?"
            if ra.get(c) == rb.get(c) and "@" not in ref:
                reasons.append(f"tag {short_image(ref)} moved")
            else:
                reasons.append(f"container {c} image {short_image(ref)}")
        strip = lambda s: sorted(IMAGE_LINE.sub("", s).splitlines())  # noqa: E731
        if strip(a_res[key]) != strip(b_res[key]) or list(ia) != list(ib) and not reasons:
            what = "data" if kind in ("ConfigMap", "Secret") else "spec"
            reasons.append(f"{kind} {name} {what}")
    if not reasons:
        return "stream differs"
    more = f"; +{len(reasons) - 3} more" if len(reasons) > 3 else ""
    return "; ".join(reasons[:3]) + more


def shorten_report_line(line: str) -> str:
    line = line.strip()
    line = re.sub(r"sha256:([0-9a-f]{8})[0-9a-f]{56}", r"sha256:\1…", line)
    line = line.replace("registry.example.com/", "")
    line = line.replace("; a rollback would run whatever the registry serves for it", "")
    line = re.sub(r"\s+", " ", line)
    return line


# --------------------------------------------------------------------------- the run


@dataclass
class Shipped:
    """What release i looked like when it shipped."""

    index: int
    sha: str
    release: Release
    naive_raw: str
    naive_ran: str
    rollpin_raw: str
    rollpin_ran: str
    record: Path
    registry: dict[str, str]
    platform_head: str
    build_info: str
    tag_only: list[str] = field(default_factory=list)


def release_summary(r: Release) -> str:
    pinned = [n for n, p in (("web", r.pin_web), ("proxy", r.pin_proxy), ("init", r.pin_init)) if p]
    by_tag = [n for n, p in (("web", r.pin_web), ("proxy", r.pin_proxy), ("init", r.pin_init))
              if not p]
    if not by_tag:
        imgs = "all images @digest"
    elif not pinned:
        imgs = "all images by tag"
    else:
        imgs = f"{', '.join(pinned)} @digest; {', '.join(by_tag)} by tag"
    return f"{r.note} ({imgs})"


def md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rollpin", default=str(REPO_ROOT / "target" / "release" / "rollpin"),
                    help="the rollpin binary (default: target/release/rollpin of this "
                         "checkout)")
    ap.add_argument("--naive", choices=("kubectl", "rollpin"), default="kubectl",
                    help="naive renderer: kubectl kustomize | envsubst (default), or "
                         "rollpin render without the record (no kubectl needed)")
    ap.add_argument("--kubectl", default="kubectl", help="the kubectl binary")
    ap.add_argument("--out", help="also write the result (markdown) to this file")
    ap.add_argument("--keep", action="store_true", help="keep the workspace")
    ap.add_argument("--crd-image", action="store_true",
                    help="variant: also ship a CronWorkflow with a tag-only image outside any "
                         "pod spec (shows what a WRONG row looks like)")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 unless rollpin is 100%% exact-or-refused (never WRONG/error)")
    args = ap.parse_args()

    started = time.monotonic()
    rollpin = Path(args.rollpin).resolve()
    if not rollpin.is_file():
        print(f"error: rollpin binary {rollpin} not found (cargo build --release)",
              file=sys.stderr)
        return 2
    if args.naive == "kubectl" and not shutil.which(args.kubectl):
        print(f"error: {args.kubectl} not found; use --naive rollpin", file=sys.stderr)
        return 2

    ws = Path(tempfile.mkdtemp(prefix="rollpin-thesis-")).resolve()
    try:
        return run_experiment(args, rollpin, ws, started)
    finally:
        if args.keep:
            print(f"workspace kept: {ws}", file=sys.stderr)
        else:
            shutil.rmtree(ws, ignore_errors=True)


def run_experiment(args, rollpin: Path, ws: Path, started: float) -> int:
    rn = Runner(ws)
    app = ws / "app-repo"
    plat = ws / "platform-base"
    records = ws / "records"
    records.mkdir()
    (ws / "registry").mkdir()
    registry = Registry(ws / "registry" / "registry.json")
    use_kubectl = args.naive == "kubectl"

    # Tool facts, printed with the results.
    facts: list[str] = []
    rollpin_version = rn.run([str(rollpin), "--version"], cwd=ws, check=False).stdout.strip()
    facts.append(f"rollpin: `{rollpin_version or 'unknown version'}`")
    kubectl_reads_env = False
    if use_kubectl:
        v = rn.run([args.kubectl, "version", "--client", "-o", "json"], cwd=ws, check=False)
        try:
            kv = json.loads(v.stdout)
            facts.append(f"kubectl: {kv['clientVersion']['gitVersion']}, "
                         f"kustomize {kv.get('kustomizeVersion', '?')}")
        except (ValueError, KeyError):
            facts.append("kubectl: version unknown")
        probe = ws / "probe"
        write(probe / "kustomization.yaml",
              "configMapGenerator:\n- name: probe\n  envs:\n  - probe.env\n")
        write(probe / "probe.env", "PROBE_VAR\n")
        p = rn.run([args.kubectl, "kustomize", str(probe)], cwd=ws,
                   env={"PROBE_VAR": "from-the-environment"}, check=False)
        kubectl_reads_env = "from-the-environment" in p.stdout
        facts.append(
            "probe: an env-file line `KEY` without `=` with `KEY` set in the environment "
            + ("is read from the environment by this kubectl kustomize"
               if kubectl_reads_env else
               "gives `\"\"` in this kubectl kustomize (kustomize >= 5.0 no longer reads "
               "the environment there), so the environment reaches the naive render only "
               "through the CMP's `envsubst`"))
    else:
        facts.append("the naive renderer is hermetic, so the environment-dependent drift "
                     "cannot affect the naive path here")
    if args.crd_image:
        facts.append("variant `--crd-image`: the base also ships a CronWorkflow whose "
                     "container image is a tag; rollpin does not pin images outside "
                     "workload pod specs, so its tag moving is not caught")

    # platform-base: a second repository, checked out at its moving branch head.
    plat.mkdir()
    rn.git(plat, "init", "-q", "-b", "main")
    platform_version = 1

    def commit_platform(version: int, when: int, msg: str) -> str:
        for name, text in mesh_component(version).items():
            write(plat / "components" / "mesh" / name, text)
        rn.git(plat, "add", "-A")
        rn.git(plat, "commit", "-q", "-m", msg, when=when)
        return rn.git(plat, "rev-parse", "HEAD")

    commit_platform(1, 0, "mesh component v1")

    # app-repo
    app.mkdir()
    rn.git(app, "init", "-q", "-b", "main")
    write(app / ".gitignore",
          "# written by CI before each deploy\n/overlays/prod/build-info.properties\n")
    write(app / "base" / "kustomization.yaml", BASE_KUSTOMIZATION)
    write(app / "base" / "deployment.yaml", BASE_DEPLOYMENT)
    write(app / "base" / "service.yaml", BASE_SERVICE)
    events = {k: list(v) for k, v in EVENTS.items()}
    if args.crd_image:
        write(app / "base" / "cronworkflow.yaml", BASE_CRONWORKFLOW)
        base_k = BASE_KUSTOMIZATION.replace(
            "- service.yaml\n", "- service.yaml\n- cronworkflow.yaml\n")
        write(app / "base" / "kustomization.yaml", base_k)
        events.setdefault(CRD_IMAGE_EVENT[0], []).append(CRD_IMAGE_EVENT[1])
    write(app / "base" / "db.env", DB_ENV)
    build_info_file = app / "overlays" / "prod" / "build-info.properties"

    def naive_render(env: dict[str, str]) -> subprocess.CompletedProcess:
        if use_kubectl:
            p = rn.run([args.kubectl, "kustomize", SOURCE_PATH], cwd=app, env=env, check=False)
            if p.returncode == 0:
                p.stdout = envsubst(p.stdout, env, ENVSUBST_VARS)
            return p
        return rn.run([str(rollpin), "render", SOURCE_PATH, "--root", str(ws)], cwd=app,
                      env=env, check=False)

    shipped: list[Shipped] = []
    timeline: list[str] = []
    parity = 0
    for i, r in enumerate(RELEASES, start=1):
        stage = f"release {i}"
        # CI resolves the tags it deploys (pushing new ones); pinned images carry the
        # digest the registry serves at release time.
        digests: dict[str, str] = {}
        tag_only: list[str] = []
        for repo, tag, pin in ((WEB, r.web, r.pin_web), (PROXY, r.proxy, r.pin_proxy),
                               (INIT, r.init, r.pin_init)):
            d = registry.ensure(f"{repo}:{tag}", stage)
            if pin:
                digests[repo] = d
            else:
                tag_only.append(f"{repo}:{tag}")
        if args.crd_image:
            registry.ensure(f"{REPORT}:1.0", stage)
            tag_only.append(f"{REPORT}:1.0")
        write(app / "overlays" / "prod" / "kustomization.yaml", overlay_kustomization(r, digests))
        write(app / "overlays" / "prod" / "runtime.env", runtime_env(r))
        write(app / "base" / "config" / "app.properties", app_properties(r.props_rev))
        vendored = app / "components" / "mesh"
        if r.mesh == "vendored" and not vendored.exists():
            for name, text in mesh_component(platform_version).items():
                write(vendored / name, text)
        rn.git(app, "add", "-A")
        rn.git(app, "commit", "-q", "-m", f"release {i}: {r.note}", when=4 * i)
        sha = rn.git(app, "rev-parse", "HEAD")
        # CI writes the build-info file (git-ignored) before every deploy.
        build_info = f"BUILD_NUMBER={1000 + i}\nGIT_COMMIT={sha}\nPIPELINE=deploy-prod\n"
        write(build_info_file, build_info)
        platform_head = rn.git(plat, "rev-parse", "HEAD")

        p = naive_render(ENV_AT_RELEASE)
        if p.returncode != 0:
            raise SystemExit(f"release {i}: naive render failed:\n{p.stderr}")
        naive_raw = p.stdout
        record = records / f"{APP}-release-{i:02d}.yaml"
        p = rn.run([str(rollpin), "render", SOURCE_PATH, "--release-record", "--app", APP,
                    "--revision", sha, "--repo-url", REPO_URL, "--source-path", SOURCE_PATH,
                    "--target-revision", TARGET_REVISION, "--root", str(ws)],
                   cwd=app, env=ENV_AT_RELEASE, check=False)
        if p.returncode != 0:
            raise SystemExit(f"release {i}: rollpin render failed:\n{p.stderr}")
        record.write_text(p.stdout)  # what the cluster holds: the stream and the record
        rollpin_raw = strip_records(p.stdout)
        m = re.search(r"(?m)^  renderDigest: (\S+)$", p.stdout)
        if not m or m.group(1) != sha256(rollpin_raw):
            raise SystemExit(f"release {i}: renderDigest does not match the stream")
        if use_kubectl:
            k = rn.run([args.kubectl, "kustomize", SOURCE_PATH], cwd=app,
                       env=ENV_AT_RELEASE, check=False)
            parity += k.stdout == rollpin_raw
        tags_now = registry.snapshot()
        shipped.append(Shipped(
            index=i, sha=sha, release=r,
            naive_raw=naive_raw, naive_ran=resolve_stream(naive_raw, tags_now),
            rollpin_raw=rollpin_raw, rollpin_ran=resolve_stream(rollpin_raw, tags_now),
            record=record, registry=tags_now, platform_head=platform_head,
            build_info=build_info, tag_only=tag_only))

        for kind, arg, text in events.get(i, []):
            if kind == "repush":
                registry.push(arg, f"after release {i}")
            elif kind == "platform":
                platform_version = int(arg)
                commit_platform(platform_version, 4 * i + 2, text)
            timeline.append(f"after release {i}: {text}")
    timeline.append("every release: CI overwrites the git-ignored "
                    "overlays/prod/build-info.properties (BUILD_NUMBER, GIT_COMMIT)")
    timeline.append("at rollback time: the CMP sidecar's environment is "
                    + ", ".join(f"{k}={v}" for k, v in ENV_AT_ROLLBACK.items())
                    + " (at release time: "
                    + ", ".join(f"{k}={v}" for k, v in ENV_AT_RELEASE.items()) + ")")

    # ------------------------------------------------------------ rollback to each release
    tags_now = registry.snapshot()
    platform_now = rn.git(plat, "rev-parse", "HEAD")
    build_info_now = build_info_file.read_text()
    env_differs = any(ENV_AT_RELEASE.get(v) != ENV_AT_ROLLBACK.get(v)
                      for v in ENVSUBST_VARS)
    rows: list[list[str]] = []
    counts = {"reproduced": 0, "exact": 0, "refused": 0, "WRONG": 0, "error": 0}
    model_mismatch: list[str] = []
    for s in shipped:
        r = s.release
        drifts: list[str] = []
        for ref in s.tag_only:
            if tags_now.get(ref) != s.registry.get(ref):
                drifts.append(f"tag {short_image(ref)} moved")
        if r.ci_build_info and build_info_now != s.build_info:
            drifts.append("generator input edited")
        if r.mesh == "platform" and platform_now != s.platform_head:
            drifts.append("outside base changed")
        if r.env_render and env_differs:
            drifts.append("env differs" + ("" if use_kubectl else " (inert for naive)"))
        naive_affected = [d for d in drifts if not d.endswith("(inert for naive)")]

        # In-place checkout, as the CI working copy does: ignored files survive.
        rn.git(app, "checkout", "-q", "--detach", s.sha)

        # naive
        p = naive_render(ENV_AT_ROLLBACK)
        if p.returncode != 0:
            naive = "differs: re-render failed: " + (p.stderr.strip().splitlines() or ["?"])[0]
            naive_ok = False
        else:
            now = resolve_stream(p.stdout, tags_now)
            naive_ok = now == s.naive_ran
            naive = "reproduced" if naive_ok else (
                "differs: " + explain(s.naive_raw, s.naive_ran, p.stdout, now))
        counts["reproduced"] += naive_ok
        if naive_ok == bool(naive_affected):
            got = "reproduced" if naive_ok else "differs"
            model_mismatch.append(f"release {s.index}: naive {got} but the model expects "
                                  f"drifts {naive_affected or 'none'}")

        # rollpin
        verify = [str(rollpin), "verify", SOURCE_PATH, "--record", str(s.record),
                  "--root", str(ws)]
        v = rn.run(verify, cwd=app, env=ENV_AT_ROLLBACK, check=False)
        if v.returncode == 0:
            p = rn.run([str(rollpin), "render", SOURCE_PATH, "--root", str(ws)], cwd=app,
                       env=ENV_AT_ROLLBACK, check=False)
            now = resolve_stream(p.stdout, tags_now) if p.returncode == 0 else None
            if now == s.rollpin_ran:
                outcome, rp = "exact", "exact"
            else:
                outcome = "WRONG"
                rp = "WRONG: verify passed but the re-render is not what ran: " + (
                    explain(s.rollpin_raw, s.rollpin_ran, p.stdout, now) if now is not None
                    else p.stderr.strip())
        elif v.returncode == 3:
            outcome = "refused"
            j = rn.run(verify + ["-o", "json"], cwd=app, env=ENV_AT_ROLLBACK, check=False)
            kinds: dict[str, int] = {}
            try:
                for d in json.loads(j.stdout)["drift"]:
                    kinds[d["field"]] = kinds.get(d["field"], 0) + 1
            except (ValueError, KeyError):
                pass
            lines = [ln for ln in v.stdout.splitlines()[1:] if ln.startswith("  ")]
            first = shorten_report_line(lines[0]) if lines else "(no reason line)"
            tally = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
            rp = f"refused ({tally}): {first}"
        else:
            outcome = "error"
            rp = f"error (exit {v.returncode}): " + (v.stderr.strip().splitlines() or ["?"])[0]
        counts[outcome] += 1
        summary_text = release_summary(r)
        if args.crd_image:
            summary_text += " + report job by tag"
        rows.append([str(s.index), f"`{s.sha[:7]}`", md_cell(summary_text),
                     md_cell("; ".join(drifts) or "—"), md_cell(naive), md_cell(rp)])
    rn.git(app, "checkout", "-q", "main")

    n = len(shipped)
    good = counts["exact"] + counts["refused"]
    summary = (f"naive reproduced {counts['reproduced']}/{n}; rollpin exact {counts['exact']}, "
               f"refused {counts['refused']}, wrong {counts['WRONG']}"
               + (f", error {counts['error']}" if counts["error"] else "")
               + f" → exact-or-refused {good}/{n} ({100 * good // n}%, target 100%)")

    naive_desc = ("`kubectl kustomize overlays/prod | envsubst '$CLUSTER_REGION'` (the naive CMP)"
                  if use_kubectl else "`rollpin render overlays/prod` without the record")
    out = ["# Rollback thesis: results", "",
           "Generated by `python3 experiments/rollback_thesis.py"
           + ("" if use_kubectl else " --naive rollpin")
           + (" --crd-image" if args.crd_image else "") + "`; see experiments/README.md.",
           "", f"- naive renderer: {naive_desc}"]
    out += [f"- {f}" for f in facts]
    out += [f"- app-repo head after release {n}: `{shipped[-1].sha}`",
            f"- renderer parity at release time (rollpin stream == kubectl kustomize output): "
            f"{parity}/{n}" if use_kubectl else "- renderer parity: not checked (no kubectl)",
            "", "## Drifts as time passes", ""]
    out += [f"- {t}" for t in timeline]
    out += ["", "## Rolling back to each release", "",
            "| # | commit | release | drifts affecting it | naive re-render | rollpin |",
            "|---|---|---|---|---|---|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    out += ["", f"**{summary}**", ""]
    if model_mismatch:
        out += ["## Model check failures", ""] + [f"- {m}" for m in model_mismatch] + [""]
    text = "\n".join(out)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
    print(f"(runtime {time.monotonic() - started:.1f}s)", file=sys.stderr)
    if args.check and (good != n or counts["WRONG"] or counts["error"]):
        print(f"check failed: rollpin exact-or-refused {good}/{n} "
              f"(WRONG {counts['WRONG']}, error {counts['error']})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
