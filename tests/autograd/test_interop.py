"""autograd.interop: numpy's array and ufunc protocols, DLPack, and other libraries' arrays as op operands."""
import numpy as np
import pytest

import autograd as ag
from autograd import interop, registry
from autograd.interop import _UFUNC_RENAMED, _UFUNC_SAME

torch = pytest.importorskip("torch")


def _leaf(*shape, low=0.2, high=0.8, seed=0):
    data = np.random.default_rng(seed).uniform(low, high, shape)
    return ag.tensor(data, requires_grad=True)


# -- __array__ ---------------------------------------------------------------------------------------------------

def test_asarray_shares_memory_and_copy_true_copies():
    t = ag.tensor([1.0, 2.0, 3.0])
    assert np.shares_memory(np.asarray(t), t.numpy())
    assert np.shares_memory(np.array(t, copy=False), t.numpy())
    copied = np.array(t, copy=True)
    assert not np.shares_memory(copied, t.numpy())
    copied[0] = 100.0
    assert t.tolist() == [1.0, 2.0, 3.0]


def test_copy_true_leaves_the_gradient_right():
    # The issue's report: writing into np.array(t, copy=True) changed t and gave a wrong gradient.
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    np.array(x, copy=True)[:] = 10.0
    y.backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_array_dtype_casts_and_copy_false_refuses_a_cast():
    t = ag.tensor([1.5, 2.5])
    out = np.asarray(t, dtype=np.float64)
    assert out.dtype == np.float64 and out.tolist() == [1.5, 2.5]
    assert np.shares_memory(np.asarray(t, dtype=np.float32, copy=False), t.numpy())
    with pytest.raises(ValueError, match="copy"):
        np.asarray(t, dtype=np.float64, copy=False)
    assert t.__array__(np.float64, copy=True).dtype == np.float64


# -- __array_ufunc__ ----------------------------------------------------------------------------------------------

_INTEGER_UFUNCS = {"bitwise_and", "bitwise_or", "bitwise_xor", "invert"}
_DOMAINS = {"arccosh": (1.2, 3.0)}  # everything else: (0.2, 0.8)
_ALL_UFUNCS = sorted(n for n in _UFUNC_SAME | set(_UFUNC_RENAMED) if hasattr(np, n))


def _has(name):
    return name in registry.functions or name in registry.internal


def _operands(ufunc):
    if ufunc.__name__ in _INTEGER_UFUNCS:
        rng = np.random.default_rng(1)
        return [rng.integers(0, 16, (2, 3)) for _ in range(ufunc.nin)]
    if ufunc.__name__ == "matmul":
        return [np.random.default_rng(2).uniform(0.2, 0.8, s) for s in ((2, 3), (3, 4))]
    low, high = _DOMAINS.get(ufunc.__name__, (0.2, 0.8))
    return [np.random.default_rng(3 + i).uniform(low, high, (2, 3)) for i in range(ufunc.nin)]


@pytest.mark.parametrize("name", _ALL_UFUNCS)
def test_every_mapped_ufunc_runs_the_autograd_op_or_names_it(name):
    ufunc = getattr(np, name)
    arrays = _operands(ufunc)
    target = _UFUNC_RENAMED.get(name, name)
    tensors = [ag.tensor(a) for a in arrays]
    if not _has(target):
        with pytest.raises(TypeError, match=f"needs autograd.{target}"):
            ufunc(*tensors)
        return
    expected = ufunc(*arrays)
    for mixed in (tensors, [tensors[0], *arrays[1:]], [*arrays[:-1], tensors[-1]]):  # Tensors first, last, all
        out = ufunc(*mixed)
        assert isinstance(out, ag.Tensor), (name, type(out))
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", sorted(n for n in _ALL_UFUNCS if n not in _INTEGER_UFUNCS))
def test_float_ufuncs_are_in_the_graph(name):
    ufunc = getattr(np, name)
    target = _UFUNC_RENAMED.get(name, name)
    if not _has(target):
        pytest.skip(f"autograd has no {target} in this version (the TypeError is tested above)")
    arrays = _operands(ufunc)
    x = ag.tensor(arrays[0], requires_grad=True)
    out = ufunc(x, *arrays[1:])
    if out is x:  # np.positive: the tensor itself, as torch.positive
        return
    if out.dtype.kind == "b" or name in ("sign", "floor", "ceil", "trunc", "rint", "signbit", "floor_divide",
                                         "heaviside", "isnan", "isinf", "isfinite"):
        return  # piecewise constant or boolean: nothing to differentiate
    assert out.grad_fn is not None
    ag.gradcheck(lambda t: ufunc(t, *arrays[1:]), (x,))


