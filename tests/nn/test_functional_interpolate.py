"""interpolate (nearest, nearest-exact, linear, bilinear, area): forward against per-pixel formulas, gradients of
first and second order, PyTorch parity over drawn sizes and scale factors, and PyTorch's errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import nn.functional as F

FEW = settings(max_examples=max(4, settings.default.max_examples // 3))


def leaf(a):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def source(dst, n_in, n_out, align_corners, factor=None):
    """The source coordinate of output position ``dst``, by PyTorch's formula."""
    if align_corners:
        return dst * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    scale = 1 / factor if factor else n_in / n_out
    return max((dst + 0.5) * scale - 0.5, 0.0)


def reference_linear(x, out, align_corners, factors=(None, None)):
    """Bilinear (or linear, for 3-D ``x``) interpolation one output pixel at a time."""
    x4 = x if x.ndim == 4 else x[:, :, None]
    out2 = out if len(out) == 2 else (1,) + tuple(out)
    factors = factors if len(out) == 2 else (None,) + tuple(factors[-1:])
    h, w = x4.shape[2:]
    result = np.zeros(x4.shape[:2] + out2)
    for i in range(out2[0]):
        sy = source(i, h, out2[0], align_corners, factors[0]) if len(out) == 2 else 0.0
        y0 = min(int(math.floor(sy)), h - 1)
        y1, ly = min(y0 + 1, h - 1), sy - y0
        for j in range(out2[1]):
            sx = source(j, w, out2[1], align_corners, factors[1])
            x0 = min(int(math.floor(sx)), w - 1)
            x1, lx = min(x0 + 1, w - 1), sx - x0
            top = x4[:, :, y0, x0] * (1 - lx) + x4[:, :, y0, x1] * lx
            bottom = x4[:, :, y1, x0] * (1 - lx) + x4[:, :, y1, x1] * lx
            result[:, :, i, j] = top * (1 - ly) + bottom * ly
    return result if x.ndim == 4 else result[:, :, 0]


def reference_nearest(x, out):
    idx = [np.minimum(np.floor(np.arange(o) * (n / o)).astype(int), n - 1) for n, o in zip(x.shape[2:], out)]
    return x[(Ellipsis,) + tuple(np.ix_(*idx))] if len(idx) == 2 else x[..., idx[0]]


@st.composite
def resize_cases(draw, max_side=5):
    nd = draw(st.integers(1, 2))
    spatial = tuple(draw(st.integers(1, max_side)) for _ in range(nd))
    out = tuple(draw(st.integers(1, 2 * max_side)) for _ in range(nd))
    x = np.random.default_rng(draw(st.integers(0, 2**31))).standard_normal((draw(st.integers(1, 2)), draw(st.integers(1, 2))) + spatial)
    return x, out


@given(resize_cases(), st.booleans())
def test_linear_modes_match_formula_and_gradcheck(case, align_corners):
    x, out = case
    mode = "bilinear" if x.ndim == 4 else "linear"
    fn = lambda a: F.interpolate(a, size=out, mode=mode, align_corners=align_corners)  # noqa: E731
    np.testing.assert_allclose(fn(ag.tensor(x)).numpy(), reference_linear(x, out, align_corners), rtol=1e-10, atol=1e-12)
    ag.gradcheck(fn, [leaf(x)])


@given(resize_cases())
def test_nearest_matches_index_rule_and_gradcheck(case):
    x, out = case
    fn = lambda a: F.interpolate(a, size=out)  # noqa: E731
    np.testing.assert_array_equal(fn(ag.tensor(x)).numpy(), reference_nearest(x, out))
    ag.gradcheck(fn, [leaf(x)])


@FEW
@given(resize_cases(max_side=3), st.sampled_from(["nearest", "linear", "area"]))
def test_interpolate_gradgradcheck(case, mode):
    x, out = case
    if mode == "linear" and x.ndim == 4:
        mode = "bilinear"
    ag.gradgradcheck(lambda a: F.interpolate(a, size=out, mode=mode) ** 2, [leaf(x)])


