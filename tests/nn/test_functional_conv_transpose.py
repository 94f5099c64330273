"""conv_transpose2d: forward against a direct scatter loop, the adjoint of conv2d, gradients of first and second
order, PyTorch parity and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import nn.functional as F

FEW = settings(max_examples=max(4, settings.default.max_examples // 3))


def leaf(a):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def direct_conv_transpose(x, w, b, stride, padding, output_padding, groups, dilation):
    """By definition: every input pixel adds ``x * kernel`` into the output at ``i*stride - padding + a*dilation``."""
    n, c, h, wd = x.shape
    _, og, kh, kw = w.shape
    (sh, sw), (ph, pw), (eh, ew), (dh, dw) = stride, padding, output_padding, dilation
    oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + eh + 1
    ow = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + ew + 1
    cg = c // groups
    out = np.zeros((n, og * groups, oh, ow))
    for ci in range(c):
        g = ci // cg
        for i in range(h):
            for j in range(wd):
                for a in range(kh):
                    for bb in range(kw):
                        r, s = i * sh - ph + a * dh, j * sw - pw + bb * dw
                        if 0 <= r < oh and 0 <= s < ow:
                            out[:, g * og:(g + 1) * og, r, s] += x[:, ci, i, j, None] * w[ci, :, a, bb]
    return out if b is None else out + b[None, :, None, None]


@st.composite
def transpose_cases(draw, max_n=2, max_k=3, max_side=3):
    groups = draw(st.integers(1, 2))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, max_k)), draw(st.integers(1, max_k)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    extra = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    # Padding small enough to leave an output of at least one pixel.
    full = [(i - 1) * s + d * (k - 1) + 1 + e for i, s, d, k, e in zip((h, w), stride, dilation, kernel, extra)]
    padding = tuple(draw(st.integers(0, min(2, (f - 1) // 2))) for f in full)
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    x = rng.standard_normal((draw(st.integers(1, max_n)), groups * cg, h, w))
    weight = rng.standard_normal((groups * cg, og) + kernel)
    bias = rng.standard_normal(groups * og) if draw(st.booleans()) else None
    return x, weight, bias, dict(stride=stride, padding=padding, output_padding=extra, groups=groups, dilation=dilation)


def _call(kw):
    return lambda *a: F.conv_transpose2d(a[0], a[1], a[2] if len(a) > 2 else None, **kw)


@given(transpose_cases())
def test_conv_transpose2d_matches_direct_loop_and_gradchecks(case):
    x, w, b, kw = case
    out = _call(kw)(*[ag.tensor(a) for a in (x, w, b) if a is not None])
    np.testing.assert_allclose(out.numpy(), direct_conv_transpose(x, w, b, **kw), rtol=1e-10, atol=1e-10)
    ag.gradcheck(_call(kw), [leaf(a) for a in (x, w, b) if a is not None])


@FEW
@given(transpose_cases(max_n=1, max_k=2, max_side=2))
def test_conv_transpose2d_gradgradcheck(case):
    x, w, b, kw = case
    ag.gradgradcheck(_call(kw), [leaf(a) for a in (x, w, b) if a is not None])


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    # <conv2d(y, w), x> == <y, conv_transpose2d(x, w)> for the same geometry (output_padding fills the size).
    rng = np.random.default_rng(0)
    kw = dict(stride=2, padding=1, dilation=1, groups=2)
    y, w = rng.standard_normal((2, 4, 9, 8)), rng.standard_normal((6, 2, 3, 3))
    x = rng.standard_normal(F.conv2d(ag.tensor(y), ag.tensor(w), **kw).shape)
    back = F.conv_transpose2d(ag.tensor(x), ag.tensor(w), output_padding=(0, 1), **kw)
    assert back.shape == y.shape
    lhs = (F.conv2d(ag.tensor(y), ag.tensor(w), **kw).numpy() * x).sum()
    np.testing.assert_allclose(lhs, (y * back.numpy()).sum(), rtol=1e-10)


@pytest.mark.parametrize("kw", [
    dict(), dict(stride=2, padding=1, output_padding=1), dict(stride=(2, 3), padding=(0, 2), output_padding=(1, 0), groups=2, dilation=(2, 1)),
    dict(stride=1, padding=1, output_padding=1, dilation=2),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_transpose2d_matches_torch(kw, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 4, 5, 6)).astype(dtype), rng.standard_normal((4, 3, 3, 4)).astype(dtype)
    b = rng.standard_normal(3 * kw.get("groups", 1)).astype(dtype)
    ours = [ag.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y, ty = F.conv_transpose2d(*ours, **kw), torch.nn.functional.conv_transpose2d(*theirs, **kw)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    assert y.dtype == dtype
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
    g = rng.standard_normal(y.shape).astype(dtype)
    y.backward(g), ty.backward(torch.tensor(g))
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)
    unbatched = F.conv_transpose2d(ag.tensor(x[1]), ag.tensor(w), ag.tensor(b), **kw)
    np.testing.assert_allclose(unbatched.numpy(), y.numpy()[1], rtol=tol, atol=tol)


X, W = (lambda: ag.ones(1, 4, 3, 3)), (lambda: ag.ones(4, 2, 3, 3))
TX, TW = (lambda t: t.ones(1, 4, 3, 3)), (lambda t: t.ones(4, 2, 3, 3))


@pytest.mark.parametrize("kw, input_shape, error, message", [
    (dict(stride=2, padding=1, output_padding=2), None, RuntimeError, r"output_padding \(2, 2\).*stride \(2, 2\)"),
    (dict(groups=3), None, RuntimeError, r"groups=3.*\(4, 2, 3, 3\).*divisible by 3"),
    (dict(), (1, 3, 3, 3), RuntimeError, r"expects input with 4 channels.*\(1, 3, 3, 3\)"),
    (dict(stride=0), None, RuntimeError, r"non-positive stride"),
    (dict(padding=-1), None, RuntimeError, r"negative padding"),
    (dict(padding=3), None, RuntimeError, r"too small"),
    (dict(padding="same"), None, TypeError, r"padding"),
    (dict(), (4, 3), RuntimeError, r"3-D.*4-D.*\(4, 3\)"),
])
def test_conv_transpose2d_errors_match_torch(kw, input_shape, error, message):
    torch = pytest.importorskip("torch")
    shape = input_shape or (1, 4, 3, 3)
    with pytest.raises(error, match=message):
        F.conv_transpose2d(ag.ones(*shape), W(), **kw)
    with pytest.raises(error):
        torch.nn.functional.conv_transpose2d(torch.ones(*shape), TW(torch), **kw)
    with pytest.raises(RuntimeError, match=r"bias of shape \(4,\), got \(2,\)"):
        F.conv_transpose2d(X(), W(), ag.ones(2), groups=2)
