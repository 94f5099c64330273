"""Pointwise math (autograd/ops/pointwise.py): forward against numpy, gradcheck and gradgradcheck, edge
semantics, and values and dtypes against torch."""
import warnings

import numpy as np
import pytest

import autograd as ag
from autograd.testing import away_from_zero, op_test, positive, smooth_floats
from engine_helpers import leaf

test_expm1 = op_test(ag.expm1, np.expm1)
test_log2 = op_test(ag.log2, np.log2, elements=positive())
test_log10 = op_test(ag.log10, np.log10, elements=positive())
test_reciprocal = op_test(ag.reciprocal, np.reciprocal, elements=away_from_zero(margin=0.3))
test_rsqrt = op_test(ag.rsqrt, lambda a: 1 / np.sqrt(a), elements=positive(0.2, 3.0))
test_square = op_test(ag.square, np.square)
test_tan = op_test(ag.tan, np.tan, elements=smooth_floats(-1.2, 1.2))
test_asin = op_test(ag.asin, np.arcsin, elements=smooth_floats(-0.9, 0.9))
test_acos = op_test(ag.acos, np.arccos, elements=smooth_floats(-0.9, 0.9))
test_atan = op_test(ag.atan, np.arctan)
test_sinh = op_test(ag.sinh, np.sinh)
test_cosh = op_test(ag.cosh, np.cosh)
# Both operands away from zero: atan2 jumps by 2*pi across y = 0 where x < 0, which a finite difference would cross.
test_atan2 = op_test(ag.atan2, np.arctan2, arity=2, elements=[away_from_zero(margin=0.3), away_from_zero(margin=0.3)])
test_frac = op_test(ag.frac, lambda a: a - np.trunc(a), elements=smooth_floats(avoid=tuple(range(-3, 4))))
test_nan_to_num_finite = op_test(ag.nan_to_num, np.nan_to_num)
test_arcsin_alias = op_test(ag.arcsin, np.arcsin, elements=smooth_floats(-0.9, 0.9))
test_square_method = op_test(lambda x: x.square(), np.square)
test_atan2_method = op_test(lambda a, b: a.atan2(b), np.arctan2, arity=2,
                            elements=[away_from_zero(margin=0.3), away_from_zero(margin=0.3)])

FLOAT_FUNCTIONS = ["expm1", "log2", "log10", "reciprocal", "rsqrt", "tan", "asin", "acos", "atan", "sinh", "cosh"]


@pytest.mark.parametrize("name", FLOAT_FUNCTIONS)
def test_float_functions_of_integers_and_bools_give_the_default_float(name):
    fn = getattr(ag, name)
    with warnings.catch_warnings():  # asin(2), 1 / 0...: numpy warns where torch is silent
        warnings.simplefilter("ignore")
        assert fn(ag.tensor([1, 2])).dtype == np.float32
        assert fn(ag.tensor([True, False])).dtype == np.float32
    assert fn(ag.tensor([0.5], dtype=ag.float64)).dtype == np.float64


def test_square_keeps_integers_and_bool_gives_int64():
    assert ag.square(ag.tensor([3], dtype=ag.int32)).dtype == np.int32
    assert ag.square(ag.tensor([True])).dtype == np.int64
    np.testing.assert_array_equal(ag.square(ag.tensor([-3, 2])).numpy(), [9, 4])


def test_reciprocal_and_log2_at_zero_give_infinities_and_masked_gradients():
    x = leaf([0.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = ag.reciprocal(x)
        np.testing.assert_array_equal(y.numpy(), [np.inf, 0.5])
        ag.where(x > 0, y, 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, -0.25])  # the branch not taken stays finite


def test_atan2_quadrants_and_broadcasting():
    y = ag.tensor([1.0, 1.0, -1.0, -1.0, 0.0])
    x = ag.tensor([1.0, -1.0, -1.0, 1.0, -1.0])
    np.testing.assert_allclose(ag.atan2(y, x).numpy(), np.arctan2(y.numpy(), x.numpy()), rtol=1e-6)
    assert ag.atan2(ag.ones(2, 1), ag.ones(3)).shape == (2, 3)
    with pytest.raises(RuntimeError, match="atan2.*broadcast"):
        ag.atan2(ag.ones(2), ag.ones(3))
    with pytest.raises(TypeError, match="atan2"):
        ag.atan2(ag.ones(2), 1.0)


def test_frac_keeps_the_sign_and_refuses_integers():
    np.testing.assert_allclose(ag.frac(ag.tensor([-1.5, 2.25])).numpy(), [-0.5, 0.25])
    with pytest.raises(NotImplementedError, match="frac"):
        ag.frac(ag.tensor([3]))


def test_nan_to_num_defaults_and_gradient():
    x = leaf([np.nan, np.inf, -np.inf, 1.5])
    y = ag.nan_to_num(x)
    info = np.finfo(np.float64)
    np.testing.assert_array_equal(y.numpy(), [0.0, info.max, info.min, 1.5])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0, 1.0])
    z = ag.tensor([np.nan, np.inf, -np.inf]).nan_to_num(nan=1.0, posinf=2.0, neginf=-2.0)
    np.testing.assert_array_equal(z.numpy(), [1.0, 2.0, -2.0])
    ints = ag.tensor([1, 2])
    out = ag.nan_to_num(ints, nan=0.5)
    assert out.dtype == np.int64 and out.numpy() is not ints.numpy()


def test_double_backward_of_tan_and_sinh():
    x = leaf([0.3, -0.7])
    (g,) = ag.grad(ag.tan(x).sum() + ag.sinh(x).sum(), [x], create_graph=True)
    (gg,) = ag.grad(g.sum(), [x])
    t = np.tan(x.numpy())
    np.testing.assert_allclose(gg.numpy(), 2 * t * (1 + t * t) + np.sinh(x.numpy()), rtol=1e-10)


# -- against torch --------------------------------------------------------------------------------------

TORCH_UNARY = FLOAT_FUNCTIONS + ["square", "frac", "nan_to_num"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log2(-0.75)...: NaN as torch, but numpy warns
@pytest.mark.parametrize("name", TORCH_UNARY)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_unary_matches_torch_values_dtypes_and_gradients(name, dtype):
    torch = pytest.importorskip("torch")
    values = np.array([-0.75, -0.3, 0.25, 0.5, 0.9]) if dtype.startswith("float") else np.array([0, 1, 2, 1, 0])
    data = values.astype(dtype)
    ours_fn, theirs_fn = getattr(ag, name), getattr(torch, name)
    try:
        expected = theirs_fn(torch.from_numpy(data.copy()))
    except Exception as e:  # noqa: BLE001  (torch refuses some dtypes; so must we, with the same type)
        with pytest.raises(type(e)):
            ours_fn(ag.tensor(data))
        return
    out = ours_fn(ag.tensor(data))
    assert str(out.dtype) == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6, equal_nan=True)
    if dtype == "float64":
        x, tx = leaf(values), torch.tensor(values, requires_grad=True)
        ours_fn(x).sum().backward()
        theirs_fn(tx).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)


def test_atan2_matches_torch_with_gradients_and_promotion():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 1)), rng.standard_normal(4)
    x, y = leaf(a), leaf(b)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ours, theirs = ag.atan2(x, y), torch.atan2(tx, ty)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-10)
    assert ag.atan2(ag.tensor([1]), ag.tensor([2])).dtype == np.float32
    assert str(torch.atan2(torch.tensor([1]), torch.tensor([2])).dtype) == "torch.float32"
