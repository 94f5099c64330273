"""Elementwise ops: forward against numpy, gradcheck and gradgradcheck over broadcast-compatible shapes."""
import numpy as np
import pytest

import autograd as ag
from autograd.testing import away_from_zero, op_test, positive, shapes, smooth_floats
from engine_helpers import leaf, offset_floats

# -- binary arithmetic (functional and operator forms) -----------------------------------------------------

test_add = op_test(ag.add, np.add, arity=2)
test_add_operator = op_test(lambda a, b: a + b, np.add, arity=2)
test_add_alpha = op_test(lambda a, b: ag.add(a, b, alpha=2.5), lambda a, b: a + 2.5 * b, arity=2)
test_sub = op_test(ag.sub, np.subtract, arity=2)
test_sub_operator = op_test(lambda a, b: a - b, np.subtract, arity=2)
test_sub_alpha = op_test(lambda a, b: ag.sub(a, b, alpha=-0.5), lambda a, b: a + 0.5 * b, arity=2)
test_mul = op_test(ag.mul, np.multiply, arity=2)
test_mul_operator = op_test(lambda a, b: a * b, np.multiply, arity=2)
test_div = op_test(ag.div, np.divide, arity=2, elements=[smooth_floats(), away_from_zero(margin=0.3)])
test_div_operator = op_test(lambda a, b: a / b, np.divide, arity=2, elements=[smooth_floats(), away_from_zero(margin=0.3)])
test_pow_tensor_exponent = op_test(ag.pow, np.power, arity=2, elements=[positive(0.2, 3.0), smooth_floats(-2.0, 2.0)])
test_pow_operator = op_test(lambda a, b: a ** b, np.power, arity=2, elements=[positive(0.2, 3.0), smooth_floats(-2.0, 2.0)])

# -- scalar exponents ---------------------------------------------------------------------------------------

test_pow_int_exponent = op_test(lambda x: x ** 3, lambda a: a ** 3)
test_pow_int_exponent_functional = op_test(lambda x: ag.pow(x, 2), np.square)
test_pow_fractional_exponent = op_test(lambda x: x ** 2.5, lambda a: a ** 2.5, elements=positive(0.2, 3.0))
test_pow_negative_exponent = op_test(lambda x: x ** -1.5, lambda a: a ** -1.5, elements=positive(0.2, 3.0))

# -- reflected forms: a number (or an ndarray) on the left ---------------------------------------------------

test_radd = op_test(lambda x: 2.0 + x, lambda a: 2.0 + a)
test_rsub = op_test(lambda x: 2.0 - x, lambda a: 2.0 - a)
test_rmul = op_test(lambda x: -1.5 * x, lambda a: -1.5 * a)
test_rdiv = op_test(lambda x: 2.0 / x, lambda a: 2.0 / a, elements=away_from_zero(margin=0.3))
test_rpow = op_test(lambda x: 2.0 ** x, lambda a: 2.0 ** a)
# (numpy only: a numpy array is a host constant, which mixes with another library's tensor as a CPU tensor with
# a CUDA one in PyTorch: a RuntimeError, tested in test_devices)
test_rsub_ndarray = op_test(lambda x: np.arange(4.0) - x, lambda a: np.arange(4.0) - a,
                            shapes=shapes(min_dims=1).map(lambda s: (s[:-1] + (4,),)), backends=("numpy",))

# -- unary -----------------------------------------------------------------------------------------------

test_neg = op_test(ag.neg, np.negative)
test_neg_operator = op_test(lambda x: -x, np.negative)
test_exp = op_test(ag.exp, np.exp)
test_log = op_test(ag.log, np.log, elements=positive())
test_log1p = op_test(ag.log1p, np.log1p, elements=positive(-0.9, 3.0))
test_sqrt = op_test(ag.sqrt, np.sqrt, elements=positive())
test_abs = op_test(ag.abs, np.abs, elements=away_from_zero())
test_abs_builtin = op_test(lambda x: abs(x), np.abs, elements=away_from_zero())
test_sin = op_test(ag.sin, np.sin)
test_cos = op_test(ag.cos, np.cos)
test_tanh = op_test(ag.tanh, np.tanh)
test_sigmoid = op_test(ag.sigmoid, lambda a: 1 / (1 + np.exp(-a)), elements=smooth_floats(-6.0, 6.0))
test_relu = op_test(ag.relu, lambda a: np.maximum(a, 0), elements=away_from_zero())
test_clamp = op_test(lambda x: ag.clamp(x, -1.0, 1.0), lambda a: np.clip(a, -1.0, 1.0), elements=smooth_floats(avoid=(-1.0, 1.0)))
test_clamp_min_only = op_test(lambda x: x.clamp(min=0.5), lambda a: np.maximum(a, 0.5), elements=smooth_floats(avoid=(0.5,)))
test_clamp_max_only = op_test(lambda x: ag.clip(x, max=-0.5), lambda a: np.minimum(a, -0.5), elements=smooth_floats(avoid=(-0.5,)))

# maximum/minimum: the second operand sits half a grid step off the first, so there is never a tie (a kink).
test_maximum = op_test(ag.maximum, np.maximum, arity=2, elements=[smooth_floats(), offset_floats()])
test_minimum = op_test(ag.minimum, np.minimum, arity=2, elements=[smooth_floats(), offset_floats()])

# where: the condition comes from a tensor that is never near the threshold, so it has zero gradient.
test_where = op_test(lambda c, a, b: ag.where(c > 0, a, b), lambda c, a, b: np.where(c > 0, a, b), arity=3,
                     elements=[away_from_zero(), None, None])
test_where_method = op_test(lambda c, a, b: a.where(c < 0, b), lambda c, a, b: np.where(c < 0, a, b), arity=3,
                            elements=[away_from_zero(), None, None])


