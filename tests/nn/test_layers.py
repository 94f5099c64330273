"""The layers: shapes, input validation, default initialisation, modes (example tests)."""
import math
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
from torch_parity import compare as _compare, copy_params as _torch_copy


def test_linear_layout_and_shapes():
    lin = nn.Linear(5, 3)
    assert lin.weight.shape == (3, 5) and lin.bias.shape == (3,)
    x = ag.randn(4, 5)
    np.testing.assert_allclose(lin(x).numpy(), x.numpy() @ lin.weight.numpy().T + lin.bias.numpy(), rtol=1e-6)
    assert lin(ag.randn(2, 7, 5)).shape == (2, 7, 3)
    assert lin(ag.randn(5)).shape == (3,)
    assert nn.Linear(5, 3, bias=False).bias is None
    assert nn.Linear(5, 3, dtype=ag.float64).weight.dtype == np.float64


def test_linear_rejects_wrong_feature_count():
    with pytest.raises(RuntimeError, match=r"Linear\(in_features=5, out_features=3, bias=True\): expected input "
                                           r"with last dimension 5, got input of shape \(8, 4\)"):
        nn.Linear(5, 3)(ag.ones(8, 4))


@pytest.mark.parametrize("make, fan_in", [
    (lambda: nn.Linear(300, 200), 300),
    (lambda: nn.Conv2d(6, 40, 5), 150),
    (lambda: nn.Conv2d(8, 40, 3, groups=4), 18),
])
def test_default_init_is_torchs(make, fan_in):
    """kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the weight; same bound for the bias."""
    ag.manual_seed(0)
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    w = layer.weight.numpy()
    tol = 5 * bound / math.sqrt(w.size)  # ~5 standard errors of the sample mean / std
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.98 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < tol
    assert abs(w.mean()) < tol
    assert np.abs(layer.bias.numpy()).max() <= bound


def test_default_init_bounds_agree_with_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    for ours, theirs in [(nn.Linear(50, 20), torch.nn.Linear(50, 20)),
                         (nn.Conv2d(3, 16, 5), torch.nn.Conv2d(3, 16, 5)),
                         (nn.Conv2d(4, 8, (3, 2), groups=2), torch.nn.Conv2d(4, 8, (3, 2), groups=2))]:
        fan_in = nn.init._calculate_fan_in_and_fan_out(ours.weight)[0]
        assert fan_in == torch.nn.init._calculate_fan_in_and_fan_out(theirs.weight)[0]
        bound = 1 / math.sqrt(fan_in)
        for name in ("weight", "bias"):
            t = getattr(theirs, name).detach().numpy()
            o = getattr(ours, name).numpy()
            assert o.shape == t.shape and o.dtype == t.dtype
            assert np.abs(o).max() <= bound and np.abs(t).max() <= bound
        # the weights have enough samples to reach close to the common bound
        assert np.abs(ours.weight.numpy()).max() > 0.9 * bound and np.abs(theirs.weight.detach().numpy()).max() > 0.9 * bound


def test_conv2d_shapes_and_geometry():
    conv = nn.Conv2d(3, 8, 3, stride=2, padding=1, dilation=1)
    assert conv.weight.shape == (8, 3, 3, 3)
    assert conv(ag.randn(2, 3, 9, 9)).shape == (2, 8, 5, 5)
    assert conv(ag.randn(3, 9, 9)).shape == (8, 5, 5)  # unbatched
    grouped = nn.Conv2d(4, 6, (3, 1), groups=2, bias=False)
    assert grouped.weight.shape == (6, 2, 3, 1) and grouped.bias is None
    assert grouped(ag.randn(1, 4, 5, 5)).shape == (1, 6, 3, 5)
    for kernel, dilation in [(3, 1), (4, 1), ((2, 5), (2, 1))]:
        same = nn.Conv2d(2, 2, kernel, padding="same", dilation=dilation)
        assert same(ag.randn(1, 2, 7, 8)).shape == (1, 2, 7, 8)
    assert nn.Conv2d(2, 2, 3, padding="valid")(ag.randn(1, 2, 7, 8)).shape == (1, 2, 5, 6)


