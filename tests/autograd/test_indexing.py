"""autograd.indexing: plan_index reproduces torch's ``x[index]``, index_grad its gradient."""
import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd.indexing import index_grad, plan_index


def apply(x, plan):
    """``x[basic][advanced]``, the way a caller of plan_index reads."""
    basic, advanced = plan
    view = x[basic]
    return view if advanced is None else view[advanced]


def plan(index, shape):
    """plan_index with its deprecation warnings (top-level lists read as tuples, uint8 masks) silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return plan_index(index, shape)


# ---- a strategy of index expressions ------------------------------------------------------------------------------

@st.composite
def _int(draw, n):
    """An int for a dim of size n: usually in range, sometimes just outside (an error case)."""
    if n and draw(st.integers(0, 9)):
        return draw(st.integers(-n, n - 1))
    return draw(st.sampled_from([n, -n - 1]))


@st.composite
def _index_values(draw, n, shape):
    """Integer positions for a dim of size n, with the given shape (repeats allowed)."""
    size = int(np.prod(shape, dtype=int))
    if n == 0:
        return np.zeros(shape, dtype=np.int64) if size == 0 else np.full(shape, draw(st.sampled_from([0, -1])))
    values = draw(st.lists(st.integers(-n, n - 1), min_size=size, max_size=size))
    return np.array(values, dtype=np.int64).reshape(shape)


@st.composite
def _item(draw, dims, adv_shape):
    """One index item for the leading ``dims`` (sizes still to consume); returns (item, dims consumed)."""
    n = dims[0] if dims else None
    choices = ["none", "bool"]
    if dims:
        choices += ["int", "int", "slice", "slice", "int0d", "list", "array", "mask"]
    kind = draw(st.sampled_from(choices))
    if kind == "none":
        return None, 0
    if kind == "bool":
        value = draw(st.booleans())
        return (np.array(value) if draw(st.booleans()) else value), 0
    if kind == "int":
        return draw(_int(n)), 1
    if kind == "int0d":
        return np.array(draw(_int(n)), dtype=draw(st.sampled_from([np.int64, np.int32]))), 1
    if kind == "slice":
        bound = st.none() | st.integers(-n - 1, n + 1)
        return slice(draw(bound), draw(bound), draw(st.none() | st.integers(1, 3))), 1
    if kind in ("list", "array"):
        # Mostly the example's common broadcast shape, sometimes a broadcastable or a mismatching one.
        shape = draw(st.sampled_from([adv_shape, adv_shape, (1,) * len(adv_shape), adv_shape[1:], (3,)]))
        values = draw(_index_values(n, shape))
        if kind == "list":
            return values.tolist() if values.ndim else [int(values)], 1
        return values.astype(draw(st.sampled_from([np.int64, np.int32]))), 1
    cover = draw(st.integers(1, min(2, len(dims))))
    mask = np.array(draw(st.lists(st.booleans(), min_size=int(np.prod(dims[:cover])), max_size=int(np.prod(dims[:cover])))),
                    dtype=bool).reshape(dims[:cover])
    return (mask.tolist() if cover == 1 and draw(st.booleans()) else mask), cover


@st.composite
def _items(draw, dims, adv_shape, exact):
    """Items consuming a prefix of ``dims`` (all of them when ``exact``), with Nones/bools sprinkled in."""
    items, at = [], 0
    while at < len(dims) or (not exact and draw(st.integers(0, 3)) == 0 and len(items) < 2):
        if not exact and at < len(dims) and draw(st.integers(0, 4)) == 0:
            break
        item, used = draw(_item(dims[at:], adv_shape))
        items.append(item)
        at += used
    return items


@st.composite
def indexing_cases(draw):
    """(x, index): a small array with distinct values and a torch-style index expression for it."""
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=4)))
    adv_shape = draw(st.sampled_from([(2,), (1,), (0,), (2, 2), (3, 1)]))
    if draw(st.booleans()):  # with an Ellipsis standing for shape[start:stop]
        start = draw(st.integers(0, len(shape)))
        stop = draw(st.integers(start, len(shape)))
        items = (draw(_items(shape[:start], adv_shape, True)) + [Ellipsis]
                 + draw(_items(shape[stop:], adv_shape, True)))
    else:
        items = draw(_items(shape, adv_shape, False))
    form = draw(st.sampled_from(["tuple", "tuple", "list", "bare"]))
    if form == "list":
        index = list(items)
    elif form == "bare" and len(items) == 1:
        index = items[0]
    else:
        index = tuple(items)
    x = np.arange(int(np.prod(shape, dtype=int)), dtype=np.float64).reshape(shape)
    return x, index


def to_torch(index):
    """The same index for torch: arrays become tensors, inside tuples and top-level lists."""
    import torch

    if isinstance(index, tuple):
        return tuple(to_torch(i) for i in index)
    if isinstance(index, list):
        return [to_torch(i) if isinstance(i, (np.ndarray, tuple, list)) else i for i in index]
    if isinstance(index, np.ndarray):
        return torch.from_numpy(index)
    return index


def torch_getitem(tx, index):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tx[to_torch(index)]


# ---- against torch ------------------------------------------------------------------------------------------------

def _is_view_index(basic):
    return all(b is None or b is Ellipsis or type(b) is int or (type(b) is slice and (b.step is None or b.step > 0))
               for b in basic)


@given(case=indexing_cases())
def test_plan_matches_torch(case):
    torch = pytest.importorskip("torch")
    x, index = case
    try:
        expected = torch_getitem(torch.from_numpy(x), index)
    except Exception as e:  # torch refuses the index: so must we, with the same exception and message
        with pytest.raises(type(e), match=re.escape(str(e))):
            plan(index, x.shape)
        return
    basic, advanced = p = plan(index, x.shape)
    assert type(basic) is tuple and _is_view_index(basic)
    assert isinstance(x[basic], np.ndarray) and x[basic].base is not None  # a view, never a copy or a scalar
    assert advanced is None or all(type(a) is np.ndarray or a == slice(None) for a in advanced)
    got = apply(x, p)
    assert got.shape == tuple(expected.shape)
    np.testing.assert_array_equal(got, expected.numpy())


@given(case=indexing_cases(), seed=st.integers(0, 2**32 - 1))
def test_index_grad_matches_torch(case, seed):
    torch = pytest.importorskip("torch")
    x, index = case
    tx = torch.from_numpy(x).requires_grad_()
    try:
        y = torch_getitem(tx, index)
    except Exception:
        return  # refusals are test_plan_matches_torch's business
    grad = np.random.default_rng(seed).standard_normal(tuple(y.shape))
    y.backward(torch.from_numpy(grad))
    expected = tx.grad.numpy() if tx.grad is not None else np.zeros(x.shape)
    got = index_grad(x.shape, plan(index, x.shape), grad)
    assert got.shape == x.shape and got.dtype == grad.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


# ---- examples: where torch and numpy differ (hand-written shapes, no torch needed) ----------------------------------

A, B, C = 2, 3, 4
X = np.arange(A * B * C, dtype=np.float64).reshape(A, B, C)
M = np.array([[True, False, True], [False, True, True]])  # covers dims (A, B), 4 True


@pytest.mark.parametrize("index, shape", [
    ((0, slice(None), [1, 2]), (B, 2)),               # numpy: (2, B), the int joins the advanced indices
    ((slice(None), 0, [1, 2]), (A, 2)),
    (([0, 1], slice(None), 0), (2, B)),               # numpy: same, the int is the last advanced index
    ((np.array(0), slice(None), [1, 2]), (B, 2)),     # a 0-d integer tensor selects like an int
    ((np.array(1, dtype=np.int32), [0, 2]), (2, C)),
    (([0, 1], slice(None), [0, 1]), (2, B)),          # non-adjacent advanced indices go first, as in numpy
    (([0, 1], None, [0, 1]), (2, 1, C)),              # None separates advanced indices
    ((None, [0, 1], [0, 1]), (1, 2, C)),
    (([0, 1], Ellipsis, [0, 1]), (2, B)),
    ((Ellipsis, [0, 1], Ellipsis), (A, B, 2)),        # torch accepts several Ellipses; only the first one counts
    ((Ellipsis, Ellipsis), (A, B, C)),
    ((0, [[0, 1], [1, 0]]), (2, 2, C)),
    (True, (1, A, B, C)),
    (False, (0, A, B, C)),
    ((0, True), (1, B, C)),
    ((slice(None), True, [0, 1]), (A, 2, C)),         # a bool scalar is an advanced index of shape (1,)
    ((np.array(False),), (0, A, B, C)),
    ((M,), (4, C)),                                   # a mask covering two dims
    ((M, 0), (4,)),
    ((M, [1]), (4,)),
    ((Ellipsis, np.ones((B, C), bool)), (A, B * C)),
    ([[0, 1], [1, 0]], (2, C)),                       # top-level list of lists = tuple; numpy: (2, 2, B, C)
    ([(0, 1), (1, 2)], (2, C)),                       # nested tuples in a top-level list: a tuple of indices
    ([0, slice(None)], (B, C)),                       # numpy 2 refuses this list
    ([[0]] * 32, (32, 1, B, C)),                      # 32 items or more: one index tensor after all
    ([0] * 40, (40, B, C)),
    ([0.5, 1.7], (2, B, C)),                          # float lists are truncated to int64; numpy refuses
    ([], (0, B, C)),                                  # an empty list is an int64 index; numpy makes it float64
    ((slice(None), []), (A, 0, C)),
    ((0, []), (0, C)),
    ((), (A, B, C)),
    (((),), (0, B, C)),                               # an empty tuple inside the index is an empty list
    ([True, False], (1, B, C)),                       # a bool list is a mask
    ((slice(None), [True, False, True]), (A, 2, C)),
    (([[True, False, True], [True, True, True]], 0), (5,)),  # a 2-d bool list covers two dims
    ((np.array([1, 0], dtype=np.uint8),), (1, B, C)),  # uint8 tensors are masks (deprecated in torch)
    ((slice(1, 100, 2),), (1, B, C)),
    ((slice(-100, 1), 0, slice(None, None, 3)), (1, 2)),
])
def test_example_shapes(index, shape):
    assert apply(X, plan(index, X.shape)).shape == shape


def test_example_values():
    np.testing.assert_array_equal(apply(X, plan((0, slice(None), [1, 2]), X.shape)), X[0][:, [1, 2]])
    np.testing.assert_array_equal(apply(X, plan([[0, 1], [1, 0]], X.shape)), X[[0, 1], [1, 0]])
    np.testing.assert_array_equal(apply(X, plan([0.5, 1.7], X.shape)), X[[0, 1]])
    np.testing.assert_array_equal(apply(X, plan((M, 0), X.shape)), X[..., 0][M])
    np.testing.assert_array_equal(apply(X, plan((np.array([1, 0], dtype=np.uint8),), X.shape)), X[[0]])


def test_basic_plans_are_views_and_keep_the_index():
    assert plan_index((slice(None), 0), (3, 4)) == ((slice(None), 0), None)
    assert plan_index(slice(2, 5), (8,)) == ((slice(2, 5),), None)
    assert plan_index((Ellipsis, None, -1), (3, 4)) == ((Ellipsis, None, -1), None)
    for index, shape in [((0, 1), (2, 3)), (1, (3,)), ((), ()), ((np.int64(1), 0), (2, 2))]:
        basic, advanced = plan_index(index, shape)
        x = np.zeros(shape)
        assert advanced is None and isinstance(x[basic], np.ndarray) and x[basic].base is x  # 0-d view, not a scalar


def test_top_level_list_as_tuple_warns_like_torch():
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        plan_index([0, slice(None)], (2, 3))


def test_index_grad_accumulates_repeats():
    g = index_grad((3,), plan_index([0, 0, 2], (3,)), np.array([1.0, 2.0, 5.0]))
    np.testing.assert_array_equal(g, [3.0, 0.0, 5.0])
    g = index_grad((2, 3), plan_index((0, [1, 1]), (2, 3)), np.array([1.0, 1.0]))
    np.testing.assert_array_equal(g, [[0, 2, 0], [0, 0, 0]])


def test_index_grad_basic_and_masks():
    g = index_grad((3, 4), plan_index((slice(None), 0), (3, 4)), np.ones(3, dtype=np.float32))
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, [[1, 0, 0, 0]] * 3)
    g = index_grad(X.shape, plan((M, 0), X.shape), np.arange(4.0))
    expected = np.zeros(X.shape)
    expected[..., 0][M] = np.arange(4.0)
    np.testing.assert_array_equal(g, expected)
    g = index_grad((2,), plan_index(False, (2,)), np.zeros((0, 2)))
    np.testing.assert_array_equal(g, [0.0, 0.0])


# ---- errors: torch's types and messages -----------------------------------------------------------------------------

ERRORS = [
    (5, (3,), IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    (-4, (3,), IndexError, "index -4 is out of bounds for dimension 0 with size 3"),
    ((slice(None), 7), (2, 3), IndexError, "index 7 is out of bounds for dimension 1 with size 3"),
    ((None, 5), (3,), IndexError, "index 5 is out of bounds for dimension 1 with size 3"),  # position in the index
    ((np.array(3),), (3,), IndexError, "index 3 is out of bounds for dimension 0 with size 3"),
    ((0, 0, 0), (2, 2), IndexError, "too many indices for tensor of dimension 2"),
    ((np.ones((2, 2), bool), np.ones((2, 2), bool)), (2, 2, 2), IndexError, "too many indices"),  # masks count their dims
    ((0,), (), IndexError, "too many indices for tensor of dimension 0"),
    (0, (), IndexError, "invalid index of a 0-dim tensor"),
    (slice(None), (), IndexError, "slice\\(\\) cannot be applied to a 0-dim tensor"),
    ((Ellipsis, Ellipsis, 0), (2, 3, 1), IndexError, "too many indices for tensor of dimension 3"),  # torch: odd text
    ((np.ones(2, bool),), (3,), IndexError,
     r"The shape of the mask \[2\] at index 0 does not match the shape of the indexed tensor \[3\] at index 0"),
    ((0, np.ones((2, 3), bool)), (2, 3, 4), IndexError,
     r"The shape of the mask \[2, 3\] at index 0 does not match the shape of the indexed tensor \[3, 4\] at index 0"),
    (slice(None, None, -1), (3,), ValueError, "step must be greater than zero"),
    ((0, slice(2, 0, -1)), (2, 3), ValueError, "step must be greater than zero"),
    (slice(None, None, 0), (3,), ValueError, "slice step cannot be zero"),
    (1.5, (3,), IndexError, r"only integers, slices \(`:`\), ellipsis \(`...`\), None and long or byte Variables are "
                            r"valid indices \(got float\)"),
    ((slice(None), object()), (2, 3), IndexError, r"\(got object\)"),
    (np.True_, (3,), IndexError, r"\(got numpy.bool\)"),
    ("a", (3,), TypeError, "invalid data type 'str'"),
    (slice(1.5, None), (3,), TypeError, "slice indices must be integers or None or have an __index__ method"),
    ((np.array([0.0]),), (3,), IndexError, "tensors used as indices must be long, int, byte or bool tensors"),
    ((np.array([0], dtype=np.int16),), (3,), IndexError, "tensors used as indices must be long, int, byte or bool"),
    ((np.array(0.0),), (3,), IndexError, "tensors used as indices must be long"),
    (([0, 1], [0, 1, 2]), (3, 3), IndexError,
     r"shape mismatch: indexing tensors could not be broadcast together with shapes \[2\], \[3\]"),
    (([0, 5],), (3,), IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    (([0], slice(None), [-9]), (2, 3, 4), IndexError, "index -9 is out of bounds for dimension 1 with size 4"),
    ((slice(None), [0]), (3, 0), IndexError, "index is out of bounds for dimension with size 0"),
    ((slice(None), [[0, 1], [1]]), (2, 3), ValueError, "rectangular"),
    ((slice(None), [None]), (2, 3), RuntimeError, "Could not infer dtype of NoneType"),
    ((slice(None), [1j]), (2, 3), TypeError, "complex"),
]


OWN_MESSAGES = {"rectangular", "too many indices for tensor of dimension 3"}  # where our text is not torch's


@pytest.mark.parametrize("index, shape, exc, match", ERRORS)
def test_errors(index, shape, exc, match):
    with pytest.raises(exc, match=match):
        plan(index, shape)


@pytest.mark.parametrize("index, shape, exc, match", ERRORS)
def test_errors_are_torchs(index, shape, exc, match):
    torch = pytest.importorskip("torch")
    with pytest.raises(exc, match=None if match in OWN_MESSAGES else match):
        torch_getitem(torch.zeros(shape), index)


# ---- Tensor indexing (getitem, setitem) against torch ----------------------------------------------------------

def _to_ag(index):
    """The same index for autograd: arrays become autograd tensors, inside tuples and top-level lists."""
    import autograd as ag

    if isinstance(index, tuple):
        return tuple(_to_ag(i) for i in index)
    if isinstance(index, list):
        return [_to_ag(i) if isinstance(i, np.ndarray) else i for i in index]
    if isinstance(index, np.ndarray):
        return ag.tensor(index)
    return index


@given(case=indexing_cases(), seed=st.integers(0, 2**32 - 1))
def test_tensor_getitem_and_its_gradient_match_torch(case, seed):
    torch = pytest.importorskip("torch")
    import autograd as ag

    x, index = case
    tx = torch.from_numpy(x).requires_grad_()
    try:
        ty = torch_getitem(tx, index)
    except Exception as e:
        with pytest.raises(type(e)), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ag.tensor(x)[_to_ag(index)]
        return
    ax = ag.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ay = ax[_to_ag(index)]
    assert ay.shape == tuple(ty.shape)
    np.testing.assert_array_equal(ay.numpy(), ty.detach().numpy())
    grad = np.random.default_rng(seed).standard_normal(tuple(ty.shape))
    ty.backward(torch.from_numpy(grad))
    ay.backward(ag.tensor(grad))
    expected = tx.grad.numpy() if tx.grad is not None else np.zeros(x.shape)
    np.testing.assert_allclose(ax.grad.numpy(), expected, rtol=1e-12, atol=1e-12)


@given(case=indexing_cases(), seed=st.integers(0, 2**32 - 1))
def test_tensor_setitem_matches_torch(case, seed):
    torch = pytest.importorskip("torch")
    import autograd as ag

    x, index = case
    tx = torch.from_numpy(x.copy())
    try:
        region = torch_getitem(tx, index)
    except Exception:
        return
    value = np.random.default_rng(seed).standard_normal(tuple(region.shape))
    if len(set(np.ravel(apply(np.arange(x.size).reshape(x.shape), plan(index, x.shape))))) != region.numel():
        return  # repeated positions: which write wins is unspecified in torch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tx[to_torch(index)] = torch.from_numpy(value)
        ax = ag.tensor(x.copy())
        ax[_to_ag(index)] = ag.tensor(value)
    np.testing.assert_array_equal(ax.numpy(), tx.numpy())


def test_negative_step_raises_value_error_on_tensors():
    import autograd as ag

    with pytest.raises(ValueError, match="step must be greater than zero"):
        ag.arange(5)[::-1]
