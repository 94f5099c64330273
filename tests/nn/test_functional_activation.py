"""Activations: forward against numpy/math references and PyTorch, first and second order gradients."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import nn.functional as F
from autograd.testing import (
    away_from_zero,
    backend,
    backend_params,
    op_test,
    shapes,
    smooth_floats,
)

FEW = settings(max_examples=max(4, settings.default.max_examples // 3))
one_input = shapes(1, 3, 1, 4).map(lambda s: (s,))


def np_gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def np_gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


test_relu = op_test(F.relu, lambda x: np.maximum(x, 0), elements=away_from_zero(), shapes=one_input)
test_leaky_relu = op_test(lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x), elements=away_from_zero(), shapes=one_input)
test_sigmoid = op_test(F.sigmoid, lambda x: 1 / (1 + np.exp(-x)), shapes=one_input)
test_tanh = op_test(F.tanh, np.tanh, shapes=one_input)
test_gelu = op_test(F.gelu, np_gelu, shapes=one_input)
test_gelu_tanh = op_test(lambda x: F.gelu(x, approximate="tanh"), np_gelu_tanh, shapes=one_input)
test_silu = op_test(F.silu, lambda x: x / (1 + np.exp(-x)), shapes=one_input)
test_softplus = op_test(F.softplus, lambda x: np.log1p(np.exp(x)), shapes=one_input)
test_softplus_beta = op_test(lambda x: F.softplus(x, beta=2.0, threshold=3.0),
                             lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2), elements=smooth_floats(avoid=(1.5,)), shapes=one_input)
test_erf = op_test(F.erf, np.vectorize(math.erf), elements=smooth_floats(-5, 5), shapes=one_input)


def _softmax(x, dim):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


test_softmax = op_test(lambda x: F.softmax(x, dim=-1), lambda x: _softmax(x, -1), shapes=one_input)
test_log_softmax = op_test(lambda x: F.log_softmax(x, dim=0), lambda x: np.log(_softmax(x, 0)), shapes=one_input)


@pytest.mark.parametrize("backend_name", backend_params())
def test_erf_is_accurate_to_float64_over_the_whole_line(backend_name):
    # relative accuracy, also near 0 (erf(x) ~ 1.128 x) and in the tails; -0.0 keeps its sign, NaN stays NaN
    target = backend(backend_name)
    x = np.concatenate([np.linspace(-8, 8, 40001), np.geomspace(1e-300, 0.5, 400), -np.geomspace(1e-300, 0.5, 400),
                        [0.0, -0.0, 30.0, -np.inf, np.inf]])
    ref = np.array([math.erf(v) for v in x])
    got = F.erf(ag.tensor(x).to(target)).to(np).numpy()
    np.testing.assert_allclose(got, ref, rtol=5e-15, atol=0)
    assert np.signbit(got[-4]) and np.isnan(F.erf(ag.tensor([math.nan]).to(target)).to(np).numpy()).all()
    assert F.erf(ag.tensor(np.float32([0.5])).to(target)).dtype == np.float32


@pytest.mark.parametrize("name, kwargs", [
    ("relu", {}), ("leaky_relu", {"negative_slope": 0.1}), ("sigmoid", {}), ("tanh", {}), ("gelu", {}),
    ("gelu", {"approximate": "tanh"}), ("silu", {}), ("softplus", {}), ("softplus", {"beta": 3.0, "threshold": 5.0}),
    ("softmax", {"dim": 1}), ("log_softmax", {"dim": 1}),
])
def test_matches_torch_in_float32(name, kwargs):
    torch = pytest.importorskip("torch")
    x = (np.random.default_rng(0).standard_normal((6, 7)) * 4).astype(np.float32)
    g = np.random.default_rng(1).standard_normal((6, 7)).astype(np.float32)
    ours = ag.tensor(x, requires_grad=True)
    out = getattr(F, name)(ours, **kwargs)
    out.backward(g)
    theirs = torch.tensor(x, requires_grad=True)
    tout = getattr(torch.nn.functional, name)(theirs, **kwargs)
    tout.backward(torch.tensor(g))
    assert out.dtype == np.float32 and ours.grad.dtype == np.float32
    # float32 rounding only (PyTorch's tanh-GELU cancels in 1 + tanh(u) at large negative x; ours does not).
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-5)


@given(st.floats(-1e4, 1e4, allow_nan=False))
def test_softplus_sigmoid_and_log_softmax_stay_finite_for_large_inputs(v):
    x = ag.tensor(np.array([v, -v, 0.0]), requires_grad=True)
    for out in (F.softplus(x), F.sigmoid(x), F.log_softmax(x, dim=0)):
        assert np.isfinite(out.numpy()).all()
        (g,) = ag.grad(out.sum(), [x])
        assert np.isfinite(g.numpy()).all()


def test_softmax_without_dim_warns_and_uses_torchs_implicit_dim():
    x = ag.randn(3, 4)
    with pytest.warns(UserWarning, match="implicit"):
        out = F.softmax(x)
    np.testing.assert_allclose(out.numpy().sum(axis=1), 1.0, rtol=1e-6)
    with pytest.warns(UserWarning):
        F.log_softmax(ag.randn(3))


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(RuntimeError, match="none.*tanh"):
        F.gelu(ag.randn(3), approximate="fast")