def test_conv2d_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(3, 6, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(3, 6, 3, padding_mode="mirror")
    conv = nn.Conv2d(1, 30, 5)
    with pytest.raises(RuntimeError, match=r"^Conv2d\(1, 30, kernel_size=\(5, 5\), stride=\(1, 1\)\): expected input "
                                           r"with 1 channels, got input of shape \(8, 3, 28, 28\)$"):
        conv(ag.ones(8, 3, 28, 28))
    with pytest.raises(RuntimeError, match=r"expected a 4-D \(N, C, H, W\) or 3-D \(C, H, W\) input, got input of "
                                           r"shape \(8, 784\)"):
        conv(ag.ones(8, 784))


def test_pool_layers():
    x = ag.randn(2, 3, 8, 8)
    assert nn.MaxPool2d(2)(x).shape == (2, 3, 4, 4)
    assert nn.MaxPool2d(3, stride=2, padding=1)(x).shape == (2, 3, 4, 4)
    assert nn.AvgPool2d(2)(x).shape == (2, 3, 4, 4)
    assert nn.AdaptiveAvgPool2d((1, 2))(x).shape == (2, 3, 1, 2)
    assert nn.MaxPool2d(2)(ag.randn(3, 8, 8)).shape == (3, 4, 4)
    windows = x.numpy().reshape(2, 3, 4, 2, 4, 2)
    np.testing.assert_array_equal(nn.MaxPool2d(2)(x).numpy(), windows.max(axis=(3, 5)))
    np.testing.assert_allclose(nn.AvgPool2d(2)(x).numpy(), windows.mean(axis=(3, 5)), rtol=1e-6)
    with pytest.raises(RuntimeError, match=r"MaxPool2d\(kernel_size=2, .*got input of shape \(2, 8\)"):
        nn.MaxPool2d(2)(ag.ones(2, 8))


def test_batchnorm_validation():
    bn = nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3, .*expected 4D input \(got 2D input of shape \(8, 3\)\)"):
        bn(ag.ones(8, 3))
    with pytest.raises(RuntimeError, match=r"expected input with 3 channels \(dim 1\), got input of shape \(8, 4, 5, 5\)"):
        bn(ag.ones(8, 4, 5, 5))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.BatchNorm1d(3)(ag.ones(2, 3, 4, 4))


def test_batchnorm_running_statistics_and_modes():
    ag.manual_seed(1)
    bn = nn.BatchNorm1d(4, momentum=0.1)
    x = ag.randn(16, 4) * 3 + 1
    y = bn(x)
    np.testing.assert_allclose(y.numpy().mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(y.numpy().std(0), 1, atol=1e-3)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * x.numpy().mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * x.numpy().var(0, ddof=1), rtol=1e-5)
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    y = bn(x)
    expected = (x.numpy() - bn.running_mean.numpy()) / np.sqrt(bn.running_var.numpy() + 1e-5)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert bn.num_batches_tracked.item() == 1  # eval does not count batches

    cumulative = nn.BatchNorm1d(2, momentum=None)
    a, b = ag.randn(8, 2), ag.randn(8, 2)
    cumulative(a), cumulative(b)
    np.testing.assert_allclose(cumulative.running_mean.numpy(), (a.numpy().mean(0) + b.numpy().mean(0)) / 2, rtol=1e-5)

    untracked = nn.BatchNorm2d(2, track_running_stats=False, affine=False)
    assert untracked.running_mean is None and list(untracked.parameters()) == []
    assert list(untracked.state_dict()) == []
    untracked.eval()
    out = untracked(ag.randn(4, 2, 3, 3) + 5)
    np.testing.assert_allclose(out.numpy().mean((0, 2, 3)), 0, atol=1e-5)  # batch statistics even in eval

    seq = nn.BatchNorm1d(3)
    assert seq(ag.randn(4, 3, 5)).shape == (4, 3, 5)


def test_dropout_modes():
    ag.manual_seed(2)
    drop = nn.Dropout(0.25)
    x = ag.ones(200, 100)
    y = drop(x).numpy()
    assert abs((y == 0).mean() - 0.25) < 0.02
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / 0.75], rtol=1e-6)
    drop.eval()
    assert np.array_equal(drop(x).numpy(), x.numpy())
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_activations_against_numpy():
    x = ag.tensor(np.linspace(-3, 3, 13, dtype=np.float32))
    d = x.numpy()
    np.testing.assert_allclose(nn.ReLU()(x).numpy(), np.maximum(d, 0))
    np.testing.assert_allclose(nn.LeakyReLU(0.2)(x).numpy(), np.where(d > 0, d, 0.2 * d), rtol=1e-6)
    np.testing.assert_allclose(nn.Sigmoid()(x).numpy(), 1 / (1 + np.exp(-d)), rtol=1e-6)
    np.testing.assert_allclose(nn.Tanh()(x).numpy(), np.tanh(d), rtol=1e-6)
    erf = np.vectorize(math.erf)
    np.testing.assert_allclose(nn.GELU()(x).numpy(), d * 0.5 * (1 + erf(d / math.sqrt(2))), rtol=1e-5, atol=1e-6)
    tanh_gelu = 0.5 * d * (1 + np.tanh(math.sqrt(2 / math.pi) * (d + 0.044715 * d**3)))
    np.testing.assert_allclose(nn.GELU("tanh")(x).numpy(), tanh_gelu, rtol=1e-5, atol=1e-6)
    logits = ag.randn(3, 4)
    p = np.exp(logits.numpy()) / np.exp(logits.numpy()).sum(1, keepdims=True)
    np.testing.assert_allclose(nn.Softmax(dim=1)(logits).numpy(), p, rtol=1e-5)
    np.testing.assert_allclose(nn.LogSoftmax(dim=1)(logits).numpy(), np.log(p), rtol=1e-5, atol=1e-6)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        np.testing.assert_allclose(nn.Softmax()(logits).numpy(), p, rtol=1e-5)
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")


