"""The book's chapter-6/7 pictures with matplotlib (imported only when a function here is called).

Every function builds a ``matplotlib.figure.Figure`` directly (no pyplot, so no global state and no GUI
backend: PNG/SVG are written by the Agg/SVG canvases), returns it, and writes it to ``path`` when given.
The figures are :class:`viz.figure.Figure`, so a returned one shows inline in Jupyter with no ``%matplotlib``.
"""
from __future__ import annotations

import contextlib
import math
from typing import Any

import numpy as np

from autograd import Tensor

__all__ = ["plot_filters", "plot_activation_histograms", "collect_activations", "plot_history", "plot_optimizer_paths", "plot_search"]

# modules whose outputs plot_activation_histograms collects, by class name (nn need not be imported here)
_ACTIVATIONS = ("ReLU", "Sigmoid", "Tanh", "LeakyReLU", "ELU", "GELU", "SiLU", "Softplus", "Softmax")
_SAVE_FORMATS = (".png", ".svg", ".pdf")


def _figure(width, height, dpi=100):
    from .figure import new_figure  # imports matplotlib: only when drawing

    return new_figure(width, height, dpi)


def _save(fig, path, who):
    """Write ``fig`` to ``path`` (format from the suffix) at the figure's own size."""
    if path is None:
        return
    suffix = str(path).lower()[str(path).rfind("."):] if "." in str(path) else ""
    if suffix not in _SAVE_FORMATS:
        raise ValueError(f"{who}: unknown image suffix in {str(path)!r}; use one of {', '.join(_SAVE_FORMATS)}")
    fig.savefig(path, dpi=fig.dpi)


def _array(x):
    return np.asarray(x.numpy() if isinstance(x, Tensor) else x)


def plot_filters(weights, ncols=8, title=None, titles=None, path=None):
    """Show convolution filters as a grid of small images (the book's chapter-7 first-layer picture).

    Args:
        weights: a conv weight ``(C_out, C_in, kh, kw)`` (Tensor or array), or a list of them to compare
            (e.g. ``[w_before, w_after]``), one block per weight.  One-channel and other filters show input
            channel 0 in grey (dark = large, as in the book); three-channel filters show as colour images.
        ncols: filters per row.
        title: the figure's title; titles: one title per weight block.
        path: write the picture there too (``.png``, ``.svg`` or ``.pdf``).

    Returns:
        the ``matplotlib.figure.Figure``.
    """
    many = isinstance(weights, (list, tuple))
    ws = [_array(w) for w in (weights if many else [weights])]
    for w in ws:
        if w.ndim != 4:
            raise ValueError(
                f"plot_filters: expected a conv weight of shape (C_out, C_in, kh, kw), got shape {w.shape}")
    if titles is not None and len(titles) != len(ws):
        raise ValueError(f"plot_filters: got {len(titles)} titles for {len(ws)} weights")
    ncols = max(1, min(ncols, max(w.shape[0] for w in ws)))
    rows = [math.ceil(w.shape[0] / ncols) for w in ws]
    head = 0.35 if title else 0.0
    block_head = 0.3 if titles else 0.0
    fig = _figure(ncols * 0.8 + 0.2, sum(r * 0.8 + block_head for r in rows) + head + 0.2)
    if title:
        fig.suptitle(title)
    subs = fig.subfigures(len(ws), 1, height_ratios=[r * 0.8 + block_head for r in rows]) if len(ws) > 1 else [fig]
    for k, (w, sub) in enumerate(zip(ws, subs)):
        if titles:
            sub.suptitle(titles[k], fontsize=10)
        axes = sub.subplots(rows[k], ncols, squeeze=False)
        colour = w.shape[1] == 3
        if colour:  # one shared scale so colours compare across filters
            lo, hi = float(w.min()), float(w.max())
            w = (w - lo) / (hi - lo if hi > lo else 1.0)
        for i, ax in enumerate(axes.flat):
            ax.set_axis_off()
            if i < w.shape[0]:
                if colour:
                    ax.imshow(np.transpose(w[i], (1, 2, 0)), interpolation="nearest")
                else:
                    ax.imshow(w[i, 0], cmap="gray_r", interpolation="nearest")
    _save(fig, path, "plot_filters")
    return fig


