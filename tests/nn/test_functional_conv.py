"""conv2d, conv1d, unfold/fold (im2col/col2im): forward against a direct loop, gradients of first and second order,
PyTorch parity and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import nn.functional as F

FEW = settings(max_examples=max(4, settings.default.max_examples // 3))


def leaf(a):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def direct_conv(x, w, b, stride, padding, dilation, groups):
    """Cross-correlation by its definition: one output pixel at a time, summing the window."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    og = o // groups
    out = np.zeros((n, o, oh, ow))
    for ni in range(n):
        for oi in range(o):
            g = oi // og
            for i in range(oh):
                for j in range(ow):
                    win = xp[ni, g * cg:(g + 1) * cg, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
                    out[ni, oi, i, j] = np.sum(win * w[oi]) + (0.0 if b is None else b[oi])
    return out


@st.composite
def conv_cases(draw, max_n=2, max_cg=2, max_og=2, max_k=3, max_extra=4, max_groups=2):
    groups = draw(st.integers(1, max_groups))
    cg, og = draw(st.integers(1, max_cg)), draw(st.integers(1, max_og))
    kh, kw = draw(st.integers(1, max_k)), draw(st.integers(1, max_k))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    sh, sw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    eff_h, eff_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    h = draw(st.integers(max(1, eff_h - 2 * ph), eff_h + max_extra))
    w = draw(st.integers(max(1, eff_w - 2 * pw), eff_w + max_extra))
    n = draw(st.integers(1, max_n))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    x = rng.standard_normal((n, groups * cg, h, w))
    weight = rng.standard_normal((groups * og, cg, kh, kw))
    bias = rng.standard_normal(groups * og) if draw(st.booleans()) else None
    return x, weight, bias, dict(stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw), groups=groups)


@given(conv_cases())
def test_conv2d_matches_direct_loop(case):
    x, w, b, kw = case
    out = F.conv2d(ag.tensor(x), ag.tensor(w), None if b is None else ag.tensor(b), **kw)
    np.testing.assert_allclose(out.numpy(), direct_conv(x, w, b, **kw), rtol=1e-10, atol=1e-10)


@given(conv_cases(max_n=1, max_extra=2))
def test_conv2d_gradcheck(case):
    x, w, b, kw = case
    inputs = [leaf(x), leaf(w)] + ([] if b is None else [leaf(b)])
    ag.gradcheck(lambda *a: F.conv2d(a[0], a[1], a[2] if len(a) > 2 else None, **kw), inputs)


@FEW
@given(conv_cases(max_n=1, max_cg=2, max_og=1, max_k=2, max_extra=1))
def test_conv2d_gradgradcheck_through_input_and_weight(case):
    x, w, b, kw = case
    inputs = [leaf(x), leaf(w)] + ([] if b is None else [leaf(b)])
    ag.gradgradcheck(lambda *a: F.conv2d(a[0], a[1], a[2] if len(a) > 2 else None, **kw), inputs)


