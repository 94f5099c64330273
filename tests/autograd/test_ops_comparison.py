"""Bitwise and logical operators, tests of values (isinf, allclose, equal), nonzero and where(condition)
(autograd/ops/comparison.py): semantics, PyTorch's promotion and errors, in-place operators."""
import itertools

import numpy as np
import pytest

import autograd as ag

# -- bitwise operators --------------------------------------------------------------------------------------


def test_bitwise_operators_on_bools_and_integers():
    a, b = ag.tensor([True, True, False]), ag.tensor([True, False, False])
    assert (a & b).tolist() == [True, False, False]
    assert (a | b).tolist() == [True, True, False]
    assert (a ^ b).tolist() == [False, True, False]
    assert (~a).tolist() == [False, False, True]
    x = ag.tensor([12, 10])
    assert (x & 6).tolist() == [4, 2] and (x | 1).tolist() == [13, 11] and (x ^ 15).tolist() == [3, 5]
    assert (6 & x).tolist() == [4, 2] and (1 | x).tolist() == [13, 11] and (15 ^ x).tolist() == [3, 5]
    assert (True & a).tolist() == [True, True, False]
    assert (~x).tolist() == [-13, -11]


def test_bitwise_promotion_as_torch():
    assert (ag.tensor([True]) & ag.tensor([3])).dtype == np.int64
    assert (ag.tensor([1], dtype=ag.int32) & 3).dtype == np.int32  # a number never widens a tensor
    assert (ag.tensor([1], dtype=ag.uint8) | ag.tensor([1], dtype=ag.int8)).dtype == np.int16
    assert (ag.tensor([True]) ^ 1).dtype == np.int64


@pytest.mark.parametrize("op", ["&", "|", "^"])
def test_bitwise_float_operands_are_refused(op):
    fn = {"&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b}[op]
    for a, b in [(ag.tensor([1.0]), ag.tensor([1.0])), (ag.tensor([1.0]), 1), (ag.tensor([1]), 1.5)]:
        with pytest.raises(NotImplementedError, match="bool and integer"):
            fn(a, b)
    with pytest.raises(TypeError):
        ~ag.tensor([1.0])


def test_bitwise_broadcast_failure_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="bitwise_and.*broadcast"):
        ag.tensor([1, 2]) & ag.tensor([1, 2, 3])


def test_inplace_bitwise_operators_change_the_tensor_itself():
    m = ag.tensor([True, False, True])
    alias, view = m, m[1:]
    m &= ag.tensor([True, True, False])
    assert m is alias and m.tolist() == [True, False, False]
    m |= ag.tensor([False, True, False])
    assert view.tolist() == [True, False]  # same storage
    m ^= True
    assert alias.tolist() == [False, False, True]
    x = ag.tensor([12, 10], dtype=ag.int32)
    x &= ag.tensor([6, 6])  # an int64 operand into int32: same kind, as torch
    assert x.tolist() == [4, 2] and x.dtype == np.int32
    x.bitwise_or_(1).bitwise_xor_(3)
    assert x.tolist() == [6, 0]


def test_inplace_bitwise_refuses_what_torch_refuses():
    with pytest.raises(RuntimeError, match="can't be cast"):
        m = ag.tensor([True])
        m &= ag.tensor([2])
    with pytest.raises(RuntimeError):
        x = ag.tensor([1])
        x |= ag.tensor([1.0])
    with pytest.raises(RuntimeError):
        f = ag.tensor([1.0])
        f ^= 1


# -- logical ops and tests of values --------------------------------------------------------------------------


def test_logical_ops_take_nonzero_as_true_and_broadcast():
    a, b = ag.tensor([1.0, 0.0, 2.0]), ag.tensor([3, 3, 0])
    assert ag.logical_and(a, b).tolist() == [True, False, False]
    assert a.logical_or(b).tolist() == [True, True, True]
    assert ag.logical_xor(a, b).tolist() == [False, True, True]
    assert ag.logical_not(a).tolist() == [False, True, False] and a.logical_not().dtype == np.bool_
    assert ag.logical_or(ag.tensor([1.0, 0.0]), ag.tensor([[1.0], [0.0]])).tolist() == [[True, True], [True, False]]
    with pytest.raises(TypeError, match="logical_and"):
        ag.logical_and(a, 1)
    with pytest.raises(TypeError, match="logical_or"):
        ag.logical_or(1, a)
    with pytest.raises(RuntimeError, match="broadcast"):
        ag.logical_and(ag.ones(2), ag.ones(3))


def test_isinf():
    x = ag.tensor([np.inf, -np.inf, np.nan, 1.0])
    assert ag.isinf(x).tolist() == [True, True, False, False] and x.isinf().dtype == np.bool_
    assert ag.isinf(ag.tensor([1, 2])).tolist() == [False, False]


