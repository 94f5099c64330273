"""Chapter 6.5: random search of the learning rate and weight decay, narrowing the ranges between rounds.

The book's settings: 500 training images, 20% of them held out for validation (never the test set), a
784-100x6-10 ReLU MLP trained 50 epochs by SGD with batch 100; ``lr = 10 ** U(-6, -2)``,
``weight_decay = 10 ** U(-8, -4)``; 100 trials. Here: two rounds of 50, the second in the ranges spanned by
the five best of the first (or an Optuna study, ``ctx.sampler``). Finding: good learning rates lie around
1e-3..1e-2, while the weight decay matters much less in that range.
"""
import contextlib
import functools

import numpy as np

import nn
import optim

from ..executors import open_executor
from ..search import random_search
from ._common import accuracy, train_iterations, weights_and_biases

NAME = "hparam-search"
SPACE = {"lr": (1e-6, 1e-2), "weight_decay": (1e-8, 1e-4)}


def trial(params, data, epochs):
    """One trial: train the MLP with ``params`` and score it on validation. The search runs it with a generator
    seeded from ``params["seed"]`` (the initial weights); a diverged run raises FloatingPointError."""
    x, t, xv, tv = data
    model = nn.models.MLP(x.shape[1], (100,) * 6, 10, activation="relu", weight_init="he")
    opt = optim.SGD(weights_and_biases(model, params["weight_decay"]), lr=params["lr"])
    train_iterations(model, opt, x, t, epochs * max(1, len(x) // 100), 100, params["seed"])
    return {"val_acc": accuracy(model, xv, tv), "train_acc": accuracy(model, x, t)}


def _failures(result):
    """Sentences for the findings: which trials diverged or failed."""
    lines = []
    if result["diverged"]:
        lrs = ", ".join(f"{t['params']['lr']:.2g}" for t in result["diverged"])
        lines.append(f"{len(result['diverged'])} of {len(result['trials'])} trials diverged (lr {lrs})")
    for t in result["failed"]:
        lines.append(f"trial {t['index'] + 1} (round {t['round']}) failed: {t['error']}")
    return lines


def run(ctx):
    """Search; returns the summary."""
    import viz

    n, epochs, per_round = (200, 4, 4) if ctx.quick else (500, 50, 50)
    x, t, _, _ = ctx.arrays(n, 100)
    # The book shuffles, then holds out the first 20% for validation.
    order = np.random.default_rng(ctx.seed).permutation(len(x))
    n_val = int(len(x) * 0.2)
    val, train = order[:n_val], order[n_val:]
    data = (x[train], t[train], x[val], t[val])
    objective = functools.partial(trial, data=data, epochs=epochs)
    where = ctx.scheduler or (f"{ctx.workers} workers" if ctx.workers else "")
    ctx.log(f"hparam-search: 2 rounds x {per_round} trials ({ctx.sampler} sampler), {len(train)} train / "
            f"{len(val)} validation images, {epochs} epochs each" + (f", on {where}" if where else ""))
    own = open_executor(ctx.scheduler, ctx.workers) if ctx.executor is None and ctx.scheduler else None
    with own or contextlib.nullcontext(ctx.executor) as executor:
        result = random_search(objective, SPACE, trials_per_round=per_round, rounds=2, top_k=5, executor=executor,
                               workers=ctx.workers, seed=ctx.seed, log=ctx.log, sampler=ctx.sampler)
    ok = [tr for tr in result["trials"] if tr["status"] == "ok"]
    points = [{"lr": tr["params"]["lr"], "weight_decay": tr["params"]["weight_decay"], "val_acc": tr["score"],
               "round": tr["round"]} for tr in ok]
    try:
        viz.plot_search(points, path=ctx.path("hparam_search.png"))
    except ImportError as exc:
        ctx.log(f"warning: hparam_search.png not written: {exc}")
    best = result["best"]
    first, second = result["rounds"][0]["best"], result["rounds"][-1]["best"]
    mean = {r: np.mean([tr["score"] for tr in ok if tr["round"] == r] or [np.nan]) for r in (1, 2)}
    narrowed = result["rounds"][1]["space"]
    findings = [
        f"best validation accuracy {best['score']:.3f} at lr {best['params']['lr']:.3g}, weight decay "
        f"{best['params']['weight_decay']:.3g}",
        f"round 2 searched lr in [{narrowed['lr'][0]:.2g}, {narrowed['lr'][1]:.2g}] and weight decay in "
        f"[{narrowed['weight_decay'][0]:.2g}, {narrowed['weight_decay'][1]:.2g}]; mean validation accuracy "
        f"round 1 {mean[1]:.3f} -> round 2 {mean[2]:.3f}",
        "top-5 learning rates: " + ", ".join(f"{tr['params']['lr']:.2g}" for tr in second),
    ] + _failures(result)
    return {"experiment": NAME, "quick": ctx.quick, "dataset": ctx.dataset_info(), "space": SPACE,
            "epochs": epochs, "train_size": len(train), "val_size": len(val), "sampler": ctx.sampler,
            "trials": result["trials"], "rounds": result["rounds"], "best": best, "top5_round1": first,
            "failed": result["failed"], "diverged": result["diverged"],
            "book_finding_holds": bool(best["params"]["lr"] > 1e-4 and mean[2] > mean[1]),
            "findings": findings, "figures": ["hparam_search.png"]}