@pytest.mark.parametrize("kw", [
    dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
    dict(stride=2, padding=1, dilation=2, groups=1),
])
def test_conv2d_gradgradcheck_rich_geometry(kw):
    rng = np.random.default_rng(5)
    x, w, b = leaf(rng.standard_normal((2, 4, 5, 4))), leaf(rng.standard_normal((2, 4 // kw["groups"], 2, 2))), leaf(rng.standard_normal(2))
    ag.gradcheck(lambda *a: F.conv2d(*a, **kw), [x, w, b])
    ag.gradgradcheck(lambda *a: F.conv2d(*a, **kw), [x, w, b])


def test_conv2d_weight_only_double_backward_example():
    # d/dw of ||grad_x||^2: needs col2im (Fold) to be differentiable with respect to the weight.
    rng = np.random.default_rng(0)
    x, w = leaf(rng.standard_normal((2, 3, 6, 5))), leaf(rng.standard_normal((4, 3, 3, 2)))
    y = F.conv2d(x, w, stride=(2, 1), padding=1)
    (gx,) = ag.grad(y.sum(), [x], create_graph=True)
    (gw,) = ag.grad((gx * gx).sum(), [w])
    assert gw.shape == w.shape and np.abs(gw.numpy()).sum() > 0
    ag.gradcheck(lambda w_: (ag.grad(F.conv2d(x, w_, stride=(2, 1), padding=1).sum(), [x], create_graph=True)[0] ** 2).sum(), [w])


def test_conv2d_skips_input_gradient_when_not_needed():
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.standard_normal((2, 1, 6, 6)).astype(np.float32))
    w = ag.tensor(rng.standard_normal((3, 1, 3, 3)).astype(np.float32), requires_grad=True)
    y = F.conv2d(x, w)
    node = y.grad_fn
    assert not node.needs_input_grad(0) and node.needs_input_grad(1)
    grads = node.backward(np.ones(y.shape, np.float32), x.numpy(), w.numpy(), None)
    assert grads[0] is None and grads[1].shape == w.shape


def test_conv2d_float32_stays_float32():
    x = ag.randn(2, 3, 8, 8)
    w = ag.randn(4, 3, 3, 3, requires_grad=True)
    b = ag.zeros(4, requires_grad=True)
    y = F.conv2d(x, w, b, padding=1)
    y.sum().backward()
    assert y.dtype == np.float32 and w.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_conv2d_unbatched_and_padding_strings():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 5, 6)), rng.standard_normal((3, 2, 2, 3))
    out = F.conv2d(ag.tensor(x), ag.tensor(w))
    np.testing.assert_allclose(out.numpy(), direct_conv(x[None], w, None, (1, 1), (0, 0), (1, 1), 1)[0], atol=1e-12)
    same = F.conv2d(ag.tensor(x[None]), ag.tensor(w), padding="same")
    assert same.shape == (1, 3, 5, 6)
    valid = F.conv2d(ag.tensor(x[None]), ag.tensor(w), padding="valid")
    assert valid.shape == (1, 3, 4, 4)


