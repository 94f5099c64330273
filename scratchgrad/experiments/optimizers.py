"""Chapter 6.1: SGD, Momentum, AdaGrad and Adam, on ``f(x, y) = x**2/20 + y**2`` and on a 5-layer MLP.

The book's settings: 30 steps from ``(-7, 2)`` on the toy function (SGD lr 0.95, Momentum lr 0.1, AdaGrad
lr 1.5, Adam lr 0.3), then a 784-100-100-100-100-10 ReLU net (He init) trained 2000 iterations with batches
of 128 by SGD (lr 0.01), Momentum (lr 0.01, 0.9), AdaGrad (lr 0.01) and Adam (lr 0.001). Finding: the
three adaptive/momentum methods bring the loss down much faster than plain SGD.
"""
import numpy as np

import autograd as ag
import nn
import optim

from ._common import Timer, accuracy, smooth, train_iterations
from ._plot import line_panels

NAME = "optimizers"
#: The book's optimizers for the MNIST comparison.
MLP_OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.01),
    "Momentum": lambda p: optim.SGD(p, lr=0.01, momentum=0.9),
    "AdaGrad": lambda p: optim.Adagrad(p, lr=0.01),
    "Adam": lambda p: optim.Adam(p, lr=0.001),
}


def toy_paths(ctx):
    """The four paths on the toy function, their picture and how close each ends to the minimum."""
    import viz

    paths = optim.toy.optimizer_paths(steps=30, start=(-7.0, 2.0))
    try:
        viz.plot_optimizer_paths(paths, optim.toy.f, path=ctx.path("optimizer_paths.png"))
    except ImportError as exc:
        ctx.log(f"warning: optimizer_paths.png not written: {exc}")
    return {name: {"final_point": p[-1].tolist(), "distance_to_minimum": float(np.hypot(*p[-1])),
                   "f_final": float(optim.toy.f(p[-1, 0], p[-1, 1]))} for name, p in paths.items()}


def run(ctx):
    """Run the comparison; returns the summary (also written by the runner)."""
    toy = toy_paths(ctx)
    iterations, batch = (60, 64) if ctx.quick else (2000, 128)
    x, t, xt, tt = ctx.arrays(*((1000, 300) if ctx.quick else (None, None)))
    ctx.log(f"optimizers: MLP 784-100x4-10 (ReLU, He), {iterations} iterations of batch {batch} on "
            f"{len(x)} training images")
    curves, mlp = [], {}
    for name, make in MLP_OPTIMIZERS.items():
        ag.manual_seed(ctx.seed)  # the same initial weights for every optimizer
        model = nn.models.MLP(x.shape[1], (100, 100, 100, 100), 10, activation="relu", weight_init="he")
        with Timer() as timer:
            losses = train_iterations(model, make(model.parameters()), x, t, iterations, batch, ctx.seed)
        tail = max(1, iterations // 20)
        mlp[name] = {"final_loss": float(losses[-tail:].mean()), "first_loss": float(losses[0]),
                     "test_acc": accuracy(model, xt, tt), "seconds": timer.seconds}
        curves.append((name, np.arange(1, iterations + 1), smooth(losses, max(1, iterations // 40)), None))
        ctx.log(f"  {name:9s} loss {mlp[name]['final_loss']:.4f}  test acc {mlp[name]['test_acc']:.4f}  "
                f"({timer.seconds:.1f} s)")
    line_panels([(f"MLP on {ctx.dataset_info()['title']}: loss (smoothed)", curves)],
                ctx.path("optimizers_mlp.png"), xlabel="iteration", ylabel="loss", panel_size=(6.5, 4.2))
    sgd = mlp["SGD"]["final_loss"]
    beaten = [n for n in ("Momentum", "AdaGrad", "Adam") if mlp[n]["final_loss"] < sgd]
    findings = [
        "toy f(x,y): distance to the minimum after 30 steps: "
        + ", ".join(f"{n} {v['distance_to_minimum']:.3g}" for n, v in toy.items()),
        f"MLP: final loss SGD {sgd:.3f} vs " + ", ".join(f"{n} {mlp[n]['final_loss']:.3f}" for n in
                                                         ("Momentum", "AdaGrad", "Adam"))
        + f"; {len(beaten)}/3 beat SGD",
    ]
    return {"experiment": NAME, "quick": ctx.quick, "dataset": ctx.dataset_info(), "toy": toy,
            "mlp": {"iterations": iterations, "batch_size": batch, "train_size": len(x), "results": mlp},
            "book_finding_holds": len(beaten) == 3, "findings": findings,
            "figures": ["optimizer_paths.png", "optimizers_mlp.png"]}
