"""Losses: cross_entropy (every option) against numpy and PyTorch, stability at 1e4, first and second order
gradients; nll_loss, mse_loss, binary_cross_entropy_with_logits, one_hot; bad targets."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import nn.functional as F

FEW = settings(max_examples=max(4, settings.default.max_examples // 3))


def leaf(a):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def np_log_softmax(x):
    z = x - x.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def np_cross_entropy(x, t, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """PyTorch's documented formula, written out with numpy."""
    c = x.shape[1]
    logp = np_log_softmax(x)
    w = np.ones(c) if weight is None else weight
    wshape = (1, -1) + (1,) * (x.ndim - 2)
    if t.dtype.kind == "f":  # class probabilities
        q = t * (1 - label_smoothing) + label_smoothing / c
        loss = -(logp * q * w.reshape(wshape)).sum(axis=1)
        return {"none": loss, "sum": loss.sum(), "mean": loss.sum() / (x.size // c)}[reduction]
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    picked = np.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    wt = w[safe] * valid
    nll = -picked * wt
    smooth = -(logp * w.reshape(wshape)).sum(axis=1) * valid
    if reduction == "none":
        return (1 - label_smoothing) * nll + label_smoothing / c * smooth
    if reduction == "sum":
        return (1 - label_smoothing) * nll.sum() + label_smoothing / c * smooth.sum()
    return ((1 - label_smoothing) * nll.sum() + label_smoothing / c * smooth.sum()) / wt.sum()


@st.composite
def ce_cases(draw, max_n=4, max_c=4):
    n, c = draw(st.integers(1, max_n)), draw(st.integers(2, max_c))
    extra = draw(st.sampled_from([(), (2,), (2, 3)]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    x = rng.standard_normal((n, c) + extra) * 2
    opts = dict(reduction=draw(st.sampled_from(["mean", "sum", "none"])), label_smoothing=draw(st.sampled_from([0.0, 0.1, 0.5])))
    if draw(st.booleans()):
        opts["weight"] = rng.random(c) + 0.1
    if draw(st.booleans()):  # class probabilities
        t = rng.random(x.shape)
        t /= t.sum(axis=1, keepdims=True)
    else:
        t = rng.integers(0, c, size=(n,) + extra)
        if draw(st.booleans()):
            opts["ignore_index"] = int(t.flat[0])
            # keep at least one counted element so that 'mean' is defined
            t.flat[-1] = (t.flat[0] + 1) % c if t.size > 1 else t.flat[0]
            if t.size == 1:
                del opts["ignore_index"]
    return x, t, opts


def call_ce(x, t, opts):
    kw = dict(opts)
    if "weight" in kw:
        kw["weight"] = ag.tensor(kw["weight"])
    return F.cross_entropy(x, t if isinstance(t, ag.Tensor) else ag.tensor(t), **kw)


@given(ce_cases())
def test_cross_entropy_matches_numpy_formula(case):
    x, t, opts = case
    out = call_ce(ag.tensor(x), t, opts)
    np.testing.assert_allclose(out.numpy(), np_cross_entropy(x, t, **opts), rtol=1e-10, atol=1e-12)


@given(ce_cases(max_n=3, max_c=3))
def test_cross_entropy_gradcheck(case):
    x, t, opts = case
    inputs = [leaf(x)] + ([leaf(t)] if t.dtype.kind == "f" else [])
    ag.gradcheck(lambda a, *tt: call_ce(a, tt[0] if tt else t, opts), inputs)


@FEW
@given(ce_cases(max_n=2, max_c=3))
def test_cross_entropy_gradgradcheck(case):
    x, t, opts = case
    inputs = [leaf(x)] + ([leaf(t)] if t.dtype.kind == "f" else [])
    ag.gradgradcheck(lambda a, *tt: call_ce(a, tt[0] if tt else t, opts), inputs)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("target_kind", ["index", "index_ignore", "prob", "index_nd"])
def test_cross_entropy_matches_torch(reduction, label_smoothing, weighted, target_kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    shape = (5, 4, 3) if target_kind == "index_nd" else (6, 4)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    if target_kind == "prob":
        t = rng.random(shape).astype(np.float32)
        t /= t.sum(axis=1, keepdims=True)
    else:
        t = rng.integers(0, 4, size=(shape[0],) + shape[2:])
    kw = dict(reduction=reduction, label_smoothing=label_smoothing)
    if target_kind == "index_ignore":
        kw["ignore_index"] = 2
        t[0] = 2
    w = (rng.random(4) + 0.2).astype(np.float32) if weighted else None
    ours = ag.tensor(x, requires_grad=True)
    out = F.cross_entropy(ours, ag.tensor(t), None if w is None else ag.tensor(w), **kw)
    theirs = torch.tensor(x, requires_grad=True)
    tout = torch.nn.functional.cross_entropy(theirs, torch.tensor(t), None if w is None else torch.tensor(w), **kw)
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(g)
    tout.backward(torch.tensor(g))
    assert out.dtype == np.float32 and ours.grad.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_cross_entropy_is_stable_at_huge_logits():
    x = ag.tensor(np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 1e4], [0.0, 0.0, 1e4]], dtype=np.float32), requires_grad=True)
    t = ag.tensor([0, 2, 1])
    loss = F.cross_entropy(x, t, label_smoothing=0.1)
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.numpy()).all()
    # Row 1: logits 1e4 twice, target one of them: loss log(2) from that row (without smoothing).
    plain = F.cross_entropy(ag.tensor(x.numpy()), t, reduction="none").numpy()
    np.testing.assert_allclose(plain, [0.0, np.log(2.0), 1e4], rtol=1e-6)
    (g,) = ag.grad(F.cross_entropy(x, t), [x], create_graph=True)
    (gg,) = ag.grad((g * g).sum(), [x])
    assert np.isfinite(gg.numpy()).all()


def test_cross_entropy_unbatched_and_all_ignored():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(5).astype(np.float32)
    ours = F.cross_entropy(ag.tensor(x), ag.tensor(3))
    np.testing.assert_allclose(ours.item(), torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(3)).item(), rtol=1e-6)
    all_ignored = F.cross_entropy(ag.randn(2, 3, requires_grad=True), ag.tensor([-100, -100]))
    assert np.isnan(all_ignored.item())


