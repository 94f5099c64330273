"""dropout: mask statistics, inverted scaling, gradient = mask * scale, eval identity, reproducibility."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn.functional as F


@given(st.sampled_from([0.1, 0.25, 0.5, 0.8]), st.integers(0, 2**31))
def test_fraction_dropped_is_p_and_kept_units_are_scaled(p, seed):
    ag.manual_seed(seed)
    x = ag.ones(200, 100)
    out = F.dropout(x, p, training=True).numpy()
    dropped = np.mean(out == 0)
    # 20000 Bernoulli draws: the standard error is below 0.0036, so 0.02 is more than 5 sigma.
    assert abs(dropped - p) < 0.02
    np.testing.assert_allclose(out[out != 0], 1.0 / (1.0 - p), rtol=1e-6)
    # Inverted dropout keeps the expected activation.
    assert abs(out.mean() - 1.0) < 0.06


@given(st.floats(0.05, 0.95), st.integers(0, 2**31))
def test_gradient_is_mask_times_scale(p, seed):
    ag.manual_seed(seed)
    x = ag.randn(30, 7, requires_grad=True)
    out = F.dropout(x, p)
    g = np.random.default_rng(seed).standard_normal(out.shape).astype(np.float32)
    out.backward(g)
    mask = (out.numpy() != 0) / np.float32(1 - p)
    np.testing.assert_allclose(out.numpy(), x.numpy() * mask, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), g * mask, rtol=1e-6)


def test_gradcheck_and_gradgradcheck_with_fixed_mask():
    x = ag.tensor(np.random.default_rng(0).standard_normal((4, 5)), requires_grad=True)

    def fn(a):
        ag.manual_seed(3)  # the same mask at every evaluation
        return F.dropout(a, 0.4) ** 2

    ag.gradcheck(fn, [x])
    ag.gradgradcheck(fn, [x])


def test_eval_mode_and_p_zero_are_identity_and_p_one_zeroes():
    x = ag.randn(5, 4, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    out = F.dropout(x, 1.0)
    assert np.all(out.numpy() == 0) and out.requires_grad
    out.sum().backward()
    assert np.all(x.grad.numpy() == 0)


def test_seed_makes_masks_reproducible_and_dtype_is_kept():
    ag.manual_seed(7)
    a = F.dropout(ag.ones(50), 0.5).numpy()
    ag.manual_seed(7)
    b = F.dropout(ag.ones(50), 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert F.dropout(ag.ones(3, dtype=ag.float64), 0.5).dtype == np.float64
    assert F.dropout(ag.ones(3), 0.5).dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_bad_probability_raises(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(ag.ones(3), p)
