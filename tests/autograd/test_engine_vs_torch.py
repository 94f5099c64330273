"""Results compared with PyTorch itself (skipped when torch is not installed)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd.testing import arrays, shapes

torch = pytest.importorskip("torch")


def _pair(a, requires_grad=True):
    """The same float64 values as an autograd tensor and a torch tensor."""
    return (ag.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad),
            torch.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad))


def test_softmax_family_at_logits_of_1e4_matches_torch():
    logits = [[1e4, 1e4, 1e4], [1e4, 0.0, -1e4], [-1e4, -1e4, 1e4 - 1]]
    for dtype in (np.float32, np.float64):
        x = ag.tensor(np.array(logits, dtype=dtype), requires_grad=True)
        t = torch.tensor(np.array(logits, dtype=dtype), requires_grad=True)
        ours = [ag.softmax(x, 1), ag.log_softmax(x, 1), ag.logsumexp(x, 1)]
        ref = [torch.softmax(t, 1), torch.log_softmax(t, 1), torch.logsumexp(t, 1)]
        for o, r in zip(ours, ref):
            assert np.isfinite(o.numpy()).all() and o.dtype == dtype
            np.testing.assert_allclose(o.numpy(), r.detach().numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(ours[0].numpy()[0], ours[0].numpy()[0][0])  # equal logits, equal probabilities
        w = np.arange(9.0).reshape(3, 3).astype(dtype)
        sum(((o * ag.tensor(w[:, : o.shape[-1]] if o.ndim == 2 else w[0])).sum() for o in ours)).backward()
        sum(((r * torch.tensor(w[:, : r.shape[-1]] if r.ndim == 2 else w[0])).sum() for r in ref)).backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-5)


@given(hnp.arrays(np.float64, shapes(min_dims=1, max_dims=3), elements=st.integers(-2, 2).map(float)), st.data())
def test_max_min_with_dim_indices_match_torch_even_with_ties(a, data):
    d = data.draw(st.integers(-a.ndim, a.ndim - 1))
    keep = data.draw(st.booleans())
    for name in ("max", "min"):
        x, t = _pair(a)
        v, i = getattr(x, name)(d, keepdim=keep)
        tv, ti = getattr(t, name)(d, keepdim=keep)
        np.testing.assert_array_equal(v.numpy(), tv.detach().numpy())
        np.testing.assert_array_equal(i.numpy(), ti.numpy())  # first occurrence on ties, as torch on CPU
        v.sum().backward()
        tv.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@given(hnp.arrays(np.float64, shapes(max_dims=3), elements=st.integers(-2, 2).map(float)))
def test_full_max_amax_tie_gradients_match_torch(a):
    for name in ("max", "amax", "min", "amin"):
        x, t = _pair(a)
        getattr(x, name)().backward()
        getattr(t, name)().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), err_msg=name)


@given(hnp.arrays(np.float64, shapes(min_dims=1, max_dims=3, min_side=2), elements=st.integers(-3, 3).map(float)),
       st.sampled_from([0, 1, 2]), st.booleans(), st.data())
def test_var_std_with_correction_match_torch(a, correction, keep, data):
    d = data.draw(st.none() | st.integers(-a.ndim, a.ndim - 1))
    n = a.size if d is None else a.shape[d]
    if n <= correction:
        return
    for name in ("var", "std"):
        x, t = _pair(a)
        ours = getattr(x, name)(d, correction=correction, keepdim=keep)
        ref = getattr(t, name)(d, correction=correction, keepdim=keep) if d is not None else getattr(t, name)(correction=correction)
        np.testing.assert_allclose(ours.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
        if name == "std" and not np.all(ref.detach().numpy() > 0):
            continue  # sqrt kink at 0: both are inf/nan there
        ours.sum().backward()
        ref.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)


matmul_shapes = hnp.mutually_broadcastable_shapes(signature="(m?,n),(n,p?)->(m?,p?)", max_dims=4, max_side=3)


@given(matmul_shapes, st.data())
def test_matmul_broadcast_gradients_match_torch(bs, data):
    a = data.draw(arrays(bs.input_shapes[0]))
    b = data.draw(arrays(bs.input_shapes[1]))
    (x, tx), (y, ty) = _pair(a), _pair(b)
    out, ref = x @ y, tx @ ty
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = data.draw(arrays(tuple(ref.shape)))
    out.backward(ag.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_getitem_advanced_index_gradients_match_torch():
    a = np.arange(24.0).reshape(2, 3, 4)
    index = (np.array([1, 0, 1]), slice(None), np.array([3, 3, 0]))
    (x, tx) = _pair(a)
    out, ref = x[index], tx[torch.tensor(index[0]), :, torch.tensor(index[2])]
    np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())
    w = np.arange(out.numel(), dtype=np.float64).reshape(out.shape)
    (out * ag.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_where_log_gradient_is_finite_where_torch_gives_nan():
    x, t = _pair([-1.0, 0.0, 2.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        ag.where(x > 0, x.log(), ag.zeros(3, dtype=ag.float64)).sum().backward()
    torch.where(t > 0, t.log(), torch.zeros(3, dtype=torch.float64)).sum().backward()
    assert np.isnan(t.grad.numpy()[1])  # torch: 0 * inf at x = 0, its documented pitfall
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.5])
    np.testing.assert_array_equal(x.grad.numpy()[2], t.grad.numpy()[2])


def test_hessian_vector_product_matches_torch():
    a = np.array([0.3, -1.2, 0.8])
    v = np.array([1.0, 0.5, -2.0])
    x, t = _pair(a)
    f = lambda z, lib: (lib.tanh(z) * z.exp()).sum() + (z ** 3).sum() * z.sum()  # noqa: E731
    (g,) = ag.grad(f(x, ag), x, create_graph=True)
    (hv,) = ag.grad((g * ag.tensor(v)).sum(), x)
    (tg,) = torch.autograd.grad(f(t, torch), t, create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), t)
    np.testing.assert_allclose(hv.numpy(), thv.numpy(), rtol=1e-10)


def test_pow_special_points_match_torch():
    base, exp = [0.0, 0.0, 2.0, 0.0], [0.0, 2.0, 0.0, 0.5]
    (x, tx), (e, te) = _pair(base), _pair(exp)
    with np.errstate(divide="ignore", invalid="ignore"):
        (x ** e).sum().backward()
    (tx ** te).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(e.grad.numpy(), te.grad.numpy())
