"""Training-style loops do not keep graphs alive: nodes die with their outputs, memory stays flat."""
import gc
import tracemalloc
import weakref

import numpy as np

import autograd as ag
from autograd.op import Op


def _step(w, b, x, y, lr=0.05):
    """One forward / backward / no_grad update of a tiny regression model; returns the loss tensor."""
    pred = (x @ w + b).tanh()
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    with ag.no_grad():
        w.sub_(w.grad, alpha=lr)
        b.sub_(b.grad, alpha=lr)
        w.grad.zero_()
        b.grad.zero_()
    return loss


def test_thousand_iterations_leave_no_graph_alive():
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((16, 8)).astype(np.float32))
    y = ag.tensor(rng.standard_normal((16, 1)).astype(np.float32))
    w = ag.tensor(rng.standard_normal((8, 1)).astype(np.float32) * 0.1, requires_grad=True)
    b = ag.zeros(1, requires_grad=True)

    first = _step(w, b, x, y)
    node_ref = weakref.ref(first.grad_fn)
    first_loss = first.item()
    del first

    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(100):  # warm-up: caches, allocator pools
            _step(w, b, x, y)
        gc.collect()
        baseline, _ = tracemalloc.get_traced_memory()
        for _ in range(900):
            loss = _step(w, b, x, y)
        del loss
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert node_ref() is None, "a graph node from the first iteration is still alive"
    # One iteration's graph holds a few KB; 900 leaked graphs would be megabytes.
    assert after - baseline < 64 * 1024, f"memory grew by {after - baseline} bytes over 900 iterations"
    assert _step(w, b, x, y).item() < first_loss  # and it actually trained


def test_graph_is_freed_by_refcount_without_gc():
    """No reference cycles between tensors and nodes: dropping the output frees the graph immediately."""
    x = ag.ones(3, requires_grad=True)
    gc.disable()
    try:
        y = (x * 2).exp().sum()
        refs = [weakref.ref(y.grad_fn)]
        node = y.grad_fn.next[0]
        while node is not None and isinstance(node, Op):
            refs.append(weakref.ref(node))
            node = node.next[0]
        assert len(refs) == 3
        del y, node
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_backward_releases_saved_arrays():
    x = ag.ones(1000, requires_grad=True)
    y = x.exp()
    z = (y * y).sum()
    nodes = ag.graph.nodes_of(z)
    assert any(n.saved for n in nodes)
    z.backward()
    for n in nodes:
        assert n.released or not n.saved
        assert not n.saved


def test_retained_grad_does_not_keep_the_tensor_alive():
    x = ag.ones(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    ref = weakref.ref(y)
    loss = (y * 3).sum()
    del y
    loss.backward()
    del loss
    gc.collect()
    assert ref() is None
