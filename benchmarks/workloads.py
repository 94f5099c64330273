"""The workloads: what they build, how they are timed, and the targets they are judged by.

Every library implements the same small interface in ``benchmarks/impl_<lib>.py``:

* ``op_chain(depth)`` -> a callable doing forward and backward of ``depth`` x ``(x * 1.01).tanh()`` on a
  10x10 float32 leaf, then ``.sum().backward()``.
* ``scaling_graph(shape, n)`` -> builds a graph of about ``n`` recorded ops (untimed) and returns a
  callable that runs its backward pass (timed).  ``shape`` is ``"chain"`` or ``"fanin"`` (see below).
* ``convnet_step(params, x, t, lr)`` -> a callable doing one SimpleConvNet SGD training step, returning the loss.
* ``mlp_adam_step(params, x, t, lr)`` -> a callable doing one chapter-6 MLP Adam training step, returning the loss.
* ``cnn_model(net, params)`` -> the library's model of ``networks.NETWORKS[net]`` holding ``params``;
  ``cnn_train_step(model, x, t, lr)`` -> a callable doing one Adam step in training mode (dropout on, batch
  statistics), returning the loss; ``cnn_eval_loss(model, x, t)`` -> the loss (a float) of one eval-mode
  forward under no_grad (dropout off, BatchNorm's running statistics); ``cnn_infer(model, x)`` -> a
  callable doing that forward and returning the logits.
* ``search_trial(params, data, epochs)`` -> a callable running one trial of the hyper-parameter search.
* ``item(loss)`` -> the loss as a Python float;  ``info()`` -> ``{"version", "threads"}``.

A library whose module lacks a function is reported as "unavailable" for the workloads that need it.  The drivers below (one per workload) turn those into
numbers.  All libraries start from the *same* weights and data (made here and in ``networks.py`` with
fixed numpy seeds), so the losses must agree across libraries: ``report.py`` checks it, which shows the
workloads really are the same computation.
"""
import functools
import itertools
import json

import numpy as np

from .networks import network_data, network_params
from .timing import current_rss_mib, measure, measure_prepared, peak_rss_mib, summary

__all__ = [
    "SPECS",
    "WORKLOADS",
    "Unavailable",
    "convnet_data",
    "convnet_params",
    "mlp_data",
    "mlp_params",
    "search_data",
]

CHAIN_DEPTH = 50
OPS_PER_CHAIN = 2 * CHAIN_DEPTH  # one mul and one tanh per link; the final sum is not counted
SCALING_SIZES = (1_000, 10_000, 100_000)
SCALING_SIZES_QUICK = (1_000, 10_000)
SCALING_SHAPES = ("chain", "fanin")
# A size whose projected backward time (times its repeats) exceeds this is skipped, not run.
SCALING_BUDGET_S = 30.0
CONVNET_BATCH, MLP_BATCH = 100, 128
MLP_SIZES = (784, 100, 100, 100, 100, 10)
ADAM_LR = 1e-3
INFERENCE_BATCH = 1000
INFERENCE_NETS = ("simple_convnet", "deep_convnet")
# The Adam training-step workloads of networks.NETWORKS.
CNN_STEPS = {"deep_convnet_step": "deep_convnet", "bn_convnet_step": "bn_convnet", "lenet5_step": "lenet5",
             "alexnet_step": "alexnet"}