@given(ce_cases())
def test_nll_loss_of_log_softmax_equals_cross_entropy(case):
    x, t, opts = case
    if t.dtype.kind == "f" or opts["label_smoothing"]:
        return
    kw = {k: v for k, v in opts.items() if k != "label_smoothing"}
    if "weight" in kw:
        kw["weight"] = ag.tensor(kw["weight"])
    X = leaf(x)
    out = F.nll_loss(F.log_softmax(X, dim=1), ag.tensor(t), **kw)
    np.testing.assert_allclose(out.numpy(), call_ce(ag.tensor(x), t, opts).numpy(), rtol=1e-10, atol=1e-12)
    logp = leaf(np_log_softmax(x))
    ag.gradcheck(lambda a: F.nll_loss(a, ag.tensor(t), **kw), [logp])


def test_nll_loss_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = np_log_softmax(rng.standard_normal((7, 5))).astype(np.float32)
    t = rng.integers(0, 5, 7)
    t[1] = 4
    w = (rng.random(5) + 0.5).astype(np.float32)
    for reduction in ("mean", "sum", "none"):
        ours = F.nll_loss(ag.tensor(x), ag.tensor(t), ag.tensor(w), ignore_index=4, reduction=reduction)
        theirs = torch.nn.functional.nll_loss(torch.tensor(x), torch.tensor(t), torch.tensor(w), ignore_index=4, reduction=reduction)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


shapes = st.one_of(st.tuples(st.integers(1, 5)), st.tuples(st.integers(1, 4), st.integers(1, 3)))


@given(shapes, st.sampled_from(["mean", "sum", "none"]), st.integers(0, 2**31))
def test_mse_loss_matches_numpy_and_gradchecks(shape, reduction, seed):
    rng = np.random.default_rng(seed)
    x, t = rng.standard_normal(shape), rng.standard_normal(shape)
    out = F.mse_loss(ag.tensor(x), ag.tensor(t), reduction=reduction)
    ref = (x - t) ** 2
    np.testing.assert_allclose(out.numpy(), {"mean": ref.mean(), "sum": ref.sum(), "none": ref}[reduction], rtol=1e-12)
    ag.gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), [leaf(x), leaf(t)])
    ag.gradgradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), [leaf(x), leaf(t)])


def np_bce_logits(x, t, weight=None, pos_weight=None):
    p = 1 / (1 + np.exp(-x))
    pw = 1.0 if pos_weight is None else pos_weight
    loss = -(pw * t * np.log(p) + (1 - t) * np.log(1 - p))
    return loss if weight is None else loss * weight


