"""gather, scatter, scatter_add, index_select, masked_fill and masked_select (autograd/ops/gather.py): forward
against numpy, gradcheck and gradgradcheck over random shapes and indices, PyTorch's checks, and torch."""
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd.testing import op_test, shapes
from engine_helpers import leaf


def _ndindex(shape):
    return np.ndindex(*shape) if shape else [()]


def _target(p, dim, index):
    """The position ``p`` of ``index`` with its coordinate ``dim`` replaced by ``index[p]``."""
    q = list(p)
    q[dim] = int(index[p])
    return tuple(q)


def gather_ref(a, dim, index):
    index = np.asarray(index)
    out = np.empty(index.shape, dtype=a.dtype)
    for p in _ndindex(index.shape):
        out[p] = a[_target(p, dim % a.ndim, index)]
    return out


def scatter_ref(a, src, dim, index, add=False):
    index, out = np.asarray(index), a.copy()
    for p in _ndindex(index.shape):
        q = _target(p, dim % a.ndim, index)
        out[q] = out[q] + src[p] if add else src[p]
    return out


@st.composite
def index_for(draw, shape, src_shape=None, unique=False):
    """A dim of ``shape`` and an int64 index tensor no larger than ``shape`` (but along dim) and ``src_shape``;
    with ``unique``, no two positions of the index write the same element."""
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    d = dim % len(shape)
    limit = src_shape or (4,) * len(shape)
    ishape = tuple(draw(st.integers(1, min(n if k != d else 4, m))) for k, (n, m) in enumerate(zip(shape, limit)))
    if unique:  # a permutation of each fibre along dim, cut to the index's length
        ishape = ishape[:d] + (min(ishape[d], shape[d]),) + ishape[d + 1:]
        keys = draw(hnp.arrays(np.float64, ishape[:d] + (shape[d],) + ishape[d + 1:], elements=st.floats(0, 1), unique=True))
        idx = np.take(np.argsort(keys, axis=d), np.arange(ishape[d]), axis=d)
    else:
        idx = draw(hnp.arrays(np.int64, ishape, elements=st.integers(0, shape[d] - 1)))
    return {"dim": dim, "index": ag.tensor(idx.astype(np.int64))}


def _same_ndim_pair(s):
    return st.tuples(st.just(s), hnp.array_shapes(min_dims=len(s), max_dims=len(s), max_side=4))


ONE = shapes(min_dims=1).map(lambda s: (s,))
PAIR = shapes(min_dims=1).flatmap(_same_ndim_pair)

test_gather = op_test(ag.gather, gather_ref, shapes=ONE, kwargs=lambda shp: index_for(shp[0]))
test_gather_method = op_test(lambda x, dim, index: x.gather(dim, index), gather_ref, shapes=ONE,
                             kwargs=lambda shp: index_for(shp[0]))
test_scatter = op_test(lambda x, s, dim, index: ag.scatter(x, dim, index, s), scatter_ref, arity=2, shapes=PAIR,
                       kwargs=lambda shp: index_for(shp[0], shp[1], unique=True))
test_scatter_add = op_test(lambda x, s, dim, index: x.scatter_add(dim, index, s), lambda a, s, dim, index: scatter_ref(a, s, dim, index, add=True), arity=2,
                           shapes=PAIR, kwargs=lambda shp: index_for(shp[0], shp[1]))
test_scatter_value = op_test(lambda x, dim, index: x.scatter(dim, index, 2.5),
                             lambda a, dim, index: scatter_ref(a, np.full(np.shape(index), 2.5), dim, index),
                             shapes=ONE, kwargs=lambda shp: index_for(shp[0]))


@st.composite
def select_args(draw, shape):
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    idx = draw(hnp.arrays(np.int64, draw(st.integers(0, 5)), elements=st.integers(0, shape[dim] - 1)))
    return {"dim": dim, "index": ag.tensor(idx)}


@st.composite
def mask_for(draw, shape):
    """A bool mask Tensor whose shape broadcasts with ``shape``."""
    mshape = draw(hnp.broadcastable_shapes(shape, max_dims=len(shape) + 1, max_side=4))
    return {"mask": ag.tensor(draw(hnp.arrays(np.bool_, mshape)))}


def _bmask(a, mask):
    shape = np.broadcast_shapes(np.shape(a), mask.shape)
    return np.broadcast_to(a, shape), np.broadcast_to(np.asarray(mask), shape)