# One trial of the search on `scratchgrad experiment hparam-search --quick`'s settings (hparam_search.run):
# 200 images of which 20% are held out for validation, 4 epochs of batch 100.
SEARCH_TRAIN, SEARCH_VAL, SEARCH_EPOCHS = 160, 40, 4
SEARCH_PARAMS = {"lr": 1e-3, "weight_decay": 1e-6, "seed": 0}
SEARCH_BLAS_THREADS = 1  # random_search's default blas_threads: it runs every trial with one BLAS thread

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
        "issue": "3, 13", "metric": "ms/step", "target_ratio": 0.9, "rss": True, "loss": "loss_first",
        "what": f"SimpleConvNet SGD(lr=0.01) step, batch {CONVNET_BATCH} of 1x28x28 float32: conv 30@5x5 -> relu "
                "-> maxpool 2x2 -> flatten -> linear 4320->100 -> relu -> linear 100->10 -> softmax cross-entropy; "
                "also peak RSS of the worker process",
    },
    "mlp_adam_step": {
        "issue": "3, 13", "metric": "ms/step", "target_ratio": 0.8, "loss": "loss_first",
        "what": f"chapter-6 MLP {'-'.join(map(str, MLP_SIZES))} with ReLU, batch {MLP_BATCH}, softmax "
                "cross-entropy, Adam(lr=1e-3) step",
    },
    "deep_convnet_step": {
        "issue": 13, "metric": "ms/step", "target_ratio": 1.0, "loss": "loss_eval", "rss": True,
        "what": f"the book's DeepConvNet (nn.models.DeepConvNet) Adam(lr=1e-3) step, batch {CONVNET_BATCH} of "
                "1x28x28: six 3x3 convs 16-16-32-32-64-64 (padding 1, conv4 padding 2) with ReLU, max-pool 2x2 after "
                "every second, linear 1024->50 -> ReLU -> dropout 0.5 -> linear 50->10, softmax cross-entropy; "
                "timed with dropout on",
    },
    "bn_convnet_step": {
        "issue": 13, "metric": "ms/step", "target_ratio": 0.9, "loss": "loss_first",
        "what": f"SimpleConvNet with BatchNorm2d after the conv and BatchNorm1d after fc1 (each before its ReLU), "
                f"Adam(lr=1e-3) step, batch {CONVNET_BATCH} of 1x28x28",
    },
    "lenet5_step": {
        "issue": 13, "metric": "ms/step", "target_ratio": 0.9, "loss": "loss_first",
        "what": f"LeNet-5 (nn.models.LeNet5: conv 6@5x5 pad 2 -> ReLU -> max-pool -> conv 16@5x5 -> ReLU -> max-pool "
                f"-> 400-120-84-10 with ReLU) Adam(lr=1e-3) step, batch {CONVNET_BATCH} of 1x28x28",
    },
    "alexnet_step": {
        "issue": 13, "metric": "ms/step", "target_ratio": 0.9, "loss": "loss_eval",
        "what": f"AlexNet scaled for small images (nn.models.AlexNet(): width 0.25, five convs 16-48-96-64-64, "
                "three overlapping 3x3/2 max-pools, adaptive avg-pool 2x2, 256-1024-1024-10 with dropout 0.5) "
                f"Adam(lr=1e-3) step, batch {CONVNET_BATCH} of 3x32x32; timed with dropout on",
    },
    "inference_throughput": {
        "issue": 13, "metric": "images/s", "target_ratio": 1.0, "higher_is_better": True, "loss": "loss_eval",
        "parts": INFERENCE_NETS,
        "what": f"eval-mode forward under no_grad, batch {INFERENCE_BATCH}: SimpleConvNet and DeepConvNet; "
                "images per second (higher is better; the ratio is torch's throughput over ours, i.e. time)",
    },
    "search_trial": {
        "issue": 13, "metric": "ms/trial", "target_ratio": None,
        "target_note": "none set (scratchgrad only: the trial is scratchgrad's own experiment code).",
        "what": f"one trial of the hyper-parameter search (scratchgrad.experiments.hparam_search.trial) on its "
                f"--quick settings: MLP 784-100x6-10, {SEARCH_TRAIN} training / {SEARCH_VAL} validation images "
                f"(random, fixed seed), {SEARCH_EPOCHS} epochs of SGD batch 100, then both accuracies; with "
                f"{SEARCH_BLAS_THREADS} BLAS thread, as the search runs every trial",
    },
}


class Unavailable(Exception):
    """The library lacks what a workload needs (the message says what); the worker reports "unavailable"."""


def need(impl, name, reason=None):
    """The impl module's function ``name``; Unavailable (saying ``reason`` or what is missing) where it has none."""
    fn = getattr(impl, name, None)
    if fn is None:
        raise Unavailable(reason or f"{impl.__name__} has no {name}")
    return fn


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
    return [(_he(rng, (o, i), i), np.zeros(o, np.float32)) for i, o in itertools.pairwise(MLP_SIZES)]


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
                samples, prep = measure_prepared(functools.partial(impl.scaling_graph, shape, n),
                                                 repeats=repeats, warmup=1 if i == 0 else 0)
            except Exception as exc:  # noqa: BLE001 -- RecursionError, MemoryError...: report the library's failure
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


def _timed_steps(impl, step, repeats, min_sample_s):
    """Time a training step; also its first loss (from the shared weights) and its last."""
    loss0 = impl.item(step())
    samples, inner = measure(step, repeats=repeats, warmup=2, min_sample_s=min_sample_s)
    loss_last = impl.item(step())
    stats = summary([s * 1e3 for s in samples])
    return {"value": stats["median"], "stats": stats, "calls_per_sample": inner, "loss_first": loss0,
            "loss_last": loss_last}


def _train_step_driver(impl, factory, params, data, repeats, min_sample_s):
    x, t = data
    rss_before = current_rss_mib()
    result = _timed_steps(impl, factory(params, x, t), repeats, min_sample_s)
    return {**result, "rss_before_model_mib": rss_before, "peak_rss_mib": peak_rss_mib()}