@pytest.mark.parametrize("kw", [
    dict(), dict(stride=2, padding=1), dict(stride=(1, 2), padding=(2, 0), dilation=(2, 1)), dict(groups=3, padding=1),
])
def test_conv2d_matches_torch(kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    groups = kw.get("groups", 1)
    x, w, b = rng.standard_normal((3, 6, 9, 8)), rng.standard_normal((9, 6 // groups, 3, 2)), rng.standard_normal(9)
    X, W, B = leaf(x), leaf(w), leaf(b)
    y = F.conv2d(X, W, B, **kw)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = torch.nn.functional.conv2d(tx, tw, tb, **kw)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    for ours, theirs in ((X, tx), (W, tw), (B, tb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-10)


# -- conv1d: conv2d of unit height ------------------------------------------------------------------------


@st.composite
def conv1d_cases(draw, **kw):
    x, w, b, geometry = draw(conv_cases(**kw))
    # One row of the 2-D case (height 1 with no vertical padding, stride or dilation) is a 1-D convolution.
    geometry = {k: (v[1] if isinstance(v, tuple) else v) for k, v in geometry.items()}
    return x[:, :, 0], w[:, :, 0], b, geometry


def direct_conv1d(x, w, b, stride, padding, dilation, groups):
    return direct_conv(x[:, :, None], w[:, :, None], b, (1, stride), (0, padding), (1, dilation), groups)[:, :, 0]


@given(conv1d_cases())
def test_conv1d_matches_direct_loop_and_gradchecks(case):
    x, w, b, kw = case
    out = F.conv1d(ag.tensor(x), ag.tensor(w), None if b is None else ag.tensor(b), **kw)
    np.testing.assert_allclose(out.numpy(), direct_conv1d(x, w, b, **kw), rtol=1e-10, atol=1e-10)
    inputs = [leaf(x), leaf(w)] + ([] if b is None else [leaf(b)])
    ag.gradcheck(lambda *a: F.conv1d(a[0], a[1], a[2] if len(a) > 2 else None, **kw), inputs)


@FEW
@given(conv1d_cases(max_n=1, max_og=1, max_k=2, max_extra=1))
def test_conv1d_gradgradcheck(case):
    x, w, b, kw = case
    inputs = [leaf(x), leaf(w)] + ([] if b is None else [leaf(b)])
    ag.gradgradcheck(lambda *a: F.conv1d(a[0], a[1], a[2] if len(a) > 2 else None, **kw), inputs)


@pytest.mark.parametrize("kw", [
    dict(), dict(stride=2, padding=1), dict(stride=(3,), padding=(2,), dilation=(2,)), dict(groups=3, padding="same"),
    dict(padding="same", dilation=2), dict(padding="valid"),
])
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_conv1d_matches_torch(kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    groups = kw.get("groups", 1)
    x, w, b = rng.standard_normal((3, 6, 11)), rng.standard_normal((9, 6 // groups, 4)), rng.standard_normal(9)
    ours = [leaf(a) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y, ty = F.conv1d(*ours, **kw), torch.nn.functional.conv1d(*theirs, **kw)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(y.shape)
    y.backward(g), ty.backward(torch.tensor(g))
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-10)
    unbatched = F.conv1d(ag.tensor(x[0]), ag.tensor(w), ag.tensor(b), **kw)
    np.testing.assert_allclose(unbatched.numpy(), y.numpy()[0], atol=1e-12)


@pytest.mark.parametrize("make, torch_make, error, message", [
    (lambda: F.conv1d(ag.randn(2, 3, 5, 1), ag.randn(4, 3, 2)), lambda t: t.nn.functional.conv1d(t.randn(2, 3, 5, 1), t.randn(4, 3, 2)), RuntimeError, r"conv1d.*2-D.*3-D.*\(2, 3, 5, 1\)"),
    (lambda: F.conv1d(ag.randn(2, 3, 5), ag.randn(4, 2, 2)), lambda t: t.nn.functional.conv1d(t.randn(2, 3, 5), t.randn(4, 2, 2)), RuntimeError, r"conv1d.*\(4, 2, 2\).*2 channels.*\(2, 3, 5\)"),
    (lambda: F.conv1d(ag.randn(2, 3, 5), ag.randn(4, 3, 6)), lambda t: t.nn.functional.conv1d(t.randn(2, 3, 5), t.randn(4, 3, 6)), RuntimeError, r"conv1d.*\(5\).*\(6\)"),
    (lambda: F.conv1d(ag.randn(2, 3, 5), ag.randn(4, 3, 2), stride=(2, 2)), lambda t: t.nn.functional.conv1d(t.randn(2, 3, 5), t.randn(4, 3, 2), stride=(2, 2)), (TypeError, RuntimeError), r"conv1d: stride"),
    (lambda: F.conv1d(ag.randn(3, 5), ag.randn(4, 3, 2), padding="same", stride=2), lambda t: t.nn.functional.conv1d(t.randn(3, 5), t.randn(4, 3, 2), padding="same", stride=2), RuntimeError, r"conv1d.*strided"),
])
def test_conv1d_errors_match_torch(make, torch_make, error, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(error, match=message):
        make()
    with pytest.raises(error):
        torch_make(torch)


@st.composite
def block_cases(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 6))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 6))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    return (n, c, h, w), dict(kernel_size=(kh, kw), dilation=(dh, dw), padding=(ph, pw), stride=(sh, sw))


def direct_unfold(x, kernel_size, dilation, padding, stride):
    n, c, h, w = x.shape
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel_size, dilation, padding, stride
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    cols = np.zeros((n, c * kh * kw, oh * ow))
    for ci in range(c):
        for i in range(kh):
            for j in range(kw):
                for bi in range(oh):
                    for bj in range(ow):
                        cols[:, (ci * kh + i) * kw + j, bi * ow + bj] = xp[:, ci, bi * sh + i * dh, bj * sw + j * dw]
    return cols


@given(block_cases(), st.integers(0, 2**31))
def test_unfold_matches_direct_loop_and_fold_is_its_adjoint(case, seed):
    shape, kw = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    cols = F.unfold(ag.tensor(x), **kw)
    np.testing.assert_array_equal(cols.numpy(), direct_unfold(x, **kw))
    y = rng.standard_normal(cols.shape)
    back = F.fold(ag.tensor(y), shape[2:], **kw)
    # <unfold(x), y> == <x, fold(y)>: fold is the transpose of unfold.
    np.testing.assert_allclose(np.sum(cols.numpy() * y), np.sum(x * back.numpy()), rtol=1e-10)


@FEW
@given(block_cases(), st.integers(0, 2**31))
def test_unfold_fold_gradcheck_and_gradgradcheck(case, seed):
    shape, kw = case
    rng = np.random.default_rng(seed)
    x = leaf(rng.standard_normal(shape))
    ag.gradcheck(lambda a: F.unfold(a, **kw), [x])
    ag.gradgradcheck(lambda a: F.unfold(a, **kw) ** 2, [x])
    cols = leaf(rng.standard_normal(F.unfold(x, **kw).shape))
    ag.gradcheck(lambda a: F.fold(a, shape[2:], **kw), [cols])
    ag.gradgradcheck(lambda a: F.fold(a, shape[2:], **kw) ** 2, [cols])


def test_unfold_fold_match_torch_and_aliases():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 7, 6))
    kw = dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    ours = F.im2col(ag.tensor(x), **kw)
    np.testing.assert_array_equal(ours.numpy(), torch.nn.functional.unfold(torch.tensor(x), **kw).numpy())
    cols = rng.standard_normal(ours.shape)
    np.testing.assert_allclose(F.col2im(ag.tensor(cols), (7, 6), **kw).numpy(),
                               torch.nn.functional.fold(torch.tensor(cols), (7, 6), **kw).numpy(), atol=1e-12)
    # Unbatched forms.
    assert F.unfold(ag.tensor(x[0]), 2).shape == (12, 30)
    assert F.fold(ag.tensor(cols[0]), (7, 6), **kw).shape == (3, 7, 6)


def test_unfold_one_by_one_returns_its_own_memory():
    x = ag.randn(2, 3, 4, 4)
    cols = F.unfold(x, 1)
    cols.numpy()[...] = 0
    assert np.abs(x.numpy()).sum() > 0


@pytest.mark.parametrize("make, message", [
    (lambda: F.conv2d(ag.randn(3, 8, 8, 1, 1), ag.randn(2, 3, 3, 3)), "3-D .*4-D"),
    (lambda: F.conv2d(ag.randn(1, 4, 8, 8), ag.randn(2, 3, 3, 3)), r"expects input with 3 channels.*\(1, 4, 8, 8\)"),
    (lambda: F.conv2d(ag.randn(1, 4, 8, 8), ag.randn(3, 2, 3, 3), groups=2), "divisible by 2"),
    (lambda: F.conv2d(ag.randn(1, 6, 8, 8), ag.randn(3, 3, 3, 3), groups=3), r"expects input with 9 channels"),
    (lambda: F.conv2d(ag.randn(1, 3, 4, 4), ag.randn(2, 3, 5, 5)), r"\(4 x 4\).*kernel size \(5 x 5\)"),
    (lambda: F.conv2d(ag.randn(1, 3, 4, 4), ag.randn(2, 3, 3, 3), ag.randn(3)), r"bias of shape \(2,\)"),
    (lambda: F.conv2d(ag.randn(1, 3, 4, 4), ag.randn(2, 3, 3, 3), stride=0), "stride"),
    (lambda: F.conv2d(ag.randn(1, 3, 4, 4), ag.randn(2, 3, 3, 3), padding=-1), "padding"),
    (lambda: F.conv2d(ag.randn(1, 3, 4, 4), ag.randn(2, 3, 3, 3), groups=0), "groups"),
    (lambda: F.conv2d(ag.randn(1, 3, 4, 4), ag.randn(2, 3, 3, 3).double()), "same dtype"),
    (lambda: F.unfold(ag.randn(1, 1, 2, 2), 3), "at least 1"),
    (lambda: F.fold(ag.randn(1, 4, 5), (3, 3), 2), "4 blocks"),
    (lambda: F.fold(ag.randn(1, 5, 4), (3, 3), 2), "divisible"),
])
def test_bad_input_raises_clear_runtime_error(make, message):
    with pytest.raises(RuntimeError, match=message):
        make()
