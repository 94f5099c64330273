"""ELU, SELU, SiLU, Mish, PReLU, Softplus, Hardtanh, LogSigmoid (functional and layers): numpy references with
gradcheck/gradgradcheck, PyTorch's values and gradients (kinks included), in-place forms and bad input."""
import math

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd as ag
import nn
import nn.functional as F
from autograd.testing import away_from_zero, op_test, shapes, smooth_floats

one_input = shapes(1, 3, 1, 4).map(lambda s: (s,))
ALPHA, SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def np_elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def np_softplus(x):
    return np.logaddexp(0, x)


test_elu = op_test(lambda x: F.elu(x, 0.7), lambda x: np_elu(x, 0.7), elements=away_from_zero(), shapes=one_input)
test_selu = op_test(F.selu, lambda x: SCALE * np_elu(x, ALPHA), elements=away_from_zero(), shapes=one_input)
test_mish = op_test(F.mish, lambda x: x * np.tanh(np_softplus(x)), shapes=one_input)
test_logsigmoid = op_test(F.logsigmoid, lambda x: -np_softplus(-x), shapes=one_input)
test_hardtanh = op_test(lambda x: F.hardtanh(x, -0.5, 2.0), lambda x: np.clip(x, -0.5, 2.0),
                        elements=smooth_floats(avoid=(-0.5, 2.0)), shapes=one_input)
prelu_shapes = st.sampled_from([((3, 4, 2), (4,)), ((2, 3), (1,)), ((5,), (1,)), ((2, 3, 2, 2), (3,)), ((), (1,))])


def np_prelu(x, w):
    slope = w.reshape(()) if w.size == 1 else w.reshape((1, -1) + (1,) * (x.ndim - 2))
    return np.where(x > 0, x, slope * x)


test_prelu = op_test(F.prelu, np_prelu, arity=2, elements=[away_from_zero(), smooth_floats(-1, 1)], shapes=prelu_shapes)

# name -> (our function, torch's name, kwargs)
CASES = {
    "elu": (F.elu, "elu", {"alpha": 1.5}), "selu": (F.selu, "selu", {}), "silu": (F.silu, "silu", {}),
    "mish": (F.mish, "mish", {}), "softplus": (F.softplus, "softplus", {"beta": 2.0, "threshold": 4.0}),
    "hardtanh": (F.hardtanh, "hardtanh", {"min_val": -1.0, "max_val": 2.0}),
    "logsigmoid": (F.logsigmoid, "logsigmoid", {}),
}
# kinks and boundaries on purpose: 0, hardtanh's -1 and 2, softplus's threshold 4 / beta = 2
SPECIAL = np.array([0.0, -1.0, 2.0, 1.0, -0.0, 30.0, -30.0], dtype=np.float32)


def _torch_pair(torch, x, g, ours_fn, theirs_fn):
    ours = ag.tensor(x, requires_grad=True)
    out = ours_fn(ours)
    out.backward(ag.tensor(g))
    theirs = torch.tensor(x, requires_grad=True)
    tout = theirs_fn(theirs)
    tout.backward(torch.tensor(g))
    return out, ours.grad, tout, theirs.grad


@pytest.mark.parametrize("name", sorted(CASES))
def test_functional_matches_torch_values_and_gradients(name):
    torch = pytest.importorskip("torch")
    fn, tname, kw = CASES[name]
    x = np.concatenate([(np.random.default_rng(0).standard_normal(25) * 4).astype(np.float32), SPECIAL])
    g = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    out, grad, tout, tgrad = _torch_pair(torch, x, g, lambda t: fn(t, **kw), lambda t: getattr(torch.nn.functional, tname)(t, **kw))
    assert out.dtype == np.float32 and grad.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad.numpy(), tgrad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape, n", [((4, 3, 5), 3), ((4, 3), 1), ((6,), 1), ((2, 3, 2, 2), 3)])