# -- edge semantics (examples) -------------------------------------------------------------------------------


def test_maximum_tie_splits_gradient_evenly():
    a, b = leaf([1.0, 2.0, 3.0]), leaf([1.0, 5.0, 0.0])
    ag.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 1.0, 0.0])


def test_relu_and_abs_have_zero_gradient_at_zero():
    x = leaf([-1.0, 0.0, 2.0])
    (ag.relu(x) + ag.abs(x)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [-1.0, 0.0, 2.0])


def test_clamp_gradient_passes_at_the_bounds():
    x = leaf([-2.0, -1.0, 0.0, 1.0, 2.0])
    ag.clamp(x, -1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 1.0, 1.0, 0.0])


def test_clamp_without_bounds_raises():
    with pytest.raises(RuntimeError, match="clamp"):
        ag.clamp(leaf([1.0]))


def test_sigmoid_extreme_inputs_are_finite_without_warnings():
    x = ag.tensor([-1e4, -50.0, 0.0, 50.0, 1e4], requires_grad=True)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        y = ag.sigmoid(x)
        y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [0.0, 0.0, 0.5, 1.0, 1.0], atol=1e-7)
    assert np.isfinite(x.grad.numpy()).all()
    assert y.dtype == ag.float32


def test_pow_at_zero_base():
    """At a zero base, d(a**b)/da = b*a**(b-1) = 0 for b > 1, and d(a**b)/db is taken as 0 (PyTorch's convention)."""
    a, b = leaf([0.0, 2.0]), leaf([2.0, 3.0])
    (a ** b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.0, 12.0])
    np.testing.assert_allclose(b.grad.numpy(), [0.0, 8.0 * np.log(2.0)])


def test_pow_zero_exponent_has_finite_gradient_at_zero():
    x = leaf([0.0, 3.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_ndarray_on_the_left_defers_to_tensor():
    x = leaf([1.0, 2.0])
    for out, expected in ((np.array([3.0, 3.0]) * x, [3.0, 6.0]), (np.array([1.0, 1.0]) / x, [1.0, 0.5]),
                          (np.float64(5.0) - x, [4.0, 3.0])):
        assert isinstance(out, ag.Tensor) and out.requires_grad
        np.testing.assert_allclose(out.numpy(), expected)


def test_comparisons_return_bool_tensors_without_grad():
    x = leaf([1.0, 2.0, 3.0])
    for c in (x > 2, x >= 2, x < 2, x <= 2, x == 2, x != 2, (x > 1) & (x < 3), ~(x > 1), (x > 2) | (x < 2)):
        assert isinstance(c, ag.Tensor) and c.dtype == np.bool_
        assert not c.requires_grad and c.grad_fn is None
    np.testing.assert_array_equal((x > 2).numpy(), [False, False, True])


# -- clamp with Tensor bounds ------------------------------------------------------------------------------------

# The bounds sit a quarter and a half grid step off the input's grid: no ties (kinks) between x, min and max.
_BOUNDS = [smooth_floats(), offset_floats(offset=5e-4), offset_floats(offset=2.5e-4)]
test_clamp_tensor_bounds = op_test(lambda x, lo, hi: ag.clamp(x, lo, hi), lambda a, lo, hi: np.minimum(np.maximum(a, lo), hi),
                                   arity=3, elements=_BOUNDS)
test_clamp_tensor_min = op_test(lambda x, lo: x.clamp(min=lo), np.maximum, arity=2, elements=_BOUNDS[:2])
test_clamp_tensor_max = op_test(lambda x, hi: x.clip(max=hi), np.minimum, arity=2, elements=_BOUNDS[:2])


def test_clamp_tensor_bounds_gradients_match_torch():
    torch = pytest.importorskip("torch")
    x, lo, hi = [1.0, 2.0, 3.0, 0.5, 4.0], [2.0, 2.0, 2.0, 1.0, 1.0], [2.0, 1.0, 3.0, 3.0, 3.0]  # incl. min > max
    ours = [leaf(v) for v in (x, lo, hi)]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (x, lo, hi)]
    out, tout = ag.clamp(*ours), torch.clamp(*theirs)
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    out.sum().backward()
    tout.sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.grad.numpy(), t.grad.numpy())
    a, b = leaf([[1.0, 5.0, -3.0]]), leaf([[0.0], [1.0]])
    ta, tb = (torch.tensor(v.numpy(), requires_grad=True) for v in (a, b))
    ag.clamp(a, min=b).sum().backward()
    torch.clamp(ta, min=tb).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), ta.grad.numpy())  # broadcast bounds: summed back
    np.testing.assert_array_equal(b.grad.numpy(), tb.grad.numpy())


def test_clamp_tensor_bounds_promote_and_mix_with_numbers_as_torch():
    assert ag.clamp(ag.tensor([1, 5, -3]), min=ag.tensor([0.5])).dtype == np.float32
    assert ag.clamp(ag.tensor([1.5]), min=ag.tensor([2.0], dtype=ag.float64)).dtype == np.float64
    assert ag.clamp(ag.tensor([1, 5]), min=ag.tensor([2])).dtype == np.int64
    np.testing.assert_array_equal(ag.clamp(ag.tensor([1.0, 5.0, -3.0]), min=0.0, max=ag.tensor(2.0)).numpy(), [1.0, 2.0, 0.0])
    with pytest.raises(TypeError, match="both be Tensors or both numbers"):
        ag.clamp(ag.tensor([1.0, 5.0]), min=ag.tensor([0.0, 0.0]), max=2.0)
    with pytest.raises(RuntimeError, match="clamp.*broadcast"):
        ag.clamp(ag.ones(3), min=ag.zeros(2))
