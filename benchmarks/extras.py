"""scratchgrad-only timings that the issues ask for but that have no peer to compare with.

    python -m benchmarks.extras

- drawing a 5,001-node graph as DOT text (target: under a second) and a 20,000-op chain (no recursion limit);
- loading the 60,000 Fashion-MNIST training images (target: under 2 seconds), when the files are found.
"""
import statistics
import time

import autograd as ag


def _median_seconds(fn, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _chain(steps, two_ops):
    x = ag.randn(2, requires_grad=True)
    y = x
    for _ in range(steps):
        y = (y + x).tanh() if two_ops else y + 1.0
    return y


def main():
    """Print one line per measurement."""
    import viz

    y = _chain(1_250, two_ops=True)  # 2,500 ops and 2,500 tensors, plus x: 5,001 nodes
    print(f"draw_graph, 5,001 nodes to DOT text: {_median_seconds(lambda: viz.draw_graph(y).source):.3f} s (target < 1 s)")
    y = _chain(20_000, two_ops=False)
    print(f"draw_graph, 20,000-op chain to DOT text: {_median_seconds(lambda: viz.draw_graph(y).source, 3):.3f} s")
    try:
        from autograd.data import FashionMNIST

        FashionMNIST(train=True)  # locate the files once (and warm the page cache), then time the loads
        print(f"FashionMNIST(train=True), 60,000 images: {_median_seconds(lambda: FashionMNIST(train=True)):.3f} s (target < 2 s)")
    except FileNotFoundError as e:
        print(f"FashionMNIST: not measured ({str(e).splitlines()[0]})")


if __name__ == "__main__":
    main()
