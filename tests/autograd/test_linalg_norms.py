"""Norms: ag.norm and ag.linalg.vector_norm / matrix_norm / norm (autograd/ops/norms.py, autograd/linalg.py)."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd.backend import data_of, namespace
from autograd.testing import away_from_zero, op_test, positive, shapes, smooth_floats
from engine_helpers import leaf

torch = pytest.importorskip("torch")

single = shapes(max_dims=3).map(lambda s: (s,))
matrices = shapes(min_dims=2, max_dims=3).map(lambda s: (s,))


def _np_vector_norm(a, ord=2, dim=None, keepdim=False):
    x = np.abs(a)
    if ord == math.inf:
        return np.max(x, axis=dim, keepdims=keepdim)
    if ord == -math.inf:
        return np.min(x, axis=dim, keepdims=keepdim)
    if ord == 0:
        return np.sum(x != 0, axis=dim, keepdims=keepdim).astype(a.dtype)
    return np.sum(x ** ord, axis=dim, keepdims=keepdim) ** (1.0 / ord)


def _dims(shp):
    ndim = len(shp[0])
    if ndim == 0:
        return st.just(None)
    return st.one_of(st.none(), st.integers(-ndim, ndim - 1),
                     st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple))


def _norm_kwargs(ords):
    return lambda shp: st.fixed_dictionaries({"ord": st.sampled_from(ords), "dim": _dims(shp), "keepdim": st.booleans()})


# Smooth orders on values away from 0 (|x| ** p has a kink or a pole there); unique values for the extremes.
test_vector_norm_smooth = op_test(ag.linalg.vector_norm, _np_vector_norm, shapes=single, elements=away_from_zero(),
                                  kwargs=_norm_kwargs([2, 3, 1.5, 0.5, -1, -2.5]))
# Positive unique values: no two |x| tie (a tie is a kink of the inf-norms, where numerical second derivatives blow up).
test_vector_norm_1_and_inf = op_test(ag.linalg.vector_norm, _np_vector_norm, shapes=single, elements=positive(0.1, 3.0),
                                     unique=True, kwargs=_norm_kwargs([1, math.inf, -math.inf]))

def _np_matrix_norm(a, ord="fro", keepdim=False):
    return np.linalg.norm(a, ord, axis=(-2, -1), keepdims=keepdim)


test_matrix_norm = op_test(ag.linalg.matrix_norm, _np_matrix_norm, shapes=matrices, unique=True,
                           elements=away_from_zero(),
                           kwargs=lambda shp: st.fixed_dictionaries({"ord": st.sampled_from(["fro", 1, -1, math.inf, -math.inf]),
                                                                     "keepdim": st.booleans()}))
test_norm_fro = op_test(ag.norm, lambda a: np.sqrt(np.sum(a * a)), shapes=single, elements=away_from_zero())


def _pair(a):
    return leaf(a), torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


ORDS = [2, 1, 3, 0.5, math.inf, -math.inf, 0, -1, -2]


@pytest.mark.parametrize("ord", ORDS)
@pytest.mark.parametrize("data", [[0.0, 1.0, -2.0, 2.0], [0.0, 0.0, 0.0]], ids=["with a zero", "zero vector"])
def test_vector_norm_values_and_gradients_at_zeros_match_torch(ord, data):
    x, t = _pair(data)
    out, ref = ag.linalg.vector_norm(x, ord), torch.linalg.vector_norm(t, ord)
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-12)
    out.backward()
    ref.backward()
    if t.grad is None:  # ord 0: torch gives no gradient
        assert x.grad is None
    else:
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
        assert np.isfinite(x.grad.numpy()).all()


def test_gradient_of_the_2_norm_at_the_zero_vector_is_zero_not_nan():
    x = ag.zeros(3, requires_grad=True)
    ag.linalg.vector_norm(x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])
    x = ag.zeros(2, 3, requires_grad=True)
    (x.norm(dim=1) * ag.tensor([1.0, 2.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3)))


@given(hnp.arrays(np.float64, shapes(min_dims=1, max_dims=3), elements=st.sampled_from([0.0, -1.5, 0.5, 2.0])),
       st.sampled_from(ORDS), st.data())
def test_vector_norm_over_dims_matches_torch(a, ord, data):
    dim = data.draw(st.lists(st.integers(0, a.ndim - 1), min_size=1, max_size=a.ndim, unique=True).map(tuple))
    keepdim = data.draw(st.booleans())
    x, t = _pair(a)
    out = ag.linalg.vector_norm(x, ord, dim, keepdim)
    ref = torch.linalg.vector_norm(t, ord, dim, keepdim)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10)
    w = np.arange(1.0, out.numel() + 1).reshape(out.shape)
    (out * ag.tensor(w)).sum().backward()
    if ord != 0:
        (ref * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


@given(hnp.arrays(np.float64, shapes(min_dims=2, max_dims=3), elements=st.sampled_from([0.0, -1.5, 0.5, 2.0])),
       st.sampled_from(["fro", 1, -1, math.inf, -math.inf]), st.booleans())
def test_matrix_norm_matches_torch_with_ties(a, ord, keepdim):
    x, t = _pair(a)
    out, ref = ag.linalg.matrix_norm(x, ord, keepdim=keepdim), torch.linalg.matrix_norm(t, ord, keepdim=keepdim)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda m, x: m.norm(x), lambda m, x: m.norm(x, 1), lambda m, x: m.norm(x, dim=1), lambda m, x: m.norm(x, "fro", (0, 1)),
    lambda m, x: m.norm(x, math.inf, 0, True), lambda m, x: m.norm(x, -1, dim=(1, 2)), lambda m, x: m.norm(x, 0),
    lambda m, x: x.norm(p=3, dim=-1), lambda m, x: m.linalg.norm(x), lambda m, x: m.linalg.norm(x, 1, dim=2),
    lambda m, x: m.linalg.norm(x, math.inf, dim=(0, 2)), lambda m, x: m.linalg.norm(x[0], -1),
    lambda m, x: m.linalg.norm(x[0, 0], 3), lambda m, x: m.linalg.norm(x, dim=(2,), keepdim=True),
])
def test_norm_forms_match_torch(call):
    a = np.arange(24.0).reshape(2, 3, 4) / 7 - 1.5
    x, t = _pair(a)
    out, ref = call(ag, x), call(torch, t)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12)


def test_linalg_is_a_submodule_attribute():
    import autograd.linalg

    assert ag.linalg is autograd.linalg and "linalg" in ag.__all__
    assert {"vector_norm", "matrix_norm", "norm"} <= set(ag.linalg.__all__)
    assert ag.linalg.matmul is ag.matmul


def test_dtype_and_aliases():
    x = ag.tensor([[3.0, 4.0], [0.0, 1.0]], requires_grad=True)
    out = ag.linalg.vector_norm(x, dim=1, dtype=ag.float64)
    assert out.dtype == np.float64 and out.tolist() == [5.0, 1.0]
    out.sum().backward()
    assert x.grad.dtype == np.float32
    assert ag.linalg.vector_norm(x, axis=0, keepdims=True).shape == (1, 2)
    assert x.norm(dim=1).dtype == np.float32


@pytest.mark.parametrize("call, error, match", [
    (lambda x: ag.linalg.vector_norm(ag.tensor([1, 2])), RuntimeError, "floating point"),
    (lambda x: ag.linalg.vector_norm(x, "fro"), TypeError, "ord"),
    (lambda x: ag.linalg.vector_norm(ag.zeros(0), math.inf), RuntimeError, "empty"),
    (lambda x: ag.linalg.vector_norm(ag.zeros(2, 0), -1, dim=1), RuntimeError, "empty"),
    (lambda x: ag.linalg.vector_norm(x, dim=0, axis=0), TypeError, "alias"),
    (lambda x: ag.linalg.matrix_norm(x, 3), RuntimeError, "Order 3 not supported"),
    (lambda x: ag.linalg.matrix_norm(x[0, 0]), RuntimeError, "at least 2 dimensions"),
    (lambda x: ag.linalg.matrix_norm(x, dim=(0, 0)), RuntimeError, "dims must be different"),
    (lambda x: ag.linalg.matrix_norm(x, dim=1), TypeError, "tuple"),
    (lambda x: ag.linalg.matrix_norm(x, dim=(0, 1, 2)), RuntimeError, "2-tuple"),
    (lambda x: ag.norm(x, "fro", (0, 1, 2)), RuntimeError, "2-tuple"),
    (lambda x: ag.norm(x, "abc", (0, 1)), RuntimeError, "Order abc"),
    (lambda x: ag.linalg.norm(x, 1), RuntimeError, "1D or 2D"),
    (lambda x: ag.linalg.vector_norm([1.0]), TypeError, "Tensor"),
])
def test_errors_as_torch(call, error, match):
    x = ag.zeros(2, 3, 4)
    with pytest.raises(error, match=match):
        call(x)


def _separated(shape):
    """A fixed matrix whose singular values are 5, 10, 15, ...: adding one with entries in [-0.5, 0.5] (at most
    4x4, so of spectral norm at most 2) moves each singular value by at most 2 (Weyl), so the sum keeps them
    distinct and away from zero, where they are smooth (a random matrix may be singular: the nuclear norm's
    gradient is then not defined by the eigendecomposition route)."""
    m = np.zeros(shape[-2:])
    k = min(shape[-2:])
    m[np.arange(k), np.arange(k)] = 5.0 * np.arange(1, k + 1)
    return m


def _offset(fn):
    """``fn`` applied to ``a + _separated(a.shape)`` (a Tensor of any namespace, or an ndarray)."""
    def offset(a, *args, **kwargs):
        m = _separated(a.shape)
        return fn(a + (ag.tensor(m).to(namespace(data_of(a))) if isinstance(a, ag.Tensor) else m), *args, **kwargs)

    offset.__name__ = getattr(fn, "__name__", "op")
    return offset


def _np_singular_norm(a, ord="nuc", keepdim=False):
    return np.linalg.norm(a, ord, axis=(-2, -1), keepdims=keepdim)


small = smooth_floats(-0.5, 0.5)
test_matrix_norm_singular = op_test(_offset(ag.linalg.matrix_norm), _offset(_np_singular_norm), shapes=matrices,
                                    elements=small,
                                    kwargs=lambda shp: st.fixed_dictionaries({"ord": st.sampled_from(["nuc", 2, -2]),
                                                                              "keepdim": st.booleans()}))
test_svdvals = op_test(_offset(ag.linalg.svdvals), _offset(lambda a: np.linalg.svd(a, compute_uv=False)),
                       shapes=matrices, elements=small)


@pytest.mark.parametrize("ord", ["nuc", 2, -2])
@pytest.mark.parametrize("shape, dim", [((3, 3), (-2, -1)), ((2, 4), (-2, -1)), ((5, 3), (0, 1)),
                                        ((2, 3, 4), (0, 2)), ((2, 4, 3), (-1, -2))])
def test_singular_value_norms_as_torch(ord, shape, dim):
    a = np.random.default_rng(3).standard_normal(shape)
    x, t = leaf(a), torch.tensor(a, requires_grad=True)
    for keepdim in (False, True):
        out, ref = ag.linalg.matrix_norm(x, ord, dim, keepdim), torch.linalg.matrix_norm(t, ord, dim, keepdim)
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10)
        out.sum().backward()
        ref.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)
    if ord == "nuc" and len(shape) == 2:
        np.testing.assert_allclose(ag.norm(x, "nuc").item(), torch.norm(t, "nuc").item(), rtol=1e-10)


def test_eigh_as_torch_and_twice_differentiable():
    a = np.random.default_rng(4).standard_normal((2, 4, 4))
    sym = a + np.swapaxes(a, -1, -2)
    w, v = ag.linalg.eigh(ag.tensor(sym))
    wt, vt = torch.linalg.eigh(torch.tensor(sym))
    np.testing.assert_allclose(w.numpy(), wt.numpy(), rtol=1e-10)
    np.testing.assert_allclose(np.abs(v.numpy()), np.abs(vt.numpy()), rtol=1e-8)  # eigenvectors up to sign
    x = leaf(a)
    ag.gradgradcheck(lambda z: ag.linalg.eigh(z + z.mT)[0], [x])
    ag.gradgradcheck(lambda z: (ag.linalg.eigh(z + z.mT)[1] ** 2).sum(-1), [x])  # sign-free function of V
    with pytest.raises(RuntimeError, match="square"):
        ag.linalg.eigh(ag.zeros(2, 3))


def test_torch_norm_takes_no_axis_alias_but_linalg_functions_do():
    x = ag.ones(2, 3)
    with pytest.raises(TypeError):
        ag.norm(x, axis=1)
    with pytest.raises(TypeError):
        torch.norm(torch.ones(2, 3), axis=1)
    assert ag.linalg.norm(x, axis=1).shape == tuple(torch.linalg.norm(torch.ones(2, 3), axis=1).shape) == (2,)
    assert ag.linalg.matrix_norm(ag.ones(2, 2, 2), axis=(0, 1)).shape == (2,)
