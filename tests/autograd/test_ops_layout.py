"""flip, roll, repeat/tile, repeat_interleave, t, tril/triu, diagonal (autograd/ops/layout.py), and the shape
checks of mm/bmm/dot/outer: forward against numpy, gradcheck and gradgradcheck, views, errors, torch."""
import numpy as np
import pytest
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import op_test, shapes
from engine_helpers import leaf

ONE = shapes(min_dims=1).map(lambda s: (s,))
MATRICES = shapes(min_dims=2, max_dims=4).map(lambda s: (s,))


@st.composite
def dims_of(draw, shape):
    axes = draw(st.lists(st.integers(0, len(shape) - 1), unique=True, max_size=len(shape)))
    return {"dims": tuple(a - len(shape) if draw(st.booleans()) else a for a in axes)}


@st.composite
def roll_args(draw, shape):
    dims = draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=3))  # repeats allowed
    return {"shifts": tuple(draw(st.integers(-5, 5)) for _ in dims), "dims": tuple(dims)}


@st.composite
def repeat_sizes(draw, shape):
    extra = draw(st.integers(0, 2))
    return {"sizes": tuple(draw(st.integers(0, 3)) for _ in range(len(shape) + extra))}


@st.composite
def interleave_args(draw, shape):
    dim = draw(st.none() | st.integers(-len(shape), len(shape) - 1)) if shape else None
    n = int(np.prod(shape)) if dim is None else shape[dim]
    per_slice = draw(st.booleans())
    counts = [draw(st.integers(0, 3)) for _ in range(n if per_slice else 1)]
    repeats = ag.tensor(counts) if per_slice or draw(st.booleans()) else counts[0]
    return {"repeats": repeats, "dim": dim}


@st.composite
def diagonal_args(draw, shape):
    d1, d2 = draw(st.lists(st.integers(0, len(shape) - 1), min_size=2, max_size=2, unique=True))
    return {"offset": draw(st.integers(-3, 3)), "dim1": d1 - len(shape) * draw(st.booleans()), "dim2": d2}


def _interleave_ref(a, repeats, dim):
    counts = np.asarray(repeats).reshape(-1)
    counts = int(counts[0]) if counts.size == 1 else counts
    return np.repeat(a.reshape(-1) if dim is None else a, counts, axis=0 if dim is None else dim)


test_flip = op_test(lambda x, dims: ag.flip(x, dims), lambda a, dims: np.flip(a, dims), shapes=ONE,
                    kwargs=lambda shp: dims_of(shp[0]))
test_flip_method = op_test(lambda x, dims: x.flip(*dims), lambda a, dims: np.flip(a, dims), shapes=ONE,
                           kwargs=lambda shp: dims_of(shp[0]))
test_roll = op_test(ag.roll, lambda a, shifts, dims: np.roll(a, shifts, dims), shapes=ONE, kwargs=lambda shp: roll_args(shp[0]))
test_roll_flat = op_test(lambda x: x.roll(2), lambda a: np.roll(a, 2))
test_repeat = op_test(lambda x, sizes: x.repeat(*sizes), lambda a, sizes: np.tile(a, sizes),
                      kwargs=lambda shp: repeat_sizes(shp[0]), shapes=shapes().map(lambda s: (s,)))
test_tile = op_test(lambda x: ag.tile(x, (2,)), lambda a: np.tile(a, 2))
test_repeat_interleave = op_test(ag.repeat_interleave, _interleave_ref, shapes=shapes().map(lambda s: (s,)),
                                 kwargs=lambda shp: interleave_args(shp[0]))
test_t = op_test(ag.t, np.transpose, shapes=shapes(max_dims=2).map(lambda s: (s,)))
test_tril = op_test(lambda x, k: ag.tril(x, k), lambda a, k: np.tril(a, k), shapes=MATRICES,
                    kwargs={"k": -1})
test_triu = op_test(lambda x, k: x.triu(diagonal=k), lambda a, k: np.triu(a, k), shapes=MATRICES,
                    kwargs=lambda shp: st.integers(-3, 3).map(lambda k: {"k": k}))
test_diagonal = op_test(ag.diagonal, lambda a, offset, dim1, dim2: np.diagonal(a, offset, dim1, dim2), shapes=MATRICES,
                        kwargs=lambda shp: diagonal_args(shp[0]))


# -- semantics and errors ----------------------------------------------------------------------------------

X = np.arange(6.0).reshape(2, 3)


def test_flip_is_a_copy_and_checks_dims():
    x = ag.tensor(X)
    y = x.flip(0, 1)
    np.testing.assert_array_equal(y.numpy(), X[::-1, ::-1])
    y.zero_()
    np.testing.assert_array_equal(x.numpy(), X)  # the input is untouched
    assert ag.flip(x, []).tolist() == X.tolist() and ag.flip(ag.tensor(3.0), [0]).item() == 3.0
    with pytest.raises(RuntimeError, match="multiple times"):
        ag.flip(x, [1, 1])
    with pytest.raises(IndexError):
        ag.flip(x, [2])


