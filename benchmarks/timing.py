"""Measurement helpers shared by every worker: repeated timing, medians, thread and memory facts.

Timing uses ``time.perf_counter``.  The garbage collector stays enabled, because the collections a
Python-level graph triggers are a real cost its users pay; a full collection runs before each sample
(untimed) so that one sample does not pay for the garbage of the one before.
"""
import gc
import math
import os
import resource
import statistics
import sys
import time

__all__ = ["blas_threads", "current_rss_mib", "measure", "measure_prepared", "peak_rss_mib", "summary"]


def summary(samples):
    """Return ``{median, min, max, n}`` (seconds) of a list of per-call times in seconds."""
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "n": len(samples),
    }


def measure(fn, *, repeats, warmup=2, min_sample_s=0.02):
    """Time ``fn()`` (no arguments) repeatedly and return the per-call seconds of each sample.

    Args:
        fn: the callable under test; its result is ignored.
        repeats: number of samples taken (the median of them is the figure reported).
        warmup: untimed calls made first (caches, lazy initialisation, first-call allocation).
        min_sample_s: each sample runs ``fn`` enough times in a row to last at least this long,
            so that timer resolution and loop overhead stay negligible.

    Returns:
        (samples, inner): the list of per-call seconds, and how many calls each sample averaged.
    """
    for _ in range(warmup):
        fn()
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    inner = max(1, math.ceil(min_sample_s / max(once, 1e-9)))
    samples = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - start) / inner)
    return samples, inner


def measure_prepared(prepare, *, repeats, warmup=1):
    """Time only the callable that ``prepare()`` returns, building a fresh one for every sample.

    Used where the thing timed consumes its input (a backward pass frees the graph it walks):
    ``prepare`` builds the input untimed, then the returned callable is timed once.

    Returns:
        (samples, prepare_samples): seconds of each timed call, and seconds each ``prepare()`` took.
    """
    for _ in range(warmup):
        prepare()()
    samples, prep = [], []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        run = prepare()
        mid = time.perf_counter()
        run()
        end = time.perf_counter()
        prep.append(mid - start)
        samples.append(end - mid)
        del run
    return samples, prep


def peak_rss_mib():
    """Peak resident set size of this process so far, in MiB (``ru_maxrss``)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mib():
    """Current resident set size in MiB from ``/proc/self/statm``, or None where that is missing."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
    except OSError:
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def blas_threads():
    """Describe the BLAS thread setting numpy-based libraries run with (env override or default)."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var):
            return f"BLAS {os.environ[var]}"
    return f"BLAS default ({os.cpu_count()} cpus)"
