"""Random hyper-parameter search with range narrowing (the book's section 6.5), on any Executor.

    from scratchgrad.search import random_search
    result = random_search(objective, {"lr": (1e-6, 1e-2), "weight_decay": (1e-8, 1e-4)},
                           trials_per_round=50, rounds=2, workers=4)

Trials are submitted to a ``concurrent.futures.Executor``: by default a local ``ProcessPoolExecutor``;
pass ``executor=client.get_executor()`` (Dask) or any object with the same ``submit`` to spread them over
a cluster, with no other change. Each trial gets its own seed, so the results do not depend on where or in
which order trials run.

Prefer executors that run trials in separate processes (process pools, Dask or Ray workers): autograd's grad
mode is per thread, but its global random generator is shared by the threads of a process, so trials in a
thread pool draw from one stream and their results depend on scheduling.
"""
import concurrent.futures
import math
import os

import numpy as np

__all__ = ["sample_log_uniform", "narrow", "random_search"]


def _check_space(space):
    if not space:
        raise ValueError("random_search: the search space is empty")
    for name, bounds in space.items():
        if len(bounds) != 2 or not (0 < bounds[0] <= bounds[1]) or not all(map(math.isfinite, bounds)):
            raise ValueError(f"random_search: range of {name!r} must be (low, high) with 0 < low <= high "
                             f"(sampled log-uniformly), got {bounds!r}")


def sample_log_uniform(space, n, rng):
    """``n`` points, each value ``10 ** uniform(log10(low), log10(high))`` (the book's ``10 ** uniform``)."""
    return [{name: float(10 ** rng.uniform(math.log10(lo), math.log10(hi))) for name, (lo, hi) in space.items()}
            for _ in range(n)]


def narrow(space, best, margin=0.1):
    """The ranges spanned by the ``best`` trials' values, widened by ``margin`` of their log-width (at least
    ``margin`` decades) and clipped to ``space``."""
    out = {}
    for name, (lo, hi) in space.items():
        logs = [math.log10(t["params"][name]) for t in best]
        a, b = min(logs), max(logs)
        pad = max(margin * (b - a), margin)
        out[name] = (max(lo, 10 ** (a - pad)), min(hi, 10 ** (b + pad)))
    return out


def _score(value, key):
    if isinstance(value, dict):
        if key not in value:
            raise KeyError(f"random_search: the objective's result has no {key!r} (keys: {sorted(value)})")
        return float(value[key]), value
    return float(value), {key: float(value)}


def random_search(objective, space, trials_per_round=20, rounds=2, top_k=5, score="val_acc", maximize=True,
                  executor=None, workers=None, seed=0, margin=0.1, log=None):
    """Random search in log-uniform ranges, narrowing the ranges to the best trials after each round.

    Args:
        objective: ``objective(params) -> score`` or a dict holding ``score`` (and anything else to keep);
            ``params`` is a dict of the sampled values plus ``"seed"`` (unique per trial). Must be picklable
            (a module-level function or a ``functools.partial`` of one) for process pools and clusters.
        space: ``{name: (low, high)}``, all sampled log-uniformly.
        trials_per_round, rounds: how many trials, in how many rounds.
        top_k: how many of the best trials so far define the next round's ranges.
        executor: a ``concurrent.futures.Executor`` (or anything with ``submit(fn, arg)`` returning futures
            with ``result()``: Dask's ``client.get_executor()``, Ray's executors). None: a local
            ``ProcessPoolExecutor(workers)``, shut down afterwards; ``workers=1`` runs trials in this process.
        workers: processes of the default pool (None: one per CPU).
        seed: seeds the sampling and the per-trial seeds.
        log: ``log(str)`` called after each trial.

    Returns:
        ``{"trials": [{"round", "index", "params", "result", "score"}], "rounds": [{"space", "best"}],
        "best": the best trial, "next_space": the ranges narrowed to the final top_k}``.
    """
    _check_space(space)
    if trials_per_round < 1 or rounds < 1 or top_k < 1:
        raise ValueError(f"random_search: trials_per_round, rounds and top_k must be >= 1, got "
                         f"{trials_per_round}, {rounds}, {top_k}")
    own = None
    if executor is None:
        workers = workers or os.cpu_count() or 1
        if workers > 1:
            own = executor = concurrent.futures.ProcessPoolExecutor(max_workers=workers)
    trials, round_info, current = [], [], dict(space)
    sign = 1.0 if maximize else -1.0
    try:
        for r in range(rounds):
            rng = np.random.default_rng([seed, r])
            points = sample_log_uniform(current, trials_per_round, rng)
            for i, p in enumerate(points):
                p["seed"] = int(seed * 1_000_003 + r * trials_per_round + i)
            if executor is None:
                outcomes = (objective(p) for p in points)
            else:
                futures = [executor.submit(objective, p) for p in points]
                outcomes = (f.result() for f in futures)
            for i, (p, out) in enumerate(zip(points, outcomes)):
                value, result = _score(out, score)
                trials.append({"round": r + 1, "index": len(trials), "params": p, "result": result, "score": value})
                if log is not None:
                    log(f"round {r + 1} trial {i + 1}/{trials_per_round}: {score} {value:.4f} "
                        + " ".join(f"{k}={v:.3g}" for k, v in p.items() if k != "seed"))
            ranked = sorted(trials, key=lambda t: -sign * t["score"] if math.isfinite(t["score"]) else math.inf)
            round_info.append({"space": {k: list(v) for k, v in current.items()}, "best": ranked[:top_k]})
            current = narrow(space, ranked[:top_k], margin)
    finally:
        if own is not None:
            own.shutdown()
    return {"trials": trials, "rounds": round_info, "best": round_info[-1]["best"][0],
            "next_space": {k: list(v) for k, v in current.items()}}