def test_roll_semantics():
    x = ag.tensor(X)
    np.testing.assert_array_equal(ag.roll(x, 1).numpy(), [[5, 0, 1], [2, 3, 4]])  # flattened, shape kept
    np.testing.assert_array_equal(ag.roll(x, (1, -1), (0, 1)).numpy(), [[4, 5, 3], [1, 2, 0]])
    np.testing.assert_array_equal(ag.roll(x, (1, 1), (1, 1)).numpy(), np.roll(X, 2, 1))  # repeated dims add up
    with pytest.raises(RuntimeError, match="align"):
        ag.roll(x, (1, 2), 0)
    with pytest.raises(IndexError, match="no dimensions"):
        ag.roll(ag.tensor(3.0), 1, 0)
    assert ag.roll(ag.tensor(3.0), 1).item() == 3.0


def test_repeat_and_tile_shapes_and_errors():
    x = ag.tensor(X)
    assert x.repeat(2, 1, 2).shape == (2, 2, 6) and x.repeat([2, 1]).shape == (4, 3) and x.repeat(0, 2).shape == (0, 6)
    assert ag.tile(x, (2,)).shape == (2, 6) and x.tile(2, 1, 1).shape == (2, 2, 3)
    assert not hasattr(ag, "repeat")  # a method only, as in torch
    with pytest.raises(RuntimeError, match="can not be smaller"):
        x.repeat(2)
    with pytest.raises(RuntimeError, match="non-negative"):
        x.repeat(-1, 2)


def test_repeat_gradient_sums_the_copies():
    x = leaf(X)
    (x.repeat(2, 1, 3) * 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 6.0))


def test_repeat_interleave_forms_and_errors():
    x = ag.tensor(X)
    np.testing.assert_array_equal(ag.repeat_interleave(x, 2).numpy(), np.repeat(X.reshape(-1), 2))
    np.testing.assert_array_equal(x.repeat_interleave(ag.tensor([1, 2]), dim=0).numpy(), np.repeat(X, [1, 2], axis=0))
    np.testing.assert_array_equal(x.repeat_interleave(ag.tensor([2]), dim=1).numpy(), np.repeat(X, 2, axis=1))
    np.testing.assert_array_equal(x.repeat_interleave(ag.tensor(2), 0).numpy(), np.repeat(X, 2, axis=0))
    counts = ag.repeat_interleave(ag.tensor([2, 0, 1]))
    assert counts.tolist() == [0, 0, 2] and counts.dtype == np.int64
    assert ag.repeat_interleave(ag.tensor(3.0), 2).tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="same size"):
        ag.repeat_interleave(x, ag.tensor([1, 2, 3]), dim=0)
    with pytest.raises(RuntimeError, match="negative"):
        ag.repeat_interleave(x, -1, dim=0)
    with pytest.raises(RuntimeError, match="negative"):
        ag.repeat_interleave(x, ag.tensor([-1, 1]), dim=0)
    with pytest.raises(RuntimeError, match="0-dim or 1-dim"):
        ag.repeat_interleave(x, ag.tensor([[2, 1]]), dim=0)
    with pytest.raises(NotImplementedError, match="integer"):
        ag.repeat_interleave(x, ag.tensor([1.0, 2.0]), dim=0)


def test_t_is_a_view_for_at_most_two_dims():
    x = ag.tensor(X)
    y = x.t()
    assert y.shape == (3, 2) and np.shares_memory(y.numpy(), x.numpy())
    y[0, 1] = 100.0
    assert x[1, 0].item() == 100.0
    assert ag.t(ag.tensor([1, 2])).tolist() == [1, 2] and ag.tensor(1).t().item() == 1
    with pytest.raises(RuntimeError, match="<= 2 dimensions"):
        ag.zeros(1, 2, 3).t()


def test_tril_triu_semantics():
    ones = ag.ones(3, 3)
    np.testing.assert_array_equal(ag.tril(ones, diagonal=-1).numpy(), np.tril(np.ones((3, 3)), -1))
    np.testing.assert_array_equal(ag.triu(ag.ones(2, 3, 3), 1)[1].numpy(), np.triu(np.ones((3, 3)), 1))
    assert ag.tril(ag.ones(3, 3, dtype=ag.int64)).dtype == np.int64
    assert ag.triu(ag.ones(2, 2, dtype=ag.bool)).tolist() == [[True, True], [False, True]]
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ag.tril(ag.ones(3))
    x = leaf(np.ones((3, 3)))
    ag.triu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.triu(np.ones((3, 3))))


