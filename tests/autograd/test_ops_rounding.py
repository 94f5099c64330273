"""Rounding and division with rounding (autograd/ops/rounding.py): zero gradients that stay differentiable,
PyTorch's floor semantics for negative operands, integers, bools, reflected and in-place operators, torch."""
import itertools
import warnings

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import op_test, smooth_floats
from engine_helpers import leaf

INTEGERS = tuple(range(-3, 4))
HALVES = tuple(k + 0.5 for k in range(-4, 4))
# The divisors below are +-0.5 and +-2, so a / b is an integer only when a is a multiple of 0.5: keep away from those.
NUMERATORS = smooth_floats(avoid=tuple(k / 2 for k in range(-6, 7)), margin=0.01)
DIVISORS = st.sampled_from([-2.0, -0.5, 0.5, 2.0])

test_floor = op_test(ag.floor, np.floor, elements=smooth_floats(avoid=INTEGERS))
test_ceil = op_test(ag.ceil, np.ceil, elements=smooth_floats(avoid=INTEGERS))
test_trunc = op_test(ag.trunc, np.trunc, elements=smooth_floats(avoid=INTEGERS))
test_round = op_test(ag.round, np.round, elements=smooth_floats(avoid=HALVES))
test_round_decimals = op_test(lambda x: ag.round(x, decimals=1), lambda a: np.round(a, 1),
                              elements=smooth_floats(avoid=tuple(k / 10 + 0.05 for k in range(-31, 31)), margin=0.003))
