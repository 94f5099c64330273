"""sort, argsort, topk (autograd/ops/sorting.py) and the named tuples they return."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd.testing import op_test, shapes
from engine_helpers import leaf

torch = pytest.importorskip("torch")

single = shapes(min_dims=1, max_dims=3).map(lambda s: (s,))


def _dim(shp):
    return st.integers(-len(shp[0]), len(shp[0]) - 1)


def _np_sort(a, dim=-1, descending=False):
    s = np.sort(a, axis=dim)
    return np.flip(s, axis=dim) if descending else s


def _np_topk(a, k, dim=-1, largest=True):
    s = _np_sort(a, dim, descending=largest)
    return np.take(s, np.arange(k), axis=dim)


def _topk_kwargs(shp):
    return _dim(shp).flatmap(lambda d: st.fixed_dictionaries(
        {"dim": st.just(d), "k": st.integers(0, shp[0][d]), "largest": st.booleans()}))


# unique values: at a tie the order (and so the numerical derivative) jumps.
test_sort = op_test(lambda x, **kw: ag.sort(x, **kw).values, _np_sort, shapes=single, unique=True,
                    kwargs=lambda shp: st.fixed_dictionaries({"dim": _dim(shp), "descending": st.booleans()}))
test_topk = op_test(lambda x, **kw: x.topk(**kw)[0], _np_topk, shapes=single, unique=True, kwargs=_topk_kwargs)


def _pair(a):
    return leaf(a), torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


ties = hnp.arrays(np.float64, shapes(min_dims=1, max_dims=3), elements=st.sampled_from([-1.0, 0.0, 2.0, np.nan]))


@given(ties, st.data())
def test_stable_sort_matches_torch_with_ties_and_nan(a, data):
    dim = data.draw(st.integers(-a.ndim, a.ndim - 1))
    descending = data.draw(st.booleans())
    x, t = _pair(a)
    out = x.sort(dim, descending, stable=True)
    ref = torch.sort(t, dim=dim, descending=descending, stable=True)
    np.testing.assert_array_equal(out.values.numpy(), ref.values.detach().numpy())
    np.testing.assert_array_equal(out.indices.numpy(), ref.indices.numpy())
    np.testing.assert_array_equal(ag.argsort(x, dim, descending, stable=True).numpy(), ref.indices.numpy())
    w = np.arange(a.size, dtype=np.float64).reshape(a.shape)
    (out.values * ag.tensor(w)).sum().backward()
    (ref.values * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@given(hnp.arrays(np.float64, shapes(min_dims=1, max_dims=3), elements=st.floats(-3, 3), unique=True), st.data())
def test_topk_matches_torch(a, data):
    dim = data.draw(st.integers(-a.ndim, a.ndim - 1))
    k = data.draw(st.integers(0, a.shape[dim]))
    largest = data.draw(st.booleans())
    x, t = _pair(a)
    out = ag.topk(x, k, dim, largest)
    ref = torch.topk(t, k, dim, largest)
    np.testing.assert_array_equal(out.values.numpy(), ref.values.detach().numpy())
    np.testing.assert_array_equal(out.indices.numpy(), ref.indices.numpy())
    w = np.arange(out.values.numel(), dtype=np.float64).reshape(out.values.shape)
    (out.values * ag.tensor(w)).sum().backward()
    (ref.values * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_named_tuples_unpack_index_and_name_their_fields():
    x = ag.tensor([[3.0, 1.0, 2.0]])
    for out, kind in ((x.sort(), ag.return_types.sort), (x.topk(2), ag.return_types.topk),
                      (x.max(1), ag.return_types.max), (ag.min(x, 1), ag.return_types.min)):
        assert isinstance(out, kind) and isinstance(out, tuple) and len(out) == 2
        values, indices = out
        assert values is out.values is out[0] and indices is out.indices is out[1]
        assert indices.dtype == np.int64 and not indices.requires_grad
        assert repr(out).startswith(f"autograd.return_types.{type(out).__name__}(\nvalues=tensor(")
        assert out._fields == ("values", "indices")


def test_values_are_differentiable_and_indices_are_not():
    x = leaf([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]])
    values, indices = x.sort(dim=1, descending=True)
    assert values.requires_grad and not indices.requires_grad
    (values * ag.tensor([[1.0, 2.0, 3.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 3.0, 2.0], [2.0, 1.0, 3.0]])
    x.grad = None
    x.topk(1, 0).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])


def test_topk_unsorted_keeps_index_order_and_handles_nan_as_largest():
    x = ag.tensor([1.0, 5.0, 3.0, 4.0])
    out = x.topk(3, sorted=False)
    assert out.indices.tolist() == [1, 2, 3] and out.values.tolist() == [5.0, 3.0, 4.0]
    nan = ag.tensor([1.0, float("nan"), 3.0])
    assert nan.topk(2).indices.tolist() == [1, 2] and nan.topk(2, largest=False).indices.tolist() == [0, 2]


def test_zero_dim_integer_and_empty_inputs_as_torch():
    s = ag.tensor(3.0, requires_grad=True)
    for out in (s.sort(), s.topk(1), s.sort(0, True)):
        assert out.values.shape == () and out.indices.shape == () and out.indices.item() == 0
    assert s.argsort().item() == 0 and s.topk(0).values.item() == 3.0  # torch: a 0-d tensor is its own top 0
    i = ag.tensor([1, 5, 3])
    assert i.topk(2).values.tolist() == [5, 3] and i.sort().values.dtype == np.int64
    assert ag.tensor([True, False]).sort().indices.tolist() == [1, 0]
    e = ag.zeros(2, 0)
    assert e.sort(1).values.shape == (2, 0) and e.topk(0).values.shape == (2, 0)


def test_errors_as_torch():
    x = ag.tensor([[3.0, 1.0, 2.0]])
    with pytest.raises(RuntimeError, match=r"topk\(\).*k out of range"):
        x.topk(4)
    with pytest.raises(RuntimeError, match="k out of range"):
        x.topk(-1)
    with pytest.raises(TypeError, match="topk.*'k'"):
        x.topk(1.5)
    with pytest.raises(IndexError, match=r"sort\(\).*range"):
        x.sort(2)
    with pytest.raises(TypeError, match="sort.*'dim'"):
        x.sort((0, 1))
    with pytest.raises(TypeError, match="argsort"):
        x.argsort(dim=0, axis=0)
    with pytest.raises(TypeError, match="descending"):
        x.sort(0, "yes")
    np.testing.assert_array_equal(x.sort(axis=1).indices.numpy(), [[1, 2, 0]])


def test_in_place_change_of_returned_indices_does_not_change_the_gradient():
    x = leaf([3.0, 1.0, 2.0])
    values, indices = x.topk(2)
    indices += 1
    values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 1.0])