def run_simple_convnet_step(impl, quick):
    """Median milliseconds per SimpleConvNet SGD step, plus the worker's peak RSS."""
    return _train_step_driver(impl, lambda p, x, t: impl.convnet_step(p, x, t, 0.01), convnet_params(),
                              convnet_data(), repeats=5 if quick else 15, min_sample_s=0.0)


def run_mlp_adam_step(impl, quick):
    """Median milliseconds per MLP Adam step."""
    return _train_step_driver(impl, lambda p, x, t: impl.mlp_adam_step(p, x, t, 1e-3), mlp_params(),
                              mlp_data(), repeats=5 if quick else 15, min_sample_s=0.01 if quick else 0.05)


def run_cnn_step(impl, quick, net, batch=CONVNET_BATCH, repeats=None):
    """Median milliseconds per Adam step of ``networks.NETWORKS[net]``, its eval-mode loss, peak RSS.

    The eval-mode loss is taken before any step, so it comes from the shared weights in every library
    (the training steps' own losses depend on each library's dropout masks).
    """
    model_fn, eval_fn, step_fn = (need(impl, n) for n in ("cnn_model", "cnn_eval_loss", "cnn_train_step"))
    x, t = network_data(net, batch)
    rss_before = current_rss_mib()
    model = model_fn(net, network_params(net))
    loss_eval = eval_fn(model, x, t)
    result = _timed_steps(impl, step_fn(model, x, t, ADAM_LR), repeats or (5 if quick else 15), 0.0)
    return {**result, "loss_eval": loss_eval, "rss_before_model_mib": rss_before, "peak_rss_mib": peak_rss_mib()}


def run_inference_throughput(impl, quick, nets=INFERENCE_NETS, batch=INFERENCE_BATCH, repeats=None):
    """Images per second of an eval-mode forward under no_grad, for each network in ``nets``."""
    model_fn, eval_fn, infer_fn = (need(impl, n) for n in ("cnn_model", "cnn_eval_loss", "cnn_infer"))
    parts = {}
    for net in nets:
        x, t = network_data(net, batch)
        model = model_fn(net, network_params(net))
        loss_eval = eval_fn(model, x, t)
        samples, inner = measure(infer_fn(model, x), repeats=repeats or (5 if quick else 15), warmup=1,
                                 min_sample_s=0.0)
        stats = summary([batch / s for s in samples])
        parts[net] = {"value": stats["median"], "stats": stats, "ms_per_batch": summary(samples)["median"] * 1e3,
                      "calls_per_sample": inner, "batch": batch, "loss_eval": loss_eval}
    return {"parts": parts}


def search_data():
    """``(x, t, x_val, t_val)``: random 784-feature images and labels in the search trial's sizes."""
    rng = np.random.default_rng(4)
    x = rng.random((SEARCH_TRAIN + SEARCH_VAL, 784), dtype=np.float32)
    t = rng.integers(0, 10, len(x))
    return x[:SEARCH_TRAIN], t[:SEARCH_TRAIN], x[SEARCH_TRAIN:], t[SEARCH_TRAIN:]


def run_search_trial(impl, quick, epochs=SEARCH_EPOCHS, repeats=None):
    """Median milliseconds per trial of the hyper-parameter search (the first trial is the warm-up)."""
    reason = ("the trial is scratchgrad's own experiment code (scratchgrad.experiments.hparam_search.trial); "
              "no other library's version of it is benchmarked")
    trial = need(impl, "search_trial", reason)(SEARCH_PARAMS, search_data(), epochs)
    # What the search caps BLAS with (a scratchgrad requirement), imported only where a trial runs.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=SEARCH_BLAS_THREADS):
        outcome = trial()
        samples, inner = measure(trial, repeats=repeats or (5 if quick else 15), warmup=0, min_sample_s=0.0)
    stats = summary([s * 1e3 for s in samples])
    # numpy scalars in the trial's result become plain floats for the JSON record.
    return {"value": stats["median"], "stats": stats, "calls_per_sample": inner, "blas_threads": SEARCH_BLAS_THREADS,
            "trial": json.loads(json.dumps(outcome, default=float))}


WORKLOADS = {
    "op_overhead": run_op_overhead,
    "backward_scaling": run_backward_scaling,
    "simple_convnet_step": run_simple_convnet_step,
    "mlp_adam_step": run_mlp_adam_step,
    **{name: functools.partial(run_cnn_step, net=net) for name, net in CNN_STEPS.items()},
    "inference_throughput": run_inference_throughput,
    "search_trial": run_search_trial,
}
