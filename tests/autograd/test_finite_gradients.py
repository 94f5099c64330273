"""Gradients that are finite where PyTorch's are: std/var of constant input, max/min over NaN, second order
through piecewise-linear ops, and the gradient ``retain_grad`` keeps (after the tensor's hooks, as PyTorch).

Each case pins the expected values without torch, then compares with torch when it is installed.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import arrays, shapes
from engine_helpers import leaf

NAN = float("nan")
DIMS = [(None, False), (0, False), (1, True), ((0, 1), False), (-1, False), ((0, 2), True)]


def _kwargs(dim, keepdim, correction):
    kw = {"correction": correction}
    if dim is not None:
        kw.update(dim=dim, keepdim=keepdim)
    return kw


# -- std / var of constant input ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["std", "var"])
@pytest.mark.parametrize("correction", [0, 1])
@pytest.mark.parametrize("dim, keepdim", DIMS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_std_var_of_constant_input_have_zero_gradient(name, correction, dim, keepdim, dtype):
    # 0.1 and 1/3: their mean over 3 or 4 equal elements is not exact in floating point.
    for value in (2.5, 0.1, 1 / 3, -7.0):
        x = ag.tensor(np.full((2, 3, 4), value, dtype=dtype), requires_grad=True)
        y = getattr(ag, name)(x, **_kwargs(dim, keepdim, correction))
        y.sum().backward()
        assert (y.numpy() == 0).all()
        assert x.grad.dtype == dtype
        np.testing.assert_array_equal(x.grad.numpy(), 0.0)


@given(st.data())
def test_std_of_any_constant_input_has_zero_gradient(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, min_side=2, max_side=5))
    value = data.draw(st.floats(-1e3, 1e3, allow_nan=False))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1) | st.none())
    correction = data.draw(st.sampled_from([0, 1]))
    x = leaf(np.full(shape, value))
    ag.std(x, dim, correction=correction).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0.0)


def test_std_of_constant_input_second_order_is_zero():
    x = leaf(np.full(4, 1.0))
    g, = ag.grad(ag.std(x), x, create_graph=True)
    h, = ag.grad(g.sum(), x)
    np.testing.assert_array_equal(g.numpy(), 0.0)
    np.testing.assert_array_equal(h.numpy(), 0.0)


def test_std_keeps_nan_where_the_variance_is_undefined():
    x = leaf([3.0])  # one element, correction 1: 0 / 0
    with np.errstate(invalid="ignore", divide="ignore"):
        y = ag.std(x)
        y.backward()
    assert np.isnan(y.item()) and np.isnan(x.grad.numpy()).all()


@given(st.data())
def test_var_std_gradgradcheck_on_random_input(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
    a = data.draw(arrays(shape, unique=True))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1) | st.none())
    keepdim = data.draw(st.booleans())
    correction = data.draw(st.sampled_from([0, 1]))
    for fn in (ag.var, ag.std):
        def f(x, fn=fn):
            return fn(x, dim, correction=correction, keepdim=keepdim)

        assert ag.gradcheck(f, leaf(a))
        assert ag.gradgradcheck(f, leaf(a))


@pytest.mark.parametrize("name", ["std", "var"])
@pytest.mark.parametrize("correction", [0, 1])
@pytest.mark.parametrize("dim, keepdim", DIMS)
def test_std_var_of_constant_input_match_torch(name, correction, dim, keepdim):
    torch = pytest.importorskip("torch")
    # 2.5 and -7: values whose mean torch computes exactly, so its std is exactly 0 and its gradient 0.
    for value in (2.5, -7.0):
        a = np.full((2, 3, 4), value)
        x, t = leaf(a), torch.tensor(a, requires_grad=True)
        kw = _kwargs(dim, keepdim, correction)
        y, r = getattr(ag, name)(x, **kw), getattr(torch, name)(t, **kw)
        y.sum().backward()
        r.sum().backward()
        np.testing.assert_array_equal(y.numpy(), r.detach().numpy())
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
        np.testing.assert_array_equal(t.grad.numpy(), 0.0)


# -- max / min over NaN ------------------------------------------------------------------------------


NAN_CASES = [
    # data, gradient of max()/min(), gradient of amax()/amin() (PyTorch's: NaN over the whole input)
    ([1.0, NAN, 3.0], [0.0, 1.0, 0.0]),
    ([1.0, NAN, 3.0, NAN], [0.0, 0.5, 0.0, 0.5]),
    ([[1.0, NAN], [NAN, 2.0]], [[0.0, 0.5], [0.5, 0.0]]),
    ([1.0, np.inf, NAN], [0.0, 0.0, 1.0]),
]


@pytest.mark.parametrize("data, expected", NAN_CASES)
@pytest.mark.parametrize("name", ["max", "min"])
def test_full_max_min_over_nan_send_the_gradient_to_the_nans(data, expected, name):
    x = leaf(data)
    y = getattr(ag, name)(x)
    assert np.isnan(y.item())
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), expected)


@pytest.mark.parametrize("data, expected", NAN_CASES)
@pytest.mark.parametrize("name", ["amax", "amin"])
def test_full_amax_amin_over_nan_give_nan_gradient(data, expected, name):
    x = leaf(data)
    y = getattr(ag, name)(x)
    assert np.isnan(y.item())
    y.backward()
    assert np.isnan(x.grad.numpy()).all()


def test_amax_amin_along_a_dim_give_nan_only_to_slices_with_nan():
    x = leaf([[1.0, NAN, 3.0], [1.0, 5.0, 5.0]])
    y = ag.amax(x, 1)
    y.sum().backward()
    np.testing.assert_array_equal(y.numpy(), [NAN, 5.0])
    np.testing.assert_array_equal(x.grad.numpy(), [[NAN, NAN, NAN], [0.0, 0.5, 0.5]])
    x = leaf([[1.0, NAN, NAN], [1.0, 5.0, 5.0]])
    ag.amin(x, 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[NAN, NAN, NAN], [1.0, 0.0, 0.0]])


def test_max_along_a_dim_over_nan_picks_the_first_nan():
    x = leaf([[1.0, NAN, NAN], [1.0, 5.0, 5.0]])
    values, indices = ag.max(x, 1)
    values.sum().backward()
    np.testing.assert_array_equal(values.numpy(), [NAN, 5.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 1])
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])


@pytest.mark.parametrize("data", [case[0] for case in NAN_CASES] + [[[1.0, NAN, 3.0], [1.0, 5.0, 5.0]]])
@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_max_min_over_nan_match_torch(data, name):
    torch = pytest.importorskip("torch")
    for dim in (None, -1):
        x, t = leaf(data), torch.tensor(data, dtype=torch.float64, requires_grad=True)
        y, r = (getattr(ag, name)(x), getattr(torch, name)(t)) if dim is None else (
            getattr(ag, name)(x, dim), getattr(torch, name)(t, dim))
        if name in ("max", "min") and dim is not None:
            (y, yi), (r, ri) = y, r
            np.testing.assert_array_equal(yi.numpy(), ri.numpy())
        y.sum().backward()
        r.sum().backward()
        np.testing.assert_array_equal(y.numpy(), r.detach().numpy())
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


# -- second order through piecewise-linear ops -------------------------------------------------------


def _second_order(fn, x):
    """``h = d/dx sum(d fn(x).sum() / dx)``, as a user writes it."""
    g, = ag.grad(fn(x).sum(), x, create_graph=True)
    h, = ag.grad(g.sum(), x)
    return g, h


W1 = np.random.default_rng(0).standard_normal((5, 4))
W2 = np.random.default_rng(1).standard_normal((2, 5))

PIECEWISE = {
    "relu": ag.relu,
    "abs": ag.abs,
    "relu_method": lambda x: (x * 2.0).relu() * 3.0,
    "network": lambda x: (ag.relu(x @ ag.tensor(W1.T, requires_grad=True)).clamp(max=1.0).abs()
                          @ ag.tensor(W2.T, requires_grad=True)),
    "maximum_after_relu": lambda x: ag.maximum(ag.relu(x), ag.tensor(np.full(4, 0.5))),
}


@pytest.mark.parametrize("name", sorted(PIECEWISE))
def test_second_order_through_piecewise_linear_ops_is_zeros(name):
    x = leaf(np.random.default_rng(2).standard_normal((3, 4)))
    g, h = _second_order(PIECEWISE[name], x)
    assert g.requires_grad
    assert h.shape == x.shape
    np.testing.assert_array_equal(h.numpy(), 0.0)


def test_relu_gradient_is_unchanged_and_third_order_runs():
    a = np.array([[-1.0, 0.0, 2.0], [3.0, -0.5, 1e-9]])
    x = leaf(a)
    g, = ag.grad(ag.relu(x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.numpy(), a > 0)
    h, = ag.grad((g * g).sum(), x, create_graph=True)
    np.testing.assert_array_equal(h.numpy(), 0.0)
    assert ag.gradgradcheck(ag.relu, leaf(a + 0.25))
    assert ag.gradgradcheck(ag.abs, leaf(a + 0.25))


def test_clamp_alone_stays_unconnected_as_in_torch():
    # PyTorch's clamp/maximum/minimum backward does not take the input: g needs no grad there either.
    x = leaf(np.random.default_rng(3).standard_normal((3, 4)))
    g, = ag.grad(x.clamp(-0.5, 0.5).sum(), x, create_graph=True)
    assert not g.requires_grad


@pytest.mark.parametrize("name", sorted(PIECEWISE) + ["clamp", "maximum", "linear"])
def test_second_order_connectivity_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours = dict(PIECEWISE, clamp=lambda x: x.clamp(-0.5, 0.5), maximum=lambda x: ag.maximum(x, -x),
                linear=lambda x: x @ ag.tensor(W1.T, requires_grad=True))
    theirs = {
        "relu": torch.relu, "abs": torch.abs, "relu_method": lambda x: (x * 2.0).relu() * 3.0,
        "network": lambda x: (torch.relu(x @ torch.tensor(W1.T, requires_grad=True)).clamp(max=1.0).abs()
                              @ torch.tensor(W2.T, requires_grad=True)),
        "maximum_after_relu": lambda x: torch.maximum(torch.relu(x), torch.full((4,), 0.5, dtype=torch.float64)),
        "clamp": lambda x: x.clamp(-0.5, 0.5), "maximum": lambda x: torch.maximum(x, -x),
        "linear": lambda x: x @ torch.tensor(W1.T, requires_grad=True),
    }
    a = np.random.default_rng(4).standard_normal((3, 4))
    x, t = leaf(a), torch.tensor(a, requires_grad=True)
    g, = ag.grad(ours[name](x).sum(), x, create_graph=True)
    r, = torch.autograd.grad(theirs[name](t).sum(), t, create_graph=True)
    np.testing.assert_allclose(g.numpy(), r.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert g.requires_grad == r.requires_grad
    if not r.requires_grad:
        return
    try:
        s, = torch.autograd.grad(r.sum(), t)
    except RuntimeError:  # torch: "appears to not have been used in the graph"
        with pytest.raises(RuntimeError, match="not used in the graph"):
            ag.grad(g.sum(), x)
        return
    h, = ag.grad(g.sum(), x)
    np.testing.assert_array_equal(h.numpy(), s.numpy(force=True))  # abs: a ZeroTensor in torch


# -- retain_grad keeps the gradient after the tensor's hooks ------------------------------------------


def _retain_case(lib, before, after, twice=False):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    if before:
        y.register_hook(lambda g: (seen.append(("before", g.tolist())), g * 10)[1])
    y.retain_grad()
    if after:
        y.register_hook(lambda g: (seen.append(("after", g.tolist())), g + 1)[1])
    if twice:
        y.retain_grad()
    y.sum().backward()
    return y.grad.tolist(), x.grad.tolist(), seen


RETAIN_CASES = [
    # before, after, y.grad, x.grad, what the hooks saw
    (True, False, [10.0, 10.0], [30.0, 30.0], [("before", [1.0, 1.0])]),
    (False, True, [2.0, 2.0], [6.0, 6.0], [("after", [1.0, 1.0])]),
    (True, True, [11.0, 11.0], [33.0, 33.0], [("before", [1.0, 1.0]), ("after", [10.0, 10.0])]),
]


@pytest.mark.parametrize("before, after, y_grad, x_grad, seen", RETAIN_CASES)
def test_retain_grad_stores_the_gradient_after_every_hook(before, after, y_grad, x_grad, seen):
    assert _retain_case(ag, before, after) == (y_grad, x_grad, seen)
    assert _retain_case(ag, before, after, twice=True) == (y_grad, x_grad, seen)


def test_retained_grad_accumulates_hooked_gradients_and_is_a_copy():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    y.sum().backward(retain_graph=True)
    y.grad.zero_()  # a writable copy, not the read-only gradient that flowed on
    y.sum().backward(retain_graph=True)
    (y * y).sum().backward()
    assert y.grad.tolist() == [14.0, 26.0]  # 2, then + 2 * 2 * y
    assert x.grad.tolist() == [12.0 + 36.0, 12.0 + 72.0]


def test_retained_grad_under_create_graph_and_in_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    (y * y).sum().backward(create_graph=True)
    assert y.grad.tolist() == [4.0, 16.0] and y.grad.requires_grad
    assert x.grad.tolist() == [8.0, 64.0]
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g * 5)
    ag.grad((y * 2).sum(), x)
    assert y.grad.tolist() == [10.0, 10.0]


@pytest.mark.parametrize("before, after", [(True, False), (False, True), (True, True)])
def test_retain_grad_hook_order_matches_torch(before, after):
    torch = pytest.importorskip("torch")
    for twice in (False, True):
        assert _retain_case(ag, before, after, twice) == _retain_case(torch, before, after, twice)
    x, t = ag.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    results = []
    for lib, leaf_ in ((ag, x), (torch, t)):
        y = leaf_ * leaf_
        if before:
            y.register_hook(lambda g: g * 2)
        y.retain_grad()
        if after:
            y.register_hook(lambda g: g + 1)
        (y * y).sum().backward(retain_graph=True)
        (y * y).sum().backward()
        results.append((y.grad.tolist(), leaf_.grad.tolist()))
    assert results[0] == results[1]
