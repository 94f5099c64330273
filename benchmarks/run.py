"""Run the benchmarks side by side and print markdown tables (ratios against torch).

    python -m benchmarks                         # every workload, every installed library
    python -m benchmarks op_overhead --quick     # one workload, fewer repeats and sizes
    python benchmarks/run.py --libs scratchgrad,torch --json out.json
    python -m benchmarks deep_convnet_step --repeat 3   # three interleaved runs, and the spread of the ratios

Each (library, workload) pair runs in a fresh worker process (``python -m benchmarks.worker``), with a
timeout; a library that is not installed, fails, or times out is reported as such in its row.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(ROOT))

from benchmarks.report import BUSY_CPUS, render, render_spread
from benchmarks.worker import LIBS, MARKER
from benchmarks.workloads import WORKLOADS


def parse_args(argv=None):
    """The command line: workloads, --quick, --libs, --json, --timeout, --threads, --repeat."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", metavar="workload",
                        help=f"any of {', '.join(WORKLOADS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller graphs (a smoke run)")
    parser.add_argument("--libs", default=",".join(LIBS),
                        help="comma-separated libraries, in table order (default: %(default)s)")
    parser.add_argument("--json", metavar="PATH", help="also write every record as JSON to PATH")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per worker (default: %(default)s)")
    parser.add_argument("--threads", type=int,
                        help="pin torch's and numpy's BLAS thread count (default: each library's own default)")
    parser.add_argument("--repeat", type=int, default=1, metavar="K",
                        help="run the whole selection K times (interleaved) and report the spread of every "
                             "ratio over the runs (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    unknown = [w for w in args.workloads if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")
    args.libs = [lib.strip() for lib in args.libs.split(",") if lib.strip()]
    bad = [lib for lib in args.libs if lib not in LIBS]
    if bad:
        parser.error(f"unknown librar(y/ies) {', '.join(bad)}; choose from {', '.join(LIBS)}")
    args.workloads = args.workloads or list(WORKLOADS)
    return args


def worker_env(threads):
    """The environment of a worker process: the repository importable, threads pinned if asked."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if threads is not None:
        env["BENCH_THREADS"] = str(threads)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
    return env


def run_worker(lib, workload, *, quick, timeout, env):
    """Run one worker process and return its record (or a record saying why there is none)."""
    cmd = [sys.executable, "-m", "benchmarks.worker", lib, workload] + (["--quick"] if quick else [])
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"lib": lib, "workload": workload, "status": "timeout",
                "error": f"worker exceeded {timeout:g} s", "elapsed_s": time.perf_counter() - start}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"lib": lib, "workload": workload, "status": "error",
            "error": f"worker exited {proc.returncode}: {' / '.join(tail)}", "elapsed_s": time.perf_counter() - start}


def machine():
    """Facts about this machine and the library versions that make the numbers comparable."""
    import numpy

    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "python": platform.python_version(), "numpy": numpy.__version__}


def cpus_busy(interval=0.5):
    """How many CPUs' worth of time other processes used over ``interval`` seconds (None off Linux).

    Read from ``/proc/stat`` while the harness itself sleeps, so whatever it finds is competition.
    """
    def sample():
        with open("/proc/stat") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields), idle

    try:
        total0, idle0 = sample()
        time.sleep(interval)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    total = total1 - total0
    return None if total <= 0 else (1 - (idle1 - idle0) / total) * (os.cpu_count() or 1)


def _load_note(busy, threads):
    """Say how busy the machine was: other processes distort timings, multi-threaded ones most."""
    known = [b for b in busy if b is not None]
    if not known:
        return ""
    note = (f"Other processes kept {min(known):.1f} to {max(known):.1f} of {os.cpu_count()} CPUs busy "
            "(sampled before each worker).")
    if max(known) > BUSY_CPUS:
        note += " **The machine was not idle**: timings are inflated"
        note += (", multi-threaded ones (torch's default) most; rerun on an idle machine, or with --threads 1."
                 if threads != 1 else "; rerun on an idle machine.")
    return note


def run_all(args, env, label=""):
    """One run of every chosen workload for every chosen library: ``{workload: {lib: record}}``."""
    results = {}
    for workload in args.workloads:
        results[workload] = {}
        for lib in args.libs:
            print(f"{label}[{workload}] {lib} ...", end=" ", file=sys.stderr, flush=True)
            busy = cpus_busy(0.25)
            rec = run_worker(lib, workload, quick=args.quick, timeout=args.timeout, env=env)
            rec["cpus_busy_before"] = busy
            results[workload][lib] = rec
            print(f"{rec['status']} ({rec.get('elapsed_s', 0):.1f} s)", file=sys.stderr, flush=True)
    return results


def main(argv=None):
    """Run the chosen workloads for the chosen libraries, print the tables, optionally write JSON.

    With ``--repeat K`` the tables are those of the last run, followed by the spread over all K runs.
    """
    args = parse_args(argv)
    env = worker_env(args.threads)
    busy_start = cpus_busy()
    runs = [run_all(args, env, f"run {i + 1}/{args.repeat} " if args.repeat > 1 else "") for i in range(args.repeat)]
    results = runs[-1]
    facts = machine()
    versions = {lib: rec["info"]["version"] for recs in results.values() for lib, rec in recs.items()
                if rec.get("info")}
    facts["cpus_busy_start"], facts["cpus_busy_end"] = busy_start, cpus_busy()
    if args.repeat > 1:
        print(f"## The last of {args.repeat} runs\n")
    print(render(results, args.libs))
    if args.repeat > 1:
        print(render_spread(runs, args.libs))
    print(f"Machine: {facts['platform']}, {facts['cpu_count']} CPUs, Python {facts['python']}, "
          f"numpy {facts['numpy']}; " + ", ".join(f"{k} {v}" for k, v in versions.items()) +
          f"; {'quick run' if args.quick else 'full run'}; medians of repeated samples; "
          f"threads: {'each library default' if args.threads is None else args.threads}.")
    print(_load_note([facts["cpus_busy_start"], facts["cpus_busy_end"]] +
                     [rec["cpus_busy_before"] for run in runs for recs in run.values() for rec in recs.values()],
                     args.threads))
    sys.stdout.flush()
    if args.json:
        payload = {"machine": facts, "versions": versions, "quick": args.quick, "threads": args.threads,
                   "repeat": args.repeat, "results": results, "runs": runs}
        Path(args.json).write_text(json.dumps(payload, indent=2))
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
