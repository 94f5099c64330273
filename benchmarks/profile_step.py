"""cProfile one scratchgrad workload and print the functions that take the most time.

    python benchmarks/profile_step.py op_overhead
    python benchmarks/profile_step.py simple_convnet_step --calls 20 --top 25 --sort tottime
    python benchmarks/profile_step.py backward_scaling --size 10000     # backward only
    python benchmarks/profile_step.py deep_convnet_step --calls 10      # nn.models' DeepConvNet, Adam
    python benchmarks/profile_step.py deep_convnet_eval                 # its no_grad forward, batch 1,000

Set-up and warm-up happen outside the profile; only the timed callable of the workload is profiled
(for ``backward_scaling``: the backward pass over a fresh ``chain`` graph per call).  Besides the harness's
workloads, the model zoo's CNNs can be profiled: ``<model>_step`` is one Adam step of ``nn.models``' model on
a batch of 100 1x28x28 float32 images (``bn_simple_convnet`` is SimpleConvNet with BatchNorm2d/BatchNorm1d),
``<model>_eval`` its eval-mode forward under ``no_grad`` on a batch of 1,000.  cProfile adds a
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

from benchmarks import impl_scratchgrad as impl  # noqa: E402
from benchmarks import workloads as W  # noqa: E402

DEFAULT_CALLS = {"op_overhead": 300, "backward_scaling": 5, "simple_convnet_step": 20, "mlp_adam_step": 200}
MODELS = ("deep_convnet", "bn_simple_convnet", "lenet5", "alexnet")  # (simple_convnet_step is the harness's)
MODEL_WORKLOADS = tuple(f"{m}_{kind}" for m in MODELS for kind in ("step", "eval"))


def build_model(name):
    """One of ``MODELS``, built from ``nn.models`` for 1x28x28 input and seeded so every run starts alike."""
    import autograd as ag
    import nn
    from nn import models

    ag.manual_seed(0)
    if name == "deep_convnet":
        return models.DeepConvNet()
    if name == "bn_simple_convnet":
        return nn.Sequential(nn.Conv2d(1, 30, 5), nn.BatchNorm2d(30), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(4320, 100), nn.BatchNorm1d(100), nn.ReLU(), nn.Linear(100, 10))
    if name == "lenet5":
        return models.LeNet5()
    return models.AlexNet(in_channels=1)


def model_callable(workload):
    """The profiled callable of a ``<model>_step`` (one Adam step) or ``<model>_eval`` (no_grad forward)."""
    import numpy as np

    import autograd as ag
    import nn.functional as F
    import optim

    name, kind = workload.rsplit("_", 1)
    model = build_model(name)
    rng = np.random.default_rng(2)
    batch = 100 if kind == "step" else 1000
    x = ag.tensor(rng.random((batch, 1, 28, 28), dtype=np.float32))
    if kind == "eval":
        model.eval()

        def forward():
            with ag.no_grad():
                return model(x)

        return forward
    t = ag.tensor(rng.integers(0, 10, batch))
    opt = optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), t)
        loss.backward()
        opt.step()
        return loss

    return step


def make_callables(workload, size):
    """Return ``(prepare, run)``: ``run(prepare())`` is the code profiled for one call."""
    if workload == "op_overhead":
        fn = impl.op_chain(W.CHAIN_DEPTH)
        return (lambda: None), (lambda _: fn())
    if workload == "backward_scaling":
        return (lambda: impl.scaling_graph("chain", size)), (lambda backward: backward())
    if workload in MODEL_WORKLOADS:
        fn = model_callable(workload)
        return (lambda: None), (lambda _: fn())
    if workload == "simple_convnet_step":
        x, t = W.convnet_data()
        step = impl.convnet_step(W.convnet_params(), x, t, 0.01)
    elif workload == "mlp_adam_step":
        x, t = W.mlp_data()
        step = impl.mlp_adam_step(W.mlp_params(), x, t, 1e-3)
    else:
        raise SystemExit(f"unknown workload {workload!r}; choose from {', '.join(W.WORKLOADS)}")
    return (lambda: None), (lambda _: step())


def main(argv=None):
    """Profile ``--calls`` calls of the workload and print the top ``--top`` functions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=sorted(set(W.WORKLOADS) | set(MODEL_WORKLOADS)))
    parser.add_argument("--calls", type=int, help="profiled calls (default depends on the workload)")
    parser.add_argument("--top", type=int, default=25, help="rows printed (default: %(default)s)")
    parser.add_argument("--sort", default="tottime", help="pstats sort key: tottime, cumtime, ncalls...")
    parser.add_argument("--size", type=int, default=10_000, help="graph size for backward_scaling")
    args = parser.parse_args(argv)
    calls = args.calls or DEFAULT_CALLS.get(args.workload, 10)

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