def plot_activation_histograms(model, x=None, bins=30, range=None, path=None):
    """One histogram per activation layer: how the values spread (the chapter-6 weight-init experiment).

    Args:
        model: a Module (forward hooks collect the outputs of its ReLU/Sigmoid/Tanh/... layers while it runs
            on ``x`` under ``no_grad``), or the activations themselves: a list of arrays/Tensors or a dict
            ``{name: array}``.
        x: the input batch (needed with a Module).
        bins: histogram bins.
        range: ``(lo, hi)`` for every histogram; default ``(0, 1)`` for Sigmoid, ``(-1, 1)`` for Tanh, else the
            data's range.
        path: write the picture there too.

    Returns:
        the ``matplotlib.figure.Figure``.
    """
    layers = _collect_activations(model, x)
    if not layers:
        raise ValueError("plot_activation_histograms: no activations to plot (the model has no activation "
                         f"layer among {', '.join(_ACTIVATIONS)})")
    n = len(layers)
    ncols = min(n, 5)
    nrows = math.ceil(n / ncols)
    fig = _figure(2.6 * ncols + 0.3, 2.4 * nrows + 0.2)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True)  # shared counts: spreads compare by eye
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    for i, (name, kind, a) in enumerate(layers):
        ax = axes.flat[i]
        r = range or {"Sigmoid": (0.0, 1.0), "Tanh": (-1.0, 1.0)}.get(kind)
        ax.hist(a.ravel(), bins=bins, range=r, color="#4c78a8")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=8, labelleft=i % ncols == 0)
    _save(fig, path, "plot_activation_histograms")
    return fig


def _collect_activations(model, x):
    """``[(title, kind, array)]`` from a model run with hooks, or from given arrays."""
    if isinstance(model, dict):
        return [(str(k), "", _array(v)) for k, v in model.items()]
    if isinstance(model, (list, tuple)):
        return [(f"layer {i + 1}", "", _array(v)) for i, v in enumerate(model)]
    if not hasattr(model, "named_modules"):
        raise TypeError(
            f"plot_activation_histograms: expected a Module or a list of arrays, got {type(model).__name__}")
    if x is None:
        raise TypeError("plot_activation_histograms: pass x, the batch to run the model on")
    return collect_activations(model, x)


def collect_activations(model, x):
    """Run ``model`` on ``x`` (no grad) and return its activation layers' outputs, in call order.

    Returns ``[(title, kind, array)]``: ``title`` like ``'1: fc1 (ReLU)'``, ``kind`` the layer class name
    (ReLU, Sigmoid, Tanh, ...), ``array`` a copy of the output. Needs no matplotlib.
    """
    import autograd

    found: list[Any] = []
    names = {m: (name, type(m).__name__) for name, m in model.named_modules() if type(m).__name__ in _ACTIVATIONS}

    def hook(module, inputs, output):
        name, kind = names[module]
        found.append((f"{len(found) + 1}: {name} ({kind})" if name else f"{len(found) + 1}: {kind}", kind,
                      _array(output).copy()))

    with hooked(names, hook), autograd.no_grad():
        model(x)
    return found


@contextlib.contextmanager
def hooked(modules, hook):
    """Run ``hook(module, args, output)`` after each forward of ``modules`` while the block runs (viz's hooks)."""
    handles = [m.register_forward_hook(hook) for m in modules]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def _smooth(values, window):
    """Moving average over ``window`` values (over fewer at the start), so the curve starts at the first value."""
    values = np.asarray(values, dtype=np.float64)
    c = np.cumsum(np.insert(values, 0, 0.0))
    lo = np.maximum(np.arange(1, len(values) + 1) - window, 0)
    return (c[1:] - c[lo]) / (np.arange(1, len(values) + 1) - lo)


def _step_curve(step_loss):
    """``(x, loss)`` of every training step, x in epochs (step i of n in epoch e at ``e - 1 + i / n``)."""
    xs, ys = [], []
    for epoch, losses in enumerate(step_loss):
        n = len(losses)
        xs += [epoch + (i + 1) / n for i in range(n)]
        ys += [float(v) for v in losses]
    return np.array(xs), np.array(ys)


