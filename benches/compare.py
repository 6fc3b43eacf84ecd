#!/usr/bin/env python3
"""Compare rollpin with `kubectl kustomize`: wall time, peak memory, identical output.

Usage (from the repository root):

    python3 benches/compare.py --rollpin target/release/rollpin [--runs 5]
        [--corpus ../shared/corpus/kustomize] [--scale 300] [--extra DIR ...]
    python3 benches/compare.py --rollpin target/release/rollpin --quick

For every case the two renderers run alternately (rollpin, kubectl, rollpin,
kubectl, ...) so that background load hits both alike. Wall time is measured
around spawn + wait; peak RSS is the renderer's `ru_maxrss` from `os.wait4` (KiB on
Linux; measured through a tiny launcher, see run_once). Outputs are compared byte
for byte; a difference or a failed run is reported in the table, it does not stop
the benchmark.

The Markdown report goes to stdout; progress goes to stderr.
Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CORPUS_CASES = [
    "argoproj+argo-cd/manifests/ha/cluster-install",
    "argoproj+argo-cd/manifests/cluster-install",
    "kubeflow+manifests/applications/kserve/kserve",
    "kubeflow+manifests/experimental/ray/kuberay-operator/base",
]
EXAMPLE_CASES = ["base", "overlays/staging", "overlays/production"]


@dataclass
class Run:
    wall: float  # seconds
    maxrss_kib: int
    status: int  # exit code, or -signal
    stdout: bytes
    stderr: bytes


@dataclass
class Case:
    name: str
    path: Path
    rollpin: list[Run] = field(default_factory=list)
    kubectl: list[Run] = field(default_factory=list)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# Why the launcher: on Linux a child's ru_maxrss starts at the *parent's* peak RSS
# (fork copies the mm's high-water mark and exec keeps it), so a renderer spawned
# straight from this Python process would report at least Python's own peak (100+ MiB
# after reading large outputs). Instead a tiny shell forks the renderer in the
# background, prints its pid and exits; this process is a child subreaper
# (prctl PR_SET_CHILD_SUBREAPER), so the orphaned renderer is re-parented here and
# os.wait4 on it returns its own rusage, with a baseline of the shell's ~1 MiB.
PR_SET_CHILD_SUBREAPER = 36
LAUNCHER = [shutil.which("dash") or "/bin/sh", "-c", '"$@" 9>&- & echo $! >&9', "launcher"]
_subreaper = False


def become_subreaper() -> bool:
    global _subreaper
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        _subreaper = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        _subreaper = False
    return _subreaper


def run_once(argv: list[str], timeout: float) -> Run:
    """Run argv; return wall time, the renderer's own peak RSS, exit status and output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        if _subreaper:
            rfd, wfd = os.pipe()
            start = time.perf_counter()
            sh = subprocess.Popen(LAUNCHER + argv, stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=err, pass_fds=(9,), close_fds=True,
                                  preexec_fn=lambda: os.dup2(wfd, 9))
            os.close(wfd)
            with os.fdopen(rfd) as r:
                pid = int(r.readline())
            sh.wait()
        else:  # not Linux: RSS includes this process's peak, see above
            start = time.perf_counter()
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
            pid = proc.pid
        timer = threading.Timer(timeout, os.kill, (pid, 9))  # a hung run is killed
        timer.start()
        try:
            _, wstatus, rusage = os.wait4(pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        if not _subreaper:
            proc.returncode = os.waitstatus_to_exitcode(wstatus)  # keep Popen from waiting
        out.seek(0)
        err.seek(0)
        return Run(wall, rusage.ru_maxrss, os.waitstatus_to_exitcode(wstatus), out.read(),
                   err.read())


def doc_count(yaml_bytes: bytes) -> int:
    if not yaml_bytes.strip():
        return 0
    return yaml_bytes.count(b"\n---\n") + (0 if yaml_bytes.startswith(b"---\n") else 1)


def fmt_s(sec: float | None) -> str:
    if sec is None:
        return "–"
    return f"{sec * 1000:.0f} ms" if sec < 1 else f"{sec:.2f} s"


def fmt_mib(kib: int | None) -> str:
    return "–" if kib is None else f"{kib / 1024:.1f} MiB"


def fmt_ratio(x: float | None) -> str:
    return "–" if x is None else f"{x:.1f}×" if x >= 10 else f"{x:.2f}×"


def machine_lines(kubectl: str) -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        nproc = str(os.cpu_count())
    try:
        kv = subprocess.run([kubectl, "version", "--client"], capture_output=True, text=True).stdout
        kv = ", ".join(l.strip() for l in kv.splitlines() if l.strip())
    except OSError:
        kv = "kubectl not found"
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "?"
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return [
        f"Machine: nproc {nproc}, {cpu}, Linux {platform.release()}, {kv}, load average {load}",
        f"Date: {now}",
    ]


def gen_scale(script: Path, n: int, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(script), str(n)], cwd=into, check=True,
                   stdout=subprocess.DEVNULL)
    return into / "base"


