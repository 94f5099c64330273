"""cProfile one scratchgrad workload and print the functions that take the most time.

    python benchmarks/profile_step.py op_overhead
    python benchmarks/profile_step.py simple_convnet_step --calls 20 --top 25 --sort tottime
    python benchmarks/profile_step.py backward_scaling --size 10000     # backward only
    python benchmarks/profile_step.py deep_convnet_step --calls 5

Set-up and warm-up happen outside the profile; only the timed callable of the workload is profiled
(for ``backward_scaling``: the backward pass over a fresh ``chain`` graph per call; for
``inference_throughput``: DeepConvNet's forward of 1,000 images).  cProfile adds a
fixed cost per Python call, so Python-heavy code looks slower than it is; read the ranking, not the
absolute times, and check any win with ``python -m benchmarks``.
"""
import argparse
import cProfile
import io
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(ROOT))

from benchmarks import impl_scratchgrad as impl
from benchmarks import workloads as W
from benchmarks.networks import network_data, network_params

DEFAULT_CALLS = {"op_overhead": 300, "backward_scaling": 5, "simple_convnet_step": 20, "mlp_adam_step": 200,
                 "deep_convnet_step": 10, "bn_convnet_step": 20, "lenet5_step": 50, "alexnet_step": 10,
                 "inference_throughput": 5, "search_trial": 5}


def make_callables(workload, size):
    """Return ``(prepare, run)``: ``run(prepare())`` is the code profiled for one call."""
    if workload == "op_overhead":
        fn = impl.op_chain(W.CHAIN_DEPTH)
        return (lambda: None), (lambda _: fn())
    if workload == "backward_scaling":
        return (lambda: impl.scaling_graph("chain", size)), (lambda backward: backward())
    if workload == "simple_convnet_step":
        x, t = W.convnet_data()
        step = impl.convnet_step(W.convnet_params(), x, t, 0.01)
    elif workload == "mlp_adam_step":
        x, t = W.mlp_data()
        step = impl.mlp_adam_step(W.mlp_params(), x, t, 1e-3)
    elif workload in W.CNN_STEPS:
        net = W.CNN_STEPS[workload]
        x, t = network_data(net, W.CONVNET_BATCH)
        step = impl.cnn_train_step(impl.cnn_model(net, network_params(net)), x, t, W.ADAM_LR)
    elif workload == "inference_throughput":  # the deeper of its networks
        x, _ = network_data("deep_convnet", W.INFERENCE_BATCH)
        step = impl.cnn_infer(impl.cnn_model("deep_convnet", network_params("deep_convnet")), x)
    elif workload == "search_trial":
        step = impl.search_trial(W.SEARCH_PARAMS, W.search_data(), W.SEARCH_EPOCHS)
    else:
        raise SystemExit(f"unknown workload {workload!r}; choose from {', '.join(W.WORKLOADS)}")
    return (lambda: None), (lambda _: step())


def main(argv=None):
    """Profile ``--calls`` calls of the workload and print the top ``--top`` functions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=list(W.WORKLOADS))
    parser.add_argument("--calls", type=int, help="profiled calls (default depends on the workload)")
    parser.add_argument("--top", type=int, default=25, help="rows printed (default: %(default)s)")
    parser.add_argument("--sort", default="tottime", help="pstats sort key: tottime, cumtime, ncalls...")
    parser.add_argument("--size", type=int, default=10_000, help="graph size for backward_scaling")
    args = parser.parse_args(argv)
    calls = args.calls or DEFAULT_CALLS[args.workload]

    prepare, run = make_callables(args.workload, args.size)
    for _ in range(2):  # warm-up: lazy imports, first-call allocations
        run(prepare())
    profiler = cProfile.Profile()
    elapsed = 0.0
    for _ in range(calls):
        arg = prepare()
        start = time.perf_counter()
        profiler.enable()
        run(arg)
        profiler.disable()
        elapsed += time.perf_counter() - start
    print(f"{args.workload}: {calls} profiled calls, {elapsed / calls * 1e3:.3f} ms per call under cProfile")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(args.sort).print_stats(args.top)
    # Drop pstats' preamble (the profile's file list); keep the totals line and the table.
    lines = out.getvalue().splitlines()
    keep = [i for i, line in enumerate(lines) if "function calls" in line]
    text = "\n".join(lines[keep[0] if keep else 0:]).rstrip()
    # Shorter paths: relative to the repository, and to site-packages for installed code.
    text = text.replace(str(ROOT) + "/", "")
    text = re.sub(r"\S*/site-packages/", "site-packages/", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