def test_diagonal_is_a_writable_view():
    x = ag.ones(3, 3)
    d = x.diagonal()
    d.zero_()
    np.testing.assert_array_equal(x.numpy(), 1 - np.eye(3))
    x.diagonal(1).fill_(5.0)
    assert x[0, 1].item() == 5.0 and x[1, 2].item() == 5.0
    assert ag.diagonal(ag.ones(3, 3), 5).shape == (0,)
    np.testing.assert_array_equal(ag.tensor(np.arange(9.0).reshape(3, 3)).diagonal(offset=1, dim1=1, dim2=0).numpy(),
                                  [3.0, 7.0])
    with pytest.raises(RuntimeError, match="cannot be identical"):
        ag.diagonal(ag.ones(3, 3), 0, 1, 1)
    with pytest.raises(IndexError):
        ag.diagonal(ag.ones(3))


def test_inplace_change_through_a_diagonal_is_recorded():
    x = leaf(np.full((3, 3), 2.0))
    y = x * 1.0
    y.diagonal().mul_(3.0)
    np.testing.assert_array_equal(y.numpy(), 2.0 + 4.0 * np.eye(3))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 1.0 + 2.0 * np.eye(3))
    with pytest.raises(RuntimeError, match="leaf"):
        x.diagonal().zero_()


def test_diagonal_gradient_puts_back_on_the_diagonal():
    x = leaf(np.arange(24.0).reshape(2, 3, 4))
    ag.diagonal(x, -1, 2, 1).sum().backward()
    expected = np.zeros((2, 3, 4))
    for i in range(3):  # offset -1 moves dim1 (here dim 2) one step on
        expected[:, i, i + 1] = 1.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_matrix_products_check_shapes_and_dtypes():
    with pytest.raises(RuntimeError, match="mm: expected 2-D"):
        ag.mm(ag.ones(2, 3), ag.ones(3))
    with pytest.raises(RuntimeError, match="mm: shapes"):
        ag.mm(ag.ones(2, 3), ag.ones(2, 3))
    with pytest.raises(RuntimeError, match="mm: expected both operands to have the same dtype"):
        ag.mm(ag.ones(2, 3), ag.ones(3, 2, dtype=ag.float64))
    with pytest.raises(RuntimeError, match="bmm"):
        ag.bmm(ag.ones(2, 2, 3), ag.ones(3, 3, 3))
    with pytest.raises(RuntimeError, match="bmm: shapes"):
        ag.bmm(ag.ones(2, 2, 3), ag.ones(2, 2, 3))
    with pytest.raises(RuntimeError, match="dot: expected 1-D"):
        ag.dot(ag.ones(2, 2), ag.ones(2))
    with pytest.raises(RuntimeError, match="dot: expected 1-D tensors of equal length"):
        ag.dot(ag.ones(2), ag.ones(3))
    with pytest.raises(RuntimeError, match="dot: expected both operands to have the same dtype"):
        ag.dot(ag.tensor([1, 2]), ag.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="outer: expected 1-D"):
        ag.outer(ag.ones(2, 2), ag.ones(2))
    assert ag.outer(ag.tensor([1, 2]), ag.tensor([1.0, 2.0, 3.0])).dtype == np.float32  # promotes, as torch
    assert ag.mm(ag.ones(2, 3, dtype=ag.int64), ag.ones(3, 2, dtype=ag.int64)).tolist() == [[3, 3], [3, 3]]


# -- against torch --------------------------------------------------------------------------------------------


def _both(fn_ours, fn_torch, a, seed=7):
    """Values and gradients (of a weighted sum) of the same layout op in autograd and torch."""
    torch = pytest.importorskip("torch")
    x, tx = leaf(a), torch.tensor(a, requires_grad=True)
    y, ty = fn_ours(x), fn_torch(tx)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    w = np.random.default_rng(seed).standard_normal(y.shape)
    (y * ag.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


CASES = {
    "flip": (lambda x: x.flip(0, 2), None),
    "roll": (lambda x: x.roll((1, -2), (0, 2)), None),
    "roll_flat": (lambda x: x.roll(3), None),
    "repeat": (lambda x: x.repeat(2, 1, 3, 1), None),
    "tile": (lambda x: x.tile(2, 1), None),
    "repeat_interleave": (lambda x: x.repeat_interleave(2, dim=1), None),
    "repeat_interleave_tensor": (lambda x: x.repeat_interleave(ag.tensor([0, 2, 1]), dim=1),
                                 lambda x, torch: x.repeat_interleave(torch.tensor([0, 2, 1]), dim=1)),
    "repeat_interleave_flat": (lambda x: x.repeat_interleave(2), None),
    "tril": (lambda x: x.tril(-1), None),
    "triu": (lambda x: x.triu(1), None),
    "diagonal": (lambda x: x.diagonal(1, 2, 0), None),
    "t": (lambda x: x[0].t(), None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layout_ops_match_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = CASES[name]
    a = np.random.default_rng(8).standard_normal((2, 3, 4))
    _both(ours, (lambda x: theirs(x, torch)) if theirs else ours, a)