def test_allclose():
    a = ag.tensor([1.0, 2.0])
    assert ag.allclose(a, a + 1e-6) and not ag.allclose(a, a + 1e-3)
    assert a.allclose(a + 1e-3, atol=1e-2)
    assert isinstance(ag.allclose(a, a), bool)
    assert ag.allclose(ag.tensor([1.0, 1.0]), ag.tensor([[1.0], [1.0]]))  # broadcasting
    nan = ag.tensor([np.nan])
    assert not ag.allclose(nan, nan) and ag.allclose(nan, nan, equal_nan=True)
    assert ag.allclose(ag.tensor([np.inf]), ag.tensor([np.inf]))
    with pytest.raises(RuntimeError, match="same dtype"):
        ag.allclose(a, a.double())
    with pytest.raises(RuntimeError, match="broadcast"):
        ag.allclose(a, ag.ones(3))


def test_equal():
    a = ag.tensor([1.0, 2.0])
    assert ag.equal(a, ag.tensor([1.0, 2.0])) is True and a.equal(ag.tensor([1.0, 2.0]))
    assert ag.equal(a, ag.tensor([1, 2]))  # values, across dtypes (as torch)
    assert not ag.equal(a, ag.tensor([[1.0, 2.0]]))  # shapes must match
    assert not ag.equal(ag.tensor([np.nan]), ag.tensor([np.nan]))
    with pytest.raises(TypeError):
        ag.equal(a, [1.0, 2.0])


# -- nonzero and where(condition) ----------------------------------------------------------------------------


def test_nonzero_and_where_with_one_argument():
    x = ag.tensor([[0, 1], [2, 0]])
    idx = ag.nonzero(x)
    assert idx.tolist() == [[0, 1], [1, 0]] and idx.dtype == np.int64 and not idx.requires_grad
    rows, cols = x.nonzero(as_tuple=True)
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]
    assert [t.tolist() for t in ag.where(x > 0)] == [[0, 1], [1, 0]]
    assert [t.tolist() for t in ag.where(ag.tensor([0.5, 0.0, np.nan]))] == [[0, 2]]  # NaN is nonzero
    assert ag.nonzero(ag.zeros(2, 3)).shape == (0, 2)


def test_nonzero_of_a_0d_tensor():
    assert ag.nonzero(ag.tensor(5)).shape == (1, 0)
    assert ag.nonzero(ag.tensor(0)).shape == (0, 0)
    assert [t.tolist() for t in ag.nonzero(ag.tensor(5), as_tuple=True)] == [[0]]
    assert [t.tolist() for t in ag.nonzero(ag.tensor(0), as_tuple=True)] == [[]]


def test_where_needs_one_or_three_arguments():
    with pytest.raises(TypeError, match="where"):
        ag.where(ag.tensor([True]), ag.ones(1))


# -- against torch ------------------------------------------------------------------------------------------

DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float32", "float64"]
NUMBERS = [True, 3, 2.5]
OPS = {"&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b,
       "logical_and": lambda a, b: a.logical_and(b) if hasattr(a, "dtype") else None}


def _operands(lib):
    out = [(f"{d}[2]", lib.tensor(np.array([3, 0]).astype(d))) for d in DTYPES]
    out += [(f"{d}[]", lib.tensor(np.array(3).astype(d))) for d in DTYPES]
    return out + [(repr(n), n) for n in NUMBERS]


def _outcome(fn, a, b):
    try:
        out = fn(a, b)
    except Exception as e:  # noqa: BLE001  (which error torch raises is part of the comparison)
        return f"error:{type(e).__name__}"
    if out is None:
        return None
    return str(out.dtype).replace("torch.", "").replace("autograd.", ""), np.asarray(out).tolist()


@pytest.mark.parametrize("op", sorted(OPS))
def test_bitwise_and_logical_dtypes_values_and_errors_match_torch(op):
    torch = pytest.importorskip("torch")
    wrong = {}
    for ((ka, a), (_, ta)), ((kb, b), (_, tb)) in itertools.product(zip(_operands(ag), _operands(torch)), repeat=2):
        if not (hasattr(a, "dtype") or hasattr(b, "dtype")):
            continue
        expected, got = _outcome(OPS[op], ta, tb), _outcome(OPS[op], a, b)
        if expected != got:
            wrong[f"{ka} {op} {kb}"] = (expected, got)
    assert not wrong, wrong


def test_allclose_equal_and_nonzero_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = a + rng.choice([0.0, 1e-7, 1e-4], a.shape).astype(np.float32)
    for rtol, atol in [(1e-5, 1e-8), (0.0, 1e-6), (1e-3, 0.0)]:
        assert ag.allclose(ag.tensor(a), ag.tensor(b), rtol, atol) == torch.allclose(torch.tensor(a), torch.tensor(b), rtol, atol)
    assert ag.equal(ag.tensor(a), ag.tensor(a.copy())) == torch.equal(torch.tensor(a), torch.tensor(a))
    m = a > 0.3
    np.testing.assert_array_equal(ag.nonzero(ag.tensor(m)).numpy(), torch.nonzero(torch.tensor(m)).numpy())
