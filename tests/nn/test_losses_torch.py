"""BCE, KL divergence, L1 / smooth L1 / Huber, margin ranking, soft margin, triplet losses, cosine similarity and
pairwise distance (functional and layers): numpy references with gradcheck/gradgradcheck, PyTorch's values and
gradients for every reduction, PyTorch's edge cases (clamped logs, clamped norms) and its errors and warnings."""
import warnings

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd as ag
import nn
import nn.functional as F
from autograd.testing import away_from_zero, backend_params, op_test, positive, shapes, smooth_floats, unit_interval

same2 = shapes(0, 3, 1, 4).map(lambda s: (s, s))
same3 = shapes(1, 3, 1, 4).map(lambda s: (s, s, s))
rows3 = st.tuples(st.integers(1, 3), st.integers(1, 4)).map(lambda s: (s, s, s))
vectors2 = shapes(1, 3, 1, 4).map(lambda s: (s, s[1:]))  # the second broadcasts against the first
zero = st.just(0.0)
sign = st.sampled_from([1.0, -1.0])


def np_softplus(x):
    return np.logaddexp(0, x)


def np_huber(d, delta):
    return np.where(np.abs(d) <= delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))


def np_norm(d, p):
    return (np.abs(d) ** p).sum(-1) ** (1 / p)


def np_cos(a, b):
    a, b = np.broadcast_arrays(a, b)
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


# Targets fixed at 0 keep |input - target| away from the kinks (0, beta, delta) that smooth_floats avoids.
test_l1_loss = op_test(lambda x, t: F.l1_loss(x, t, reduction="none"), lambda x, t: np.abs(x - t), arity=2,
                       elements=[away_from_zero(), zero], shapes=same2)
test_smooth_l1_loss = op_test(lambda x, t: F.smooth_l1_loss(x, t, reduction="none", beta=0.5),
                              lambda x, t: np_huber(x - t, 0.5) / 0.5, arity=2,
                              elements=[smooth_floats(avoid=(-0.5, 0.5)), zero], shapes=same2)
test_huber_loss = op_test(lambda x, t: F.huber_loss(x, t, reduction="none", delta=1.5),
                          lambda x, t: np_huber(x - t, 1.5), arity=2,
                          elements=[smooth_floats(avoid=(-1.5, 1.5)), zero], shapes=same2)
test_binary_cross_entropy = op_test(lambda x, t: F.binary_cross_entropy(x, t, reduction="none"),
                                    lambda x, t: -(t * np.log(x) + (1 - t) * np.log1p(-x)), arity=2,
                                    elements=[unit_interval(), unit_interval()], shapes=same2)
test_kl_div = op_test(lambda x, t: F.kl_div(x, t, reduction="none"), lambda x, t: t * (np.log(t) - x), arity=2,
                      elements=[smooth_floats(), positive()])
test_kl_div_log_target = op_test(lambda x, t: F.kl_div(x, t, reduction="none", log_target=True),
                                 lambda x, t: np.exp(t) * (t - x), arity=2)
test_soft_margin_loss = op_test(lambda x, t: F.soft_margin_loss(x, t, reduction="none"),
                                lambda x, t: np_softplus(-t * x), arity=2, elements=[smooth_floats(), sign], shapes=same2)
test_margin_ranking_loss = op_test(lambda a, b, y: F.margin_ranking_loss(a, b, y, 0.3, reduction="none"),
                                   lambda a, b, y: np.maximum(0, -y * (a - b) + 0.3), arity=3,
                                   elements=[smooth_floats(0.5, 3), smooth_floats(-3, -0.5), sign], shapes=same3)
test_cosine_similarity = op_test(lambda a, b: F.cosine_similarity(a, b, dim=-1), np_cos, arity=2,
                                 elements=away_from_zero(), shapes=vectors2)


