"""What a run leaves behind: JSON summaries, the curves and filter pictures, the model's graph.

Pictures are optional extras: when matplotlib, the graphviz package or graphviz's ``dot`` program is missing,
a one-line note says what was not written and what to install, and the run goes on (the numbers are in the
JSON files either way).
"""
from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import math
import os
import sys
from typing import Any

import numpy as np

import autograd as ag
import nn.functional as F

from autograd.atomic import atomic_write

__all__ = ["write_json", "to_jsonable", "warn", "note", "has_module", "save_curves", "save_filters",
           "save_layer_pictures", "save_model_graph", "preserved_state"]


def warn(message):
    """Print a warning line to stderr (the run continues)."""
    print(f"warning: {message}", file=sys.stderr)


def note(message):
    """Print a one-line note to stderr (something optional was skipped; the run continues)."""
    print(f"note: {message}", file=sys.stderr)


@functools.lru_cache(maxsize=None)
def has_module(name):
    """Whether the optional package ``name`` is installed (without importing it)."""
    return importlib.util.find_spec(name) is not None


def to_jsonable(obj):
    """``obj`` with numpy scalars/arrays as Python numbers/lists and NaN/Inf as None (strict JSON)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_json(obj, path):
    """Write ``obj`` as indented strict JSON to ``path`` (atomically); returns the path."""
    text = json.dumps(to_jsonable(obj), indent=2) + "\n"  # before the file is touched: a bad value changes nothing
    with atomic_write(path, text=True) as fh:
        fh.write(text)
    return path


def _plotting(fn, *args, **kwargs):
    """Run a plotting call writing ``kwargs['path']``; without matplotlib say so once and return None."""
    if not has_module("matplotlib"):
        _no_matplotlib()
        return None
    fn(*args, **kwargs)
    return kwargs.get("path")


@functools.lru_cache(maxsize=None)
def _no_matplotlib():
    note("pictures (curves.png, filters.png) not written: they need matplotlib (pip install matplotlib)")


def save_curves(history, path):
    """Training loss per step (smoothed) and the metrics per epoch (``viz.plot_history``) to ``path``; None if
    matplotlib is missing."""
    import viz

    return _plotting(viz.plot_history, history, path=path)


def save_filters(before, after, path, ncols=10):
    """The first layer's filters before and after training, one block each (``viz.plot_filters``)."""
    import viz

    if before is None or after is None:
        return None
    return _plotting(viz.plot_filters, [before, after], ncols=ncols, titles=["before training", "after training"],
                     path=path)


def save_layer_pictures(model, x_test, t_test, out, layers, channels=8, steps=100):
    """What the layers of a trained CNN respond to (``viz.features``), written into directory ``out``:
    ``feature_maps.png`` (one test image), ``patches_<layer>.png`` for each conv layer of ``layers`` (top-9
    patches per channel over the test images), ``saliency.png`` (plain and SmoothGrad) and ``maximize.png``
    (inputs that maximise channels 0-3 of each layer, ``steps`` ascent steps). Returns ``(file names written,
    measurements)``: receptive-field sizes, each layer's label purity (the mean share of the commonest class among
    a channel's top-9 images) and each maximised channel's activation before and after."""
    import viz

    image, label = x_test[0], int(t_test[0])
    written: list[str] = []
    measured: dict[str, dict[str, Any]] = {"receptive_field": {}, "maximized_activation": {}}

    def picture(name, fn, *args, **kwargs):  # as _plotting, but the figure is kept for its measurements
        if not has_module("matplotlib"):
            _no_matplotlib()
            return None
        written.append(name)
        return fn(*args, path=os.path.join(out, name), **kwargs)

    picture("feature_maps.png", viz.plot_feature_maps, model, image, max_channels=channels)
    measured["label_purity"] = {}
    for layer in layers:
        fig = picture(f"patches_{layer}.png", viz.plot_top_patches, model, layer, x_test, k=9, max_channels=channels,
                      channels=list(range(channels)))
        measured["receptive_field"][layer] = list(viz.receptive_field(model, layer, x_test[:1]).size)
        if fig is not None:  # how class-specific the channel is: the commonest label's share of its top 9 images
            shares = [np.bincount([int(t_test[n]) for _, n, _, _ in entries]).max() / len(entries)
                      for entries in fig.found.values()]
            measured["label_purity"][layer] = float(np.mean(shares))
    picture("saliency.png", viz.plot_saliency, model, image, label, n=16)
    fig = picture("maximize.png", viz.plot_maximized, model, list(layers), range(4), input_shape=image.shape,
                  steps=steps)
    if fig is not None:
        for (layer, c), trace in fig.traces.items():
            measured["maximized_activation"].setdefault(layer, []).append([trace[0], trace[-1]])
    return written, measured


@contextlib.contextmanager
def preserved_state(model):
    """Run a throw-away forward pass without side effects: the global RNG and the model's buffers (batch-norm
    running statistics) are restored afterwards."""
    rng = ag.get_rng_state()
    buffers = [(b, b.detach().clone()) for b in model.buffers()]  # in their own library and device
    try:
        yield
    finally:
        for b, data in buffers:
            b.data = data
        ag.set_rng_state(rng)


def save_model_graph(model, path, input_shape=(2, 1, 28, 28), num_classes=10, collapse=False):
    """Draw the graph of one training step's forward pass and loss, grouped by module, to ``path``.

    The model runs in its current mode on zeros of ``input_shape`` under :func:`preserved_state`.

    Returns:
        the path written: ``path``; or, when graphviz's ``dot`` program is missing, the ``.dot`` file beside it
        (a one-line note says so); or None when the graphviz package is missing (a note says so).
    """
    import viz

    name = os.path.basename(path)
    if not has_module("graphviz"):
        note(f"{name} not written: drawing graphs needs the graphviz package (pip install graphviz) and "
             "graphviz's dot program")
        return None
    x = ag.zeros(*input_shape)
    t = ag.tensor(np.arange(input_shape[0], dtype=np.int64) % num_classes)
    with preserved_state(model):
        with viz.trace_modules(model) as trace:
            loss = F.cross_entropy(model(x), t)
        try:
            viz.save_graph(loss, path, params=model, inputs={"input": x, "target": t}, group_modules=trace,
                           collapse=collapse, legend=True)
        except RuntimeError:  # no dot program: save_graph wrote the DOT text beside path
            dot = os.path.splitext(path)[0] + ".dot"
            note(f"{os.path.basename(dot)} written; install graphviz (its dot program) for {name}")
            return dot
    return path