def collect_cases(args: argparse.Namespace, tmp: Path) -> list[Case]:
    cases: list[Case] = []
    corpus = Path(args.corpus)
    for rel in CORPUS_CASES:
        p = corpus / rel
        if p.is_dir():
            cases.append(Case(rel, p))
        else:
            log(f"skip (not present): {p}")
    for rel in EXAMPLE_CASES:
        p = REPO / "examples" / rel
        if p.is_dir():
            cases.append(Case(f"examples/{rel}", p))
        else:
            log(f"skip (not present): {p}")
    if args.scale > 0:
        script = Path(args.gen_scale)
        if script.is_file():
            log(f"generating gen_scale.py {args.scale} into {tmp}")
            base = gen_scale(script, args.scale, tmp / f"scale-{args.scale}")
            cases.append(Case(f"gen_scale N={args.scale} base", base))
        else:
            log(f"skip gen_scale (not found): {script}")
    for extra in args.extra:
        p = Path(extra)
        cases.append(Case(str(extra), p))
    return cases


def bench_case(c: Case, args: argparse.Namespace) -> None:
    r_argv = [args.rollpin, "render", str(c.path)]
    k_argv = [args.kubectl, "kustomize", str(c.path)]
    for _ in range(args.warmup):
        run_once(r_argv, args.timeout)
        run_once(k_argv, args.timeout)
    for i in range(args.runs):
        c.rollpin.append(run_once(r_argv, args.timeout))
        c.kubectl.append(run_once(k_argv, args.timeout))
        log(f"  run {i + 1}/{args.runs}: rollpin {fmt_s(c.rollpin[-1].wall)} "
            f"(exit {c.rollpin[-1].status}), kubectl {fmt_s(c.kubectl[-1].wall)} "
            f"(exit {c.kubectl[-1].status})")


def summarize(c: Case) -> dict:
    def ok(runs: list[Run]) -> list[Run]:
        return [r for r in runs if r.status == 0]

    r_ok, k_ok = ok(c.rollpin), ok(c.kubectl)
    r_med = statistics.median(r.wall for r in r_ok) if r_ok else None
    k_med = statistics.median(r.wall for r in k_ok) if k_ok else None
    r_rss = max((r.maxrss_kib for r in r_ok), default=None)
    k_rss = max((r.maxrss_kib for r in k_ok), default=None)

    problems = []
    if len(r_ok) < len(c.rollpin):
        bad = next(r for r in c.rollpin if r.status != 0)
        problems.append(f"rollpin exit {bad.status}")
    if len(k_ok) < len(c.kubectl):
        bad = next(r for r in c.kubectl if r.status != 0)
        problems.append(f"kubectl exit {bad.status}")
    if len({r.stdout for r in r_ok}) > 1:
        problems.append("rollpin output varies between runs")
    if r_ok and k_ok:
        same = r_ok[0].stdout == k_ok[0].stdout
    else:
        same = False
    identical = ("yes" if same else "no") + (f" ({'; '.join(problems)})" if problems else "")
    ref = k_ok[0].stdout if k_ok else (r_ok[0].stdout if r_ok else b"")
    return {
        "case": c.name,
        "path": str(c.path),
        "docs": doc_count(ref),
        "rollpin_median_s": r_med,
        "kubectl_median_s": k_med,
        "speed_ratio": (k_med / r_med) if (r_med and k_med) else None,
        "rollpin_peak_rss_kib": r_rss,
        "kubectl_peak_rss_kib": k_rss,
        "memory_ratio": (r_rss / k_rss) if (r_rss and k_rss) else None,
        "identical": identical,
        "rollpin_walls_s": [r.wall for r in c.rollpin],
        "kubectl_walls_s": [r.wall for r in c.kubectl],
        "rollpin_stderr": c.rollpin[0].stderr.decode("utf-8", "replace")[-2000:] if c.rollpin else "",
    }


