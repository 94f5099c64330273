"""max_pool1d/avg_pool1d, adaptive_max_pool2d and max_unpool2d: forward against direct loops, gradients of first and
second order, PyTorch parity (indices included) and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import nn.functional as F
from test_functional_pooling import adaptive_reference, direct_pool

FEW = settings(max_examples=max(4, settings.default.max_examples // 3))


def leaf(a):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def distinct(rng, shape):
    """Distinct values on a coarse grid: no ties, and finite differences never swap a maximum."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1


# -- 1-D pooling ---------------------------------------------------------------------------------------------


@st.composite
def pool1d_cases(draw, allow_dilation=True):
    k, s = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    d = draw(st.integers(1, 2)) if allow_dilation else 1
    eff = d * (k - 1) + 1
    p = draw(st.integers(0, eff // 2))
    length = draw(st.integers(max(1, eff - 2 * p), 9))
    x = distinct(np.random.default_rng(draw(st.integers(0, 2**31))), (draw(st.integers(1, 2)), draw(st.integers(1, 3)), length))
    return x, dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=draw(st.booleans()))


def reference_1d(x, g, reduce, **kw):
    lifted = {k: (1 if k != "padding" else 0, v) for k, v in g.items() if k != "ceil_mode"}
    out = direct_pool(x[:, :, None], lifted["kernel_size"], lifted["stride"], lifted["padding"], lifted.get("dilation", (1, 1)),
                      reduce, -np.inf if reduce == "max" else 0.0, ceil_mode=g["ceil_mode"], **kw)
    return out[:, :, 0]


@given(pool1d_cases())
def test_max_pool1d_matches_direct_loop_and_gradchecks(case):
    x, g = case
    ref = reference_1d(x, g, "max")
    if not np.isfinite(ref).all():  # a window entirely in the padding: -inf, not differentiable
        return
    np.testing.assert_array_equal(F.max_pool1d(ag.tensor(x), **g).numpy(), ref)
    ag.gradcheck(lambda a: F.max_pool1d(a, **g), [leaf(x)])


@given(pool1d_cases(allow_dilation=False), st.booleans())
def test_avg_pool1d_matches_direct_loop_and_gradchecks(case, include_pad):
    x, g = case
    g.pop("dilation")
    out = F.avg_pool1d(ag.tensor(x), count_include_pad=include_pad, **g)
    np.testing.assert_allclose(out.numpy(), reference_1d(x, g, "avg", count_include_pad=include_pad), rtol=1e-12)
    ag.gradcheck(lambda a: F.avg_pool1d(a, count_include_pad=include_pad, **g), [leaf(x)])


@FEW
@given(pool1d_cases(allow_dilation=False))
def test_pool1d_gradgradcheck(case):
    x, g = case
    g.pop("dilation")
    ag.gradgradcheck(lambda a: F.max_pool1d(a, **g) ** 2 + F.avg_pool1d(a, **g).sum(), [leaf(x)])


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=(3,), stride=(1,), dilation=2), dict(kernel_size=4, stride=3, ceil_mode=True)])
def test_pool1d_matches_torch(kw):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 11)).astype(np.float32)
    for name in ("max_pool1d", "avg_pool1d"):
        args = dict(kw) if name == "max_pool1d" else {k: v for k, v in kw.items() if k != "dilation"}
        ours, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, tout = getattr(F, name)(ours, **args), getattr(torch.nn.functional, name)(theirs, **args)
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-6, atol=1e-6)
        g = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
        out.backward(ag.tensor(g)), tout.backward(torch.tensor(g))
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-6)
    _, idx = F.max_pool1d(ag.tensor(x), return_indices=True, **kw)
    _, tidx = torch.nn.functional.max_pool1d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    unbatched = F.max_pool1d(ag.tensor(x[0]), return_indices=True, **kw)
    np.testing.assert_array_equal(unbatched[1].numpy(), tidx.numpy()[0])


# -- adaptive max pooling ------------------------------------------------------------------------------------


def adaptive_max_reference(x, oh, ow):
    return adaptive_reference(x, oh, ow, reduce=np.max)


@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**31))
def test_adaptive_max_pool2d_matches_bins_and_gradchecks(h, w, oh, ow, seed):
    x = distinct(np.random.default_rng(seed), (2, 2, h, w))
    out = F.adaptive_max_pool2d(ag.tensor(x), (oh, ow))
    np.testing.assert_array_equal(out.numpy(), adaptive_max_reference(x, oh, ow))
    ag.gradcheck(lambda a: F.adaptive_max_pool2d(a, (oh, ow)), [leaf(x)])


@FEW
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**31))
def test_adaptive_max_pool2d_gradgradcheck(h, w, oh, ow, seed):
    x = distinct(np.random.default_rng(seed), (1, 2, h, w))
    ag.gradgradcheck(lambda a: F.adaptive_max_pool2d(a, (oh, ow)) ** 2, [leaf(x)])


@pytest.mark.parametrize("size", [(3, 4), (5, 7), 1, (4, None), (10, 7), (13, 9)])
def test_adaptive_max_pool2d_matches_torch_with_ties(size):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = np.maximum(rng.integers(-2, 3, size=(2, 3, 10, 7)), 0).astype(np.float32)  # many ties
    ours, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (out, idx), (tout, tidx) = F.adaptive_max_pool2d(ours, size, True), torch.nn.functional.adaptive_max_pool2d(theirs, size, True)
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert idx.dtype == np.int64
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(ag.tensor(g)), tout.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-6)
    assert F.adaptive_max_pool2d(ag.tensor(x[0]), size).shape == tuple(tout.shape[1:])


# -- max_unpool2d ----------------------------------------------------------------------------------------------


