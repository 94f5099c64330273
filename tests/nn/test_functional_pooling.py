"""max_pool2d, avg_pool2d (ceil_mode included), adaptive_avg_pool2d: forward against a direct window loop, gradients
of first and second order, tie and NaN semantics, PyTorch parity (float32 fast path included) and errors.
1-D, adaptive max pooling and unpooling are in test_functional_pooling_variants.py."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd as ag
import nn.functional as F

FEW = settings(max_examples=max(4, settings.default.max_examples // 3))


def leaf(a):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def pooled_size(size, k, s, p, d, ceil_mode):
    """PyTorch's output size; ``ceil_mode`` keeps a last window only when it starts inside the input or left padding."""
    span = size + 2 * p - d * (k - 1) - 1
    out = -(-span // s) + 1 if ceil_mode else span // s + 1
    return out - 1 if ceil_mode and (out - 1) * s >= size + p else out


def direct_pool(x, kernel, stride, padding, dilation, reduce, fill, count_include_pad=True, ceil_mode=False):
    """Pool by definition: one window at a time (an overhanging ``ceil_mode`` window reads ``fill`` and counts
    only its cells inside the padded input, or inside the input without ``count_include_pad``)."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    oh = pooled_size(h, kh, sh, ph, dh, ceil_mode)
    ow = pooled_size(w, kw, sw, pw, dw, ceil_mode)
    eh = max(0, (oh - 1) * sh + dh * (kh - 1) + 1 - h - 2 * ph)
    ew = max(0, (ow - 1) * sw + dw * (kw - 1) + 1 - w - 2 * pw)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph + eh), (pw, pw + ew)), constant_values=fill)
    inside = np.pad(np.ones((h, w)), ((ph, ph + eh), (pw, pw + ew)))
    within = np.pad(np.ones((h + 2 * ph, w + 2 * pw)), ((0, eh), (0, ew)))
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
            cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
            win = xp[:, :, rows, cols].reshape(n, c, -1)
            if reduce == "max":
                out[:, :, i, j] = win.max(-1)
            else:
                count = (within if count_include_pad else inside)[rows, cols].sum()
                out[:, :, i, j] = win.sum(-1) / count
    return out


@st.composite
def pool_cases(draw, max_side=7, allow_dilation=True):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if allow_dilation else (1, 1)
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    eff_h, eff_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    ph, pw = draw(st.integers(0, eff_h // 2)), draw(st.integers(0, eff_w // 2))
    h = draw(st.integers(max(1, eff_h - 2 * ph), max_side))
    w = draw(st.integers(max(1, eff_w - 2 * pw), max_side))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**31))
    # Distinct values on a coarse grid: no ties, and finite differences never swap the winner.
    x = np.random.default_rng(seed).permutation(n * c * h * w).reshape(n, c, h, w) * 0.1
    g = dict(kernel=(kh, kw), stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw), ceil_mode=draw(st.booleans()))
    # With dilation a window can fall entirely into the padding (max = -inf, as in PyTorch): not differentiable.
    assume(np.isfinite(direct_pool(x, g["kernel"], g["stride"], g["padding"], g["dilation"], "max", -np.inf,
                                   ceil_mode=g["ceil_mode"])).all())
    return x, g


def tiled_cases():
    """Non-overlapping windows (the fast path), sizes divisible or not."""
    @st.composite
    def build(draw):
        kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        h, w = draw(st.integers(kh, 3 * kh + 1)), draw(st.integers(kw, 3 * kw + 1))
        n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
        x = np.random.default_rng(draw(st.integers(0, 2**31))).permutation(n * c * h * w).reshape(n, c, h, w) * 0.1
        return x, dict(kernel=(kh, kw), stride=(kh, kw), padding=(0, 0), dilation=(1, 1), ceil_mode=draw(st.booleans()))
    return build()


def call_max(x, g):
    return F.max_pool2d(x, g["kernel"], g["stride"], g["padding"], g["dilation"], g["ceil_mode"])


@given(st.one_of(pool_cases(), tiled_cases()))
def test_max_pool2d_matches_direct_loop(case):
    x, g = case
    out = call_max(ag.tensor(x), g)
    np.testing.assert_array_equal(out.numpy(), direct_pool(x, g["kernel"], g["stride"], g["padding"], g["dilation"], "max", -np.inf,
                                                           ceil_mode=g["ceil_mode"]))


@given(st.one_of(pool_cases(max_side=5), tiled_cases()))
def test_max_pool2d_gradcheck(case):
    x, g = case
    ag.gradcheck(lambda a: call_max(a, g), [leaf(x)])


@FEW
@given(st.one_of(pool_cases(max_side=5), tiled_cases()))
def test_max_pool2d_gradgradcheck(case):
    x, g = case
    ag.gradgradcheck(lambda a: call_max(a, g) ** 2, [leaf(x)])


@given(st.one_of(pool_cases(allow_dilation=False), tiled_cases()), st.booleans())
def test_avg_pool2d_matches_direct_loop(case, include_pad):
    x, g = case
    out = F.avg_pool2d(ag.tensor(x), g["kernel"], g["stride"], g["padding"], g["ceil_mode"], count_include_pad=include_pad)
    ref = direct_pool(x, g["kernel"], g["stride"], g["padding"], (1, 1), "avg", 0.0, include_pad, g["ceil_mode"])
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-12)


@FEW
@given(st.one_of(pool_cases(max_side=5, allow_dilation=False), tiled_cases()), st.booleans())
def test_avg_pool2d_gradcheck_and_gradgradcheck(case, include_pad):
    x, g = case
    fn = lambda a: F.avg_pool2d(a, g["kernel"], g["stride"], g["padding"], g["ceil_mode"], include_pad)  # noqa: E731
    ag.gradcheck(fn, [leaf(x)])
    ag.gradgradcheck(lambda a: fn(a) ** 2, [leaf(x)])


def adaptive_reference(x, oh, ow, reduce=np.mean):
    """Adaptive pooling by its definition: bin ``(i, j)`` spans rows ``floor(i*h/oh) .. ceil((i+1)*h/oh)``."""
    n, c, h, w = x.shape
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, h1 = (i * h) // oh, -(-((i + 1) * h) // oh)
            w0, w1 = (j * w) // ow, -(-((j + 1) * w) // ow)
            out[:, :, i, j] = reduce(x[:, :, h0:h1, w0:w1], axis=(2, 3))
    return out


@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**31))
def test_adaptive_avg_pool2d_matches_bins_and_gradcheck(h, w, oh, ow, seed):
    x = np.random.default_rng(seed).standard_normal((2, 2, h, w))
    out = F.adaptive_avg_pool2d(ag.tensor(x), (oh, ow))
    np.testing.assert_allclose(out.numpy(), adaptive_reference(x, oh, ow), rtol=1e-12, atol=1e-12)
    ag.gradcheck(lambda a: F.adaptive_avg_pool2d(a, (oh, ow)), [leaf(x)])


def test_adaptive_avg_pool2d_second_order_and_size_forms():
    x = leaf(np.random.default_rng(0).standard_normal((1, 2, 5, 4)))
    ag.gradgradcheck(lambda a: F.adaptive_avg_pool2d(a, (3, 2)) ** 2, [x])
    assert F.adaptive_avg_pool2d(x, 1).shape == (1, 2, 1, 1)
    assert F.adaptive_avg_pool2d(x, (None, 2)).shape == (1, 2, 5, 2)
    assert F.adaptive_avg_pool2d(ag.randn(2, 6, 6), 3).shape == (2, 3, 3)


def test_max_pool2d_ties_go_to_the_first_maximum_like_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    # Few distinct values: many ties, within and across window rows, plus ReLU-style all-zero windows.
    x = np.maximum(rng.integers(-2, 3, size=(2, 3, 8, 9)), 0).astype(np.float32)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=(2, 3), stride=1)):
        ours = ag.tensor(x, requires_grad=True)
        theirs = torch.tensor(x, requires_grad=True)
        g = rng.standard_normal(F.max_pool2d(ours, **kw).shape).astype(np.float32)
        F.max_pool2d(ours, **kw).backward(g)
        torch.nn.functional.max_pool2d(theirs, **kw).backward(torch.tensor(g))
        # Overlapping windows add gradients in another order: float32 rounding only (a wrong winner is off by O(1)).
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-6, err_msg=str(kw))


@pytest.mark.parametrize("kw", [
    dict(kernel_size=2), dict(kernel_size=3), dict(kernel_size=(2, 3)), dict(kernel_size=2, stride=1),
    dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pooling_matches_torch_exactly(kw, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4, 11, 10)).astype(dtype)
    g = None
    for name in ("max_pool2d", "avg_pool2d"):
        args = dict(kw) if name == "max_pool2d" else {k: v for k, v in kw.items() if k != "dilation"}
        ours = ag.tensor(x, requires_grad=True)
        theirs = torch.tensor(x, requires_grad=True)
        out = getattr(F, name)(ours, **args)
        tout = getattr(torch.nn.functional, name)(theirs, **args)
        g = rng.standard_normal(out.shape).astype(dtype)
        out.backward(g)
        tout.backward(torch.tensor(g))
        assert out.dtype == dtype and ours.grad.dtype == dtype
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-6, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6, atol=1e-6, err_msg=name)
    _, idx = F.max_pool2d(ag.tensor(x), return_indices=True, **kw)
    _, tidx = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


def test_adaptive_avg_pool2d_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((2, 3, 10, 7)).astype(np.float32)
    for size in [(3, 4), (5, 7), 1, (4, None)]:
        ours = F.adaptive_avg_pool2d(ag.tensor(x), size)
        np.testing.assert_allclose(ours.numpy(), torch.nn.functional.adaptive_avg_pool2d(torch.tensor(x), size).numpy(), rtol=1e-5, atol=1e-6)


def test_max_pool2d_propagates_nan_like_torch():
    torch = pytest.importorskip("torch")
    x = np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4)
    x[0, 0, 1, 0] = np.nan
    ours = ag.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out = F.max_pool2d(ours, 2)
    out.sum().backward()
    torch.nn.functional.max_pool2d(theirs, 2).sum().backward()
    assert np.isnan(out.numpy()[0, 0, 0, 0]) and not np.isnan(out.numpy()[0, 1]).any()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_fast_path_upsampling_of_float32_and_small_ints_is_exact():
    from nn.functional.pooling import _repeat_last

    rng = np.random.default_rng(4)
    for a in (rng.standard_normal((2, 3, 5)).astype(np.float32), rng.integers(-100, 100, (4, 6)).astype(np.int8),
              rng.integers(0, 9, (3, 7)).astype(np.int16), rng.standard_normal((2, 5))):
        np.testing.assert_array_equal(_repeat_last(a, 2), a.repeat(2, axis=-1))
        assert _repeat_last(a, 2).dtype == a.dtype
    np.testing.assert_array_equal(_repeat_last(a, 3), a.repeat(3, axis=-1))


def test_pooling_output_owns_its_memory_and_unbatched_input_works():
    x = ag.randn(2, 3, 4, 4)
    out = F.max_pool2d(x, 1)
    out.numpy()[...] = 0
    assert np.abs(x.numpy()).sum() > 0
    assert F.max_pool2d(ag.randn(3, 6, 6), 2).shape == (3, 3, 3)
    assert F.avg_pool2d(ag.randn(3, 6, 6), 3, stride=1).shape == (3, 4, 4)


@pytest.mark.parametrize("make, message", [
    (lambda: F.max_pool2d(ag.randn(4, 4), 2), "3-D .*4-D"),
    (lambda: F.max_pool2d(ag.randn(1, 1, 4, 4), 2, padding=2), "at most half"),
    (lambda: F.max_pool2d(ag.randn(1, 1, 2, 2), 3), r"too small"),
    (lambda: F.avg_pool2d(ag.randn(1, 1, 2, 2), 3, padding=1, stride=0), "positive"),
    (lambda: F.adaptive_avg_pool2d(ag.randn(1, 1, 4, 4), 0), "positive"),
])
def test_bad_pooling_input_raises(make, message):
    with pytest.raises(RuntimeError, match=message):
        make()