test_index_select = op_test(ag.index_select, lambda a, dim, index: np.take(a, np.asarray(index), axis=dim),
                            shapes=ONE, kwargs=lambda shp: select_args(shp[0]))
test_masked_fill = op_test(lambda x, mask: x.masked_fill(mask, -1.5), lambda a, mask: np.where(np.asarray(mask), -1.5, a),
                           shapes=shapes().map(lambda s: (s,)), kwargs=lambda shp: mask_for(shp[0]))
test_masked_fill_tensor_value = op_test(lambda x, v, mask: ag.masked_fill(x, mask, v),
                                        lambda a, v, mask: np.where(np.asarray(mask), v, a), arity=2,
                                        shapes=shapes().map(lambda s: (s, ())), kwargs=lambda shp: mask_for(shp[0]))
test_masked_select = op_test(ag.masked_select, lambda a, mask: _bmask(a, mask)[0][_bmask(a, mask)[1]],
                             shapes=shapes().map(lambda s: (s,)), kwargs=lambda shp: mask_for(shp[0]))


# -- semantics and errors --------------------------------------------------------------------------------------

X = np.arange(12.0).reshape(3, 4)


def test_gather_with_an_index_smaller_than_the_input_and_repeats():
    x = leaf(X)
    out = ag.gather(x, 1, ag.tensor([[0, 0], [3, 1]]))
    np.testing.assert_array_equal(out.numpy(), [[0.0, 0.0], [7.0, 5.0]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0]])
    assert ag.gather(ag.tensor(X), 1, ag.tensor([[0, 1, 2, 3, 0]])).shape == (1, 5)  # longer along dim


def test_gather_checks_as_torch():
    x = ag.tensor(X)
    with pytest.raises(RuntimeError, match="out of bounds for dimension 1 with size 4"):
        ag.gather(x, 1, ag.tensor([[0, 4]]))
    with pytest.raises(RuntimeError, match="out of bounds"):
        ag.gather(x, 1, ag.tensor([[0, -1]]))  # negative indices are not wrapped
    with pytest.raises(RuntimeError, match="no larger than input"):
        ag.gather(x, 1, ag.tensor([[0], [1], [2], [0]]))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        ag.gather(x, 1, ag.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="int32/int64"):
        ag.gather(x, 1, ag.tensor([[0.0]]))
    with pytest.raises(IndexError):
        ag.gather(x, 2, ag.tensor([[0]]))
    with pytest.raises(TypeError, match="index"):
        ag.gather(x, 1, [[0]])
    assert ag.gather(x, 1, ag.tensor([[0]], dtype=ag.int32)).item() == 0.0
    assert ag.gather(x, 1, ag.zeros(0, 2, dtype=ag.int64)).shape == (0, 2)


def test_gather_and_scatter_of_0d_tensors():
    s = leaf(5.0)
    out = ag.gather(s, 0, ag.tensor(0))
    assert out.shape == () and out.item() == 5.0
    out.backward()
    assert s.grad.item() == 1.0
    assert ag.scatter(ag.tensor(1.0), 0, ag.tensor(0), 7.0).item() == 7.0
    assert ag.index_select(ag.tensor(3.0), 0, ag.tensor([0])).shape == ()


def test_scatter_values_and_checks():
    out = ag.scatter(ag.zeros(3, 4), 1, ag.tensor([[0, 1], [2, 3]]), ag.arange(1.0, 7.0).reshape(2, 3))
    np.testing.assert_array_equal(out.numpy(), [[1, 2, 0, 0], [0, 0, 4, 5], [0, 0, 0, 0]])
    ints = ag.scatter(ag.zeros(2, 3, dtype=ag.int64), 1, ag.tensor([[0], [2]]), 5.5)
    assert ints.dtype == np.int64 and ints.tolist() == [[5, 0, 0], [0, 0, 5]]  # the value takes the input's dtype
    with pytest.raises(RuntimeError, match="dtype"):
        ag.scatter(ag.zeros(2, 3), 1, ag.tensor([[0], [2]]), ag.ones(2, 1, dtype=ag.float64))
    with pytest.raises(RuntimeError, match="index 5 is out of bounds for dimension 1 with size 3"):
        ag.scatter(ag.zeros(2, 3), 1, ag.tensor([[5], [2]]), 1.0)
    with pytest.raises(RuntimeError, match="no larger than src"):
        ag.scatter(ag.zeros(2, 3), 1, ag.tensor([[0, 1], [2, 0]]), ag.ones(2, 1))
    with pytest.raises(RuntimeError, match="no larger than input"):
        ag.scatter(ag.zeros(2, 3), 1, ag.tensor([[0, 1], [2, 0], [1, 1]]), ag.ones(3, 2))
    with pytest.raises(TypeError, match="src"):
        ag.scatter_add(ag.zeros(2, 3), 1, ag.tensor([[0]]), 1.0)
    with pytest.raises(TypeError):
        ag.scatter(ag.zeros(2, 3), 1, ag.tensor([[0]]), ag.ones(1, 1), reduce="add")


