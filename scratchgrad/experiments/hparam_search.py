"""Chapter 6.5: random search of the learning rate and weight decay, narrowing the ranges between rounds.

The book's settings: 500 training images, 20% of them held out for validation (never the test set), a
784-100x6-10 ReLU MLP trained 50 epochs by SGD with batch 100; ``lr = 10 ** U(-6, -2)``,
``weight_decay = 10 ** U(-8, -4)``; 100 trials. Here: two rounds of 50, the second in the ranges spanned by
the five best of the first. Finding: good learning rates lie around 1e-3..1e-2, while the weight decay
matters much less in that range.
"""
import functools

import numpy as np

import autograd as ag
import nn
import optim

from ..search import random_search
from ._common import accuracy, train_iterations, weights_and_biases

NAME = "hparam-search"
SPACE = {"lr": (1e-6, 1e-2), "weight_decay": (1e-8, 1e-4)}


def trial(params, data, epochs):
    """One trial (runs in a worker process): train the MLP with ``params`` and score it on validation."""
    x, t, xv, tv = data
    ag.manual_seed(params["seed"])
    model = nn.models.MLP(x.shape[1], (100,) * 6, 10, activation="relu", weight_init="he")
    opt = optim.SGD(weights_and_biases(model, params["weight_decay"]), lr=params["lr"])
    try:
        train_iterations(model, opt, x, t, epochs * max(1, len(x) // 100), 100, params["seed"])
    except FloatingPointError:
        return {"val_acc": 0.0, "train_acc": 0.0, "diverged": True}
    return {"val_acc": accuracy(model, xv, tv), "train_acc": accuracy(model, x, t), "diverged": False}


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
    ctx.log(f"hparam-search: 2 rounds x {per_round} trials, {len(train)} train / {len(val)} validation images, "
            f"{epochs} epochs each" + (f", {ctx.workers} workers" if ctx.workers else ""))
    result = random_search(objective, SPACE, trials_per_round=per_round, rounds=2, top_k=5,
                           executor=ctx.executor, workers=ctx.workers, seed=ctx.seed, log=ctx.log)
    points = [{"lr": tr["params"]["lr"], "weight_decay": tr["params"]["weight_decay"], "val_acc": tr["score"],
               "round": tr["round"]} for tr in result["trials"]]
    try:
        viz.plot_search(points, path=ctx.path("hparam_search.png"))
    except ImportError as exc:
        ctx.log(f"warning: hparam_search.png not written: {exc}")
    best = result["best"]
    first, second = result["rounds"][0]["best"], result["rounds"][-1]["best"]
    r1 = [tr["score"] for tr in result["trials"] if tr["round"] == 1]
    r2 = [tr["score"] for tr in result["trials"] if tr["round"] == 2]
    narrowed = result["rounds"][1]["space"]
    findings = [
        f"best validation accuracy {best['score']:.3f} at lr {best['params']['lr']:.3g}, weight decay "
        f"{best['params']['weight_decay']:.3g}",
        f"round 2 searched lr in [{narrowed['lr'][0]:.2g}, {narrowed['lr'][1]:.2g}] and weight decay in "
        f"[{narrowed['weight_decay'][0]:.2g}, {narrowed['weight_decay'][1]:.2g}]; mean validation accuracy "
        f"round 1 {np.mean(r1):.3f} -> round 2 {np.mean(r2):.3f}",
        "top-5 learning rates: " + ", ".join(f"{tr['params']['lr']:.2g}" for tr in second),
    ]
    return {"experiment": NAME, "quick": ctx.quick, "dataset": ctx.dataset_info(), "space": SPACE,
            "epochs": epochs, "train_size": len(train), "val_size": len(val), "trials": result["trials"],
            "rounds": result["rounds"], "best": best, "top5_round1": first,
            "book_finding_holds": bool(best["params"]["lr"] > 1e-4 and np.mean(r2) > np.mean(r1)),
            "findings": findings, "figures": ["hparam_search.png"]}
