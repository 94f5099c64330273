"""Hyper-parameter search: the book's random search with range narrowing (section 6.5), or an Optuna study,
with trials on a process pool, threads, a Dask cluster or Ray, and the same results on each.

    from scratchgrad.search import random_search
    result = random_search(objective, {"lr": (1e-6, 1e-2), "weight_decay": (1e-8, 1e-4)},
                           trials_per_round=50, rounds=2, workers=4)

What works (and is tested, ``tests/cli/test_search.py``):

* **Executors.** By default a local ``ProcessPoolExecutor(workers)`` (``workers=1``: trials in this process).
  ``executor=`` takes anything with ``submit(fn, arg)`` returning a future with ``result()``: a
  ``ThreadPoolExecutor``, Dask's ``client.get_executor()`` (processes or threads), or
  :class:`~scratchgrad.executors.RayExecutor` (Ray has no ``concurrent.futures`` executor; that adapter is one).
  :func:`~scratchgrad.executors.open_executor` starts or joins them by name (what the CLI's ``--scheduler``
  does: ``dask``, ``tcp://host:port``, ``ray``). The objective must be picklable for processes and clusters
  (a module-level function, or a ``functools.partial`` of one).
* **Reproducibility.** Each trial runs with its own ``autograd.Generator`` seeded from the trial's seed,
  installed as the default of the thread that runs it (``autograd.random.use_generator``), so initialisation,
  dropout and unseeded shuffles draw from the trial's own stream, and BLAS runs single-threaded (below): the
  same ``seed`` gives the same trials, scores and ranking on every executor, threads included.
* **BLAS threads.** Worker processes cap their BLAS pools to ``blas_threads`` (threadpoolctl), so N workers on
  N cores do not start N * N threads; this process is capped the same way while the search runs.
* **Failures.** A trial whose objective raises is recorded with ``"status": "failed"`` and ``"error":
  "<Type>: message"`` (as is one whose worker died: the default pool is then replaced for the next round), the
  search goes on, and ranking skips it. A trial that
  raises ``FloatingPointError`` or returns a non-finite score is ``"diverged"`` (also skipped in ranking).
  Inside a trial numpy's overflow and invalid-value warnings are off, so a diverging run does not flood the log.
  When no trial has succeeded by the end of a round, :class:`SearchError` says why.
* **Samplers.** ``sampler="random"``: the book's log-uniform random search, each round in the ranges spanned by
  the ``top_k`` best so far. ``sampler="optuna"`` (``pip install 'scratchgrad[optuna]'``): an Optuna study with
  log-uniform ``suggest_float`` and its TPE sampler (seeded; the first round at random, then each round
  conditioned on every finished trial), asked one round at a time so the trials of a round run in parallel.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np
from threadpoolctl import threadpool_limits

import autograd as ag

from .executors import cap_blas_threads, open_executor

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["SAMPLERS", "SearchError", "narrow", "random_search", "sample_log_uniform"]

#: The ``sampler`` names :func:`random_search` knows.
SAMPLERS = ("random", "optuna")


class SearchError(RuntimeError):
    """No trial of a search succeeded (the message counts the failed and diverged ones and quotes their errors)."""


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


def _describe(exc):
    return f"{type(exc).__name__}: {exc}"


class _Trial:
    """The objective as it runs wherever a trial lands: its own generator, BLAS capped, overflow warnings off.

    Returns ``(status, value)``: ``("ok", the objective's result)``, or ``("diverged" | "failed", "<Type>: msg")``
    (errors become strings here, so that an exception that cannot be pickled never breaks the executor).
    """

    def __init__(self, objective, blas_threads):
        self.objective, self.blas_threads, self.home = objective, blas_threads, os.getpid()

    def __call__(self, params):
        try:
            if self.blas_threads is not None and os.getpid() != self.home:  # a worker process: capped for good
                cap_blas_threads(self.blas_threads)
            generator = ag.Generator().manual_seed(params["seed"])
            with ag.random.use_generator(generator), np.errstate(over="ignore", invalid="ignore"):
                return "ok", self.objective(params)
        except FloatingPointError as exc:
            return "diverged", _describe(exc)
        except Exception as exc:  # noqa: BLE001  (any error of the objective is this trial's failure)
            return "failed", _describe(exc)


def _record(round_, index, params, outcome, score_key):
    """A trial's entry in the results from ``(status, value)``; a missing or non-finite score is classified here."""
    status, value = outcome
    trial = {"round": round_, "index": index, "params": params, "status": status, "score": None, "result": None,
             "error": None}
    if status != "ok":
        trial["error"] = value
        return trial
    result = value if isinstance(value, dict) else {score_key: value}
    try:
        score = float(result[score_key])
    except KeyError:
        trial.update(status="failed", error=f"KeyError: the objective's result has no {score_key!r} "
                     f"(keys: {sorted(result)})")
        return trial
    except (TypeError, ValueError) as exc:
        trial.update(status="failed", error=f"{type(exc).__name__}: {score_key} is not a number ({exc})")
        return trial
    trial["result"] = result
    if not math.isfinite(score):
        trial.update(status="diverged", error=f"{score_key} is {score}")
    else:
        trial["score"] = score
    return trial


def _log_line(trial, i, n, score_key):
    params = " ".join(f"{k}={v:.3g}" for k, v in trial["params"].items() if k != "seed")
    head = f"round {trial['round']} trial {i + 1}/{n}: "
    if trial["status"] == "ok":
        return head + f"{score_key} {trial['score']:.4f} {params}"
    return head + f"{trial['status']} ({trial['error']}) {params}"


class _Narrowing:
    """The book's sampler: log-uniform in the current ranges, narrowed to the ``top_k`` best after each round."""

    def __init__(self, space, seed, top_k, margin):
        self.space, self.seed, self.top_k, self.margin, self.current = space, seed, top_k, margin, dict(space)

    def ask(self, round_index, n):
        return sample_log_uniform(self.current, n, np.random.default_rng([self.seed, round_index]))

    def tell(self, trials, ranked):
        self.current = narrow(self.space, ranked[:self.top_k], self.margin)


class _OptunaSampler:
    """An Optuna study (TPE, seeded) asked a round of trials at a time and told their scores, failures as FAIL."""

    def __init__(self, space, seed, maximize, startup):
        try:
            import optuna
        except ImportError as exc:
            raise ImportError(f"random_search: sampler='optuna' needs optuna: pip install 'scratchgrad[optuna]' "
                              f"({exc})") from exc
        self.optuna, self.current, self.pending = optuna, dict(space), []
        self.distributions = {name: optuna.distributions.FloatDistribution(lo, hi, log=True)
                              for name, (lo, hi) in space.items()}
        with self._quiet():
            self.study = optuna.create_study(direction="maximize" if maximize else "minimize",
                                             sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup))

    @contextlib.contextmanager
    def _quiet(self):  # Optuna logs every trial at INFO; the search logs its own lines
        level = self.optuna.logging.get_verbosity()
        self.optuna.logging.set_verbosity(self.optuna.logging.WARNING)
        try:
            yield
        finally:
            self.optuna.logging.set_verbosity(level)

    def ask(self, round_index, n):
        with self._quiet():
            self.pending = [self.study.ask(self.distributions) for _ in range(n)]
        return [{name: float(t.params[name]) for name in self.distributions} for t in self.pending]

    def tell(self, trials, ranked):
        with self._quiet():
            for asked, trial in zip(self.pending, trials):
                if trial["status"] == "ok":
                    self.study.tell(asked, trial["score"])
                else:
                    self.study.tell(asked, state=self.optuna.trial.TrialState.FAIL)