def test_scatter_gradients():
    x, src = leaf(np.ones((2, 3))), leaf(np.arange(1.0, 7.0).reshape(2, 3))
    ag.scatter(x, 1, ag.tensor([[0, 1], [2, 0]]), src).pow(2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 2], [0, 2, 0]])  # zero where overwritten
    np.testing.assert_array_equal(src.grad.numpy(), [[2, 4, 0], [8, 10, 0]])  # beyond the index: zero
    x.grad = src.grad = None
    ag.scatter_add(x, 1, ag.tensor([[0, 0], [2, 0]]), src).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(src.grad.numpy(), [[1, 1, 0], [1, 1, 0]])


def test_scatter_add_accumulates_repeats():
    out = ag.scatter_add(ag.zeros(2, 3), 1, ag.tensor([[0, 0], [2, 0]]), ag.ones(2, 2))
    np.testing.assert_array_equal(out.numpy(), [[2, 0, 0], [1, 0, 1]])
    assert out.grad_fn is None
    recorded = ag.scatter_add(leaf(np.zeros((2, 3))), 1, ag.tensor([[0]]), ag.ones(1, 1, dtype=ag.float64))
    assert recorded.grad_fn.name == "ScatterAdd"


def test_index_select_checks_and_forms():
    x = ag.tensor(X)
    np.testing.assert_array_equal(ag.index_select(x, 1, ag.tensor([3, 0, 3])).numpy(), X[:, [3, 0, 3]])
    assert x.index_select(1, ag.tensor(1)).shape == (3, 1)  # a 0-d index selects one slice, dim kept
    with pytest.raises(RuntimeError, match="out of bounds"):
        ag.index_select(x, 1, ag.tensor([4]))
    with pytest.raises(RuntimeError, match="out of bounds"):
        ag.index_select(x, 1, ag.tensor([-1]))
    with pytest.raises(IndexError, match="vector"):
        ag.index_select(x, 1, ag.tensor([[0]]))
    with pytest.raises(RuntimeError, match="int32/int64"):
        ag.index_select(x, 1, ag.tensor([0.0]))
    with pytest.raises(RuntimeError, match="only 1 value"):
        ag.index_select(ag.tensor(3.0), 0, ag.tensor([0, 0]))


def test_masked_fill_semantics():
    x = ag.tensor([1.0, 2.0])
    np.testing.assert_array_equal(ag.masked_fill(x, ag.tensor([[True, False], [False, True]]), -1.0).numpy(),
                                  [[-1.0, 2.0], [1.0, -1.0]])  # broadcasting mask
    ints = ag.tensor([1, 2]).masked_fill(ag.tensor([True, False]), 2.7)
    assert ints.dtype == np.int64 and ints.tolist() == [2, 2]
    assert x.masked_fill(ag.tensor([True, False]), ag.tensor(5.0, dtype=ag.float64)).dtype == np.float32
    with pytest.raises(RuntimeError, match="0-dimensional"):
        x.masked_fill(ag.tensor([True, False]), ag.tensor([5.0]))
    with pytest.raises(RuntimeError, match="bool"):
        x.masked_fill(ag.tensor([1, 0]), 0.0)
    with pytest.raises(RuntimeError, match="broadcast"):
        x.masked_fill(ag.tensor([True, False, True]), 0.0)
    a, v = leaf([1.0, 1.0, 1.0]), leaf(2.0)
    ag.masked_fill(a, ag.tensor([True, False, True]), v).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 1.0, 0.0])
    assert v.grad.item() == 2.0


