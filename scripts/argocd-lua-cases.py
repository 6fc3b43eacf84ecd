#!/usr/bin/env python3
"""Runs Argo CD's own Lua health cases through `rollpin health --lua-dir`.

Usage (from the repository root, with an Argo CD source tree of the version you run):

    python3 scripts/argocd-lua-cases.py ARGO_CD_SOURCE/resource_customizations [ROLLPIN]
    python3 scripts/argocd-lua-cases.py --go ARGO_CD_SOURCE/gitops-engine/pkg/health [ROLLPIN]
    python3 scripts/argocd-lua-cases.py --builtin ARGO_CD_SOURCE/resource_customizations [ROLLPIN]

With `--builtin`, the Lua cases run without `--lua-dir`: rollpin's own reproductions of
Argo CD's Lua (Rollout, AnalysisRun, CronJob, …, cert-manager, external-secrets) are
compared, and cases that rollpin's generic conditions decide are counted apart.

With `--go`, the assertions of gitops-engine's `health_test.go` (`assertAppHealth(t, FILE,
HealthStatusX)` and `assert.Nil(t, getHealthStatus(t, FILE))`) are checked instead: the
status of each file without any script (Argo CD's built-in checks). A file Argo CD gives
no health that rollpin assesses with its generic conditions is counted apart.

Every `health_test.yaml` under the directory lists cases (an input object and the health
Argo CD's test expects); each input is assessed by `rollpin health --lua-dir DIR -o json`
and its status and message compared. Argo CD's cases call the scripts directly, while
Argo CD's controller says "Pending deletion" for any object with a deletionTimestamp before
a script runs (gitops-engine `GetResourceHealth`), as rollpin does: such cases are counted
apart. Prints the counts and every other difference; exits 1 when there is one, or when
no case was found (nothing compared is not a pass).

Needs Python 3.9+ and PyYAML. Nothing of Argo CD's is copied into this repository.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

try:
    import yaml
except ImportError:
    sys.exit("PyYAML is needed (Debian: python3-yaml)")


def go_cases(health_dir: str, rollpin: str) -> int:
    import re

    with open(os.path.join(health_dir, "health_test.go"), encoding="utf-8") as f:
        test = f.read()
    cases = [(m[0], m[1]) for m in re.findall(r'assertAppHealth\(t, "([^"]+)", HealthStatus(\w+)\)', test)]
    cases += [(m, None) for m in re.findall(r'assert\.Nil\(t, getHealthStatus\(t, "([^"]+)"\)\)', test)]
    same = generic = 0
    differences = []
    for path, want in cases:
        run = subprocess.run(
            [rollpin, "health", "-o", "json", os.path.join(health_dir, path)],
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            differences.append(f"{path}: exit {run.returncode}: {run.stderr.strip()}")
            continue
        resource = json.loads(run.stdout)["resources"][0]
        got = (resource.get("health") or {}).get("status")
        if got == want:
            same += 1
        elif want is None and str(resource.get("assessedBy", "")).startswith("generic"):
            generic += 1
        else:
            differences.append(f"{path}: Argo CD {want}, rollpin {got} ({resource.get('assessedBy')})")
    if not cases:
        sys.exit(f"{health_dir}/health_test.go: no assertions found; nothing was compared")
    print(f"{same}/{len(cases)} assertions give Argo CD's status")
    print(f"{generic} objects without a health in Argo CD are assessed by rollpin's generic conditions")
    for d in differences:
        print(d)
    return 1 if differences else 0


def lua_cases(library: str, rollpin: str, builtin: bool) -> int:
    total = same = deleting = generic = 0
    differences = []
    for root, _, files in sorted(os.walk(library)):
        if "health_test.yaml" not in files:
            continue
        with open(os.path.join(root, "health_test.yaml"), encoding="utf-8") as f:
            suite = yaml.safe_load(f) or {}
        for case in suite.get("tests") or []:
            total += 1
            # One of Argo CD's suites spells the key `inputpath`.
            input_path = case.get("inputPath") or case.get("inputpath")
            path = os.path.join(root, input_path)
            want = case.get("healthStatus") or {}
            want = (want.get("status", ""), want.get("message", "") or "")
            lua = [] if builtin else ["--lua-dir", library]
            run = subprocess.run(
                [rollpin, "health", *lua, "-o", "json", path],
                capture_output=True,
                text=True,
            )
            where = os.path.relpath(path, library)
            if run.returncode != 0:
                differences.append(f"{where}: exit {run.returncode}: {run.stderr.strip()}")
                continue
            resources = json.loads(run.stdout)["resources"]
            health = resources[0].get("health") or {} if len(resources) == 1 else {}
            got = (health.get("status", ""), health.get("message", "") or "")
            if got == want:
                same += 1
            elif got == ("Progressing", "Pending deletion"):
                deleting += 1
            elif builtin and str(resources[0].get("assessedBy", "")).startswith("generic"):
                generic += 1
            else:
                by = resources[0].get("assessedBy") if resources else None
                differences.append(f"{where}: Argo CD's case {want!r}, rollpin {got!r} ({by})")
    if total == 0:
        sys.exit(f"{library}: no health_test.yaml cases found; nothing was compared")
    print(f"{same}/{total} cases give Argo CD's status and message")
    print(f"{deleting} objects with a deletionTimestamp are Pending deletion, as in Argo CD's controller")
    if builtin:
        print(f"{generic} cases of kinds rollpin does not reproduce are decided by its generic conditions")
    for d in differences:
        print(d)
    return 1 if differences else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--go", action="store_true", help="gitops-engine's health_test.go assertions")
    mode.add_argument("--builtin", action="store_true", help="Lua cases without --lua-dir")
    ap.add_argument("dir")
    ap.add_argument("rollpin", nargs="?", default="target/release/rollpin")
    a = ap.parse_args()
    if a.go:
        return go_cases(a.dir, a.rollpin)
    return lua_cases(a.dir, a.rollpin, a.builtin)


if __name__ == "__main__":
    sys.exit(main())