@given(resize_cases(), st.sampled_from(["nearest", "nearest-exact", "linear", "area"]), st.booleans(), st.data())
def test_interpolate_matches_torch(case, mode, by_factor, data):
    torch = pytest.importorskip("torch")
    x, out = case
    if mode == "linear" and x.ndim == 4:
        mode = "bilinear"
    kw = dict(size=out)
    if by_factor:
        factor = data.draw(st.floats(0.3, 3.0).map(lambda f: round(f, 2)))
        if min(math.floor(s * factor) for s in x.shape[2:]) < 1:
            factor = 1.5
        kw = dict(scale_factor=factor, recompute_scale_factor=data.draw(st.sampled_from([None, True])))
    if mode in ("linear", "bilinear"):
        kw["align_corners"] = data.draw(st.sampled_from([None, False, True]))
    x32 = x.astype(np.float32)
    ours, theirs = ag.tensor(x32, requires_grad=True), torch.tensor(x32, requires_grad=True)
    y, ty = F.interpolate(ours, mode=mode, **kw), torch.nn.functional.interpolate(theirs, mode=mode, **kw)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    g = np.random.default_rng(0).standard_normal(y.shape).astype(np.float32)
    y.backward(ag.tensor(g)), ty.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_scale_factor_uses_its_inverse_unless_recomputed():
    # floor(in * 1.7) = 5 outputs from 3: the source scale 1/1.7 and 3/5 pick different pixels for bilinear.
    x = ag.tensor(np.arange(3.0).reshape(1, 1, 3))
    direct = F.interpolate(x, scale_factor=1.7, mode="linear").numpy()[0, 0]
    recomputed = F.interpolate(x, scale_factor=1.7, mode="linear", recompute_scale_factor=True).numpy()[0, 0]
    np.testing.assert_allclose(direct, reference_linear(np.arange(3.0).reshape(1, 1, 3), (5,), False, (1.7,))[0, 0])
    np.testing.assert_allclose(recomputed, reference_linear(np.arange(3.0).reshape(1, 1, 3), (5,), False)[0, 0])
    assert not np.allclose(direct, recomputed)


X = (lambda: ag.ones(1, 1, 3, 4)), (lambda t: t.ones(1, 1, 3, 4))


@pytest.mark.parametrize("kw, error, message", [
    (dict(size=(5, 7), scale_factor=2), ValueError, "only one of size or scale_factor"),
    (dict(), ValueError, "either size or scale_factor"),
    (dict(size=(5, 7), align_corners=True), ValueError, "align_corners"),
    (dict(size=(5,)), ValueError, r"\(3, 4\).*\(5,\)"),
    (dict(size=(0, 5)), RuntimeError, r"greater than 0.*\(1, 1, 3, 4\)"),
    (dict(scale_factor=0.1), RuntimeError, r"greater than 0"),
    (dict(size=5, mode="bicubic"), NotImplementedError, "bicubic"),
    (dict(size=5, mode="linear"), NotImplementedError, r"'linear' needs a 3-D input.*\(1, 1, 3, 4\)"),
    (dict(size=5, mode="bogus"), NotImplementedError, "bogus"),
    (dict(size=5, mode="bilinear", antialias=True), NotImplementedError, "antialias"),
    (dict(size=5, recompute_scale_factor=True), ValueError, "recompute_scale_factor"),
])
def test_interpolate_errors_match_torch(kw, error, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(error, match=message):
        F.interpolate(X[0](), **kw)
    if not kw.get("antialias") and kw.get("mode") != "bicubic":  # torch has these two; we raise instead
        with pytest.raises(error):
            torch.nn.functional.interpolate(X[1](torch), **kw)
    with pytest.raises(NotImplementedError, match=r"\(3, 4\)"):
        F.interpolate(ag.ones(3, 4), size=5)