def test_masked_select_semantics():
    x = ag.tensor(X)
    np.testing.assert_array_equal(ag.masked_select(x, x > 5).numpy(), X[X > 5])
    np.testing.assert_array_equal(ag.masked_select(ag.tensor([1.0, 2.0]), ag.tensor([[True, False], [False, True]])).numpy(),
                                  [1.0, 2.0])
    assert ag.masked_select(ag.tensor(3.0), ag.tensor(True)).tolist() == [3.0]
    with pytest.raises(RuntimeError, match="bool"):
        ag.masked_select(x, ag.ones(3, 4, dtype=ag.int64))
    b = leaf([1.0, 2.0])
    ag.masked_select(b, ag.tensor([[True, False], [True, True]])).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [2.0, 1.0])  # summed back over the broadcast


# -- against torch --------------------------------------------------------------------------------------------


def _pair(a):
    torch = pytest.importorskip("torch")
    return leaf(a), torch.tensor(a, requires_grad=True)


def _both(fn_ours, fn_torch, arrays, weight_seed=4):
    """Forward values and gradients (of a weighted sum) of the same computation in autograd and torch."""
    torch = pytest.importorskip("torch")
    ours, theirs = zip(*(_pair(a) for a in arrays))
    y, ty = fn_ours(*ours), fn_torch(*theirs)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy())
    w = np.random.default_rng(weight_seed).standard_normal(y.shape)
    (y * ag.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy())


def test_gather_scatter_index_select_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    a, src = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    idx = rng.integers(0, 4, (3, 5))
    perm = np.argsort(rng.random((4, 5)), axis=0)[:3]  # no repeats: scatter's result is defined
    _both(lambda x: ag.gather(x, 0, ag.tensor(idx)), lambda x: torch.gather(x, 0, torch.tensor(idx)), [a])
    _both(lambda x, s: ag.scatter_add(x, 0, ag.tensor(idx), s), lambda x, s: torch.scatter_add(x, 0, torch.tensor(idx), s),
          [a, rng.standard_normal((3, 5))])
    _both(lambda x, s: ag.scatter(x, 0, ag.tensor(perm), s), lambda x, s: torch.scatter(x, 0, torch.tensor(perm), s),
          [a, rng.standard_normal((3, 5))])
    _both(lambda x: x.scatter(1, ag.tensor(perm.T[:4, :2]), -2.0), lambda x: x.scatter(1, torch.tensor(perm.T[:4, :2]), -2.0),
          [src[:, :4]])
    sel = np.array([4, 0, 0, 2])
    _both(lambda x: ag.index_select(x, 1, ag.tensor(sel)), lambda x: torch.index_select(x, 1, torch.tensor(sel)), [a])


def test_masked_fill_and_select_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    a, m = rng.standard_normal((3, 4)), rng.random((2, 1, 4)) > 0.5
    _both(lambda x: ag.masked_fill(x, ag.tensor(m), 0.5), lambda x: torch.masked_fill(x, torch.tensor(m), 0.5), [a])
    _both(lambda x, v: ag.masked_fill(x, ag.tensor(m), v), lambda x, v: torch.masked_fill(x, torch.tensor(m), v),
          [a, np.array(1.5)])
    _both(lambda x: ag.masked_select(x, ag.tensor(m)), lambda x: torch.masked_select(x, torch.tensor(m)), [a])


# -- in place -------------------------------------------------------------------------------------------------


def test_inplace_masked_fill_and_scatter_change_the_tensor_itself():
    x = ag.zeros(2, 3)
    alias, row = x, x[1]
    x.masked_fill_(ag.tensor([True, False, True]), 2.0)
    assert x is alias and row.tolist() == [2.0, 0.0, 2.0]
    x.scatter_(1, ag.tensor([[1], [1]]), 5.0).scatter_add_(0, ag.tensor([[0, 0, 0]]), ag.ones(1, 3))
    np.testing.assert_array_equal(alias.numpy(), [[3.0, 6.0, 3.0], [2.0, 5.0, 2.0]])
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        ag.tensor([1.0, 2.0]).masked_fill_(ag.tensor([[True, False], [False, True]]), -1.0)  # self never broadcasts


def test_inplace_masked_fill_is_recorded():
    a, v = leaf([1.0, 2.0, 3.0]), leaf(4.0)
    y = a * 2.0
    y.masked_fill_(ag.tensor([False, True, False]), v)
    np.testing.assert_array_equal(y.numpy(), [2.0, 4.0, 6.0])
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 0.0, 2.0])
    assert v.grad.item() == 1.0