def test_implicit_softmax_dim_warning_points_at_the_caller():
    x = ag.randn(3, 4)
    for layer in (nn.Softmax(), nn.LogSoftmax()):
        with pytest.warns(UserWarning, match="dim=1") as record:
            layer(x)
        assert record[0].filename == __file__, type(layer).__name__


def test_flatten_unflatten_identity():
    x = ag.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    with pytest.raises(RuntimeError, match="does not multiply"):
        nn.Unflatten(1, (7, 7))(ag.randn(2, 60))
    assert nn.Identity(54, unused="x")(x) is x


def test_loss_layers_reduce_and_register_weights():
    ag.manual_seed(3)
    logits, target = ag.randn(6, 4), ag.tensor([0, 1, 2, 3, 0, 1])
    logp = logits.numpy() - np.log(np.exp(logits.numpy()).sum(1, keepdims=True))
    nll = -logp[np.arange(6), target.numpy()]
    np.testing.assert_allclose(nn.CrossEntropyLoss()(logits, target).item(), nll.mean(), rtol=1e-5)
    np.testing.assert_allclose(nn.CrossEntropyLoss(reduction="sum")(logits, target).item(), nll.sum(), rtol=1e-5)
    np.testing.assert_allclose(nn.CrossEntropyLoss(reduction="none")(logits, target).numpy(), nll, rtol=1e-5)
    np.testing.assert_allclose(nn.NLLLoss()(ag.tensor(logp), target).item(), nll.mean(), rtol=1e-5)
    a, b = ag.randn(3, 2), ag.randn(3, 2)
    np.testing.assert_allclose(nn.MSELoss()(a, b).item(), ((a.numpy() - b.numpy()) ** 2).mean(), rtol=1e-5)
    weighted = nn.CrossEntropyLoss(weight=ag.tensor([1.0, 2.0, 3.0, 4.0]))
    assert list(weighted.state_dict()) == ["weight"]
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(TypeError, match="weight must be a Tensor"):
        nn.CrossEntropyLoss(weight=[1.0, 2.0])
    z, t = ag.randn(4, 3), ag.tensor(np.random.default_rng(0).integers(0, 2, (4, 3)).astype(np.float32))
    ref = np.maximum(z.numpy(), 0) - z.numpy() * t.numpy() + np.log1p(np.exp(-np.abs(z.numpy())))
    np.testing.assert_allclose(nn.BCEWithLogitsLoss()(z, t).item(), ref.mean(), rtol=1e-5)