def random_search(objective: Callable[[dict[str, Any]], Any], space: Mapping[str, tuple[float, float]],
                  trials_per_round: int = 20, rounds: int = 2, top_k: int = 5, score: str = "val_acc",
                  maximize: bool = True, executor: Any = None, workers: int | None = None, seed: int = 0,
                  margin: float = 0.1, log: Callable[[str], object] | None = None, sampler: str = "random",
                  blas_threads: int | None = 1) -> dict[str, Any]:
    """Search ``space`` in rounds of trials run in parallel; the module's docstring says what runs where.

    Args:
        objective: ``objective(params) -> score`` or a dict holding ``score`` (and anything else to keep);
            ``params`` is a dict of the sampled values plus ``"seed"`` (unique per trial). It runs with a
            generator seeded from ``params["seed"]`` as its thread's default (no ``manual_seed`` needed).
        space: ``{name: (low, high)}``, all sampled log-uniformly.
        trials_per_round, rounds: how many trials, in how many rounds (a round's trials run in parallel).
        top_k: how many of the best trials so far define the next round's ranges (``sampler="random"``) and
            each round's ``best``.
        score, maximize: the result's key to rank by, and in which direction.
        executor: where trials run (anything with ``submit(fn, arg)`` returning futures with ``result()``);
            None: a local ``ProcessPoolExecutor(workers)``, shut down afterwards (``workers=1``: this process).
        workers: processes of the default pool (None: one per CPU).
        seed: seeds the sampling and the per-trial seeds.
        margin: how far (in log-width) the narrowed ranges reach beyond the best trials.
        log: ``log(str)`` called after each trial, in submission order (failed and diverged trials say so).
        sampler: ``"random"`` (the book's) or ``"optuna"``.
        blas_threads: BLAS threads per trial process (None: leave BLAS alone).

    Returns:
        ``{"trials": [{"round", "index", "params", "status", "score", "result", "error"}], "rounds": [{"space",
        "best"}], "best": the best trial, "next_space": the ranges narrowed to the final top_k, "failed": the
        failed trials, "diverged": the diverged ones, "sampler"}``.

    Raises:
        ValueError: a bad space, counts or sampler. SearchError (a RuntimeError): no trial succeeded by the end
            of a round.
        ImportError: ``sampler="optuna"`` without optuna.
    """
    _check_space(space)
    if trials_per_round < 1 or rounds < 1 or top_k < 1:
        raise ValueError(f"random_search: trials_per_round, rounds and top_k must be >= 1, got "
                         f"{trials_per_round}, {rounds}, {top_k}")
    chooser: _Narrowing | _OptunaSampler
    if sampler == "random":
        chooser = _Narrowing(space, seed, top_k, margin)
    elif sampler == "optuna":
        chooser = _OptunaSampler(space, seed, maximize, startup=trials_per_round)
    else:
        raise ValueError(f"random_search: unknown sampler {sampler!r}; use one of {', '.join(SAMPLERS)}")
    run = _Trial(objective, blas_threads)
    sign = 1.0 if maximize else -1.0
    trials: list[dict[str, Any]] = []
    round_info: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        if blas_threads is not None:  # trials in this process (threads, workers=1) and forked workers
            stack.enter_context(threadpool_limits(limits=blas_threads))
        own = executor is None
        if own:
            executor = stack.enter_context(open_executor(None, workers))
        for r in range(rounds):
            space_now = {k: list(v) for k, v in chooser.current.items()}
            points = chooser.ask(r, trials_per_round)
            for i, p in enumerate(points):
                p["seed"] = int(seed * 1_000_003 + r * trials_per_round + i)
            outcomes, broken = _run_round(run, points, executor)
            if broken and own:  # a worker died (killed, out of memory): later rounds get a fresh pool
                executor = stack.enter_context(open_executor(None, workers))
            new = []
            for i, (p, outcome) in enumerate(zip(points, outcomes)):
                trial = _record(r + 1, len(trials), p, outcome, score)
                trials.append(trial)
                new.append(trial)
                if log is not None:
                    log(_log_line(trial, i, trials_per_round, score))
            ranked = sorted((t for t in trials if t["status"] == "ok"), key=lambda t: -sign * t["score"])
            if not ranked:
                errors = "; ".join(sorted({t["error"] for t in trials})[:3])
                raise SearchError(f"random_search: none of the {len(trials)} trials so far succeeded "
                                   f"({sum(t['status'] == 'diverged' for t in trials)} diverged, "
                                   f"{sum(t['status'] == 'failed' for t in trials)} failed): {errors}")
            round_info.append({"space": space_now, "best": ranked[:top_k]})
            chooser.tell(new, ranked)
    return {"trials": trials, "rounds": round_info, "best": round_info[-1]["best"][0],
            "next_space": {k: list(v) for k, v in narrow(space, round_info[-1]["best"], margin).items()},
            "failed": [t for t in trials if t["status"] == "failed"],
            "diverged": [t for t in trials if t["status"] == "diverged"], "sampler": sampler}


def _run_round(run, points, executor):
    """``(outcomes, broken)``: ``run(p)`` for every point, on ``executor`` (None: here, in order), and whether the
    executor broke. An executor's own error (a worker that died, a task it could not send) is that trial's
    failure."""
    if executor is None:
        return [run(p) for p in points], False
    futures = []
    for p in points:
        try:
            futures.append(executor.submit(run, p))
        except Exception as exc:  # noqa: BLE001
            futures.append(exc)
    outcomes, broken = [], False
    for f in futures:
        try:
            if isinstance(f, Exception):
                raise f
            outcomes.append(f.result())
        except Exception as exc:  # noqa: BLE001
            outcomes.append(("failed", _describe(exc)))
            broken = broken or isinstance(exc, concurrent.futures.BrokenExecutor)
    return outcomes, broken