@pytest.mark.parametrize("backend_name", backend_params())
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_pairwise_distance(p, backend_name):
    op_test(lambda a, b: F.pairwise_distance(a, b, p), lambda a, b: np_norm(a - b + 1e-6, p), arity=2,
            elements=[smooth_floats(0.5, 3), smooth_floats(-3, -0.5)], shapes=vectors2)(backend_name)


# Entries of anchor, positive, negative in disjoint ranges keep the distances away from 0 (a kink), and a margin
# of 10 keeps the hinge open (distances <= 8).
test_triplet_margin_loss = op_test(
    lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=10.0, reduction="none"),
    lambda a, p, n: np_norm(a - p + 1e-6, 2) - np_norm(a - n + 1e-6, 2) + 10.0, arity=3,
    elements=[smooth_floats(0.5, 1), smooth_floats(-1, -0.5), smooth_floats(1.5, 2)], shapes=rows3)


def _rand(rng, shape, kind):
    if kind == "prob":
        return rng.uniform(0.02, 0.98, shape).astype(np.float32)
    if kind == "sign":
        return rng.choice([-1.0, 1.0], shape).astype(np.float32)
    return (rng.standard_normal(shape) * 2).astype(np.float32)


def _compare(torch, ours_fn, theirs_fn, arrays, rtol=1e-5, atol=1e-6, constant=()):
    """Run both on copies of ``arrays`` (requiring grad but those at positions ``constant``); compare the outputs and
    the gradients."""
    ours = [ag.tensor(a.copy(), requires_grad=i not in constant) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a.copy(), requires_grad=i not in constant) for i, a in enumerate(arrays)]
    out, tout = ours_fn(*ours), theirs_fn(*theirs)
    g = np.random.default_rng(9).standard_normal(tuple(tout.shape)).astype(np.float32)
    out.backward(ag.tensor(g))
    tout.backward(torch.tensor(g))
    assert out.dtype == np.float32 and tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=rtol, atol=atol)
    for o, t in zip(ours, theirs):
        if t.grad is None:  # torch leaves the zero gradient of a 0-norm unset: ours is zero
            assert not t.requires_grad or not np.any(o.grad.numpy())
        else:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)


