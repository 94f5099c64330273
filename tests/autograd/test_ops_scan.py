"""Scans and products: cumsum, cumprod, prod (autograd/ops/scan.py), gradients at zeros included."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import op_test, shapes
from engine_helpers import leaf

torch = pytest.importorskip("torch")


def _with_dim(shp):
    """kwargs strategy: one dim of the (single) drawn shape; 0-d tensors take 0 or -1."""
    ndim = len(shp[0])
    return st.integers(-max(ndim, 1), max(ndim, 1) - 1).map(lambda d: {"dim": d})


def _np_scan(fn):
    def reference(a, dim):
        return fn(a.reshape(1), axis=0).reshape(()) if a.ndim == 0 else fn(a, axis=dim)
    return reference


def _np_prod(a, dim=None, keepdim=False):
    return np.prod(a) if dim is None or a.ndim == 0 else np.prod(a, axis=dim, keepdims=keepdim)


single = shapes(max_dims=3).map(lambda s: (s,))
# smooth_floats draws 0.0 often: the gradients (and second derivatives) at zeros are exercised here too.
test_cumsum = op_test(ag.cumsum, _np_scan(np.cumsum), shapes=single, kwargs=_with_dim)
test_cumprod = op_test(ag.cumprod, _np_scan(np.cumprod), shapes=single, kwargs=_with_dim)
test_prod_all = op_test(ag.prod, np.prod, shapes=single)
test_prod_dim = op_test(ag.prod, _np_prod, shapes=single,
                        kwargs=lambda shp: st.tuples(_with_dim(shp), st.booleans()).map(lambda t: {**t[0], "keepdim": t[1]}))
test_cumprod_many_zeros = op_test(ag.cumprod, _np_scan(np.cumprod), shapes=single, kwargs=_with_dim,
                                  elements=st.sampled_from([0.0, 0.0, 1.5, -0.5, 2.0]))
test_prod_many_zeros = op_test(ag.prod, _np_prod, shapes=single, kwargs=_with_dim,
                               elements=st.sampled_from([0.0, 0.0, 1.5, -0.5, 2.0]))


def _grads_match_torch(fn, data, weights=None):
    x, t = leaf(data), torch.tensor(np.asarray(data, dtype=np.float64), requires_grad=True)
    out, ref = fn(ag, x), fn(torch, t)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    w = np.arange(1.0, out.numel() + 1).reshape(out.shape) if weights is None else weights
    (out * ag.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)


ONE_ZERO = [[2.0, 0.0, 3.0, -1.5], [0.5, 4.0, 2.0, 0.0], [0.0, 1.0, 2.0, 3.0]]
ZEROS = [[2.0, 0.0, 3.0, 0.0], [0.0, 0.0, 2.0, 1.0], [1.0, 2.0, 0.0, 0.0]]


@pytest.mark.parametrize("data", [ONE_ZERO, ZEROS], ids=["one zero per row", "several zeros per row"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_gradient_with_zeros_matches_torch(data, dim):
    _grads_match_torch(lambda m, x: m.cumprod(x, dim), data)


@pytest.mark.parametrize("data", [ONE_ZERO, ZEROS, [[1.0, 2.0], [0.0, 0.0]]])
def test_prod_gradient_with_zeros_matches_torch(data):
    _grads_match_torch(lambda m, x: m.prod(x), data)
    for dim in (0, 1):
        _grads_match_torch(lambda m, x: m.prod(x, dim), data)
        _grads_match_torch(lambda m, x: m.prod(x, dim, keepdim=True), data)


def test_prod_gradient_with_exactly_one_zero_is_the_product_of_the_others():
    x = leaf([2.0, 0.0, 3.0, -1.5])
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, -9.0, 0.0, 0.0])
    x = leaf([2.0, 0.0, 3.0, 0.0])  # two zeros: every partial product contains a zero
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("data", [ONE_ZERO, ZEROS])
def test_second_derivatives_at_zeros_match_torch(data):
    for fn in (lambda m, x: m.cumprod(x, 1), lambda m, x: m.prod(x, 1), lambda m, x: m.prod(x)):
        x, t = leaf(data), torch.tensor(np.array(data), requires_grad=True)
        g, = ag.grad(fn(ag, x).sum(), x, create_graph=True)
        tg, = torch.autograd.grad(fn(torch, t).sum(), t, create_graph=True)
        np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=1e-12)
        (g * ag.tensor(np.arange(12.0).reshape(3, 4))).sum().backward()
        (tg * torch.tensor(np.arange(12.0).reshape(3, 4))).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)


@given(st.data())
def test_cumsum_cumprod_match_torch(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    a = data.draw(st.lists(st.sampled_from([0.0, 1.0, -2.0, 0.5, 3.0]), min_size=int(np.prod(shape)),
                           max_size=int(np.prod(shape)))).copy()
    a = np.array(a).reshape(shape)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    for name in ("cumsum", "cumprod"):
        _grads_match_torch(lambda m, x: getattr(m, name)(x, dim), a)


def test_integer_and_bool_inputs_accumulate_in_int64_as_torch():
    for dtype in (np.int32, np.uint8, np.bool_, np.int64):
        data = np.array([[1, 0, 1], [1, 1, 1]], dtype=dtype)
        for name, args in (("cumsum", (1,)), ("cumprod", (0,)), ("prod", ()), ("prod", (1,)), ("sum", ())):
            ours = getattr(ag, name)(ag.tensor(data), *args)
            ref = getattr(torch, name)(torch.tensor(data), *args)
            assert ours.dtype == np.int64 == np.dtype(str(ref.dtype).replace("torch.", ""))
            np.testing.assert_array_equal(ours.numpy(), ref.numpy())


def test_dtype_argument_casts_first_and_the_gradient_comes_back_in_the_input_dtype():
    x = ag.tensor([1.5, 2.0, 3.0], requires_grad=True)
    for out in (ag.cumsum(x, 0, dtype=ag.float64), x.cumprod(0, dtype=ag.float64), x.prod(dtype=ag.float64)):
        assert out.dtype == np.float64
        x.grad = None
        out.sum().backward()
        assert x.grad.dtype == np.float32
    assert ag.cumsum(ag.tensor([1, 2]), 0, dtype=ag.float32).dtype == np.float32


def test_zero_dim_and_empty_inputs():
    s = ag.tensor(3.0, dtype=ag.float64, requires_grad=True)
    for out in (s.cumsum(0), s.cumprod(-1), s.prod(0), s.prod()):
        assert out.shape == () and out.item() == 3.0
    s.cumprod(0).backward()
    assert s.grad.item() == 1.0
    e = ag.zeros(0, 3)
    assert e.cumsum(0).shape == (0, 3) and e.prod(0).tolist() == [1.0, 1.0, 1.0] and e.prod().item() == 1.0


def test_axis_alias_and_errors():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(x.cumsum(axis=1).numpy(), [[1, 3], [3, 7]])
    np.testing.assert_array_equal(ag.prod(x, axis=0, keepdims=True).numpy(), [[3, 8]])
    with pytest.raises(TypeError, match="cumsum"):
        x.cumsum(dim=0, axis=0)
    with pytest.raises(IndexError, match=r"cumprod\(\).*range"):
        x.cumprod(2)
    with pytest.raises(TypeError):
        ag.cumsum(x)  # dim is required, as in torch
    with pytest.raises(TypeError, match="prod"):
        x.prod((0, 1))  # torch's prod takes one int dim
    with pytest.raises(TypeError, match="prod"):
        x.prod(keepdim=True)
    with pytest.raises(TypeError, match="cumsum"):
        ag.cumsum([1.0, 2.0], 0)


def test_cumprod_gradient_in_a_long_slice_with_many_zeros():
    x = ag.tensor(np.where(np.arange(2000) % 3 == 0, 0.0, 1.01), requires_grad=True)
    x.cumprod(0).sum().backward()  # the plain rule computes the first zero of the slice only; the rest are 0
    expected = np.zeros(2000)
    expected[0] = 1.0 + 1.01 + 1.01 ** 2  # x[0]'s only nonzero partials: out[0..2]
    np.testing.assert_allclose(x.grad.numpy(), expected)