# -- against PyTorch, with copied weights --------------------------------------------------------------------


def test_linear_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Linear(7, 5), torch.nn.Linear(7, 5)
    _torch_copy(torch, ours, theirs)
    _compare(torch, ours, theirs, np.random.default_rng(1).standard_normal((4, 7)).astype(np.float32))


@pytest.mark.parametrize("kwargs", [
    dict(in_channels=3, out_channels=4, kernel_size=3),
    dict(in_channels=2, out_channels=6, kernel_size=(3, 2), stride=2, padding=1),
    dict(in_channels=4, out_channels=4, kernel_size=3, dilation=2, groups=2, bias=False),
    dict(in_channels=2, out_channels=3, kernel_size=4, padding="same"),
])
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_conv2d_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Conv2d(**kwargs), torch.nn.Conv2d(**kwargs)
    _torch_copy(torch, ours, theirs)
    x = np.random.default_rng(2).standard_normal((2, kwargs["in_channels"], 9, 8)).astype(np.float32)
    _compare(torch, ours, theirs, x)


def test_batchnorm2d_matches_torch_in_train_and_eval():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm2d(3, momentum=0.2), torch.nn.BatchNorm2d(3, momentum=0.2)
    rng = np.random.default_rng(3)
    with torch.no_grad():  # non-trivial affine parameters
        theirs.weight.copy_(torch.tensor([0.5, 1.5, -1.0]))
        theirs.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = (rng.standard_normal((4, 3, 5, 6)) * 2 + 1).astype(np.float32)
    _compare(torch, ours, theirs, x)
    for _ in range(2):
        ours(ag.tensor(x)), theirs(torch.from_numpy(x))
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-6, err_msg=key)
    ours.eval(), theirs.eval()
    x2 = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    ours.zero_grad(), theirs.zero_grad()
    _compare(torch, ours, theirs, x2)


def test_losses_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    logits = rng.standard_normal((5, 3)).astype(np.float32)
    target = np.array([0, 2, 1, 2, 0])
    weight = np.array([0.2, 1.0, 3.0], np.float32)
    cases = [
        (nn.CrossEntropyLoss(weight=ag.tensor(weight), label_smoothing=0.1),
         torch.nn.CrossEntropyLoss(weight=torch.from_numpy(weight), label_smoothing=0.1), target),
        (nn.NLLLoss(reduction="sum"), torch.nn.NLLLoss(reduction="sum"), target),
        (nn.MSELoss(), torch.nn.MSELoss(), rng.standard_normal((5, 3)).astype(np.float32)),
        (nn.BCEWithLogitsLoss(pos_weight=ag.tensor([1.0, 2.0, 0.5])),
         torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([1.0, 2.0, 0.5])),
         rng.integers(0, 2, (5, 3)).astype(np.float32)),
    ]
    for ours, theirs, t in cases:
        x, tx = ag.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
        loss, tloss = ours(x, ag.tensor(t)), theirs(tx, torch.from_numpy(t))
        loss.backward(), tloss.backward()
        np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-5, err_msg=repr(ours))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=repr(ours))


def test_layers_have_no_warnings_on_normal_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Dropout(0.1), nn.Linear(2 * 3 * 3, 4), nn.Softmax(dim=1))
        assert model(ag.randn(2, 1, 8, 8)).shape == (2, 4)


def test_batchnorm_loads_a_checkpoint_without_num_batches_tracked():
    bn = nn.BatchNorm2d(3)
    with ag.no_grad():
        bn.running_mean.fill_(0.5)
        bn.num_batches_tracked.fill_(7)
    old = {k: v for k, v in bn.state_dict().items() if not k.endswith("num_batches_tracked")}
    fresh = nn.BatchNorm2d(3)
    result = fresh.load_state_dict(old)
    assert not result.missing_keys and not result.unexpected_keys
    assert fresh.num_batches_tracked.item() == 0
    np.testing.assert_array_equal(fresh.running_mean.numpy(), np.full(3, 0.5, np.float32))