def plot_history(history, path=None):
    """Training curves: the loss of every step (faint) and its moving average, and per epoch the mean training
    loss and the test loss (markers) and the accuracies, train solid and test dashed.

    The x axis counts epochs from 0, so a run of one epoch already shows the whole first epoch's loss curve,
    and each per-epoch value is written beside its last point.

    Args:
        history: a dict with lists ``'train_loss'``, ``'train_acc'``, ``'test_loss'``, ``'test_acc'`` (one value
            per epoch) and ``'step_loss'`` (per epoch, the list of its steps' losses), as ``scratchgrad.fit``
            returns; any may be missing, other keys are ignored.
        path: write the picture there too.

    Returns:
        the ``matplotlib.figure.Figure``.
    """
    panels = [(what, [(split, history[f"{split}_{what}"]) for split in ("train", "test")
                      if history.get(f"{split}_{what}") is not None and len(history[f"{split}_{what}"])])
              for what in ("loss", "acc")]
    panels = [(what, curves) for what, curves in panels if curves]
    if not panels:
        raise ValueError("plot_history: history has none of 'train_loss', 'test_loss', 'train_acc', 'test_acc'")
    from matplotlib.ticker import MaxNLocator

    steps = _step_curve(history.get("step_loss") or [])
    epochs = max(len(values) for _, curves in panels for _, values in curves)
    fig = _figure(4.6 * len(panels) + 0.3, 3.4)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (what, curves) in zip(axes, panels):
        colours = {"train": "#1f77b4", "test": "#ff7f0e"}
        if what == "loss" and len(steps[0]):
            x, y = steps
            ax.plot(x, y, "-", color=colours["train"], alpha=0.2, linewidth=0.6)
            window = max(1, len(y) // 40)
            ax.plot(x, _smooth(y, window), "-", color=colours["train"], linewidth=1.2,
                    label="train, per step" + (f" ({window}-step average)" if window > 1 else ""))
        for split, values in curves:
            values = [float(v) for v in values]
            ep = np.arange(1, len(values) + 1)
            label = f"{split} (epoch mean)" if what == "loss" and split == "train" and len(steps[0]) else split
            ax.plot(ep, values, "-" if split == "train" else "--", marker="o", markersize=4, color=colours[split],
                    label=label)
            last = values[-1]
            ax.annotate(f"{last:.1%}" if what == "acc" else f"{last:.3f}", (ep[-1], last), textcoords="offset points",
                        xytext=(-4, 6 if split == "train" else -12), ha="right", fontsize=8, color=colours[split])
        ax.set_xlabel("epoch")
        ax.set_xlim(0, max(epochs, 1) + 0.05)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("loss" if what == "loss" else "accuracy")
        if what == "acc":
            ax.set_ylim(0.0, 1.02)
        else:
            ax.set_ylim(bottom=0.0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    _save(fig, path, "plot_history")
    return fig


def plot_optimizer_paths(paths, f=None, path=None, xlim=(-10.0, 10.0), ylim=(-5.0, 5.0)):
    """Each optimizer's path over the contour of ``f(x, y) = x**2 / 20 + y**2`` (the chapter-6 figure).

    Args:
        paths: a dict ``{optimizer name: (k, 2) array of (x, y) points}``, one subplot each.
        f: the function to contour (vectorised over arrays); default ``x**2 / 20 + y**2``.
        path: write the picture there too.
        xlim, ylim: the plotted region.

    Returns:
        the ``matplotlib.figure.Figure``.
    """
    if not paths:
        raise ValueError("plot_optimizer_paths: no paths given")
    f = f or (lambda x, y: x ** 2 / 20.0 + y ** 2)
    pts = {}
    for name, p in paths.items():
        p = _array(p)
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(f"plot_optimizer_paths: path {name!r} must have shape (k, 2), got {p.shape}")
        pts[name] = p
    xs, ys = np.meshgrid(np.linspace(xlim[0], xlim[1], 200), np.linspace(ylim[0], ylim[1], 100))
    zs = f(xs, ys)
    ncols = min(len(pts), 2)
    nrows = math.ceil(len(pts) / ncols)
    fig = _figure(4.6 * ncols + 0.2, 2.9 * nrows + 0.2)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat[len(pts):]:
        ax.set_axis_off()
    levels = np.quantile(zs, np.linspace(0.02, 0.98, 10))
    for ax, (name, p) in zip(axes.flat, pts.items()):
        ax.contour(xs, ys, zs, levels=np.unique(levels), colors="#999999", linewidths=0.8)
        ax.plot(p[:, 0], p[:, 1], "o-", color="#d62728", markersize=2.5, linewidth=1)
        ax.plot(0, 0, "+", color="black", markersize=10)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_title(name)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    _save(fig, path, "plot_optimizer_paths")
    return fig


def plot_search(results, path=None):
    """Hyper-parameter search: learning rate vs weight decay on log axes, coloured by validation accuracy.

    Args:
        results: a list of dicts with ``'lr'``, ``'weight_decay'`` and ``'val_acc'``; the best is starred.
        path: write the picture there too.

    Returns:
        the ``matplotlib.figure.Figure``.
    """
    if not results:
        raise ValueError("plot_search: no results given")
    try:
        lr = np.array([float(r["lr"]) for r in results])
        wd = np.array([float(r["weight_decay"]) for r in results])
        acc = np.array([float(r["val_acc"]) for r in results])
    except KeyError as exc:
        raise ValueError(f"plot_search: every result needs 'lr', 'weight_decay' and 'val_acc'; missing {exc}") from None
    if (lr <= 0).any() or (wd <= 0).any():
        raise ValueError("plot_search: lr and weight_decay must be > 0 for log axes")
    fig = _figure(5.2, 4.0)
    ax = fig.subplots()
    sc = ax.scatter(lr, wd, c=acc, cmap="viridis", s=40, edgecolors="black", linewidths=0.4)
    best = int(np.argmax(acc))
    ax.scatter([lr[best]], [wd[best]], marker="*", s=260, facecolors="none", edgecolors="#d62728", linewidths=1.5,
               label=f"best: {acc[best]:.3f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("weight decay")
    ax.legend(loc="best", fontsize=8)
    fig.colorbar(sc, ax=ax, label="validation accuracy")
    _save(fig, path, "plot_search")
    return fig