test_sign = op_test(ag.sign, np.sign, elements=smooth_floats(avoid=(0.0,)))
test_floor_divide = op_test(ag.floor_divide, np.floor_divide, arity=2, elements=[NUMERATORS, DIVISORS])
test_floor_divide_operator = op_test(lambda a, b: a // b, np.floor_divide, arity=2, elements=[NUMERATORS, DIVISORS])
test_remainder = op_test(ag.remainder, np.remainder, arity=2, elements=[NUMERATORS, DIVISORS])
test_remainder_operator = op_test(lambda a, b: a % b, np.remainder, arity=2, elements=[NUMERATORS, DIVISORS])
test_fmod = op_test(ag.fmod, np.fmod, arity=2, elements=[NUMERATORS, DIVISORS])
test_rfloordiv = op_test(lambda x: 7.0 // x, lambda a: 7.0 // a, elements=st.sampled_from([-2.5, -1.5, 1.5, 2.5]))
test_rmod = op_test(lambda x: 7.0 % x, lambda a: 7.0 % a, elements=st.sampled_from([-2.5, -1.5, 1.5, 2.5]))
test_mod_number = op_test(lambda x: x % 1.5, lambda a: a % 1.5, elements=smooth_floats(avoid=(-3.0, -1.5, 0.0, 1.5, 3.0)))


# -- semantics ----------------------------------------------------------------------------------------------

SIGNS = ([-7, 7, -7, 7, 6, -6], [2, -2, -2, 2, 3, 3])


def test_floor_semantics_for_negative_integers_and_floats():
    a, b = SIGNS
    for dtype in (ag.int64, ag.float32):
        x, y = ag.tensor(a, dtype=dtype), ag.tensor(b, dtype=dtype)
        np.testing.assert_array_equal((x // y).numpy(), [-4, -4, 3, 3, 2, -2])
        np.testing.assert_array_equal((x % y).numpy(), [1, -1, -1, 1, 0, 0])
        np.testing.assert_array_equal(ag.fmod(x, y).numpy(), [-1, 1, -1, 1, 0, 0])
        assert (x // y).dtype == dtype and (x % y).dtype == dtype


def test_reflected_operators():
    t = ag.tensor([2, -2])
    np.testing.assert_array_equal((7 // t).numpy(), [3, -4])
    np.testing.assert_array_equal((7 % t).numpy(), [1, -1])
    np.testing.assert_allclose((7.5 % t).numpy(), [1.5, -0.5])
    assert (7.5 % t).dtype == np.float32 and (7 // t).dtype == np.int64


def test_integer_division_by_zero_raises_and_float_gives_inf_or_nan():
    for fn in (ag.floor_divide, ag.remainder, ag.fmod):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn(ag.tensor([1, 2]), ag.tensor([1, 0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # silent, as torch
        x = ag.tensor([1.0, -1.0, 0.0])
        np.testing.assert_array_equal((x // 0.0).numpy(), [np.inf, -np.inf, np.nan])
        assert np.isnan((x % 0.0).numpy()).all() and np.isnan(ag.fmod(x, 0.0).numpy()).all()


def test_bool_operands_are_refused_as_torch():
    b = ag.tensor([True, False])
    for fn in (ag.floor_divide, ag.remainder, ag.fmod):
        with pytest.raises(NotImplementedError, match="Bool"):
            fn(b, b)
    for fn in (ag.floor, ag.ceil, ag.trunc, ag.round):
        with pytest.raises(NotImplementedError, match="Bool"):
            fn(b)


def test_division_needs_a_tensor_and_shapes_that_broadcast():
    with pytest.raises(TypeError):
        ag.floor_divide(7, 2)
    with pytest.raises(TypeError, match="fmod"):
        ag.fmod(7, ag.tensor([2]))
    with pytest.raises(RuntimeError, match="remainder.*broadcast"):
        ag.ones(2) % ag.ones(3)


def test_rounding_integers_copies_and_keeps_the_dtype():
    x = ag.tensor([3, -2], dtype=ag.int32)
    for fn in (ag.floor, ag.ceil, ag.trunc, ag.round, ag.fix):
        out = fn(x)
        assert out.dtype == np.int32 and out.numpy() is not x.numpy()
        np.testing.assert_array_equal(out.numpy(), [3, -2])
    with pytest.raises(NotImplementedError, match="decimals"):
        ag.round(x, decimals=1)
    with pytest.raises(TypeError, match="decimals"):
        ag.round(ag.ones(2), decimals=1.5)


def test_round_half_to_even_and_decimals():
    np.testing.assert_array_equal(ag.round(ag.tensor([0.5, 1.5, 2.5, -0.5])).numpy(), [0.0, 2.0, 2.0, -0.0])
    np.testing.assert_allclose(ag.tensor([1234.5, 25.0]).round(decimals=-1).numpy(), [1230.0, 20.0])


def test_sign_of_nan_negative_zero_integers_and_bools():
    np.testing.assert_array_equal(ag.sign(ag.tensor([np.nan, -0.0, -2.0, 3.0])).numpy(), [0.0, 0.0, -1.0, 1.0])
    assert not np.signbit(ag.sign(ag.tensor([-0.0])).numpy()).any()
    assert ag.sign(ag.tensor([-3, 0, 2])).tolist() == [-1, 0, 1]
    assert ag.sign(ag.tensor([True, False])).tolist() == [True, False]


@pytest.mark.parametrize("fn", [ag.floor, ag.ceil, ag.trunc, ag.round, ag.sign, lambda x: x // 2.0])
def test_zero_gradient_stays_differentiable(fn):
    x = leaf([0.3, -1.7, 2.2])
    (g,) = ag.grad(fn(x).sum(), [x], create_graph=True)
    np.testing.assert_array_equal(g.numpy(), 0.0)
    assert g.requires_grad  # connected to x: differentiating it again gives zeros, not "x was not used"
    (gg,) = ag.grad(g.sum(), [x])
    np.testing.assert_array_equal(gg.numpy(), 0.0)


def test_remainder_and_fmod_gradients_with_respect_to_the_divisor():
    a, b = leaf([7.0, -7.0, 7.0]), leaf([2.0, 2.0, -2.0])
    (a % b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), -np.floor(np.array([7.0, -7.0, 7.0]) / [2.0, 2.0, -2.0]))
    a.grad = b.grad = None
    ag.fmod(a, b).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), -np.trunc(np.array([7.0, -7.0, 7.0]) / [2.0, 2.0, -2.0]))


# -- in place -----------------------------------------------------------------------------------------------


def test_inplace_floor_divide_and_remainder_change_the_tensor_itself():
    x = ag.tensor([[5, -7], [8, 9]])
    alias, row = x, x[0]
    x //= 2
    assert x is alias
    np.testing.assert_array_equal(row.numpy(), [2, -4])  # a view sees the change: same storage
    x %= 3
    np.testing.assert_array_equal(alias.numpy(), [[2, 2], [1, 1]])
    f = ag.tensor([5.0, -7.0])
    f.floor_divide_(2).remainder_(3)
    np.testing.assert_array_equal(f.numpy(), [2.0, 2.0])
    f.fmod_(-1.5)
    np.testing.assert_array_equal(f.numpy(), [0.5, 0.5])


def test_inplace_division_refuses_a_float_result_in_an_integer_tensor():
    x = ag.tensor([5])
    with pytest.raises(RuntimeError, match="can't be cast"):
        x //= 2.5
    with pytest.raises(RuntimeError, match="can't be cast"):
        x %= 2.5
    np.testing.assert_array_equal(x.numpy(), [5])


def test_inplace_remainder_is_recorded_in_the_graph():
    a = leaf([7.0, -7.0])
    y = a * 1.0
    y %= 2.0
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0])


# -- against torch ------------------------------------------------------------------------------------------


def _int_and_float_grid():
    values = [-7, -3, -2, -1, 0, 1, 2, 3, 7]
    pairs = [(a, b) for a, b in itertools.product(values, values) if b != 0]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


@pytest.mark.parametrize("op", ["floor_divide", "remainder", "fmod"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "float32", "float64"])
def test_division_values_match_torch(op, dtype):
    torch = pytest.importorskip("torch")
    a, b = (x.astype(dtype) for x in _int_and_float_grid())
    if dtype.startswith("float"):
        a, b = a * 0.75, b * 1.25  # non-integer quotients too
    ours = getattr(ag, op)(ag.tensor(a), ag.tensor(b))
    theirs = getattr(torch, op)(torch.from_numpy(a), torch.from_numpy(b))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_remainder_and_fmod_gradients_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-5, 5, (3, 4)), rng.choice([-1.75, -0.6, 0.6, 1.75], 4)
    for op in ("remainder", "fmod"):
        x, y = leaf(a), leaf(b)
        tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        getattr(ag, op)(x, y).sum().backward()
        getattr(torch, op)(tx, ty).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
        np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("decimals", [-2, -1, 0, 1, 2, 3])
def test_round_with_decimals_matches_torch(dtype, decimals):
    torch = pytest.importorskip("torch")
    a = (np.random.default_rng(2).standard_normal(200) * 500).astype(dtype)
    a[:4] = [0.125, 2.5, -0.5, 1234.5]
    theirs = torch.round(torch.from_numpy(a), decimals=decimals).numpy()
    np.testing.assert_array_equal(ag.round(ag.tensor(a), decimals=decimals).numpy(), theirs)


OPERAND_DTYPES = ["bool", "uint8", "int32", "int64", "float32", "float64"]
NUMBERS = [True, 3, 2.5]


def _operands(lib):
    out = [(f"{d}[2]", lib.tensor(np.array([3, 2]).astype(d))) for d in OPERAND_DTYPES]
    out += [(f"{d}[]", lib.tensor(np.array(3).astype(d))) for d in OPERAND_DTYPES]
    return out + [(repr(n), n) for n in NUMBERS]


BINARY = {"//": lambda a, b: a // b, "%": lambda a, b: a % b, "fmod": lambda a, b: a.fmod(b)}


def _outcome(fn, a, b):
    try:
        return str(fn(a, b).dtype).replace("torch.", "").replace("autograd.", "")
    except Exception as e:  # noqa: BLE001  (which error torch raises is part of the comparison)
        return f"error:{type(e).__name__}"


@pytest.mark.parametrize("op", sorted(BINARY))
def test_division_promotion_and_errors_match_torch(op):
    torch = pytest.importorskip("torch")
    fn, wrong = BINARY[op], {}
    ours, theirs = _operands(ag), _operands(torch)
    for (ka, a), (_, ta) in zip(ours, theirs):
        for (kb, b), (_, tb) in zip(ours, theirs):
            if not hasattr(a, "dtype") and (op == "fmod" or not hasattr(b, "dtype")):
                continue
            expected, got = _outcome(fn, ta, tb), _outcome(fn, a, b)
            if expected != got:
                wrong[f"{ka} {op} {kb}"] = (expected, got)
    assert not wrong, wrong
