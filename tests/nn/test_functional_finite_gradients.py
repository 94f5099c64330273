"""nn.functional gradients that are finite where PyTorch's are: a 'mean' loss whose every target is ignored, and
second order through piecewise-linear layers (leaky_relu, max pooling, linear); see also
tests/autograd/test_finite_gradients.py."""
import numpy as np
import pytest

import autograd as ag
import nn.functional as F

LOSS_OPTIONS = {
    "plain": {},
    "weight": {"weight": [1.0, 2.0, 3.0, 4.0]},
    "label_smoothing": {"label_smoothing": 0.1},
    "weight_and_smoothing": {"weight": [1.0, 2.0, 3.0, 4.0], "label_smoothing": 0.2},
}


def _opts(lib, opts):
    return {k: lib.tensor(v) if k == "weight" else v for k, v in opts.items()}


@pytest.mark.parametrize("name", sorted(LOSS_OPTIONS))
@pytest.mark.parametrize("shape, target", [((3, 4), [-100, -100, -100]), ((2, 4, 2), [[-100, -100], [-100, -100]])])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_with_every_target_ignored_is_nan_with_zero_gradient(name, shape, target, dtype):
    x = ag.tensor(np.random.default_rng(0).standard_normal(shape).astype(dtype), requires_grad=True)
    t = ag.tensor(np.array(target))
    for reduction, expected in (("mean", np.nan), ("sum", 0.0), ("none", np.zeros(np.shape(target)))):
        x.grad = None
        loss = F.cross_entropy(x, t, reduction=reduction, **_opts(ag, LOSS_OPTIONS[name]))
        assert loss.dtype == dtype
        np.testing.assert_array_equal(loss.numpy(), expected)
        loss.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), 0.0)
    g, = ag.grad(F.cross_entropy(x, t, **_opts(ag, LOSS_OPTIONS[name])), x, create_graph=True)
    np.testing.assert_array_equal(g.numpy(), 0.0)


def test_nll_loss_and_custom_ignore_index_with_every_target_ignored():
    x = ag.tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    loss = F.nll_loss(x, ag.tensor([-100, -100, -100]))
    loss.backward()
    assert np.isnan(loss.item())
    np.testing.assert_array_equal(x.grad.numpy(), 0.0)
    x.grad = None
    loss = F.cross_entropy(x, ag.tensor([2, 2, 2]), ignore_index=2)
    loss.backward()
    assert np.isnan(loss.item())
    np.testing.assert_array_equal(x.grad.numpy(), 0.0)
    x.grad = None
    F.cross_entropy(ag.tensor(x.numpy()[0], requires_grad=True), ag.tensor(-100))  # unbatched, ignored: no error


def test_cross_entropy_with_zero_total_weight_but_counted_targets_stays_nan():
    # PyTorch: only when nothing is counted is the gradient 0; 0 / 0 weights give NaN.
    x = ag.tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    F.cross_entropy(x, ag.tensor([0, 0, 0]), weight=ag.tensor([0.0, 1.0, 1.0, 1.0])).backward()
    assert np.isnan(x.grad.numpy()).all()


@pytest.mark.parametrize("name", sorted(LOSS_OPTIONS))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_every_target_ignored_matches_torch(name, reduction):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).standard_normal((3, 4)).astype(np.float32)
    target = np.array([-100, -100, -100])
    x, tx = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours = F.cross_entropy(x, ag.tensor(target), reduction=reduction, **_opts(ag, LOSS_OPTIONS[name]))
    theirs = torch.nn.functional.cross_entropy(tx, torch.tensor(target), reduction=reduction,
                                               **_opts(torch, LOSS_OPTIONS[name]))
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    x.grad = tx.grad = None
    ours = F.nll_loss(x, ag.tensor(target))
    theirs = torch.nn.functional.nll_loss(tx, torch.tensor(target))
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
    ours.backward()
    theirs.backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


# -- second order through piecewise-linear layers -------------------------------------------------------

W = np.random.default_rng(4).standard_normal((3, 8))


def _network(lib, fn):
    """A small conv-free net of piecewise-linear ops: linear, relu, max-pool, leaky_relu, abs, clamp, maximum."""
    f = fn.nn.functional if lib is not ag else F
    w = lib.tensor(W, requires_grad=True)

    def net(x):  # x: (2, 1, 4, 4)
        h = f.max_pool2d(f.relu(x), 2)  # fast path
        h = f.max_pool2d(f.leaky_relu(h, 0.1), 3, 1, 1)  # window path
        h = lib.maximum(h.reshape(2, 4).abs(), h.reshape(2, 4).clamp(max=0.5))
        return f.linear(lib.cat([h, h], 1), w)

    return net


PIECES = {
    "leaky_relu": lambda f, lib: (lambda x: f.leaky_relu(x, 0.2)),
    "max_pool_fast": lambda f, lib: (lambda x: f.max_pool2d(x, 2)),
    "max_pool_fast_cropped": lambda f, lib: (lambda x: f.max_pool2d(x[:, :, :3, :3], 2)),
    "max_pool_windows": lambda f, lib: (lambda x: f.max_pool2d(x, 3, 1, 1)),
}


@pytest.mark.parametrize("name", sorted(PIECES) + ["network"])
def test_second_order_through_piecewise_linear_layers_is_zeros(name):
    fn = _network(ag, None) if name == "network" else PIECES[name](F, ag)
    x = ag.tensor(np.random.default_rng(5).standard_normal((2, 1, 4, 4)), requires_grad=True)
    g, = ag.grad(fn(x).sum(), x, create_graph=True)
    h, = ag.grad(g.sum(), x)
    np.testing.assert_array_equal(h.numpy(), 0.0)


@pytest.mark.parametrize("name", sorted(PIECES) + ["network"])
def test_second_order_through_piecewise_linear_layers_matches_torch(name):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(6).standard_normal((2, 1, 4, 4))
    x, t = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    if name == "network":
        ours, theirs = _network(ag, None), _network(torch, torch)
    else:
        ours, theirs = PIECES[name](F, ag), PIECES[name](torch.nn.functional, torch)
    g, = ag.grad(ours(x).sum(), x, create_graph=True)
    r, = torch.autograd.grad(theirs(t).sum(), t, create_graph=True)
    np.testing.assert_allclose(g.numpy(), r.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert g.requires_grad and r.requires_grad
    h, = ag.grad(g.sum(), x)
    s, = torch.autograd.grad(r.sum(), t)
    np.testing.assert_array_equal(h.numpy(), s.numpy(force=True))


def test_gradgradcheck_of_piecewise_linear_layers_still_passes():
    a = np.random.default_rng(7).permutation(32).reshape(2, 1, 4, 4) / 7.0 - 1.97  # distinct, none at 0: no ties or kinks
    for fn in (PIECES["leaky_relu"](F, ag), PIECES["max_pool_fast"](F, ag), PIECES["max_pool_windows"](F, ag)):
        assert ag.gradgradcheck(fn, ag.tensor(a, requires_grad=True))
