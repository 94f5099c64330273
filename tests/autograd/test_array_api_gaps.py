"""What numpy has and the array API lacks (autograd/array_api_gaps.py), on array_api_strict against numpy itself:
indexing and writing with index arrays mixed with slices and ints, ``take``, ``einsum``, ``nan_to_num``."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd.backend import wrap_namespace

xps = pytest.importorskip("array_api_strict")
NS = wrap_namespace(xps, xps.Device("device1"))  # numpy cannot read these arrays: no silent fallback


def host(a):
    return np.asarray(a.to_device(xps.Device("CPU_DEVICE")))


@st.composite
def mixed_indices(draw):
    """An array shape and a numpy index of it: per dim a slice, an int or an integer array (negatives too,
    broadcasting together), sometimes a mask over two dims, and a trailing Ellipsis or fewer items."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    batch = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
    items, d = [], 0
    while d < len(shape):
        n = shape[d]
        kind = draw(st.sampled_from(["slice", "int", "array", "array", "mask"] if d + 1 < len(shape) else
                                    ["slice", "int", "array", "array"]))
        if kind == "slice":
            items.append(slice(draw(st.integers(-n, n)), draw(st.integers(-n, n)), draw(st.integers(1, 2))))
        elif kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        elif kind == "array":
            shp = draw(hnp.broadcastable_shapes(batch, max_dims=len(batch)))
            items.append(draw(hnp.arrays(np.int64, shp, elements=st.integers(-n, n - 1))))
        else:
            items.append(draw(hnp.arrays(bool, shape[d:d + 2])))
            d += 1
        d += 1
    if draw(st.booleans()) and len(items) > 1:
        items = items[:-1]  # numpy's implicit trailing ':'
    return shape, tuple(items)


@given(mixed_indices())
def test_getitem_follows_numpy(case):
    shape, index = case
    x = np.arange(float(np.prod(shape))).reshape(shape)
    try:
        expected = x[index]
    except IndexError:  # (two masks that do not broadcast with the arrays, ...): numpy refuses too
        with pytest.raises(IndexError):
            NS.getitem(NS.asarray(x), index)
        return
    got = host(NS.getitem(NS.asarray(x), index))
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


@given(mixed_indices(), st.booleans())
def test_index_put_follows_numpy_and_the_last_write_wins(case, scalar):
    shape, index = case
    x = np.arange(float(np.prod(shape))).reshape(shape)
    try:
        region = x[index].shape
    except IndexError:
        return
    values = -1.5 if scalar else -np.arange(1.0, 1.0 + np.prod(region)).reshape(region)
    expected = x.copy()
    expected[index] = values  # numpy: repeated positions keep the last value written
    got = NS.index_put(NS.asarray(x), index, values if scalar else NS.asarray(values))
    np.testing.assert_array_equal(host(got), expected)
    target = NS.asarray(x)
    NS.setitem(target, index, values)  # in place, through the same computation
    np.testing.assert_array_equal(host(target), expected)


def test_take_follows_numpy():
    x = np.arange(24.0).reshape(2, 3, 4)
    for axis, idx in ((1, np.array([[2, 0], [-1, 1]])), (2, np.array([3, 3, 0])), (None, np.array([[5], [23]]))):
        np.testing.assert_array_equal(host(NS.take(NS.asarray(x), idx, axis=axis)), np.take(x, idx, axis=axis))


@pytest.mark.parametrize("equation, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]), ("ii->", [(3, 3)]), ("iij,jk->k", [(2, 2, 3), (3, 4)]),
    ("ijk,jl,lm->mi", [(2, 3, 4), (3, 2), (2, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 1)]), ("i,j->ij", [(3,), (2,)]),
    ("ij,j->j", [(3, 2), (2,)]), ("abc->cab", [(2, 3, 4)]), ("iji->j", [(2, 3, 2)]), ("ij,ij->", [(0, 3), (0, 3)]),
])
def test_einsum_follows_numpy(equation, shapes):
    rng = np.random.default_rng(0)
    operands = [rng.normal(size=s) for s in shapes]
    got = host(NS.einsum(equation, *(NS.asarray(a) for a in operands)))
    np.testing.assert_allclose(got, np.einsum(equation, *operands), rtol=1e-12, atol=1e-12)


def test_einsum_takes_explicit_equations_only():
    with pytest.raises(ValueError, match="explicit equations"):
        NS.einsum("ij,jk", NS.asarray(np.ones((2, 2))), NS.asarray(np.ones((2, 2))))


def test_isclose_follows_numpy():
    a = np.array([1.0, 1.0 + 1e-9, np.inf, np.inf, -np.inf, np.nan, np.nan, 1e308, 2.0, 0.0])
    b = np.array([1.0, 1.0, np.inf, -np.inf, -np.inf, np.nan, 1.0, np.inf, 2.1, 1e-9])
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0.1, "atol": 0.0}):
        np.testing.assert_array_equal(host(NS.isclose(NS.asarray(a), NS.asarray(b), **kwargs)), np.isclose(a, b, **kwargs))
    ints = NS.asarray(np.array([1, 2, 3]))
    np.testing.assert_array_equal(host(NS.isclose(ints, NS.asarray(np.array([1, 3, 3])))), [True, False, True])


def test_nan_to_num_follows_numpy():
    x = np.array([np.nan, np.inf, -np.inf, 1.5, -0.0])
    for kwargs in ({}, {"nan": 2.0, "posinf": 9.0, "neginf": -9.0}):
        np.testing.assert_array_equal(host(NS.nan_to_num(NS.asarray(x), **kwargs)), np.nan_to_num(x, **kwargs))
    x32 = NS.asarray(x.astype(np.float32))
    np.testing.assert_array_equal(host(NS.nan_to_num(x32)), np.nan_to_num(x.astype(np.float32)))
    ints = NS.asarray(np.array([1, 2]))
    assert NS.nan_to_num(ints) is ints
