"""The four workloads: what they build, how they are timed, and the targets they are judged by.

Every library implements the same small interface in ``benchmarks/impl_<lib>.py``:

* ``op_chain(depth)`` -> a callable doing forward and backward of ``depth`` x ``(x * 1.01).tanh()`` on a
  10x10 float32 leaf, then ``.sum().backward()``.
* ``scaling_graph(shape, n)`` -> builds a graph of about ``n`` recorded ops (untimed) and returns a
  callable that runs its backward pass (timed).  ``shape`` is ``"chain"`` or ``"fanin"`` (see below).
* ``convnet_step(params, x, t, lr)`` -> a callable doing one SimpleConvNet SGD training step, returning the loss.
* ``mlp_adam_step(params, x, t, lr)`` -> a callable doing one chapter-6 MLP Adam training step, returning the loss.
* ``item(loss)`` -> the loss as a Python float;  ``info()`` -> ``{"version", "threads"}``.

The drivers below (one per workload) turn those into numbers.  All libraries start from the *same*
weights and data (made here with a fixed numpy seed), so the first step's loss must agree across
libraries: ``run.py`` checks it, which shows the workloads really are the same computation.
"""
import numpy as np

from .timing import current_rss_mib, measure, measure_prepared, peak_rss_mib, summary

__all__ = ["WORKLOADS", "SPECS", "convnet_params", "mlp_params", "convnet_data", "mlp_data"]

CHAIN_DEPTH = 50
OPS_PER_CHAIN = 2 * CHAIN_DEPTH  # one mul and one tanh per link; the final sum is not counted
SCALING_SIZES = (1_000, 10_000, 100_000)
SCALING_SIZES_QUICK = (1_000, 10_000)
SCALING_SHAPES = ("chain", "fanin")
# A size whose projected backward time (times its repeats) exceeds this is skipped, not run.
SCALING_BUDGET_S = 30.0
CONVNET_BATCH, MLP_BATCH = 100, 128
MLP_SIZES = (784, 100, 100, 100, 100, 10)

# What each workload reports and the target the issues set for scratchgrad (ratio to torch).
SPECS = {
    "op_overhead": {
        "issue": 9, "metric": "us/op", "target_ratio": 0.5,
        "what": f"forward+backward of a {CHAIN_DEPTH}-deep chain of (x*1.01).tanh() on a 10x10 float32 leaf, "
                f"then .sum().backward(); time per recorded op ({OPS_PER_CHAIN} ops per chain)",
    },
    "backward_scaling": {
        "issue": 2, "metric": "us/node", "target_ratio": None,
        "what": "backward() alone over graphs of 10^3..10^5 recorded ops; time per node should stay flat. "
                "chain: y = y + 1.0 repeated on a scalar; fanin: acc = acc + w * 0.5 repeated "
                "(one leaf feeds every other node, so a backward that re-sorts its frontier goes quadratic)",
    },
    "simple_convnet_step": {
        "issue": 3, "metric": "ms/step", "target_ratio": 1.0,
        "what": f"SimpleConvNet SGD(lr=0.01) step, batch {CONVNET_BATCH} of 1x28x28 float32: conv 30@5x5 -> relu "
                "-> maxpool 2x2 -> flatten -> linear 4320->100 -> relu -> linear 100->10 -> softmax cross-entropy; "
                "also peak RSS of the worker process",
    },
    "mlp_adam_step": {
        "issue": 3, "metric": "ms/step", "target_ratio": 1.2,
        "what": f"chapter-6 MLP {'-'.join(map(str, MLP_SIZES))} with ReLU, batch {MLP_BATCH}, softmax "
                "cross-entropy, Adam(lr=1e-3) step",
    },
}


# ---------------------------------------------------------------------------------------------
# Shared weights and data (torch layout: conv weight (F, C, KH, KW), linear weight (out, in)).
# ---------------------------------------------------------------------------------------------
def _he(rng, shape, fan_in):
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def convnet_params():
    """SimpleConvNet weights as a dict of float32 arrays in torch layout (He-normal, zero biases)."""
    rng = np.random.default_rng(0)
    return {
        "conv_w": _he(rng, (30, 1, 5, 5), 25), "conv_b": np.zeros(30, np.float32),
        "fc1_w": _he(rng, (100, 4320), 4320), "fc1_b": np.zeros(100, np.float32),
        "fc2_w": _he(rng, (10, 100), 100), "fc2_b": np.zeros(10, np.float32),
    }


def mlp_params():
    """The MLP's weights: a list of ``(W (out, in), b (out,))`` float32 pairs, He-normal, zero biases."""
    rng = np.random.default_rng(1)
    return [(_he(rng, (o, i), i), np.zeros(o, np.float32)) for i, o in zip(MLP_SIZES[:-1], MLP_SIZES[1:])]