def test_the_examples_of_the_issue():
    t = _leaf(2, 3)
    y = np.exp(t)
    assert isinstance(y, ag.Tensor) and y.grad_fn is not None
    np.testing.assert_allclose(y.numpy(), np.exp(t.numpy()))
    z = np.maximum(np.add(t, 1), np.full((2, 3), 1.5))
    z.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), (t.numpy() + 1 > 1.5).astype(float))


def test_ndarray_on_the_left_gives_a_tensor_in_the_graph():
    a = np.full((2, 3), 3.0)
    t = _leaf(2, 3)
    for out in (a * t, a + t, a - t, a / t, a ** t, np.float64(2.0) * t, a @ _leaf(3, 2)):
        assert isinstance(out, ag.Tensor) and out.grad_fn is not None
    (a * t).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), a)
    assert isinstance(a < t, ag.Tensor) and (a < t).dtype == np.bool_


def test_tensor_operators_do_not_go_through_array_ufunc(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("__array_ufunc__ was called")

    x, y, a = _leaf(2, 3), _leaf(2, 3, seed=1), np.ones((2, 3))
    monkeypatch.setattr(ag.Tensor, "__array_ufunc__", refuse)
    for out in (x * 2, 2 * x, x * y, x + a, x - 1.5, -x, x ** 2, x / y, x @ y.T, x * np.float32(2), x < a):
        assert isinstance(out, ag.Tensor)


def test_inplace_into_an_ndarray_and_other_arguments_raise():
    a = np.ones((2, 3))
    t = _leaf(2, 3)
    with pytest.raises(TypeError, match="out="):
        a += t  # numpy would write the result into the ndarray, outside the graph
    with pytest.raises(TypeError, match="dtype="):
        np.add(t, 1, dtype=np.float32)
    with pytest.raises(TypeError, match="where="):
        np.exp(t, where=np.ones((2, 3), dtype=bool))


def test_ufunc_methods_and_unmapped_ufuncs_name_what_to_use():
    t = _leaf(2, 3)
    with pytest.raises(TypeError, match=r"numpy\.add\.reduce .*autograd\.sum"):
        np.add.reduce(t)
    with pytest.raises(TypeError, match=r"numpy\.add\.accumulate .*autograd\.cumsum"):
        np.add.accumulate(t)
    with pytest.raises(TypeError, match=r"numpy\.gcd .*detach\(\)\.numpy\(\)"):
        np.gcd(ag.tensor([4, 6]), 2)


# -- DLPack ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64, np.int32, np.uint8, np.bool_])
def test_torch_reads_a_tensor_without_copying(dtype):
    t = ag.tensor(np.arange(6).reshape(2, 3).astype(dtype))
    for convert in (torch.from_dlpack, torch.as_tensor):
        shared = convert(t)
        assert shared.shape == (2, 3) and shared.numpy().dtype == dtype
        np.testing.assert_array_equal(shared.numpy(), t.numpy())
        assert shared.data_ptr() == t.numpy().ctypes.data
    copied = torch.tensor(t)
    assert copied.data_ptr() != t.numpy().ctypes.data
    np.testing.assert_array_equal(copied.numpy(), t.numpy())


def test_torch_writes_are_seen_and_views_keep_their_strides():
    t = ag.zeros(3, 4)
    torch.from_dlpack(t)[1, 2] = 7.0
    assert t[1, 2].item() == 7.0
    view = t.T  # non-contiguous
    assert torch.from_dlpack(view).stride() == tuple(s // 4 for s in view.numpy().strides)
    np.testing.assert_array_equal(torch.from_dlpack(view).numpy(), view.numpy())
    expanded = ag.ones(3).expand(2, 3)  # read-only, zero strides
    np.testing.assert_array_equal(torch.tensor(expanded).numpy(), np.ones((2, 3)))
    assert torch.from_dlpack(ag.tensor(2.5)).item() == 2.5


def test_a_tensor_that_requires_grad_exports_as_numpy_does():
    # As t.numpy() and np.asarray(t) here (PyTorch refuses both), so torch.tensor(param) copies a parameter.
    p = ag.tensor([1.0, 2.0], requires_grad=True)
    assert torch.tensor(p).tolist() == [1.0, 2.0]


def test_from_dlpack_shares_memory_with_torch_and_numpy():
    src = torch.arange(6.0).reshape(2, 3)
    t = ag.from_dlpack(src)
    assert isinstance(t, ag.Tensor) and t.dtype == np.float32 and t.shape == (2, 3)
    src[0, 0] = 42.0
    assert t[0, 0].item() == 42.0
    t.numpy()[1, 1] = -1.0
    assert src[1, 1].item() == -1.0
    a = np.arange(3.0)
    assert np.shares_memory(ag.from_dlpack(a).numpy(), a)
    assert np.shares_memory(np.from_dlpack(ag.from_dlpack(a)), a)
    assert ag.from_dlpack(ag.tensor([1, 2])).tolist() == [1, 2]
    assert t.__dlpack_device__() == (1, 0)


def test_from_dlpack_copy_device_and_errors():
    src = torch.ones(3)
    copied = ag.from_dlpack(src, copy=True)
    src[0] = 5.0
    assert copied[0].item() == 1.0
    assert ag.from_dlpack(src, device="cpu")[0].item() == 5.0
    with pytest.raises(RuntimeError, match="device"):
        ag.from_dlpack(src, device="cuda")
    with pytest.raises(TypeError, match="__dlpack__"):
        ag.from_dlpack([1.0, 2.0])
    with pytest.raises(BufferError, match="require"):  # torch's own refusal
        ag.from_dlpack(torch.ones(2, requires_grad=True))


def test_as_tensor_shares_memory_with_a_torch_tensor():
    src = torch.zeros(2)
    t = ag.as_tensor(src)
    src[1] = 3.0
    assert t.tolist() == [0.0, 3.0]
    assert ag.as_tensor(src, dtype=ag.float64).dtype == np.float64


# -- other libraries' arrays as operands ---------------------------------------------------------------------------

def test_a_torch_tensor_is_a_constant_operand_like_an_ndarray():
    x = _leaf(2, 3)
    c = torch.arange(6.0, dtype=torch.float64).reshape(2, 3)
    for out in (x + c, c + x, x * c, ag.mul(c, x), ag.maximum(x, ag.as_tensor(c)), ag.where(x > 0.5, x, c)):
        assert isinstance(out, ag.Tensor) and out.grad_fn is not None
    (x * c).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), c.numpy())
    assert isinstance(ag.exp(c), ag.Tensor)
    np.testing.assert_allclose(ag.exp(c).numpy(), np.exp(c.numpy()))


def test_a_torch_tensor_that_requires_grad_is_refused():
    x = _leaf(2, 3)
    w = torch.ones(2, 3, requires_grad=True)
    with pytest.raises(TypeError, match=r"mul: got a torch\.Tensor of shape \(2, 3\) that requires grad.*detach"):
        x * w
    with pytest.raises(TypeError, match="requires grad"):
        ag.exp(w)


def test_foreign_operand_leaves_numbers_and_arrays_alone():
    op = ag.exp(_leaf(1)).grad_fn
    a = np.ones(2)
    assert interop.foreign_operand(a, op) is a
    assert interop.foreign_operand(3, op) == 3
    assert interop.foreign_operand(np.float32(2), op) == 2