# name -> (input kinds, kwargs); each compared with torch.nn.functional.<name> for every reduction.
# PyTorch has no gradient for soft_margin_loss's target (ours has one: tested by gradcheck above).
LOSSES = {
    "binary_cross_entropy": (("prob", "prob"), {}),
    "l1_loss": (("normal", "normal"), {}),
    "smooth_l1_loss": (("normal", "normal"), {"beta": 0.7}),
    "huber_loss": (("normal", "normal"), {"delta": 0.7}),
    "kl_div": (("normal", "prob"), {}),
    "kl_div_log_target": (("normal", "normal"), {"log_target": True}),
    "soft_margin_loss": (("normal", "sign"), {}),
    "margin_ranking_loss": (("normal", "normal", "sign"), {"margin": 0.5}),
    "triplet_margin_loss": (("normal", "normal", "normal"), {"margin": 1.5}),
    "triplet_margin_loss_swap_p1": (("normal", "normal", "normal"), {"margin": 0.5, "p": 1, "swap": True}),
    "triplet_margin_loss_pinf": (("normal", "normal", "normal"), {"p": float("inf")}),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", sorted(LOSSES))
def test_losses_match_torch(case, reduction):
    torch = pytest.importorskip("torch")
    kinds, kw = LOSSES[case]
    name = case.replace("_log_target", "").replace("_swap_p1", "").replace("_pinf", "")
    rng = np.random.default_rng(len(case))
    arrays = [_rand(rng, (6, 5), k) for k in kinds]
    kw = dict(kw, reduction=reduction)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's 'mean' warning (tested below)
        _compare(torch, lambda *a: getattr(F, name)(*a, **kw), lambda *a: getattr(torch.nn.functional, name)(*a, **kw), arrays,
                 constant=(1,) if name == "soft_margin_loss" else ())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_weighted_losses_match_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x, t, p, q = (_rand(rng, (4, 3), k) for k in ("normal", "normal", "prob", "prob"))
    w = rng.uniform(0.1, 2.0, (4, 3)).astype(np.float32)
    for name, a, b, weight in [("l1_loss", x, t, w), ("huber_loss", x, t, w), ("binary_cross_entropy", p, q, w),
                               ("binary_cross_entropy", p, q, w[0])]:  # BCE's weight broadcasts
        _compare(torch, lambda u, v: getattr(F, name)(u, v, weight=ag.tensor(weight), reduction=reduction),
                 lambda u, v: getattr(torch.nn.functional, name)(u, v, weight=torch.tensor(weight), reduction=reduction), [a, b])


def test_kl_div_batchmean_and_its_mean_warning():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, t = _rand(rng, (4, 3), "normal"), _rand(rng, (4, 3), "prob")
    _compare(torch, lambda a, b: F.kl_div(a, b, reduction="batchmean"),
             lambda a, b: torch.nn.functional.kl_div(a, b, reduction="batchmean"), [x, t])
    np.testing.assert_allclose(F.kl_div(ag.tensor(x), ag.tensor(t), reduction="batchmean").item(),
                               F.kl_div(ag.tensor(x), ag.tensor(t), reduction="sum").item() / 4, rtol=1e-6)
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(ag.tensor(x), ag.tensor(t))
    # target 0 contributes 0 (xlogy), a finite input gradient; broadcasting as PyTorch
    out = F.kl_div(ag.tensor([-1.0, -2.0]), ag.tensor([0.0, 0.5]), reduction="none")
    np.testing.assert_allclose(out.numpy(), [0.0, 0.5 * (np.log(0.5) + 2.0)], rtol=1e-6)
    _compare(torch, lambda a, b: F.kl_div(a, b, reduction="sum"), lambda a, b: torch.nn.functional.kl_div(a, b, reduction="sum"),
             [x[0], t])


def test_binary_cross_entropy_at_0_and_1_is_torchs():
    torch = pytest.importorskip("torch")
    x = np.array([0.0, 1e-13, 0.5, 1.0, 1.0, 0.0, 1e-30], dtype=np.float32)
    t = np.array([0.0, 1.0, 0.3, 1.0, 0.0, 1.0, 0.5], dtype=np.float32)
    ours, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = F.binary_cross_entropy(ours, ag.tensor(t), reduction="none")
    tout = torch.nn.functional.binary_cross_entropy(theirs, torch.tensor(t), reduction="none")
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-6)  # 100 where a log is clamped
    assert out.numpy()[4] == 100.0 and np.isfinite(out.numpy()).all()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5)  # (x - t) / max(x (1 - x), 1e-12)


def test_cosine_similarity_clamps_norms_as_torch():
    torch = pytest.importorskip("torch")
    cases = [([[1e-9, 2e-9]], [[1.0, 3.0]], 1), ([[1e-5, 0.0]], [[1e-5, 0.0]], 1), ([0.0, 0.0, 0.0], [1.0, 2.0, 3.0], 0),
             ([[1.0, 2.0], [3.0, -1.0]], [0.5, 1.0], -1), ([[1.0], [2.0]], [[1.0, -1.0, 2.0]], 0), (2.0, -3.0, 0)]
    for a, b, dim in cases:
        a, b = np.array(a, dtype=np.float64), np.array(b, dtype=np.float64)
        oa, ob = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
        ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        out, tout = F.cosine_similarity(oa, ob, dim), torch.nn.functional.cosine_similarity(ta, tb, dim)
        with np.errstate(divide="ignore", invalid="ignore"):  # sqrt's derivative at a zero norm: masked (0 flows in)
            out.sum().backward()
        tout.sum().backward()
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-10)
        for g, tg in ((oa.grad, ta.grad), (ob.grad, tb.grad)):  # rounding: 1e-11 where torch has 0 next to 1e5
            np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-8, atol=1e-8 * max(1.0, np.abs(tg.numpy()).max()))


