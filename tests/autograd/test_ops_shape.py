"""Shape and indexing ops: forward against numpy, gradcheck and gradgradcheck over drawn shapes, dims and indices."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd.testing import arrays, shapes
from engine_helpers import array_and_dim, check_op, leaf


def _take(a, d, start, stop):
    """``a[..., start:stop, ...]`` along axis ``d``."""
    index = [slice(None)] * a.ndim
    index[d] = slice(start, stop)
    return a[tuple(index)]


# -- reshape family ---------------------------------------------------------------------------------------


@st.composite
def reshape_case(draw):
    shape = draw(shapes(max_dims=3))
    target = list(draw(st.permutations(list(shape))))
    if len(target) >= 2 and draw(st.booleans()):
        i = draw(st.integers(0, len(target) - 2))
        target[i:i + 2] = [target[i] * target[i + 1]]
    if draw(st.booleans()):
        target.insert(draw(st.integers(0, len(target))), 1)
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return draw(arrays(shape)), tuple(target)


@given(reshape_case(), st.sampled_from(["reshape", "view", "packed"]))
def test_reshape(case, form):
    a, target = case
    fns = {"reshape": lambda x: ag.reshape(x, target), "view": lambda x: x.view(*target), "packed": lambda x: x.reshape(target)}
    check_op(fns[form], [a], lambda a: a.reshape(target))


@st.composite
def permute_case(draw):
    a = draw(arrays(shapes(max_dims=4, max_side=3)))
    perm = draw(st.permutations(list(range(a.ndim))))
    return a, tuple(p - a.ndim if draw(st.booleans()) else p for p in perm)


@given(permute_case())
def test_permute(case):
    a, perm = case
    check_op(lambda x: x.permute(*perm), [a], lambda a: np.transpose(a, perm))
    check_op(lambda x: ag.permute(x, perm), [a], lambda a: np.transpose(a, perm))


@given(arrays(shapes(min_dims=1)), st.data())
def test_transpose_and_T(a, data):
    d0, d1 = (data.draw(st.integers(-a.ndim, a.ndim - 1)) for _ in range(2))
    check_op(lambda x: ag.transpose(x, d0, d1), [a], lambda a: np.swapaxes(a, d0, d1))
    check_op(lambda x: x.T, [a], lambda a: a.T)


@given(arrays(shapes(min_dims=1, max_dims=4, max_side=2)), st.data())
def test_squeeze(a, data):
    dim = data.draw(st.none() | st.integers(-a.ndim, a.ndim - 1))
    if dim is None:
        expected = lambda a: np.squeeze(a)  # noqa: E731
    else:
        expected = lambda a: np.squeeze(a, dim) if a.shape[dim] == 1 else a  # noqa: E731  (PyTorch: no-op otherwise)
    check_op(lambda x: x.squeeze(dim), [a], expected)


@given(arrays(shapes(max_dims=3)), st.data())
def test_unsqueeze(a, data):
    dim = data.draw(st.integers(-a.ndim - 1, a.ndim))
    check_op(lambda x: ag.unsqueeze(x, dim), [a], lambda a: np.expand_dims(a, dim))


@given(arrays(shapes(max_dims=4, max_side=3)), st.data())
def test_flatten(a, data):
    if a.ndim == 0:
        check_op(ag.flatten, [a], lambda a: a.reshape(1))
        return
    s = data.draw(st.integers(0, a.ndim - 1))
    e = data.draw(st.integers(s, a.ndim - 1))
    s, e = (v - a.ndim if data.draw(st.booleans()) else v for v in (s, e))
    expected = lambda a: a.reshape(a.shape[:s % a.ndim] + (-1,) + a.shape[e % a.ndim + 1:])  # noqa: E731
    check_op(lambda x: x.flatten(s, e), [a], expected)


# -- broadcasting ---------------------------------------------------------------------------------------


broadcast_pair = hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=3, max_side=4)


@given(broadcast_pair, st.data())
def test_broadcast_to(bs, data):
    a = data.draw(arrays(bs.input_shapes[0]))
    out = bs.result_shape
    check_op(lambda x: ag.broadcast_to(x, out), [a], lambda a: np.broadcast_to(a, out))


@given(broadcast_pair, st.data())
def test_expand_with_minus_one(bs, data):
    a = data.draw(arrays(bs.input_shapes[0]))
    out = list(bs.result_shape)
    lead = len(out) - a.ndim
    for i in range(a.ndim):  # -1 keeps an input dim's size
        if a.shape[i] == out[lead + i] and data.draw(st.booleans()):
            out[lead + i] = -1
    check_op(lambda x: x.expand(*out), [a], lambda a: np.broadcast_to(a, bs.result_shape))


@given(broadcast_pair, st.data())
def test_sum_to(bs, data):
    a = data.draw(arrays(bs.result_shape))
    target = bs.input_shapes[0]

    def reference(a):
        lead = a.ndim - len(target)
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(target) if n == 1 and a.shape[lead + i] != 1)
        return a.sum(axis=axes, keepdims=True).reshape(target)

    check_op(lambda x: ag.sum_to(x, target), [a], reference)
    check_op(lambda x: x.sum_to(*target) if target else x.sum_to(()), [a], reference)


# -- indexing ---------------------------------------------------------------------------------------------


@given(arrays(shapes(min_dims=1, max_dims=3)), st.data())
def test_getitem_basic(a, data):
    # PyTorch has no negative steps (ValueError, tested in test_indexing.py).
    index = data.draw(hnp.basic_indices(a.shape, allow_newaxis=True, allow_ellipsis=True).filter(
        lambda i: not any(isinstance(s, slice) and (s.step or 1) < 0 for s in (i if isinstance(i, tuple) else (i,)))))
    check_op(lambda x: x[index], [a], lambda a: a[index])


@given(arrays(shapes(min_dims=1, max_dims=3)), st.data())
def test_getitem_integer_arrays_with_repeats(a, data):
    index = data.draw(hnp.integer_array_indices(a.shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)))
    check_op(lambda x: x[index], [a], lambda a: a[index])


@given(arrays(shapes(min_dims=1, max_dims=3)), st.data())
def test_getitem_bool_mask(a, data):
    mask = data.draw(hnp.arrays(np.bool_, a.shape))
    check_op(lambda x: x[mask], [a], lambda a: a[mask])
    check_op(lambda x: x[ag.tensor(mask)], [a], lambda a: a[mask])


@st.composite
def mixed_index(draw):
    """A tuple mixing ints, slices, integer arrays (shared length, repeats allowed), at most one bool mask, None."""
    a = draw(arrays(shapes(min_dims=2, max_dims=3)))
    n_adv = draw(st.integers(1, 3))
    kinds = [draw(st.sampled_from(["int", "slice", "array", "mask", "none"])) for _ in range(a.ndim)]
    index, used_mask = [], False
    for d, kind in enumerate(kinds):
        n = a.shape[d]
        if kind == "int":
            index.append(draw(st.integers(-n, n - 1)))
        elif kind == "array":
            index.append(np.asarray(draw(st.lists(st.integers(-n, n - 1), min_size=n_adv, max_size=n_adv))))
        elif kind == "mask" and not used_mask:
            # A mask with exactly n_adv True values broadcasts with the integer arrays.
            k = min(n_adv, n)
            index.append(np.isin(np.arange(n), draw(st.permutations(list(range(n))))[:k]) if k == n_adv else slice(None))
            used_mask = k == n_adv
        elif kind == "none":
            index.extend([None, slice(None)])
        else:
            index.append(slice(draw(st.integers(-n, n)), None, draw(st.sampled_from([1, 2]))))
    return a, tuple(index)


def _torch_index(a, index):
    """``a[index]`` as PyTorch computes it (ints are applied before the advanced indices)."""
    torch = pytest.importorskip("torch")
    index = tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else i for i in index)
    return torch.from_numpy(a)[index].numpy()


@given(mixed_index())
def test_getitem_mixed_tuple(case):
    a, index = case
    check_op(lambda x: x[index], [a], lambda a: _torch_index(a, index))


def test_getitem_repeated_indices_accumulate():
    x = leaf([1.0, 2.0, 3.0])
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])
    y = leaf(np.arange(6.0).reshape(2, 3))
    y[ag.tensor([1, 1]), ag.tensor([2, 2])].sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0, 0, 0], [0, 0, 2.0]])


# -- joining and splitting -------------------------------------------------------------------------------


@st.composite
def cat_case(draw):
    base = list(draw(shapes(min_dims=1, max_dims=3)))
    d = draw(st.integers(-len(base), len(base) - 1))
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        base[d] = draw(st.integers(1, 3))
        parts.append(draw(arrays(tuple(base))))
    return parts, d


@given(cat_case())
def test_cat(case):
    parts, d = case
    check_op(lambda *xs: ag.cat(xs, d), parts, lambda *a: np.concatenate(a, axis=d))
    check_op(lambda *xs: ag.concatenate(list(xs), dim=d), parts, lambda *a: np.concatenate(a, axis=d))


@given(shapes(max_dims=3), st.integers(1, 4), st.data())
def test_stack(shape, n, data):
    parts = [data.draw(arrays(shape)) for _ in range(n)]
    d = data.draw(st.integers(-len(shape) - 1, len(shape)))
    check_op(lambda *xs: ag.stack(xs, d), parts, lambda *a: np.stack(a, axis=d))


@given(array_and_dim(max_side=5), st.data())
def test_split_by_size(case, data):
    a, d = case
    n = a.shape[d]
    size = data.draw(st.integers(1, n + 1))
    expected = lambda a: [_take(a, d, s, s + size) for s in range(0, n, size)]  # noqa: E731
    check_op(lambda x: ag.split(x, size, d), [a], expected)


@given(array_and_dim(max_side=5), st.data())
def test_split_by_sections(case, data):
    a, d = case
    n = a.shape[d]
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    sizes = [e - s for s, e in zip([0] + cuts, cuts + [n])]
    bounds = np.cumsum([0] + sizes)
    expected = lambda a: [_take(a, d, int(s), int(e)) for s, e in zip(bounds[:-1], bounds[1:])]  # noqa: E731
    check_op(lambda x: x.split(sizes, dim=d), [a], expected)


@given(array_and_dim(max_side=5), st.integers(1, 6))
def test_chunk(case, chunks):
    a, d = case
    n = a.shape[d]
    step = -(-n // chunks)
    expected = lambda a: [_take(a, d, s, s + step) for s in range(0, n, step)]  # noqa: E731
    check_op(lambda x: x.chunk(chunks, d), [a], expected)
    assert len(ag.chunk(ag.zeros(*a.shape), chunks, d)) == len(range(0, n, step)) <= chunks


@given(array_and_dim())
def test_unbind(case):
    a, d = case
    check_op(lambda x: ag.unbind(x, d), [a], lambda a: [np.take(a, i, axis=d) for i in range(a.shape[d])])
    assert len(list(iter(ag.zeros(*a.shape)))) == a.shape[0]


# -- copies and casts -------------------------------------------------------------------------------------


@given(arrays(shapes()))
def test_clone(a):
    check_op(ag.clone, [a], lambda a: a.copy())
    x = leaf(a)
    assert not np.shares_memory(x.clone().numpy(), x.numpy())


@given(arrays(shapes()))
def test_cast_float64_to_float32_and_back(a):
    # float32 rounding (1e-7 relative) swamps a 1e-6 step: use a coarse step and loose tolerance.
    check_op(lambda x: x.float().double(), [a], lambda a: a.astype(np.float32).astype(np.float64), eps=1e-3, atol=1e-4)
    out = leaf(a).to(ag.float32)
    assert out.dtype == ag.float32 and out.requires_grad


def test_cast_gradient_arrives_in_the_input_dtype():
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    (x.float() * 3).sum().backward()
    assert x.grad.dtype == ag.float64
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_cast_to_same_dtype_returns_self():
    x = ag.tensor([1.0], requires_grad=True)
    assert x.to(ag.float32) is x and x.float() is x


def test_cast_to_integer_does_not_require_grad():
    x = ag.tensor([1.5, 2.5], requires_grad=True)
    assert not x.long().requires_grad


def test_zero_dim_transpose_and_T_are_identity():
    x = ag.tensor(2.0, requires_grad=True)
    assert x.transpose(0, -1).shape == () and x.T.shape == ()
    (x.transpose(0, 0) * 3).backward()
    assert x.grad.item() == 3.0
