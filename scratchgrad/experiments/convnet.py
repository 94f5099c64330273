"""Chapter 7: train the book's SimpleConvNet and look at its first-layer filters before and after.

The book's settings: conv 30@5x5 - ReLU - pool 2x2 - affine 100 - ReLU - affine 10, weights ``N(0, 0.01^2)``,
Adam lr 0.001, batch 100, 20 epochs on MNIST (about 98.9% test accuracy). Here the full run is five epochs
on the whole training set (under a minute on two idle cores; ``scratchgrad train --epochs 20`` reproduces
the book's run). Finding: the random filters turn into smooth edge and blob detectors.

With ``model="deep_convnet"`` it trains the book's chapter-8 DeepConvNet (He init, two epochs in the full run)
instead.  Both write, beside ``filters.png``, what the layers respond to (:func:`viz.plot_feature_maps` and the
other pictures of :mod:`viz.features`): feature maps of a test image, the top patches of the first and the last
conv layer, a saliency map and activation-maximisation images.
"""
import numpy as np

import autograd as ag
import nn
import optim
from autograd.data import DataLoader, TensorDataset

from ..artifacts import save_curves, save_filters, save_layer_pictures
from ..training import fit

NAME = "convnet"
MODELS = ("simple_convnet", "deep_convnet")


def _structure(w):
    """How smooth the filters are: mean correlation of each filter with itself shifted by one pixel (random
    noise ~0, smooth edge/blob detectors clearly > 0)."""
    w = np.asarray(w, dtype=np.float64)[:, 0]
    a, b = w[:, :, :-1].reshape(len(w), -1), w[:, :, 1:].reshape(len(w), -1)
    c, d = w[:, :-1, :].reshape(len(w), -1), w[:, 1:, :].reshape(len(w), -1)

    def corr(u, v):
        u = u - u.mean(axis=1, keepdims=True)
        v = v - v.mean(axis=1, keepdims=True)
        return (u * v).sum(axis=1) / np.sqrt((u * u).sum(axis=1) * (v * v).sum(axis=1) + 1e-30)

    return float(np.mean((corr(a, b) + corr(c, d)) / 2))


def _finding(deep, smooth_before, smooth_after, seen, layers):
    """SimpleConvNet: its 5x5 filters turn from noise into smooth edge/blob detectors. DeepConvNet (3x3 filters,
    too small to judge by smoothness): chapter 7's point that deeper layers respond to more specific, object-like
    patterns, measured as the last conv layer's top images being more of one class than the first layer's."""
    if not deep:
        return smooth_after > smooth_before + 0.1
    purity = seen["label_purity"]
    return len(purity) == 2 and purity[layers[-1]] > purity[layers[0]] + 0.1


def run(ctx):
    """Train and draw; returns the summary."""
    kind = ctx.model or "simple_convnet"
    if kind not in MODELS:
        raise ValueError(f"convnet: unknown model {kind!r}; choose one of {', '.join(MODELS)}")
    deep = kind == "deep_convnet"
    n_train, n_test, epochs = (300, 200, 1) if ctx.quick else (None, None, 2 if deep else 5)
    x, t, xt, tt = ctx.arrays(n_train, n_test, flatten=False)
    ag.manual_seed(ctx.seed)
    model: nn.Sequential
    layers: tuple[str, ...]
    if deep:
        model = nn.models.DeepConvNet(input_dim=x.shape[1:])
        name, layers = "DeepConvNet", ("conv1", "conv6")
    else:
        model = nn.models.SimpleConvNet(input_dim=x.shape[1:], weight_init_std=0.01)
        name, layers = "SimpleConvNet", ("conv1",)
    first = model.get_submodule("conv1")
    assert isinstance(first, nn.Conv2d)  # (both nets start with it)
    before = first.weight.numpy().copy()
    opt = optim.Adam(model.parameters(), lr=0.001)
    train = DataLoader(TensorDataset(x, t), batch_size=100, shuffle=True, seed=ctx.seed)
    test = DataLoader(TensorDataset(xt, tt), batch_size=1000)
    ctx.log(f"convnet: {name}, Adam lr 0.001, batch 100, {epochs} epoch(s) on {len(x)} images")
    history = fit(model, opt, train, test, epochs=epochs, progress=ctx.progress)
    after = first.weight.numpy().copy()
    saved = {"filters.png": save_filters(before, after, ctx.path("filters.png")),
             "curves.png": save_curves(history, ctx.path("curves.png"))}
    figures = [f for f, written in saved.items() if written]
    pictures, seen = save_layer_pictures(model, xt[:1000], tt[:1000], ctx.out, layers, steps=20 if ctx.quick else 100)
    smooth_before, smooth_after = _structure(before), _structure(after)
    findings = [
        f"{name}: test accuracy {history['test_acc'][-1]:.4f} after {epochs} epoch(s) on {len(x)} images "
        f"({history['epoch_time'][-1]:.1f} s per epoch)",
        f"filter smoothness (neighbour-pixel correlation): {smooth_before:.3f} before -> {smooth_after:.3f} after",
        "receptive field: " + ", ".join(f"{layer} {s[0]}x{s[1]} pixels" for layer, s in seen["receptive_field"].items()),
    ]
    if seen["label_purity"]:
        findings.append("label purity of the top-9 images per channel (1/9 = none, 1 = one class): "
                        + ", ".join(f"{layer} {v:.2f}" for layer, v in seen["label_purity"].items()))
    findings += [f"activation maximisation of {layer} channels 0-3: " + ", ".join(f"{a:.2g} -> {b:.2g}" for a, b in runs)
                 for layer, runs in seen["maximized_activation"].items()]
    return {"experiment": NAME, "model": kind, "quick": ctx.quick, "dataset": ctx.dataset_info(),
            "train_size": len(x), "test_size": len(xt), "epochs": epochs, "history": history,
            "filter_smoothness": {"before": smooth_before, "after": smooth_after}, "layers": seen,
            "book_finding_holds": bool(_finding(deep, smooth_before, smooth_after, seen, layers)), "findings": findings,
            "figures": figures + pictures}