def test_pairwise_distance_shapes_match_torch():
    torch = pytest.importorskip("torch")
    for a, b, kw in [((3, 2), (3, 2), {}), ((2,), (3, 2), {}), ((3, 2), (3, 2), {"keepdim": True}), ((), (), {}),
                     ((4,), (4,), {"p": float("inf")}), ((2, 4), (2, 4), {"p": 0.5}), ((2, 4), (4,), {"p": -1.0}),
                     ((2, 4), (2, 4), {"p": 0}), ((3,), (3,), {"p": -float("inf")})]:
        rng = np.random.default_rng(6)
        arrays = [rng.standard_normal(a).astype(np.float32), rng.standard_normal(b).astype(np.float32)]
        _compare(torch, lambda u, v: F.pairwise_distance(u, v, **kw), lambda u, v: torch.nn.functional.pairwise_distance(u, v, **kw), arrays)


def test_regression_losses_warn_and_broadcast_a_target_of_another_size_as_torch():
    torch = pytest.importorskip("torch")
    x, t = np.arange(3, dtype=np.float32), np.array([[0.5], [1.0], [4.0]], dtype=np.float32)
    for name in ("l1_loss", "smooth_l1_loss", "huber_loss"):
        with pytest.warns(UserWarning, match=rf"{name}.*target size \(3, 1\).*input size \(3,\)"):
            out = getattr(F, name)(ag.tensor(x), ag.tensor(t))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.testing.assert_allclose(out.item(), getattr(torch.nn.functional, name)(torch.tensor(x), torch.tensor(t)).item(), rtol=1e-6)
        with pytest.raises(RuntimeError, match=rf"{name}.*\(3,\) and \(2,\)"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(F, name)(ag.tensor(x), ag.zeros(2))
    np.testing.assert_allclose(F.smooth_l1_loss(ag.tensor(x), ag.ones(3), beta=0.0).item(),
                               F.l1_loss(ag.tensor(x), ag.ones(3)).item())


def test_soft_margin_loss_is_stable_where_torchs_overflows():
    x = ag.tensor(np.array([-100.0, 100.0, 0.0], dtype=np.float32), requires_grad=True)
    out = F.soft_margin_loss(x, ag.ones(3), reduction="none")
    out.sum().backward()
    np.testing.assert_allclose(out.numpy(), [100.0, 0.0, np.log(2)], rtol=1e-6, atol=1e-30)  # torch: inf at -100
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 0.0, -0.5], atol=1e-30)


