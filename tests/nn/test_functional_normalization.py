"""batch_norm, layer_norm, group_norm: against the numpy formulas and PyTorch, running statistics, gradients."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import nn.functional as F

FEW = settings(max_examples=max(4, settings.default.max_examples // 3))


def leaf(a):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


shapes = st.one_of(
    st.tuples(st.integers(2, 5), st.integers(1, 4)),
    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(2, 4)),
    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(2, 3)),
)


def reference(x, mean, var, w, b, eps):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * w.reshape(shape) + b.reshape(shape)


@given(shapes, st.integers(0, 2**31), st.floats(0.0, 1.0))
def test_training_mode_normalises_with_batch_stats_and_updates_running_stats(shape, seed, momentum):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 3 + 1
    c = shape[1]
    w, b = rng.standard_normal(c), rng.standard_normal(c)
    rm0, rv0 = rng.standard_normal(c), rng.random(c) + 0.5
    rm, rv = ag.tensor(rm0.copy()), ag.tensor(rv0.copy())
    out = F.batch_norm(ag.tensor(x), rm, rv, ag.tensor(w), ag.tensor(b), training=True, momentum=momentum, eps=1e-5)
    axes = (0,) + tuple(range(2, x.ndim))
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    np.testing.assert_allclose(out.numpy(), reference(x, mean, var, w, b, 1e-5), rtol=1e-9, atol=1e-9)
    count = x.size // c
    np.testing.assert_allclose(rm.numpy(), (1 - momentum) * rm0 + momentum * mean, rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), (1 - momentum) * rv0 + momentum * var * count / (count - 1), rtol=1e-12)


@given(shapes, st.integers(0, 2**31))
def test_eval_mode_uses_running_stats_and_leaves_them_alone(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    c = shape[1]
    w, b, rm0, rv0 = rng.standard_normal(c), rng.standard_normal(c), rng.standard_normal(c), rng.random(c) + 0.5
    rm, rv = ag.tensor(rm0.copy()), ag.tensor(rv0.copy())
    out = F.batch_norm(ag.tensor(x), rm, rv, ag.tensor(w), ag.tensor(b), training=False, eps=1e-3)
    np.testing.assert_allclose(out.numpy(), reference(x, rm0, rv0, w, b, 1e-3), rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(rm.numpy(), rm0)
    np.testing.assert_array_equal(rv.numpy(), rv0)


@FEW
@given(shapes, st.integers(0, 2**31), st.booleans())
def test_gradcheck_and_gradgradcheck(shape, seed, affine):
    rng = np.random.default_rng(seed)
    x = leaf(rng.standard_normal(shape))
    c = shape[1]
    params = [leaf(rng.standard_normal(c)), leaf(rng.standard_normal(c))] if affine else []
    for training in (True, False):
        rm, rv = ag.tensor(rng.standard_normal(c)), ag.tensor(rng.random(c) + 0.5)

        def fn(a, *p):
            return F.batch_norm(a, rm, rv, *p, training=training)

        ag.gradcheck(fn, [x] + params)
        ag.gradgradcheck(fn, [x] + params)


def test_weight_only_and_bias_only():
    rng = np.random.default_rng(1)
    x, w = leaf(rng.standard_normal((4, 3, 2))), leaf(rng.standard_normal(3))
    ag.gradcheck(lambda a, g: F.batch_norm(a, None, None, g, None, training=True), [x, w])
    ag.gradcheck(lambda a, b: F.batch_norm(a, None, None, None, b, training=True), [x, w])


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (4, 3, 5, 6)])
@pytest.mark.parametrize("training", [True, False])
def test_matches_torch_including_running_stats(shape, training):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(shape) * 2 + 0.5).astype(np.float32)
    c = shape[1]
    w, b = rng.standard_normal(c).astype(np.float32), rng.standard_normal(c).astype(np.float32)
    rm0, rv0 = rng.standard_normal(c).astype(np.float32), (rng.random(c) + 0.5).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    X, W, B, rm, rv = ag.tensor(x, requires_grad=True), ag.tensor(w, requires_grad=True), ag.tensor(b, requires_grad=True), ag.tensor(rm0), ag.tensor(rv0)
    out = F.batch_norm(X, rm, rv, W, B, training=training, momentum=0.3)
    out.backward(g)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    trm, trv = torch.tensor(rm0), torch.tensor(rv0)
    tout = torch.nn.functional.batch_norm(tx, trm, trv, tw, tb, training=training, momentum=0.3)
    tout.backward(torch.tensor(g))
    assert out.dtype == np.float32 and X.grad.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-5, atol=1e-6)
    for ours, theirs in ((X, tx), (W, tw), (B, tb)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_running_stat_update_bumps_version_and_needs_no_grad():
    rm, rv = ag.zeros(3), ag.ones(3)
    x = ag.randn(5, 3, requires_grad=True)
    F.batch_norm(x, rm, rv, training=True).sum().backward()
    assert not rm.requires_grad and rm._version[0] > 0 and np.abs(rm.numpy()).sum() > 0


@pytest.mark.parametrize("make, error, message", [
    (lambda: F.batch_norm(ag.randn(4), ag.zeros(4), ag.ones(4)), ValueError, r"at least 2 dims.*\(4,\)"),
    (lambda: F.batch_norm(ag.randn(4, 3, 2), ag.zeros(4), ag.ones(4)), RuntimeError, r"running_mean of shape \(4,\).*3 channels.*\(4, 3, 2\)"),
    (lambda: F.batch_norm(ag.randn(4, 3), ag.zeros(3), ag.ones(3), ag.ones(2)), RuntimeError, r"weight of shape \(2,\)"),
    (lambda: F.batch_norm(ag.randn(1, 3), ag.zeros(3), ag.ones(3), training=True), ValueError, "more than 1 value per channel"),
    (lambda: F.batch_norm(ag.randn(4, 3), None, None, training=False), RuntimeError, "evaluation mode"),
])
def test_bad_input_raises(make, error, message):
    with pytest.raises(error, match=message):
        make()


# -- layer_norm and group_norm ----------------------------------------------------------------------------


def standardize(x, axes, eps):
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(((x - mean) ** 2).mean(axis=axes, keepdims=True) + eps)


@st.composite
def layer_norm_cases(draw):
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple))
    k = draw(st.integers(1, len(shape)))
    if np.prod(shape[-k:]) == 1:  # a single value: every gradient is 0 (gradcheck needs a spread)
        shape = shape[:-1] + (2,)
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    affine = draw(st.sampled_from(["none", "weight", "both"]))
    w = rng.standard_normal(shape[-k:]) if affine != "none" else None
    b = rng.standard_normal(shape[-k:]) if affine == "both" else None
    return rng.standard_normal(shape), shape[-k:], w, b


@given(layer_norm_cases())
def test_layer_norm_matches_formula_and_gradchecks(case):
    x, normalized, w, b = case
    expected = standardize(x, tuple(range(x.ndim - len(normalized), x.ndim)), 1e-5)
    expected = expected * (1 if w is None else w) + (0 if b is None else b)
    params = [leaf(p) for p in (w, b) if p is not None]
    fn = lambda a, *p: F.layer_norm(a, normalized, *p)  # noqa: E731
    np.testing.assert_allclose(fn(leaf(x), *params).numpy(), expected, rtol=1e-10, atol=1e-10)
    assert ag.gradcheck(fn, [leaf(x)] + params)


@FEW
@given(layer_norm_cases())
def test_layer_norm_gradgradcheck(case):
    x, normalized, w, b = case
    params = [leaf(p) for p in (w, b) if p is not None]
    assert ag.gradgradcheck(lambda a, *p: F.layer_norm(a, normalized, *p), [leaf(x)] + params)


@st.composite
def group_norm_cases(draw):
    groups, per_group = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    spatial = draw(st.lists(st.integers(1, 3), max_size=2).map(tuple))
    n = draw(st.integers(1, 3))
    if n * int(np.prod(spatial)) == 1:  # PyTorch refuses a single sample of a single position
        spatial = (2,)
    shape = (n, groups * per_group) + spatial
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    affine = draw(st.booleans())
    c = shape[1]
    return rng.standard_normal(shape), groups, (rng.standard_normal(c), rng.standard_normal(c)) if affine else ()


@given(group_norm_cases())
def test_group_norm_matches_formula_and_gradchecks(case):
    x, groups, params = case
    n, c = x.shape[:2]
    expected = standardize(x.reshape(n, groups, -1), (2,), 1e-5).reshape(x.shape)
    if params:
        shape = (1, c) + (1,) * (x.ndim - 2)
        expected = expected * params[0].reshape(shape) + params[1].reshape(shape)
    fn = lambda a, *p: F.group_norm(a, groups, *p)  # noqa: E731
    np.testing.assert_allclose(fn(leaf(x), *map(leaf, params)).numpy(), expected, rtol=1e-10, atol=1e-10)
    assert ag.gradcheck(fn, [leaf(x)] + [leaf(p) for p in params])


@FEW
@given(group_norm_cases())
def test_group_norm_gradgradcheck(case):
    x, groups, params = case
    assert ag.gradgradcheck(lambda a, *p: F.group_norm(a, groups, *p), [leaf(x)] + [leaf(p) for p in params])


def test_layer_and_group_norm_match_torch_float32():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((3, 6, 4, 5)) * 3 + 1).astype(np.float32)
    w, b = rng.standard_normal((4, 5)).astype(np.float32), rng.standard_normal((4, 5)).astype(np.float32)
    gw, gb = rng.standard_normal(6).astype(np.float32), rng.standard_normal(6).astype(np.float32)
    cases = [(lambda m, x, w, b: m.layer_norm(x, (4, 5), w, b, 1e-3), (w, b)),
             (lambda m, x, w, b: m.group_norm(x, 3, w, b), (gw, gb))]
    for fn, (pw, pb) in cases:
        ours = [ag.tensor(a, requires_grad=True) for a in (x, pw, pb)]
        theirs = [torch.tensor(a, requires_grad=True) for a in (x, pw, pb)]
        out, tout = fn(F, *ours), fn(torch.nn.functional, *theirs)
        assert out.dtype == np.float32
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
        g = rng.standard_normal(out.shape).astype(np.float32)
        out.backward(ag.tensor(g)), tout.backward(torch.tensor(g))
        for a, t in zip(ours, theirs):
            np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("make, error, message", [
    (lambda: F.layer_norm(ag.randn(2, 3, 4), (3,)), RuntimeError, r"normalized_shape=\(3,\).*\(2, 3, 4\)"),
    (lambda: F.layer_norm(ag.randn(2, 3, 4), (4,), ag.ones(3)), RuntimeError, r"weight of shape \(3,\)"),
    (lambda: F.layer_norm(ag.randn(2, 3, 4), 4), TypeError, r"normalized_shape"),
    (lambda: F.layer_norm(ag.randn(2, 3, 4), ()), RuntimeError, r"at least one"),
    (lambda: F.group_norm(ag.randn(2, 6, 4), 4), RuntimeError, r"\(2, 6, 4\).*num_groups=4"),
    (lambda: F.group_norm(ag.randn(6), 3), RuntimeError, r"at least 2 dims.*\(6,\)"),
    (lambda: F.group_norm(ag.randn(2, 6, 4), 3, ag.ones(3)), RuntimeError, r"weight of shape \(6,\).*\(3,\)"),
    (lambda: F.group_norm(ag.randn(1, 6, 1), 3), ValueError, r"more than 1 value per channel.*\(1, 6, 1\)"),
])
def test_layer_and_group_norm_bad_input(make, error, message):
    with pytest.raises(error, match=message):
        make()