@given(shapes, st.sampled_from(["mean", "sum", "none"]), st.booleans(), st.booleans(), st.integers(0, 2**31))
def test_bce_with_logits_matches_numpy_and_gradchecks(shape, reduction, weighted, pos_weighted, seed):
    rng = np.random.default_rng(seed)
    x, t = rng.standard_normal(shape) * 3, rng.random(shape)
    w = rng.random(shape[-1:]) + 0.5 if weighted else None
    pw = rng.random(shape[-1:]) + 0.5 if pos_weighted else None
    kw = dict(reduction=reduction, weight=None if w is None else ag.tensor(w), pos_weight=None if pw is None else ag.tensor(pw))
    out = F.binary_cross_entropy_with_logits(ag.tensor(x), ag.tensor(t), **kw)
    ref = np_bce_logits(x, t, w, pw)
    np.testing.assert_allclose(out.numpy(), {"mean": ref.mean(), "sum": ref.sum(), "none": ref}[reduction], rtol=1e-9)
    fn = lambda a, b: F.binary_cross_entropy_with_logits(a, b, **kw)  # noqa: E731
    ag.gradcheck(fn, [leaf(x), leaf(t)])
    ag.gradgradcheck(fn, [leaf(x), leaf(t)])


def test_bce_with_logits_matches_torch_stable_and_differentiable_at_zero():
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 1e4, -1e4, 3.0], [-2.0, 0.5, 40.0, -40.0]], dtype=np.float32)
    t = np.array([[1.0, 0.0, 1.0, 0.3], [0.0, 1.0, 1.0, 0.0]], dtype=np.float32)
    pw = np.array([2.0, 1.0, 0.5, 3.0], dtype=np.float32)
    ours = ag.tensor(x, requires_grad=True)
    out = F.binary_cross_entropy_with_logits(ours, ag.tensor(t), pos_weight=ag.tensor(pw))
    out.backward()
    theirs = torch.tensor(x, requires_grad=True)
    tout = torch.nn.functional.binary_cross_entropy_with_logits(theirs, torch.tensor(t), pos_weight=torch.tensor(pw))
    tout.backward()
    assert np.isfinite(out.item()) and np.isfinite(ours.grad.numpy()).all()
    np.testing.assert_allclose(out.item(), tout.item(), rtol=1e-5)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_one_hot_matches_torch_and_validates():
    torch = pytest.importorskip("torch")
    t = np.array([[0, 2], [1, 3]])
    np.testing.assert_array_equal(F.one_hot(ag.tensor(t)).numpy(), torch.nn.functional.one_hot(torch.tensor(t)).numpy())
    assert F.one_hot(ag.tensor([1, 0]), 5).shape == (2, 5) and F.one_hot(ag.tensor([1, 0]), 5).dtype == np.int64
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(ag.tensor([3]), 3)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(ag.tensor([-1]), 3)
    with pytest.raises(RuntimeError, match="index tensors"):
        F.one_hot(ag.tensor([1.0]), 3)


def test_pad_is_the_engines_pad():
    x = ag.ones(1, 2, 2, requires_grad=True)
    out = F.pad(x, (1, 0, 0, 2), value=5.0)
    assert out.shape == (1, 4, 3) and out.numpy()[0, 0, 0] == 5.0
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((1, 2, 2)))


@pytest.mark.parametrize("make, error, message", [
    (lambda: F.cross_entropy(ag.randn(4, 3), ag.tensor([0, 1, 3, 0])), IndexError, r"target 3 is out of bounds for 3 classes"),
    (lambda: F.cross_entropy(ag.randn(4, 3), ag.tensor([0, -2, 1, 0])), IndexError, r"target -2 is out of bounds"),
    (lambda: F.cross_entropy(ag.randn(4, 3), ag.tensor([0.0, 1.0, 2.0, 0.0])), RuntimeError, r"integer dtype.*float32 target of shape \(4,\)"),
    (lambda: F.cross_entropy(ag.randn(4, 3), ag.tensor([0, 1, 2])), RuntimeError, r"expected target of shape \(4,\).*\(3,\)"),
    (lambda: F.cross_entropy(ag.randn(4, 3), ag.tensor([0, 1, 2, 0]), ag.ones(4)), RuntimeError, r"weight of shape \(3,\)"),
    (lambda: F.cross_entropy(ag.randn(4, 3), ag.tensor([0, 1, 2, 0]), reduction="avg"), ValueError, "not a valid value for reduction"),
    (lambda: F.cross_entropy(ag.randn(4, 3), ag.tensor([0, 1, 2, 0]), label_smoothing=1.5), RuntimeError, "label_smoothing"),
    (lambda: F.nll_loss(ag.randn(4, 3), ag.tensor([0, 1, 5, 0])), IndexError, "out of bounds"),
    (lambda: F.mse_loss(ag.randn(4, 1), ag.randn(4)), ValueError, r"target size \(4,\) must be the same as input size \(4, 1\)"),
    (lambda: F.binary_cross_entropy_with_logits(ag.randn(4, 1), ag.rand(4)), ValueError, r"\(4,\).*\(4, 1\)"),
])
def test_bad_targets_raise_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()
