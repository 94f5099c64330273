"""What a run leaves behind: JSON summaries, the curves and filter pictures, the model's graph.

Pictures are optional extras: when matplotlib or graphviz's ``dot`` is missing a warning is printed and the
run goes on (the numbers are in the JSON files either way).
"""
import contextlib
import json
import math
import os
import sys

import numpy as np

import autograd as ag
import nn.functional as F

__all__ = ["write_json", "to_jsonable", "warn", "save_curves", "save_filters", "save_model_graph", "preserved_state"]


def warn(message):
    """Print a warning line to stderr (the run continues)."""
    print(f"warning: {message}", file=sys.stderr)


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
    tmp = f"{path}.tmp"
    with open(tmp, "w") as fh:
        json.dump(to_jsonable(obj), fh, indent=2)
        fh.write("\n")
    os.replace(tmp, path)
    return path


def _plotting(what, fn, *args, **kwargs):
    """Run a plotting call; on a missing matplotlib warn and return None."""
    try:
        fn(*args, **kwargs)
    except ImportError as exc:
        warn(f"{what} not written: {exc} (pip install matplotlib)")
        return None
    return kwargs.get("path")


def save_curves(history, path):
    """Loss/accuracy per epoch (``viz.plot_history``) to ``path``; None if matplotlib is missing."""
    import viz

    return _plotting("curves", viz.plot_history, history, path=path)


def save_filters(before, after, path, ncols=10):
    """The first layer's filters before and after training, one block each (``viz.plot_filters``)."""
    import viz

    if before is None or after is None:
        return None
    return _plotting("filters", viz.plot_filters, [before, after], ncols=ncols,
                     titles=["before training", "after training"], path=path)


@contextlib.contextmanager
def preserved_state(model):
    """Run a throw-away forward pass without side effects: the global RNG and the model's buffers (batch-norm
    running statistics) are restored afterwards."""
    rng = ag.get_rng_state()
    buffers = [(b, b.numpy().copy()) for b in model.buffers()]
    try:
        yield
    finally:
        for b, data in buffers:
            b.data = data
        ag.set_rng_state(rng)


def save_model_graph(model, path, input_shape=(2, 1, 28, 28), num_classes=10, collapse=False):
    """Draw the graph of one training step's forward pass and loss, grouped by module, to ``path``.

    The model runs in its current mode on zeros of ``input_shape`` under :func:`preserved_state`. When
    graphviz's ``dot`` program (or the ``graphviz`` package) is missing, a warning is printed and None is
    returned (``viz.save_graph`` leaves the DOT text next to ``path`` in that case).
    """
    try:
        import viz
    except ImportError as exc:
        warn(f"graph not written: {exc} (pip install graphviz)")
        return None
    x = ag.zeros(*input_shape)
    t = ag.tensor(np.arange(input_shape[0], dtype=np.int64) % num_classes)
    with preserved_state(model):
        with viz.trace_modules(model) as trace:
            loss = F.cross_entropy(model(x), t)
        try:
            viz.save_graph(loss, path, params=model, inputs={"input": x, "target": t}, group_modules=trace, collapse=collapse,
                           legend=True)
        except RuntimeError as exc:
            warn(f"graph not rendered: {exc}")
            return None
    return path
