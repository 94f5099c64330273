"""Chapter 6.2: initial weights. Activation histograms of a 5-layer net, then std 0.01 vs Xavier vs He.

Part 1 (the book's figures 6-10 to 6-14): 1000 random inputs of 100 features through five 100-unit layers.
Sigmoid with std 1 pushes the activations to 0 and 1 (vanishing gradients); std 0.01 squeezes them around
0.5 (every unit says the same); Xavier keeps them spread. With ReLU, std 0.01 makes the activations shrink
layer after layer, Xavier shrinks them more slowly, He keeps the same spread in every layer.

Part 2 (figure 6-15): a 784-100x4-10 ReLU MLP trained 2000 iterations (batch 128, SGD lr 0.01) from each
initialisation. Finding: He (and Xavier) learn, std 0.01 barely moves from the starting loss ln 10 = 2.30.
"""
from __future__ import annotations

import numpy as np

import autograd as ag
import nn
import optim

from ._common import accuracy, smooth, train_iterations
from ._plot import line_panels

NAME = "weight-init"
#: (activation, init label, MLP weight_init) of the histogram figures.
HISTOGRAM_CASES: list[tuple[str, str, float | str]] = [
    ("sigmoid", "std 1", 1.0), ("sigmoid", "std 0.01", 0.01), ("sigmoid", "Xavier", "xavier"),
    ("relu", "std 0.01", 0.01), ("relu", "Xavier", "xavier"), ("relu", "He", "he"),
]
MNIST_INITS: dict[str, float | str] = {"std 0.01": 0.01, "Xavier": "xavier", "He": "he"}


def _file(activation, label):
    return f"activations_{activation}_{label.lower().replace(' ', '').replace('.', '')}.png"


def _layer_stats(outputs, activation):
    """Per-layer mean/std and the fraction saturated (sigmoid) or exactly zero (ReLU)."""
    stats = []
    for a in outputs:
        row = {"mean": float(a.mean()), "std": float(a.std())}
        if activation == "sigmoid":
            row["saturated"] = float(((a < 0.01) | (a > 0.99)).mean())  # where sigmoid's slope is ~0
        else:
            row["zero"] = float((a == 0).mean())
        stats.append(row)
    return stats


def histograms(ctx):
    """Part 1: one picture per (activation, init); returns the per-layer statistics.

    As in the book every histogram spans ``[0, 1]``, so shrinking activations pile up in the first bin; for
    ReLU the exact zeros (about half of the units) are left out, as the book's clipped y axis does.
    """
    import viz

    n = 200 if ctx.quick else 1000
    out = {}
    for activation, label, init in HISTOGRAM_CASES:
        ag.manual_seed(ctx.seed)
        x = ag.randn(n, 100)
        model = nn.models.MLP(100, (100,) * 5, 10, activation=activation, weight_init=init)
        model.eval()
        outputs = [array for _, _, array in viz.collect_activations(model, x)]
        shown = {f"layer {i + 1}" + (" (>0)" if activation == "relu" else ""): (a[a > 0] if activation == "relu" else a)
                 for i, a in enumerate(outputs)}
        try:
            fig = viz.plot_activation_histograms(shown, range=(0.0, 1.0))
            fig.suptitle(f"{activation}, initial weights {label}")
            fig.savefig(ctx.path(_file(activation, label)), dpi=fig.dpi)
        except ImportError as exc:
            ctx.log(f"warning: histogram not written: {exc}")
        out[f"{activation} / {label}"] = {"file": _file(activation, label), "layers": _layer_stats(outputs, activation)}
    return out


def mnist_comparison(ctx):
    """Part 2: loss curves of the ReLU MLP from each initialisation; returns final loss and test accuracy."""
    iterations, batch = (60, 64) if ctx.quick else (2000, 128)
    x, t, xt, tt = ctx.arrays(*((1000, 300) if ctx.quick else (None, None)))
    ctx.log(f"weight-init: MLP 784-100x4-10 ReLU, SGD lr 0.01, {iterations} iterations of batch {batch}")
    results, curves = {}, []
    for label, init in MNIST_INITS.items():
        ag.manual_seed(ctx.seed)
        model = nn.models.MLP(x.shape[1], (100,) * 4, 10, activation="relu", weight_init=init)
        losses = train_iterations(model, optim.SGD(model.parameters(), lr=0.01), x, t, iterations, batch,
                                  ctx.seed)
        tail = max(1, iterations // 20)
        results[label] = {"final_loss": float(losses[-tail:].mean()), "test_acc": accuracy(model, xt, tt)}
        curves.append((label, np.arange(1, iterations + 1), smooth(losses, max(1, iterations // 40)), None))
        ctx.log(f"  {label:8s} loss {results[label]['final_loss']:.4f}  test acc {results[label]['test_acc']:.4f}")
    line_panels([(f"ReLU MLP on {ctx.dataset_info()['title']}: loss (smoothed)", curves)],
                ctx.path("weight_init_mlp.png"), xlabel="iteration", ylabel="loss", panel_size=(6.5, 4.2))
    return {"iterations": iterations, "batch_size": batch, "results": results}


def run(ctx):
    """Both parts; returns the summary."""
    hist = histograms(ctx)
    mnist = mnist_comparison(ctx)
    res = mnist["results"]
    sig1 = hist["sigmoid / std 1"]["layers"][-1]["saturated"]
    sig001 = hist["sigmoid / std 0.01"]["layers"][-1]["std"]
    sigx = hist["sigmoid / Xavier"]["layers"][-1]["std"]
    relu = {k: hist[f"relu / {k}"]["layers"][-1]["std"] for k in ("std 0.01", "Xavier", "He")}
    findings = [
        f"sigmoid, std 1: {sig1:.0%} of layer-5 activations saturated (<0.01 or >0.99)",
        f"sigmoid, layer-5 activation std: std 0.01 -> {sig001:.3g} (all near 0.5), Xavier -> {sigx:.3g}",
        "ReLU, layer-5 activation std: " + ", ".join(f"{k} {v:.3g}" for k, v in relu.items()),
        "ReLU MLP final loss: " + ", ".join(f"{k} {v['final_loss']:.3f}" for k, v in res.items())
        + "; test acc: " + ", ".join(f"{k} {v['test_acc']:.3f}" for k, v in res.items()),
    ]
    figures = [v["file"] for v in hist.values()] + ["weight_init_mlp.png"]
    return {"experiment": NAME, "quick": ctx.quick, "dataset": ctx.dataset_info(), "histograms": hist,
            "mlp": mnist, "book_finding_holds": res["He"]["final_loss"] < res["std 0.01"]["final_loss"],
            "findings": findings, "figures": figures}
