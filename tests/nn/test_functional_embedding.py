"""embedding: forward against numpy's row lookup, gradcheck and gradgradcheck over drawn tables and indices,
padding_idx / scale_grad_by_freq / max_norm against PyTorch, errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn.functional as F


@st.composite
def lookups(draw):
    rows, dim = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    shape = draw(st.lists(st.integers(0, 3), max_size=3).map(tuple))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    padding_idx = draw(st.one_of(st.none(), st.integers(-rows, rows - 1)))
    return rng.standard_normal((rows, dim)), rng.integers(0, rows, shape), padding_idx, draw(st.booleans())


@given(lookups())
def test_embedding_matches_lookup_and_gradchecks(case):
    w, idx, padding_idx, by_freq = case
    weight = ag.tensor(w, requires_grad=True)
    fn = lambda t: F.embedding(ag.tensor(idx), t, padding_idx, scale_grad_by_freq=by_freq)  # noqa: E731
    out = fn(weight)
    np.testing.assert_array_equal(out.numpy(), w[idx])
    if padding_idx is None and not by_freq:  # both change the gradient on purpose: it is no derivative then
        assert ag.gradcheck(fn, [weight])
    if not by_freq:  # frequency scaling: PyTorch's double backward does not rescale (see the torch test below)
        assert ag.gradgradcheck(lambda t: fn(t) ** 2, [weight])
    (fn(weight) * 1.0).sum().backward()
    counts = np.bincount(idx.ravel(), minlength=w.shape[0]).astype(float)
    expected = (counts > 0) if by_freq else counts
    if padding_idx is not None:
        expected[padding_idx % w.shape[0]] = 0
    np.testing.assert_allclose(weight.grad.numpy(), np.broadcast_to(expected[:, None], w.shape))


@pytest.mark.parametrize("kwargs", [dict(), dict(padding_idx=0), dict(padding_idx=-2, scale_grad_by_freq=True),
                                    dict(max_norm=1.0), dict(max_norm=0.5, norm_type=1.0, padding_idx=3)])
def test_embedding_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((6, 4)) * 2).astype(np.float32)
    idx = np.array([[0, 3, 3, 5], [1, 0, 3, 2]])
    ours, theirs = ag.tensor(w.copy(), requires_grad=True), torch.tensor(w.copy(), requires_grad=True)
    out = F.embedding(ag.tensor(idx), ours, **kwargs)
    tout = torch.nn.functional.embedding(torch.tensor(idx), theirs, **kwargs)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)  # max_norm: renormed in place
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(ag.tensor(g)), tout.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(scale_grad_by_freq=True), dict(padding_idx=3, scale_grad_by_freq=True), dict(padding_idx=0)])
def test_embedding_second_order_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w, v, u = rng.standard_normal((5, 3)), rng.standard_normal((2, 3, 3)), rng.standard_normal((5, 3))
    idx = np.array([[0, 3, 3], [1, 0, 3]])
    grads = []
    for lib, emb, grad, tensor in ((ag, F.embedding, lambda y, x, **k: ag.grad(y, x, **k), ag.tensor),
                                   (torch, torch.nn.functional.embedding, torch.autograd.grad, torch.tensor)):
        weight, upstream = tensor(w, requires_grad=True), tensor(v, requires_grad=True)
        loss = (emb(tensor(idx), weight, **kwargs) ** 2 * upstream).sum()
        (g,) = grad(loss, [weight], create_graph=True)
        grads.append([a.detach().numpy() for a in grad((g * tensor(u)).sum(), [weight, upstream])])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_embedding_int32_indices_and_scalar_index():
    w = ag.randn(4, 2)
    assert F.embedding(ag.tensor(np.array([1, 3], dtype=np.int32)), w).shape == (2, 2)
    np.testing.assert_array_equal(F.embedding(ag.tensor(2), w).numpy(), w.numpy()[2])


@pytest.mark.parametrize("make, torch_make, error, message", [
    (lambda w: F.embedding(ag.tensor([4]), w), lambda t, w: t.nn.functional.embedding(t.tensor([4]), w), IndexError, r"index 4.*\(4, 3\)"),
    (lambda w: F.embedding(ag.tensor([-1]), w), lambda t, w: t.nn.functional.embedding(t.tensor([-1]), w), IndexError, r"index -1"),
    (lambda w: F.embedding(ag.tensor([1.0]), w), lambda t, w: t.nn.functional.embedding(t.tensor([1.0]), w), RuntimeError, r"int64 or int32.*float"),
    (lambda w: F.embedding(ag.tensor([1]), w[0]), lambda t, w: t.nn.functional.embedding(t.tensor([1]), w[0]), RuntimeError, r"2-D.*\(3,\)"),
    (lambda w: F.embedding(ag.tensor([1]), w, padding_idx=4), lambda t, w: t.nn.functional.embedding(t.tensor([1]), w, padding_idx=4), AssertionError, r"padding_idx=4"),
])
def test_embedding_errors_match_torch(make, torch_make, error, message):
    with pytest.raises(error, match=message):
        make(ag.randn(4, 3))
    torch = pytest.importorskip("torch")
    with pytest.raises(error):
        torch_make(torch, torch.randn(4, 3))


def test_embedding_rejects_sparse():
    with pytest.raises(NotImplementedError, match="sparse"):
        F.embedding(ag.tensor([0]), ag.randn(2, 2), sparse=True)