def test_prelu_matches_torch_including_the_weight_gradient(shape, n):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(np.float32)
    x.flat[0] = 0.0  # the kink: PyTorch gives it the slope
    g = rng.standard_normal(shape).astype(np.float32)
    w = rng.uniform(-0.5, 0.5, n).astype(np.float32)
    ours, theirs = nn.PReLU(n), torch.nn.PReLU(n)
    ours.weight.data = ag.tensor(w)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(w))
    out, grad, tout, tgrad = _torch_pair(torch, x, g, ours, theirs)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(grad.numpy(), tgrad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_layers_match_torchs_names_defaults_repr_and_state_dict():
    torch = pytest.importorskip("torch")
    pairs = [(nn.ELU(), torch.nn.ELU()), (nn.ELU(0.5, True), torch.nn.ELU(0.5, True)), (nn.SELU(), torch.nn.SELU()),
             (nn.SiLU(), torch.nn.SiLU()), (nn.Mish(inplace=True), torch.nn.Mish(inplace=True)),
             (nn.PReLU(3, 0.1), torch.nn.PReLU(3, 0.1)), (nn.Softplus(2.0, 5.0), torch.nn.Softplus(2.0, 5.0)),
             (nn.Hardtanh(-2.0, 3.0), torch.nn.Hardtanh(-2.0, 3.0)), (nn.LogSigmoid(), torch.nn.LogSigmoid())]
    x = np.random.default_rng(3).standard_normal((2, 3, 4)).astype(np.float32)
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
        for k, v in ours.state_dict().items():
            np.testing.assert_allclose(v.numpy(), theirs.state_dict()[k].numpy())
        out = ours(ag.tensor(x.copy()))
        np.testing.assert_allclose(out.numpy(), theirs(torch.tensor(x.copy())).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_logsigmoid_is_stable_at_plus_and_minus_100():
    torch = pytest.importorskip("torch")
    for dtype, tdtype in [(np.float32, torch.float32), (np.float64, torch.float64)]:
        x = ag.tensor(np.array([100.0, -100.0, 0.0], dtype=dtype), requires_grad=True)
        out = F.logsigmoid(x)
        out.sum().backward()
        tx = torch.tensor([100.0, -100.0, 0.0], dtype=tdtype, requires_grad=True)
        tout = torch.nn.functional.logsigmoid(tx)
        tout.sum().backward()
        tiny = 1e-44  # exp(-100) is subnormal in float32
        np.testing.assert_allclose(out.numpy(), [-math.exp(-100), -100.0, -math.log(2)], rtol=1e-6, atol=tiny)
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-6, atol=tiny)
        # sigmoid(-100) = 3.7e-44 comes out as 0 here (sigmoid as 0.5 * tanh(z / 2) + 0.5): the same to 1e-40
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-40)
        assert np.isfinite(x.grad.numpy()).all()
    (g,) = ag.grad(F.logsigmoid(x).sum(), [x], create_graph=True)
    (gg,) = ag.grad(g.sum(), [x])  # sigmoid'(-x): finite at +-100 too
    np.testing.assert_allclose(gg.numpy(), [-math.exp(-100), -math.exp(-100), -0.25], rtol=1e-6, atol=1e-40)


@pytest.mark.parametrize("name", ["elu", "selu", "silu", "mish", "hardtanh"])
def test_inplace_overwrites_the_input_and_keeps_torchs_gradient(name):
    torch = pytest.importorskip("torch")
    fn, tname, kw = CASES[name]
    x = np.array([-1.5, -0.2, 0.3, 2.5], dtype=np.float32)
    leaf = ag.tensor(x, requires_grad=True)
    mid = leaf * 2.0
    out = fn(mid, inplace=True, **kw)
    assert out is mid
    (out * out).sum().backward()
    tleaf = torch.tensor(x, requires_grad=True)
    tout = getattr(torch.nn.functional, tname)(tleaf * 2.0, inplace=True, **kw)
    (tout * tout).sum().backward()
    np.testing.assert_allclose(mid.numpy(), tout.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), rtol=1e-5)
    with pytest.raises(RuntimeError):  # a leaf that requires grad cannot be overwritten, as in PyTorch
        fn(ag.tensor(x, requires_grad=True), inplace=True, **kw)


def test_bad_input_raises_torchs_exception_types():
    with pytest.raises(ValueError, match="min_val"):
        F.hardtanh(ag.randn(3), 1.0, -1.0)
    with pytest.raises(ValueError, match="Hardtanh"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(RuntimeError, match=r"prelu.*\(2,\).*\(2, 3\)"):
        F.prelu(ag.randn(2, 3), ag.tensor([0.25, 0.1]))
    with pytest.raises(RuntimeError, match="prelu"):
        nn.PReLU(3)(ag.randn(3))  # a 1-D input has one channel
    with pytest.raises(RuntimeError, match="scalar or 1-D"):
        F.prelu(ag.randn(2, 3), ag.ones(3, 1))
    with pytest.raises(RuntimeError, match="dtype"):
        F.prelu(ag.randn(2, 3, dtype=ag.float64), ag.tensor([0.25]))
    for fn in (F.elu, F.selu, F.silu, F.mish, F.logsigmoid):
        with pytest.raises(NotImplementedError, match="int64"):
            fn(ag.tensor([1, 2]))


@pytest.mark.parametrize("make", [lambda m: m.ReLU(inplace=True), lambda m: m.LeakyReLU(0.1, inplace=True)])
def test_relu_and_leaky_relu_inplace_overwrite_the_input_as_torch(make):
    import torch

    out = {}
    for mod, lib, nnm in ((ag, ag, nn), (torch, torch, torch.nn)):
        x = lib.tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
        h = x * 2
        y = make(nnm)(h)
        assert y is h
        (y * lib.tensor([1.0, 3.0])).sum().backward()
        out[mod] = (h.detach().numpy().copy(), x.grad.numpy().copy())
    np.testing.assert_allclose(out[ag][0], out[torch][0])
    np.testing.assert_allclose(out[ag][1], out[torch][1])


def test_dropout_inplace_overwrites_the_input_while_training():
    ag.manual_seed(0)
    h = ag.ones(200) * 1
    y = nn.Dropout(0.5, inplace=True)(h)
    assert y is h and ((h.numpy() == 0) | (h.numpy() == 2)).all() and (h.numpy() == 0).any()
    d = nn.Dropout(0.5, inplace=True).eval()
    z = ag.ones(3)
    assert d(z) is z