def markdown(rows: list[dict], header: list[str], runs: int) -> str:
    out = header + [
        "",
        f"Runs per renderer per case: {runs} (alternating rollpin/kubectl); "
        "wall = median, RSS = peak over runs.",
        "",
        "| case | docs | rollpin wall | kubectl wall | speed (k/r) | rollpin RSS | kubectl RSS "
        "| memory (r/k) | identical |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in rows:
        out.append(
            f"| {s['case']} | {s['docs']} | {fmt_s(s['rollpin_median_s'])} | "
            f"{fmt_s(s['kubectl_median_s'])} | {fmt_ratio(s['speed_ratio'])} | "
            f"{fmt_mib(s['rollpin_peak_rss_kib'])} | {fmt_mib(s['kubectl_peak_rss_kib'])} | "
            f"{fmt_ratio(s['memory_ratio'])} | {s['identical']} |"
        )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rollpin", required=True, help="path to the rollpin binary")
    ap.add_argument("--kubectl", default="kubectl", help="kubectl binary (default: kubectl)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per renderer per case")
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs of each first")
    ap.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus" / "kustomize"),
                    help="real-world corpus dir (default: ../shared/corpus/kustomize)")
    ap.add_argument("--scale", type=int, default=300,
                    help="N for gen_scale.py (0 skips it; default 300)")
    ap.add_argument("--gen-scale", default=str(REPO.parent / "shared" / "bench" / "gen_scale.py"),
                    help="path of gen_scale.py")
    ap.add_argument("--extra", action="append", default=[], metavar="DIR",
                    help="another kustomization dir to compare (repeatable)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke test: 1 run, no warm-up, --scale 50")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per run")
    ap.add_argument("--json", metavar="FILE", help="also write the raw results as JSON")
    args = ap.parse_args(argv)
    if args.quick:
        args.runs, args.warmup, args.scale = 1, 0, 50
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    rp = Path(args.rollpin)
    if not (rp.is_file() and os.access(rp, os.X_OK)) and not shutil.which(args.rollpin):
        ap.error(f"rollpin binary not found or not executable: {args.rollpin}")
    if not shutil.which(args.kubectl):
        ap.error(f"kubectl not found: {args.kubectl}")

    if not become_subreaper():
        log("warning: prctl(PR_SET_CHILD_SUBREAPER) unavailable; peak RSS includes this "
            "script's own peak")
    header = machine_lines(args.kubectl)
    true = shutil.which("true")
    if true:
        base = statistics.median(run_once([true], 10).wall for _ in range(7))
        header.append(f"Spawn overhead (launcher + `true`, median of 7): {fmt_s(base)}, "
                      "included in every wall time below.")
    for line in header:
        log(line)
    with tempfile.TemporaryDirectory(prefix="rollpin-bench-") as tmpd:
        cases = collect_cases(args, Path(tmpd))
        rows = []
        for c in cases:
            log(f"{c.name} ({c.path})")
            bench_case(c, args)
            rows.append(summarize(c))
    sys.stdout.write(markdown(rows, header, args.runs))
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": header, "runs": args.runs,
                                               "cases": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