BAD = [
    (lambda: F.binary_cross_entropy(ag.rand(3), ag.rand(3, 1)), ValueError, r"binary_cross_entropy.*\(3, 1\).*\(3,\)"),
    (lambda: F.binary_cross_entropy(ag.tensor([1.5, 0.5]), ag.rand(2)), RuntimeError, "between 0 and 1"),
    (lambda: F.binary_cross_entropy(ag.rand(2, dtype=ag.float64), ag.rand(2)), RuntimeError, "dtype"),
    (lambda: F.binary_cross_entropy(ag.rand(3), ag.rand(3), weight=ag.rand(2, 3)), RuntimeError, r"\(2, 3\).*\(3,\)"),
    (lambda: F.binary_cross_entropy(ag.rand(3), ag.rand(3), reduction="avg"), ValueError, "valid value"),
    (lambda: F.l1_loss(ag.rand(3), ag.rand(3), weight=ag.rand(2)), ValueError, r"l1_loss.*\(2,\).*\(3,\)"),
    (lambda: F.huber_loss(ag.rand(3), ag.rand(3), weight=ag.rand(1, 3)), ValueError, "same size"),
    (lambda: F.smooth_l1_loss(ag.rand(3), ag.rand(3), beta=-1.0), RuntimeError, "negative"),
    (lambda: F.huber_loss(ag.rand(3), ag.rand(3), delta=0.0), RuntimeError, "non-positive"),
    (lambda: F.l1_loss(ag.rand(3), ag.rand(3), reduction="batchmean"), ValueError, "valid value"),
    (lambda: F.kl_div(ag.rand(3), ag.rand(3), reduction="avg"), ValueError, "batchmean"),
    (lambda: F.kl_div(ag.rand(3), ag.rand(2), reduction="sum"), RuntimeError, r"kl_div.*\(3,\) and \(2,\)"),
    (lambda: F.cosine_similarity(ag.rand(2, 3), ag.rand(2)), RuntimeError, r"cosine_similarity.*\(2, 3\) and \(2,\)"),
    (lambda: F.cosine_similarity(ag.rand(3), ag.rand(3)), IndexError, r"range of \[-1, 0\].*got 1"),
    (lambda: F.pairwise_distance(ag.rand(3), ag.rand(2)), RuntimeError, "pairwise_distance"),
    (lambda: F.margin_ranking_loss(ag.rand(3), ag.rand(3), ag.ones(1, 3)), RuntimeError, r"margin_ranking_loss.*target \(1, 3\)"),
    (lambda: F.margin_ranking_loss(ag.rand(3), ag.rand(2), ag.ones(3)), RuntimeError, "broadcast"),
    (lambda: F.soft_margin_loss(ag.rand(3), ag.ones(3, 1)), RuntimeError, r"soft_margin_loss.*\(3, 1\).*\(3,\)"),
    (lambda: F.triplet_margin_loss(ag.rand(2, 3), ag.rand(2, 3), ag.rand(3)), RuntimeError, r"negative \(3,\)"),
    (lambda: F.triplet_margin_loss(ag.rand(2, 3), ag.rand(2, 3), ag.rand(2, 3), margin=0.0), ValueError, "margin"),
    (lambda: nn.KLDivLoss(reduction="avg"), ValueError, "KLDivLoss"),
    (lambda: nn.BCELoss(weight=[1.0]), TypeError, "BCELoss"),
]


@pytest.mark.parametrize("call, exc, match", BAD)
def test_bad_input_raises_as_torch(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_layers_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    w = rng.uniform(0.5, 1.5, 3).astype(np.float32)
    pairs = [
        (nn.BCELoss(ag.tensor(w)), torch.nn.BCELoss(torch.tensor(w)), ("prob", "prob")),
        (nn.KLDivLoss(reduction="batchmean", log_target=True), torch.nn.KLDivLoss(reduction="batchmean", log_target=True), ("normal", "normal")),
        (nn.L1Loss(reduction="sum"), torch.nn.L1Loss(reduction="sum"), ("normal", "normal")),
        (nn.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5), ("normal", "normal")),
        (nn.HuberLoss(delta=2.0), torch.nn.HuberLoss(delta=2.0), ("normal", "normal")),
        (nn.MarginRankingLoss(0.2), torch.nn.MarginRankingLoss(0.2), ("normal", "normal", "sign")),
        (nn.SoftMarginLoss(), torch.nn.SoftMarginLoss(), ("normal", "sign")),
        (nn.TripletMarginLoss(0.5, 1.0, swap=True), torch.nn.TripletMarginLoss(0.5, 1.0, swap=True), ("normal",) * 3),
        (nn.CosineSimilarity(dim=0), torch.nn.CosineSimilarity(dim=0), ("normal", "normal")),
        (nn.PairwiseDistance(p=3.0, keepdim=True), torch.nn.PairwiseDistance(p=3.0, keepdim=True), ("normal", "normal")),
    ]
    for ours, theirs, kinds in pairs:
        assert repr(ours) == repr(theirs)
        assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
        _compare(torch, ours, theirs, [_rand(rng, (4, 3), k) for k in kinds], constant=(1,) if kinds == ("normal", "sign") else ())
