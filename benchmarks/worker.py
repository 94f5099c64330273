"""One library, one workload, one process: ``python -m benchmarks.worker LIB WORKLOAD [--quick]``.

Prints a single line ``BENCH_JSON: {...}`` on stdout (anything else a library prints is ignored by
``run.py``).  The record's ``status`` is ``ok``, ``unavailable`` (the library or the part of it the
workload needs cannot be imported, or its ``impl_<lib>.py`` has no version of the workload)
or ``error`` (the workload raised).
"""
import argparse
import importlib
import json
import sys
import time
import traceback

MARKER = "BENCH_JSON:"
LIBS = ("scratchgrad", "torch", "dezero", "mygrad")


def run(lib, workload, quick):
    """Run ``workload`` with library ``lib`` in this process and return the JSON-able record."""
    from benchmarks.workloads import WORKLOADS, Unavailable

    record = {"lib": lib, "workload": workload, "quick": quick}
    start = time.perf_counter()
    try:
        impl = importlib.import_module(f"benchmarks.impl_{lib}")
        record["info"] = impl.info()
        record["result"] = WORKLOADS[workload](impl, quick)
        record["status"] = "ok"
    except Unavailable as exc:
        record.update(status="unavailable", error=str(exc))
    except ImportError as exc:
        record.update(status="unavailable", error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 -- the library failed the workload: report it, do not crash the harness
        record.update(status="error", error=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc(limit=8))
    record["elapsed_s"] = time.perf_counter() - start
    return record


def main(argv=None):
    """Parse the command line, run the workload and print its record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lib", choices=LIBS)
    parser.add_argument("workload")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    record = run(args.lib, args.workload, args.quick)
    sys.stdout.write(f"\n{MARKER} {json.dumps(record)}\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
