"""Chapter 6.3: Batch Normalization against the initial weight scale.

The book's settings: 1000 training images, a 784-100x5-10 ReLU MLP with and without BatchNorm, SGD lr 0.01,
batch 100, 20 epochs, initial weights ``N(0, w^2)`` for 16 scales ``w`` in ``np.logspace(0, -4, 16)``;
training accuracy after each epoch. Finding: with BN the net learns at almost every scale, while the plain
net stalls (stays near chance) when the weights start too small, and learns more slowly elsewhere.
"""
import numpy as np

import autograd as ag
import nn
import optim

from ._common import accuracy, train_iterations
from ._plot import line_panels

NAME = "batchnorm"


def _train(ctx, x, t, scale, batchnorm, epochs, batch):
    ag.manual_seed(ctx.seed)
    model = nn.models.MLP(x.shape[1], (100,) * 5, 10, activation="relu", weight_init=float(scale),
                          batchnorm=batchnorm)
    opt = optim.SGD(model.parameters(), lr=0.01)
    accs = []

    def record(epoch):
        accs.append(accuracy(model, x, t))

    iterations = epochs * (len(x) // batch)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # large scales overflow float32 by design
            train_iterations(model, opt, x, t, iterations, batch, ctx.seed, on_epoch=record)
    except FloatingPointError:
        accs += [float("nan")] * (epochs - len(accs))  # a diverged run: no accuracy for the remaining epochs
    if len(accs) < epochs:
        record(epochs)
    return accs


def run(ctx):
    """Train both nets at every scale; returns the summary."""
    n_scales, epochs, n_train = (4, 3, 300) if ctx.quick else (16, 20, 1000)
    batch = 100
    x, t, _, _ = ctx.arrays(n_train, 100 if ctx.quick else None)
    scales = np.logspace(0, -4, n_scales)
    ctx.log(f"batchnorm: {n_scales} weight scales x (BN, plain), {epochs} epochs on {len(x)} images")
    results, panels = [], []
    for i, w in enumerate(scales):
        bn = _train(ctx, x, t, w, True, epochs, batch)
        plain = _train(ctx, x, t, w, False, epochs, batch)
        results.append({"weight_scale": float(w), "bn_train_acc": bn, "plain_train_acc": plain})
        xs = np.arange(1, epochs + 1)
        panels.append((f"{i + 1}: W ~ N(0, {w:.2g}²)", [("Batch Norm", xs, bn, "-"), ("plain", xs, plain, "--")]))
        ctx.log(f"  w={w:.3g}: final train acc BN {bn[-1]:.3f}  plain {plain[-1]:.3f}")
    line_panels(panels, ctx.path("batchnorm.png"), ncols=4, xlabel="epoch", ylabel="train accuracy",
                ylim=(0.0, 1.0), legend="first", panel_size=(3.0, 2.4),
                suptitle=f"Batch Normalization vs weight scale ({ctx.dataset_info()['title']}, {len(x)} images)")
    final_bn = np.array([r["bn_train_acc"][-1] for r in results], dtype=np.float64)
    final_plain = np.array([r["plain_train_acc"][-1] for r in results], dtype=np.float64)
    diverged = np.isnan(final_plain)
    final_plain = np.where(diverged, 0.0, final_plain)
    stalled = final_plain < 0.2  # ten classes: chance is about 0.1 (a diverged run counts as stalled)
    rescued = int(np.sum(stalled & (final_bn > 0.5)))
    ahead = int(np.sum(final_bn > final_plain))
    findings = [
        f"BN ends ahead of the plain net at {ahead}/{len(scales)} weight scales",
        f"the plain net stalls (train acc < 0.2) at {int(stalled.sum())} scales (diverging to NaN at "
        f"{int(diverged.sum())} of them); BN reaches > 0.5 at {rescued} of those",
        "final train acc BN / plain: " + ", ".join(f"w={r['weight_scale']:.2g}: {b:.2f}/{p:.2f}"
                                                   for r, b, p in zip(results, final_bn, final_plain)),
    ]
    return {"experiment": NAME, "quick": ctx.quick, "dataset": ctx.dataset_info(), "epochs": epochs,
            "train_size": len(x), "batch_size": batch, "lr": 0.01, "results": results,
            # BN must train at most of the scales where the plain net does not (the book's smallest scales are
            # slow for BN too), and end ahead at most scales
            "book_finding_holds": bool(stalled.any() and 2 * rescued >= int(stalled.sum())
                                       and 2 * ahead > len(scales)),
            "findings": findings, "figures": ["batchnorm.png"]}