def convnet_data():
    """``(x (100, 1, 28, 28) float32 in [0, 1), t (100,) int64 class labels)``."""
    rng = np.random.default_rng(2)
    return rng.random((CONVNET_BATCH, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, CONVNET_BATCH)


def mlp_data():
    """``(x (128, 784) float32 in [0, 1), t (128,) int64 class labels)``."""
    rng = np.random.default_rng(3)
    return rng.random((MLP_BATCH, 784), dtype=np.float32), rng.integers(0, 10, MLP_BATCH)


# ---------------------------------------------------------------------------------------------
# Drivers: each takes an impl module and returns a JSON-able dict.
# ---------------------------------------------------------------------------------------------
def run_op_overhead(impl, quick):
    """Median microseconds per recorded op of the tanh chain."""
    fn = impl.op_chain(CHAIN_DEPTH)
    samples, inner = measure(fn, repeats=5 if quick else 15, warmup=3, min_sample_s=0.01 if quick else 0.03)
    per_op_us = [s / OPS_PER_CHAIN * 1e6 for s in samples]
    stats = summary(per_op_us)
    return {"value": stats["median"], "stats": stats, "calls_per_sample": inner}


def scaling_node_count(shape, n):
    """Number of ops ``scaling_graph(shape, n)`` records."""
    return n if shape == "chain" else 2 * (n // 2) - 1


def _projected_skip(prev, last, n, repeats):
    """Return a reason to skip size ``n`` when its projected cost is over budget, else None."""
    if last is None:
        return None
    growth = 1.0
    if prev is not None and prev["us_per_node"] > 0:
        growth = max(1.0, last["us_per_node"] / prev["us_per_node"])
    projected = last["backward_s"] * (n / last["n"]) * growth
    if projected * (repeats + 1) > SCALING_BUDGET_S:
        return (f"skipped: projected ~{projected:.0f} s per backward (per-node time grew {growth:.1f}x "
                f"from the size before)")
    return None


def run_backward_scaling(impl, quick):
    """Backward-only time per node for each graph shape and size; stops a shape at its first error."""
    sizes = SCALING_SIZES_QUICK if quick else SCALING_SIZES
    result = {}
    for shape in SCALING_SHAPES:
        rows, prev, last = [], None, None
        for i, n in enumerate(sizes):
            repeats = 2 if n >= 100_000 else (3 if quick else 5)  # 10^5 graphs are slow to build
            skip = _projected_skip(prev, last, n, repeats)
            if skip:
                rows.append({"n": n, "error": skip})
                break
            try:
                samples, prep = measure_prepared(lambda: impl.scaling_graph(shape, n),
                                                 repeats=repeats, warmup=1 if i == 0 else 0)
            except Exception as exc:  # RecursionError, MemoryError...: report the library's failure
                rows.append({"n": n, "error": f"{type(exc).__name__}: {str(exc)[:160]}"})
                break
            nodes = scaling_node_count(shape, n)
            back = summary(samples)["median"]
            row = {"n": n, "nodes": nodes, "backward_s": back, "us_per_node": back / nodes * 1e6,
                   "build_us_per_node": summary(prep)["median"] / nodes * 1e6, "repeats": repeats}
            rows.append(row)
            prev, last = last, row
        result[shape] = rows
    return {"shapes": result}


def _train_step_driver(impl, factory, params, data, quick, repeats, min_sample_s):
    x, t = data
    rss_before = current_rss_mib()
    step = factory(params, x, t)
    loss0 = impl.item(step())  # first step from the shared weights: comparable across libraries
    samples, inner = measure(step, repeats=repeats, warmup=2, min_sample_s=min_sample_s)
    loss_last = impl.item(step())
    stats = summary([s * 1e3 for s in samples])
    return {"value": stats["median"], "stats": stats, "calls_per_sample": inner, "loss_first": loss0,
            "loss_last": loss_last, "rss_before_model_mib": rss_before, "peak_rss_mib": peak_rss_mib()}


def run_simple_convnet_step(impl, quick):
    """Median milliseconds per SimpleConvNet SGD step, plus the worker's peak RSS."""
    return _train_step_driver(impl, lambda p, x, t: impl.convnet_step(p, x, t, 0.01), convnet_params(),
                              convnet_data(), quick, repeats=5 if quick else 15, min_sample_s=0.0)


def run_mlp_adam_step(impl, quick):
    """Median milliseconds per MLP Adam step."""
    return _train_step_driver(impl, lambda p, x, t: impl.mlp_adam_step(p, x, t, 1e-3), mlp_params(),
                              mlp_data(), quick, repeats=5 if quick else 15,
                              min_sample_s=0.01 if quick else 0.05)


WORKLOADS = {
    "op_overhead": run_op_overhead,
    "backward_scaling": run_backward_scaling,
    "simple_convnet_step": run_simple_convnet_step,
    "mlp_adam_step": run_mlp_adam_step,
}
