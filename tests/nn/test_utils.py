"""nn.utils: gradient clipping and parameter/vector conversion."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn
from nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


def _params_with_grads(seed, scale=1.0, shapes=((3, 4), (5,), (2, 2, 2))):
    rng = np.random.default_rng(seed)
    params = []
    for shape in shapes:
        p = nn.Parameter(ag.zeros(*shape))
        p.grad = ag.tensor((rng.standard_normal(shape) * scale).astype(np.float32))
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_clip_grad_norm_matches_numpy(norm_type):
    params = _params_with_grads(0, scale=3.0)
    flat = np.concatenate([p.grad.numpy().ravel() for p in params]).astype(np.float64)
    expected = np.linalg.norm(flat, ord=norm_type)
    before = [p.grad.numpy().copy() for p in params]
    total = clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type)
    assert isinstance(total, ag.Tensor) and total.ndim == 0
    np.testing.assert_allclose(total.item(), expected, rtol=1e-5)
    coef = 1.0 / (expected + 1e-6)
    for p, g in zip(params, before):
        np.testing.assert_allclose(p.grad.numpy(), g * coef, rtol=1e-5)
    after = np.concatenate([p.grad.numpy().ravel() for p in params])
    assert np.linalg.norm(after, ord=norm_type) <= 1.0 + 1e-5


def test_clip_grad_norm_leaves_small_gradients_alone():
    params = _params_with_grads(1, scale=0.01)
    before = [p.grad.numpy().copy() for p in params]
    clip_grad_norm_(params, max_norm=10.0)
    for p, g in zip(params, before):
        np.testing.assert_array_equal(p.grad.numpy(), g)


def test_clip_grad_norm_skips_missing_grads_and_accepts_one_tensor():
    params = _params_with_grads(2)
    params.append(nn.Parameter(ag.zeros(3)))  # no grad
    clip_grad_norm_(iter(params), 0.5)
    assert params[-1].grad is None
    single = _params_with_grads(3, shapes=((4,),))[0]
    total = clip_grad_norm_(single, 0.1)
    assert total.item() > 0.1 and np.linalg.norm(single.grad.numpy()) == pytest.approx(0.1, rel=1e-4)
    assert clip_grad_norm_([nn.Parameter(ag.zeros(2))], 1.0).item() == 0.0


def test_clip_grad_norm_nonfinite():
    params = _params_with_grads(4)
    params[0].grad.numpy()[0, 0] = np.inf
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert math.isinf(clip_grad_norm_(params, 1.0).item())


def test_clip_grad_norm_matches_torch():
    torch = pytest.importorskip("torch")
    params = _params_with_grads(5, scale=2.0)
    tparams = []
    for p in params:
        t = torch.zeros(p.shape, requires_grad=True)
        t.grad = torch.from_numpy(p.grad.numpy().copy())
        tparams.append(t)
    for norm_type in (2.0, math.inf):
        total = clip_grad_norm_(params, 0.7, norm_type)
        ttotal = torch.nn.utils.clip_grad_norm_(tparams, 0.7, norm_type)
        assert total.item() == pytest.approx(ttotal.item(), rel=1e-5)
        for p, t in zip(params, tparams):
            np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-7)


@given(scale=st.floats(1e-3, 1e3), max_norm=st.floats(1e-2, 1e2), seed=st.integers(0, 2**16))
def test_clip_grad_norm_property_bounded_and_same_direction(scale, max_norm, seed):
    params = _params_with_grads(seed, scale=scale)
    before = np.concatenate([p.grad.numpy().ravel() for p in params]).astype(np.float64)
    clip_grad_norm_(params, max_norm)
    after = np.concatenate([p.grad.numpy().ravel() for p in params]).astype(np.float64)
    assert np.linalg.norm(after) <= max_norm * (1 + 1e-5) or np.allclose(after, before)
    cosine = after @ before / (np.linalg.norm(after) * np.linalg.norm(before))
    assert cosine == pytest.approx(1.0, abs=1e-5)


def test_clip_grad_value():
    params = _params_with_grads(6, scale=2.0)
    before = [p.grad.numpy().copy() for p in params]
    assert clip_grad_value_(params, 0.5) is None
    for p, g in zip(params, before):
        np.testing.assert_array_equal(p.grad.numpy(), np.clip(g, -0.5, 0.5))


def test_parameters_to_vector_and_back():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    vec = parameters_to_vector(model.parameters())
    assert vec.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    np.testing.assert_array_equal(vec.numpy()[:12], model[0].weight.numpy().ravel())
    new = ag.arange(vec.numel()).float()
    vector_to_parameters(new, model.parameters())
    np.testing.assert_array_equal(parameters_to_vector(model.parameters()).numpy(), new.numpy())
    assert model[2].bias.numpy().tolist() == [vec.numel() - 2, vec.numel() - 1]
    assert isinstance(model[0].weight, nn.Parameter) and model[0].weight.shape == (4, 3)
    with pytest.raises(TypeError, match="expected a Tensor"):
        vector_to_parameters(new.numpy(), model.parameters())
    with pytest.raises(ValueError, match="has 3 elements"):
        vector_to_parameters(ag.zeros(3), model.parameters())


def test_parameters_to_vector_is_differentiable():
    model = nn.Linear(2, 2)
    (parameters_to_vector(model.parameters()) ** 2).sum().backward()
    np.testing.assert_allclose(model.weight.grad.numpy(), 2 * model.weight.numpy(), rtol=1e-6)
    np.testing.assert_allclose(model.bias.grad.numpy(), 2 * model.bias.numpy(), rtol=1e-6)
