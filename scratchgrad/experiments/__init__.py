"""The book's chapter-6/7 experiments, one module each; :func:`run_experiment` runs one and writes its
figures and ``summary.json`` into an output directory.

    from scratchgrad.experiments import run_experiment
    summary = run_experiment("batchnorm", "runs/experiments/batchnorm", quick=True)
    print(summary["findings"])
"""
import time

from ..artifacts import write_json
from . import batchnorm, convnet, hparam_search, optimizers, overfit, weight_init
from ._common import Context

__all__ = ["EXPERIMENTS", "run_experiment", "verdict", "Context"]

#: name -> module with ``run(ctx) -> summary``.
EXPERIMENTS = {m.NAME: m for m in (optimizers, weight_init, batchnorm, overfit, hparam_search, convnet)}


def verdict(summary):
    """The sentence saying what a run shows about the book's finding: a ``--quick`` run is too short to show
    it either way; a full run says whether it held."""
    if summary.get("quick"):
        return ("a --quick run is too short to show the book's finding (it only checks that the experiment runs); "
                "run without --quick to check it")
    return f"the book's finding {'holds' if summary['book_finding_holds'] else 'does NOT hold'} in this run"


def run_experiment(name, out, quick=False, dataset="auto", data_dir=None, download=False, seed=0, workers=None,
                   executor=None, progress=True, model=None, scheduler=None, sampler="random"):
    """Run experiment ``name`` (a key of :data:`EXPERIMENTS`) writing into ``out``; returns its summary.

    Args:
        quick: the reduced run (seconds; for tests) instead of the book's settings.
        dataset, data_dir, download: as the CLI's ``--dataset``/``--data-dir``/``--download``.
        workers, executor, scheduler, sampler: how and where the hyper-parameter search runs its trials (see
            :mod:`scratchgrad.search`; ``scheduler`` as :func:`scratchgrad.executors.open_executor`).
        model: ``convnet`` only: ``"simple_convnet"`` (default) or ``"deep_convnet"``.

    Returns:
        the summary dict (also in ``out/summary.json``): ``findings`` (sentences with the key numbers),
        ``book_finding_holds`` (what this run measured), ``conclusive`` (False for ``quick``: too short a run
        to show the finding), ``verdict`` (the sentence the CLI prints), ``figures`` (file names in ``out``)
        and the experiment's measurements.

    Raises:
        ValueError: an unknown experiment name.
    """
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; choose one of {', '.join(EXPERIMENTS)}")
    ctx = Context(out, quick=quick, dataset=dataset, data_dir=data_dir, download=download, seed=seed,
                  workers=workers, executor=executor, progress=progress, model=model, scheduler=scheduler,
                  sampler=sampler)
    started = time.perf_counter()
    summary = EXPERIMENTS[name].run(ctx)
    summary["seconds"] = time.perf_counter() - started
    summary["seed"] = seed
    summary["conclusive"] = not quick
    summary["verdict"] = verdict(summary)
    write_json(summary, ctx.path("summary.json"))
    return summary
