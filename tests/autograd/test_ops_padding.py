"""pad in every mode: forward against numpy's np.pad (crops done by slicing), gradcheck and gradgradcheck over
drawn shapes and pads (negative ones included), PyTorch parity and PyTorch's errors."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import arrays, shapes
from engine_helpers import check_op

_NUMPY_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def reference_pad(a, pad, mode, value=0.0):
    """numpy's pad of the positive entries, with crops as slices (circular crops first, as PyTorch)."""
    k = len(pad) // 2
    pairs = [(0, 0)] * (a.ndim - k) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(k))]
    crop = tuple(slice(max(-lo, 0), a.shape[d] - max(-hi, 0)) for d, (lo, hi) in enumerate(pairs))
    widths = [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    if mode == "circular":
        return np.pad(a[crop], widths, mode="wrap")
    if mode == "constant":
        return np.pad(a[crop], widths, constant_values=value)
    # reflect/replicate read the uncropped input: pad first, then crop the padded result.
    out = np.pad(a, widths, mode=_NUMPY_MODE[mode])
    return out[tuple(slice(max(-lo, 0), out.shape[d] - max(-hi, 0)) for d, (lo, hi) in enumerate(pairs))]


@st.composite
def pad_cases(draw, mode):
    """An array and a valid pad for ``mode`` (the rank rules of the non-constant modes included)."""
    if mode == "constant":
        a = draw(arrays(shapes(min_dims=1, max_dims=3)))
        k = draw(st.integers(1, a.ndim))
    else:
        k = draw(st.integers(1, 3))
        # sides of at least 2, and reflect's widths drawn below the side: few draws rejected (Hypothesis gives up
        # on a test whose cases are mostly filtered out)
        a = draw(arrays(shapes(min_dims=k + 1, max_dims=k + 2, min_side=2, max_side=3 if k == 3 else 4)))
    pad = []
    for i in range(k):
        n = a.shape[a.ndim - 1 - i]
        top = min(3, n - 1) if mode == "reflect" else 3  # reflect: a width below the side
        lo, hi = draw(st.integers(-2, top)), draw(st.integers(-2, top))
        cropped = n - max(-lo, 0) - max(-hi, 0)
        if mode == "circular":
            assume(cropped >= 0 and max(lo, hi) <= cropped)
        assume(n + lo + hi >= (0 if mode in ("constant", "circular") else 1))
        pad += [lo, hi]
    return a, tuple(pad)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@given(data=st.data())
def test_pad_matches_numpy_and_gradchecks(mode, data):
    a, pad = data.draw(pad_cases(mode))
    value = data.draw(st.sampled_from([None, -1.5])) if mode == "constant" else None
    check_op(lambda x: ag.pad(x, pad, mode=mode, value=value), [a],
             lambda a: reference_pad(a, pad, mode, 0.0 if value is None else value))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, pad", [
    ((2, 3, 5), (2, 1)), ((2, 3, 5), (-1, 3)), ((3, 5), (3, -2)), ((1, 2, 4, 5), (1, 2, 3, 0)),
    ((2, 4, 5), (-1, 2, 2, -1)), ((1, 2, 3, 4, 5), (1, 1, 2, 0, 0, 2)), ((2, 3, 4, 5), (3, -1, 0, 2, 1, 1)),
])
def test_pad_matches_torch_values_and_gradients(mode, shape, pad):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape)
    ours, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ag.pad(ours, pad, mode=mode), torch.nn.functional.pad(theirs, pad, mode=mode)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy())
    g = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(ag.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-12)


def test_pad_fill_value_dtype_and_functional_alias():
    import nn.functional as F

    x = ag.arange(6).reshape(2, 3)
    out = F.pad(x, [1, 0], value=7)
    assert out.dtype == x.dtype and out.numpy().tolist() == [[7, 0, 1, 2], [7, 3, 4, 5]]
    assert F.pad is ag.pad
    assert ag.pad(ag.ones(1, 2, 3), (0, 0), mode="reflect", value=0.0).shape == (1, 2, 3)  # value 0 is no value


@pytest.mark.parametrize("call, torch_call, error, message", [
    (lambda: ag.pad(ag.ones(2, 3), (1,)), lambda t: t.nn.functional.pad(t.ones(2, 3), (1,)), RuntimeError, r"divisible by 2"),
    (lambda: ag.pad(ag.ones(3), (1, 1, 1, 1)), lambda t: t.nn.functional.pad(t.ones(3), (1, 1, 1, 1)), RuntimeError, r"\(3,\)"),
    (lambda: ag.pad(ag.ones(2, 3), (1.5, 1)), lambda t: t.nn.functional.pad(t.ones(2, 3), (1.5, 1)), TypeError, r"tuple of ints"),
    (lambda: ag.pad(ag.ones(2, 3), 1), lambda t: t.nn.functional.pad(t.ones(2, 3), 1), TypeError, r"tuple of ints"),
    (lambda: ag.pad(ag.ones(2, 3), (1, 1), mode=None), lambda t: t.nn.functional.pad(t.ones(2, 3), (1, 1), mode=None), TypeError, r"mode"),
    (lambda: ag.pad(ag.ones(2, 3), (1, 1), mode="mirror"), lambda t: t.nn.functional.pad(t.ones(2, 3), (1, 1), mode="mirror"), NotImplementedError, r"mirror"),
    (lambda: ag.pad(ag.ones(2, 3), (-2, -2)), lambda t: t.nn.functional.pad(t.ones(2, 3), (-2, -2)), RuntimeError, r"negative size -1.*\(2, 3\)"),
    (lambda: ag.pad(ag.ones(1, 2, 3), (1, 1), mode="reflect", value=1.0), lambda t: t.nn.functional.pad(t.ones(1, 2, 3), (1, 1), mode="reflect", value=1.0), RuntimeError, r"value"),
    (lambda: ag.pad(ag.ones(3), (1, 1), mode="reflect"), lambda t: t.nn.functional.pad(t.ones(3), (1, 1), mode="reflect"), NotImplementedError, r"1-D.*\(3,\)"),
    (lambda: ag.pad(ag.ones(1, 1, 2, 3), (1, 1), mode="replicate"), lambda t: t.nn.functional.pad(t.ones(1, 1, 2, 3), (1, 1), mode="replicate"), NotImplementedError, r"4-D"),
    (lambda: ag.pad(ag.ones(1, 2, 3), (3, 0), mode="reflect"), lambda t: t.nn.functional.pad(t.ones(1, 2, 3), (3, 0), mode="reflect"), RuntimeError, r"smaller than its size 3"),
    (lambda: ag.pad(ag.ones(1, 2, 3), (4, 0), mode="circular"), lambda t: t.nn.functional.pad(t.ones(1, 2, 3), (4, 0), mode="circular"), RuntimeError, r"more than once"),
    (lambda: ag.pad(ag.ones(1, 2, 4), (-2, -2), mode="replicate"), lambda t: t.nn.functional.pad(t.ones(1, 2, 4), (-2, -2), mode="replicate"), RuntimeError, r"too small.*size 0"),
])
def test_pad_errors_match_torch(call, torch_call, error, message):
    with pytest.raises(error, match=message):
        call()
    torch = pytest.importorskip("torch")
    with pytest.raises(error):
        torch_call(torch)