@given(st.integers(0, 2**31), st.sampled_from([dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                                dict(kernel_size=(2, 3), stride=(2, 3)), dict(kernel_size=(2, 3), stride=(2, 1))]))
def test_max_unpool2d_inverts_max_pool2d_and_gradchecks(seed, kw):
    x = distinct(np.random.default_rng(seed), (2, 2, 6, 7))
    pooled, idx = F.max_pool2d(ag.tensor(x), return_indices=True, **kw)
    out = F.max_unpool2d(pooled, idx, output_size=x.shape[2:], **kw)
    # Every maximum is back where it came from, everything else is zero.
    expected = np.zeros_like(x).reshape(2, 2, -1)
    np.put_along_axis(expected, idx.numpy().reshape(2, 2, -1), pooled.numpy().reshape(2, 2, -1), axis=2)
    np.testing.assert_array_equal(out.numpy(), expected.reshape(x.shape))
    fn = lambda p: F.max_unpool2d(p, idx, output_size=x.shape[2:], **kw)  # noqa: E731
    flat = idx.numpy().reshape(4, -1)
    if all(len(set(row)) == len(row) for row in flat):  # a repeated index (overlapping windows): one write wins, as torch
        ag.gradcheck(fn, [leaf(pooled.numpy())])
        ag.gradgradcheck(lambda p: fn(p) ** 2, [leaf(pooled.numpy())])


def test_max_unpool2d_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    for kw, size in [(dict(kernel_size=2), None), (dict(kernel_size=2), (9, 9)), (dict(kernel_size=3, stride=2, padding=1), (1, 3, 8, 8))]:
        pooled, idx = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        ours, theirs = ag.tensor(pooled.numpy(), requires_grad=True), pooled.clone().requires_grad_()
        out = F.max_unpool2d(ours, ag.tensor(idx.numpy()), output_size=size, **kw)
        tout = torch.nn.functional.max_unpool2d(theirs, idx, output_size=size, **kw)
        np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
        g = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
        out.backward(ag.tensor(g)), tout.backward(torch.tensor(g))
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    unbatched = F.max_unpool2d(ag.tensor(pooled.numpy()[0]), ag.tensor(idx.numpy()[0]), output_size=(8, 8), **kw)
    np.testing.assert_array_equal(unbatched.numpy(), tout.detach().numpy()[0])


# -- errors ----------------------------------------------------------------------------------------------------


def _pooled():
    return F.max_pool2d(ag.arange(25.0).reshape(1, 1, 5, 5), 2, return_indices=True)  # index 18 lies outside 4x4


@pytest.mark.parametrize("make, torch_make, error, message", [
    (lambda: F.max_pool1d(ag.randn(7), 2), lambda t: t.nn.functional.max_pool1d(t.randn(7), 2), RuntimeError, r"max_pool1d.*2-D.*3-D.*\(7,\)"),
    (lambda: F.avg_pool1d(ag.randn(1, 1, 1, 7), 2), lambda t: t.nn.functional.avg_pool1d(t.randn(1, 1, 1, 7), 2), RuntimeError, r"avg_pool1d.*\(1, 1, 1, 7\)"),
    (lambda: F.max_pool1d(ag.randn(1, 2, 2), 3), lambda t: t.nn.functional.max_pool1d(t.randn(1, 2, 2), 3), RuntimeError, r"max_pool1d.*\(1, 2, 2\).*too small"),
    (lambda: F.max_pool1d(ag.randn(1, 2, 9), 2, padding=2), lambda t: t.nn.functional.max_pool1d(t.randn(1, 2, 9), 2, padding=2), RuntimeError, r"max_pool1d: padding \(2,\).*half"),
    (lambda: F.adaptive_max_pool2d(ag.randn(5, 7), 2), lambda t: t.nn.functional.adaptive_max_pool2d(t.randn(5, 7), 2), RuntimeError, r"adaptive_max_pool2d.*\(5, 7\)"),
    (lambda: F.max_unpool2d(*_pooled(), 2), lambda t: t.nn.functional.max_unpool2d(*t.nn.functional.max_pool2d(t.arange(25.0).reshape(1, 1, 5, 5), 2, return_indices=True), 2), RuntimeError, r"invalid max index.*4x4"),
    (lambda: F.max_unpool2d(*_pooled(), 2, output_size=(6, 5)), lambda t: t.nn.functional.max_unpool2d(*t.nn.functional.max_pool2d(t.arange(25.0).reshape(1, 1, 5, 5), 2, return_indices=True), 2, output_size=(6, 5)), ValueError, r"\(6, 5\).*between 3 and 5"),
    (lambda: F.max_unpool2d(_pooled()[0], _pooled()[1].float(), 2), lambda t: t.nn.functional.max_unpool2d(t.randn(1, 1, 2, 2), t.zeros(1, 1, 2, 2), 2), RuntimeError, r"int64"),
    (lambda: F.max_unpool2d(_pooled()[0], _pooled()[1][..., :1], 2), lambda t: t.nn.functional.max_unpool2d(t.randn(1, 1, 2, 2), t.zeros(1, 1, 2, 1, dtype=t.int64), 2), RuntimeError, r"\(1, 1, 2, 2\).*\(1, 1, 2, 1\)"),
    (lambda: F.avg_pool2d(ag.randn(1, 1, 4, 4), 2, divisor_override=0), lambda t: t.nn.functional.avg_pool2d(t.randn(1, 1, 4, 4), 2, divisor_override=0), RuntimeError, r"divisor_override"),
])
def test_pooling_variant_errors_match_torch(make, torch_make, error, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(error, match=message):
        make()
    with pytest.raises(error):
        torch_make(torch)
