"""Gradients where PyTorch's are finite (or exactly where PyTorch puts them), checked against torch too."""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F


def _both(values, fn, dtype=np.float64):
    """``fn`` applied to the same data in autograd and (when installed) torch: (our grad, torch's grad or None)."""
    x = ag.tensor(np.array(values, dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn(ag, x).backward()
    try:
        import torch
    except ImportError:
        return x.grad.numpy(), None
    tx = torch.tensor(np.array(values, dtype=dtype), requires_grad=True)
    fn(torch, tx).backward()
    return x.grad.numpy(), tx.grad.numpy()


@pytest.mark.parametrize("correction", [0, 1])
@pytest.mark.parametrize("op", ["std", "var"])
def test_std_and_var_of_constant_input_have_zero_gradient(op, correction):
    ours, theirs = _both([[2.0, 2.0, 2.0], [1.0, 1.0, 1.0]], lambda lib, x: getattr(x, op)(1, correction=correction).sum())
    np.testing.assert_array_equal(ours, np.zeros((2, 3)))
    if theirs is not None:
        np.testing.assert_array_equal(ours, theirs)


def test_std_still_passes_gradgradcheck():
    x = ag.randn(3, 4, dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda t: t.std(1), (x,)) and ag.gradgradcheck(lambda t: t.std(1), (x,))


@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("values, expected", [([1.0, np.nan, 3.0], [0, 1, 0]),
                                              ([1.0, np.nan, 3.0, np.nan], [0, 0.5, 0, 0.5])])
def test_full_max_min_send_the_gradient_to_the_nans(op, values, expected):
    ours, theirs = _both(values, lambda lib, x: getattr(x, op)())
    np.testing.assert_array_equal(ours, expected)
    if theirs is not None:
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.1}, {"weight": [1.0, 2.0, 0.5, 1.0]}])
def test_cross_entropy_with_every_target_ignored_has_zero_gradient(kwargs):
    logits = np.random.default_rng(0).standard_normal((3, 4))
    x = ag.tensor(logits, requires_grad=True)
    kw = {k: ag.tensor(np.array(v)) if k == "weight" else v for k, v in kwargs.items()}
    loss = F.cross_entropy(x, ag.tensor([-100, -100, -100]), **kw)
    loss.backward()
    assert np.isnan(loss.item())  # 0 / 0, as PyTorch
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((3, 4)))
    torch = pytest.importorskip("torch")
    tx = torch.tensor(logits, requires_grad=True)
    tkw = {k: torch.tensor(np.array(v)) if k == "weight" else v for k, v in kwargs.items()}
    tl = torch.nn.functional.cross_entropy(tx, torch.tensor([-100, -100, -100]), **tkw)
    tl.backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_cross_entropy_with_zero_weights_stays_nan_as_torch():
    x = ag.randn(3, 4, requires_grad=True)
    F.cross_entropy(x, ag.tensor([0, 1, 2]), weight=ag.zeros(4)).backward()
    assert np.isnan(x.grad.numpy()).all()


def test_second_derivative_of_a_relu_network_is_zeros():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
    x = ag.randn(5, 3, requires_grad=True)
    (g,) = ag.grad(model(x).sum(), x, create_graph=True)
    assert g.requires_grad
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_array_equal(h.numpy(), np.zeros((5, 3)))


def test_retain_grad_stores_the_gradient_after_the_tensors_hooks_as_torch():
    x = ag.ones(2, requires_grad=True)
    y = x * 1
    y.retain_grad()
    y.register_hook(lambda g: g * 10)  # registered after retain_grad, still seen by .grad
    (y * 3).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [30.0, 30.0])
    np.testing.assert_array_equal(x.grad.numpy(), [30.0, 30.0])
    torch = pytest.importorskip("torch")
    tx = torch.ones(2, requires_grad=True)
    ty = tx * 1
    ty.retain_grad()
    ty.register_hook(lambda g: g * 10)
    (ty * 3).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), ty.grad.numpy())


def test_nan_safe_where_is_kept():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    ag.where(x > 0, ag.log(x), 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0])
