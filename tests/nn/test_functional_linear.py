"""linear: forward against numpy, first and second order gradients, N-D input, PyTorch parity, errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn.functional as F


def leaf(a):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


@given(st.sampled_from([(3,), (2, 3), (2, 2, 3), (1, 2, 2, 3)]), st.integers(1, 4), st.booleans(), st.integers(0, 2**31))
def test_linear_matches_numpy_and_gradchecks(lead, n_out, with_bias, seed):
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal(lead), rng.standard_normal((n_out, lead[-1])), rng.standard_normal(n_out)
    out = F.linear(ag.tensor(x), ag.tensor(w), ag.tensor(b) if with_bias else None)
    np.testing.assert_allclose(out.numpy(), x @ w.T + (b if with_bias else 0), rtol=1e-12)
    inputs = [leaf(x), leaf(w)] + ([leaf(b)] if with_bias else [])
    ag.gradcheck(lambda *a: F.linear(*a), inputs)
    ag.gradgradcheck(lambda *a: F.linear(*a), inputs)


def test_linear_matches_torch_in_float32_and_skips_unneeded_grads():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((5, 2, 7), (3, 7), (3,)))
    g = rng.standard_normal((5, 2, 3)).astype(np.float32)
    X, W, B = ag.tensor(x, requires_grad=True), ag.tensor(w, requires_grad=True), ag.tensor(b, requires_grad=True)
    out = F.linear(X, W, B)
    out.backward(g)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    torch.nn.functional.linear(tx, tw, tb).backward(torch.tensor(g))
    assert out.dtype == np.float32
    for ours, theirs in ((X, tx), (W, tw), (B, tb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-5)
    y = F.linear(ag.tensor(x), W)
    assert y.grad_fn.backward(g, x, w, None)[0] is None


@pytest.mark.parametrize("make, message", [
    (lambda: F.linear(ag.randn(4, 5), ag.randn(3, 4)), r"\(4, 5\).*\(3, 4\).*in_features=4"),
    (lambda: F.linear(ag.randn(4, 5), ag.randn(3, 5, 1)), "2-D weight"),
    (lambda: F.linear(ag.randn(4, 5), ag.randn(3, 5), ag.randn(4)), r"bias of shape \(3,\)"),
    (lambda: F.linear(ag.randn(4, 5), ag.randn(3, 5).double()), "same dtype"),
])
def test_bad_shapes_raise(make, message):
    with pytest.raises(RuntimeError, match=message):
        make()
