"""Tensor API: dtype policy, conversions, metadata, constructors and the global generator (repr: test_printing)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import arrays, shapes, tensors

# -- dtype policy ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data, dtype", [
    ([1.0, 2.0], np.float32), (1.5, np.float32), ([[1, 2.5]], np.float32), ([1, 2], np.int64), (3, np.int64),
    ([True, False], np.bool_), (np.array([1, 2], dtype=np.int32), np.int32), (np.array([1.0]), np.float64),
    (np.float64(2.0), np.float64), (np.array([1.0], dtype=np.float16), np.float16),
])
def test_tensor_dtype_policy(data, dtype):
    assert ag.tensor(data).dtype == dtype


def test_explicit_dtype_wins():
    assert ag.tensor([1, 2], dtype=ag.float64).dtype == np.float64
    assert ag.tensor(np.array([1.5]), dtype=ag.float32).dtype == np.float32
    assert ag.tensor([1.0], dtype=float).dtype == np.float32


def test_tensor_copies_its_input():
    a = np.array([1.0, 2.0])
    t = ag.tensor(a)
    a[0] = 9.0
    assert t.numpy()[0] == 1.0
    assert ag.from_numpy(a).numpy() is a
    assert np.shares_memory(ag.as_tensor(a).numpy(), a)


@given(st.floats(-10, 10, width=32), st.sampled_from(["add", "mul", "sub", "div", "rsub", "pow"]))
def test_float32_op_python_float_stays_float32(value, op):
    x = ag.tensor([1.5, 2.0], requires_grad=True)
    out = {"add": lambda: x + value, "mul": lambda: x * value, "sub": lambda: x - value, "div": lambda: x / (value or 1.0),
           "rsub": lambda: value - x, "pow": lambda: x ** 2.0}[op]()
    assert out.dtype == ag.float32
    out.sum().backward()
    assert x.grad.dtype == ag.float32


def test_mixed_float_tensors_promote_like_numpy_and_torch():
    a, b = ag.tensor([1.0]), ag.tensor(np.array([1.0]))
    assert (a + b).dtype == np.float64


def test_integer_tensor_ops_stay_integer():
    assert (ag.tensor([1, 2]) + 1).dtype == np.int64
    assert (ag.tensor([1, 2]) * ag.tensor([3, 4])).dtype == np.int64


def test_int_tensor_with_python_float_gives_float32():
    assert (ag.tensor([1, 2]) * 2.5).dtype == np.float32
    assert (ag.tensor([1, 2]) / 2).dtype == np.float32


def test_float32_tensor_with_numpy_scalar_stays_float32():
    assert (ag.tensor([1.0, 2.0]) * np.float64(2.5)).dtype == np.float32


# -- conversions and metadata ------------------------------------------------------------------------------


def test_item_tolist_numpy_len_array():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x[1, 0].item() == 3.0 and isinstance(x[1, 0].item(), float)
    assert ag.tensor([7]).item() == 7 and isinstance(ag.tensor([7]).item(), int)
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]] and ag.tensor(2.5).tolist() == 2.5
    assert x.numpy() is x.numpy() and len(x) == 2
    assert np.asarray(x).dtype == np.float32 and np.asarray(x, dtype=np.float64).dtype == np.float64
    assert float(ag.tensor(1.5)) == 1.5 and int(ag.tensor(3)) == 3
    assert [1, 2, 3][ag.tensor(1)] == 2  # __index__


def test_item_of_many_elements_and_len_of_scalar_raise():
    with pytest.raises(RuntimeError, match="2 elements"):
        ag.tensor([1.0, 2.0]).item()
    with pytest.raises(TypeError, match="0-d"):
        len(ag.tensor(1.0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(ag.tensor([1.0, 2.0]))


@given(tensors(shape=shapes(min_dims=1)))
def test_shape_metadata(t):
    assert t.shape == t.numpy().shape == t.size() and t.ndim == t.dim() == t.numpy().ndim
    assert t.numel() == t.numpy().size and t.size(-1) == t.shape[-1]
    assert t.T.shape == t.shape[::-1] and t.device == ag.device("cpu") and str(t.device) == "cpu"
    assert t.is_leaf and t.grad is None and t.grad_fn is None and not t.requires_grad


def test_data_assignment_replaces_values():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    x.data = np.array([5.0, 6.0], dtype=np.float32)
    assert x.tolist() == [5.0, 6.0] and x.requires_grad


def test_iteration_yields_rows_connected_to_graph():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    (rows[0] * 2 + rows[1]).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 2.0], [1.0, 1.0]])


def test_setitem_under_no_grad():
    x = ag.zeros(3)
    x[1] = 5.0
    x[ag.tensor([True, False, True])] = 2.0
    assert x.tolist() == [2.0, 5.0, 2.0]


# -- constructors --------------------------------------------------------------------------------------------


def test_fill_constructors_and_like_variants():
    assert ag.zeros(2, 3).shape == (2, 3) == ag.zeros((2, 3)).shape and ag.zeros(2).dtype == np.float32
    assert ag.ones([2]).tolist() == [1.0, 1.0] and ag.empty(0, 2).shape == (0, 2)
    assert ag.full((2,), 1.5).tolist() == [1.5, 1.5] and ag.full((2,), 1.5).dtype == np.float32
    assert ag.full((2,), 3).dtype == np.int64
    assert ag.zeros(2, dtype=ag.float64, requires_grad=True).requires_grad
    base = ag.tensor([[1, 2]], dtype=ag.int32)
    for like, value in ((ag.zeros_like, 0), (ag.ones_like, 1), (lambda t: ag.full_like(t, 4), 4)):
        t = like(base)
        assert t.shape == (1, 2) and t.dtype == np.int32 and t.tolist() == [[value, value]]
    assert ag.empty_like(base).shape == (1, 2)
    assert ag.zeros_like(base, dtype=ag.float64).dtype == np.float64


def test_negative_size_raises():
    with pytest.raises(ValueError, match="sizes"):
        ag.zeros(-1)


def test_arange_linspace_eye():
    assert ag.arange(5).tolist() == [0, 1, 2, 3, 4] and ag.arange(5).dtype == np.int64
    assert ag.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert ag.arange(0.0, 1.0, 0.25).dtype == np.float32 and ag.arange(0.0, 1.0, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    lin = ag.linspace(0, 1, 5)
    assert lin.dtype == np.float32 and lin.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    np.testing.assert_array_equal(ag.eye(2, 3).numpy(), np.eye(2, 3))
    assert ag.eye(3).dtype == np.float32
    with pytest.raises(RuntimeError, match="step"):
        ag.arange(0, 5, 0)


def test_random_constructors_shapes_ranges_dtypes():
    ag.manual_seed(0)
    r, n, i = ag.rand(1000), ag.randn(2, 500), ag.randint(3, 7, (1000,))
    assert r.dtype == n.dtype == np.float32 and i.dtype == np.int64
    assert 0 <= r.numpy().min() and r.numpy().max() < 1
    assert abs(n.numpy().mean()) < 0.2 and 0.8 < n.numpy().std() < 1.2
    assert set(np.unique(i.numpy())) == {3, 4, 5, 6}
    assert ag.randint(5, size=(2, 2)).shape == (2, 2)
    assert ag.randn(3, dtype=ag.float64, requires_grad=True).requires_grad
    assert ag.rand_like(ag.zeros(2, 2, dtype=ag.float64)).dtype == np.float64
    assert ag.randn_like(ag.zeros(4)).shape == (4,)


def test_manual_seed_reproducibility_and_rng_state():
    ag.manual_seed(123)
    a = (ag.rand(3).tolist(), ag.randn(3).tolist(), ag.randint(0, 100, (3,)).tolist())
    ag.manual_seed(123)
    b = (ag.rand(3).tolist(), ag.randn(3).tolist(), ag.randint(0, 100, (3,)).tolist())
    assert a == b
    state = ag.get_rng_state()
    c = ag.randn(4).tolist()
    ag.set_rng_state(state)
    assert ag.randn(4).tolist() == c
    ag.manual_seed(124)
    assert ag.rand(3).tolist() != a[0]


# -- randint ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, low, high, shape", [
    (lambda: ag.randint(0, 10, (3,)), 0, 10, (3,)),
    (lambda: ag.randint(10, (3,)), 0, 10, (3,)),
    (lambda: ag.randint(low=0, high=10, size=(3,)), 0, 10, (3,)),
    (lambda: ag.randint(high=10, size=(2, 2)), 0, 10, (2, 2)),
    (lambda: ag.randint(10, size=(4,)), 0, 10, (4,)),
    (lambda: ag.randint(5, 9, size=(4,)), 5, 9, (4,)),
    (lambda: ag.randint(5, high=9, size=(4,)), 5, 9, (4,)),
    (lambda: ag.randint(5, size=(4,), high=9), 5, 9, (4,)),
    (lambda: ag.randint(-3, 3, [2, 5]), -3, 3, (2, 5)),
    (lambda: ag.randint(7, ()), 0, 7, ()),
    (lambda: ag.randint(4, (0, 3)), 0, 4, (0, 3)),
    (lambda: ag.randint(0, 2**40, (3,)), 0, 2**40, (3,)),
    (lambda: ag.randint(ag.tensor(3), (ag.tensor(2),)), 0, 3, (2,)),
])
def test_randint_call_forms(call, low, high, shape):
    t = call()
    assert t.shape == shape and t.dtype == np.int64 and not t.requires_grad
    assert ((t.data >= low) & (t.data < high)).all()


@given(st.integers(-(2**40), 2**40), st.integers(1, 2**20), shapes(max_dims=3, max_side=5))
def test_randint_stays_in_range(low, span, shape):
    t = ag.randint(low, low + span, shape)
    assert t.shape == shape and t.dtype == np.int64
    assert ((t.data >= low) & (t.data < low + span)).all()


def test_randint_dtype_and_requires_grad():
    assert ag.randint(0, 10, (2,), dtype=ag.int32).dtype == np.int32
    assert ag.randint(0, 2, (8,), dtype=ag.bool).dtype == np.bool_
    assert ag.randint(0, 256, (8,), dtype=ag.uint8).dtype == np.uint8
    f = ag.randint(0, 10, (3,), dtype=ag.float32, requires_grad=True)
    assert f.dtype == np.float32 and f.requires_grad and f.is_leaf and (f.data == np.round(f.data)).all()
    assert ag.randint(0, 10, (3,), dtype=ag.float16).dtype == np.float16
    ag.manual_seed(5)
    with pytest.raises(RuntimeError, match="floating point"):
        ag.randint(0, 10, (2,), requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        ag.randint(0, 10, (2,), dtype=ag.int32, requires_grad=True)
    first = ag.randint(0, 10**9, (4,)).tolist()
    ag.manual_seed(5)
    assert ag.randint(0, 10**9, (4,)).tolist() == first  # a rejected call draws nothing


def test_randint_uses_the_global_generator():
    ag.manual_seed(7)
    ours = ag.randint(3, 1000, (5,)).tolist()
    expected = np.random.default_rng(7).integers(3, 1000, size=(5,)).tolist()
    assert ours == expected
    ag.manual_seed(7)
    ag.rand(2)  # the generator is shared: drawing elsewhere moves randint on
    assert ag.randint(3, 1000, (5,)).tolist() != ours


@pytest.mark.parametrize("call, error, message", [
    (lambda: ag.randint(5, 5, (2,)), RuntimeError, r"randint: expected low < high, but got low=5 >= high=5"),
    (lambda: ag.randint(5, 3, (2,)), RuntimeError, r"randint.*low=5 >= high=3"),
    (lambda: ag.randint(0, (2,)), RuntimeError, r"randint.*low=0 >= high=0"),
    (lambda: ag.randint(-3, (2,)), RuntimeError, r"randint.*low=0 >= high=-3"),
    (lambda: ag.randint(3, 10), TypeError, r"randint\(\): argument 'size' must be tuple of ints, not int"),
    (lambda: ag.randint(0, 10, 3), TypeError, r"'size' must be tuple of ints, not int"),
    (lambda: ag.randint(0, 10, size=3), TypeError, r"'size' must be tuple of ints"),
    (lambda: ag.randint(0, 10, ag.tensor([3])), TypeError, r"'size' must be tuple of ints, not Tensor"),
    (lambda: ag.randint(0, 10, (2.0,)), TypeError, r"randint.*size=\(2.0,\)"),
    (lambda: ag.randint(0.5, 10.5, (3,)), TypeError, r"randint.*ints.*low=0.5"),
    (lambda: ag.randint(), TypeError, r"missing required argument 'high' and 'size'"),
    (lambda: ag.randint(low=2, size=(3,)), TypeError, r"missing required argument 'high'"),
    (lambda: ag.randint(10, (3,), low=2), TypeError, r"multiple values for argument 'low'"),
    (lambda: ag.randint(1, 2, 3, (4,)), TypeError, r"4 positional arguments"),
    (lambda: ag.randint(0, 10, (3,), ag.int32), TypeError, r"4 positional arguments"),
    (lambda: ag.randint(0, 10, (-1,)), RuntimeError, r"randint.*negative dimension.*\[-1\]"),
    (lambda: ag.randint(0, 10, (2,), dtype=ag.bool), RuntimeError, r"randint.*\[0, 10\).*bool"),
    (lambda: ag.randint(0, 300, (2,), dtype=ag.uint8), RuntimeError, r"randint.*\[0, 300\).*uint8"),
    (lambda: ag.randint(-1, 3, (2,), dtype=ag.uint8), RuntimeError, r"randint.*\[-1, 3\).*uint8"),
])
def test_randint_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_randint_error_types_match_torch():
    torch = pytest.importorskip("torch")
    for args in [(5, 5, (2,)), (3, 10), (0, 10, 3), (0.5, 10.5, (3,)), (0, 10, (-1,)), (1, 2, 3, (4,))]:
        with pytest.raises(Exception) as theirs:
            torch.randint(*args)
        with pytest.raises(theirs.type):
            ag.randint(*args)
    with pytest.raises(RuntimeError):
        torch.randint(0, 10, (2,), requires_grad=True)


@given(arrays(shapes(), dtype=np.float32))
def test_tensor_roundtrip_numpy(a):
    t = ag.tensor(a)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), a)
