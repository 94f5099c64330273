"""nn.models: output shapes, names, initialisation, and gradient accumulation equivalence."""
import math

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from nn.models import MLP, AlexNet, DeepConvNet, LeNet5, SimpleConvNet


@pytest.mark.parametrize("make, shape", [
    (lambda: SimpleConvNet(), (2, 1, 28, 28)),
    (lambda: SimpleConvNet(input_dim=(3, 32, 32), conv_param={"filter_num": 8, "pad": 1}), (2, 3, 32, 32)),
    (lambda: LeNet5(), (2, 1, 28, 28)),
    (lambda: LeNet5(in_channels=3, input_size=32), (2, 3, 32, 32)),
    (lambda: LeNet5(activation="tanh", pooling="avg"), (2, 1, 28, 28)),
    (lambda: AlexNet(in_channels=1, width=0.125), (2, 1, 28, 28)),
    (lambda: AlexNet(width=0.125), (2, 3, 32, 32)),
    (lambda: MLP(), (2, 784)),
    (lambda: MLP(), (2, 1, 28, 28)),
    (lambda: MLP(hidden_sizes=(50,) * 6, activation="sigmoid", weight_init="xavier", batchnorm=True, dropout=0.2), (2, 784)),
    (lambda: MLP(input_size=3 * 32 * 32, activation="tanh", weight_init=0.05), (2, 3, 32, 32)),
    (lambda: DeepConvNet(), (2, 1, 28, 28)),
    (lambda: DeepConvNet(input_dim=(3, 32, 32)), (2, 3, 32, 32)),
])
def test_forward_shapes(make, shape):
    ag.manual_seed(0)
    model = make()
    out = model(ag.randn(*shape))
    assert out.shape == (2, 10)
    assert np.all(np.isfinite(out.numpy()))
    F.cross_entropy(out, ag.tensor([1, 2])).backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())


def test_simple_conv_net_is_the_books():
    net = SimpleConvNet()
    assert [n for n, _ in net.named_children()] == ["conv1", "relu1", "pool1", "flatten", "fc1", "relu2", "fc2"]
    shapes = {n: p.shape for n, p in net.named_parameters()}
    assert shapes == {"conv1.weight": (30, 1, 5, 5), "conv1.bias": (30,), "fc1.weight": (100, 4320),
                      "fc1.bias": (100,), "fc2.weight": (10, 100), "fc2.bias": (10,)}
    assert abs(net.fc1.weight.numpy().std() - 0.01) < 0.0005  # weight_init_std * randn, as the book
    assert all(np.all(net.get_parameter(n).numpy() == 0) for n in shapes if n.endswith("bias"))
    assert isinstance(net.pool1, nn.MaxPool2d) and net.pool1.kernel_size == 2
    he = SimpleConvNet(weight_init_std="he")
    assert abs(he.fc1.weight.numpy().std() - math.sqrt(2 / 4320)) < 0.05 * math.sqrt(2 / 4320)
    with pytest.raises(ValueError, match="too small|leaves"):
        SimpleConvNet(input_dim=(1, 5, 5), conv_param={"filter_size": 5})


def test_mlp_switches():
    plain = MLP(hidden_sizes=(100, 100))
    assert [n for n, _ in plain.named_children()] == ["flatten", "fc1", "act1", "fc2", "act2", "fc3"]
    full = MLP(hidden_sizes=(100, 100), activation="sigmoid", batchnorm=True, dropout=0.5)
    assert [n for n, _ in full.named_children()] == [
        "flatten", "fc1", "bn1", "act1", "dropout1", "fc2", "bn2", "act2", "dropout2", "fc3"]
    assert isinstance(full.act1, nn.Sigmoid) and full.dropout1.p == 0.5
    ag.manual_seed(1)
    for init, std in [("std", 0.01), (0.1, 0.1), ("he", math.sqrt(2 / 784)), ("xavier", math.sqrt(1 / 784))]:
        w = MLP(weight_init=init).fc1.weight.numpy()
        assert abs(w.std() - std) < 0.03 * std, init
    default = MLP(weight_init="default").fc1.weight.numpy()
    assert np.abs(default).max() <= 1 / math.sqrt(784)
    with pytest.raises(ValueError, match="unknown activation"):
        MLP(activation="swish")
    with pytest.raises(ValueError, match="unknown weight init"):
        MLP(weight_init="glorot")
    with pytest.raises(ValueError, match="dropout"):
        MLP(dropout=1.0)


def test_init_weights_names_ignore_case():
    # 'STD' passed the name check but then reached float('STD'); every name must work in any case.
    ag.manual_seed(2)
    for init, std in [("STD", 0.01), ("He", math.sqrt(2 / 784)), ("XAVIER", math.sqrt(1 / 784))]:
        w = MLP(weight_init=init).fc1.weight.numpy()
        assert abs(w.std() - std) < 0.03 * std, init


def test_deep_conv_net_is_he_initialised_and_vgg_like():
    net = DeepConvNet()
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [16, 16, 32, 32, 64, 64]
    assert all(c.kernel_size == (3, 3) for c in convs)
    assert net.fc1.in_features == 64 * 4 * 4 and net.fc2.out_features == 10
    assert sum(isinstance(m, nn.MaxPool2d) for m in net.modules()) == 3
    assert isinstance(net.dropout, nn.Dropout)
    fan_in = 32 * 9
    assert abs(convs[4].weight.numpy().std() - math.sqrt(2 / fan_in)) < 0.1 * math.sqrt(2 / fan_in)


def test_lenet_and_alexnet_structure():
    lenet = LeNet5()
    assert [n for n, _ in lenet.named_children()] == ["features", "classifier"]
    assert lenet.features[0].padding == (2, 2) and lenet.classifier[0].in_features == 400
    assert LeNet5(input_size=32).features[0].padding == (0, 0)
    alex = AlexNet(width=1.0)
    assert [m.out_channels for m in alex.modules() if isinstance(m, nn.Conv2d)] == [64, 192, 384, 256, 256]
    assert sum(isinstance(m, nn.Linear) for m in alex.modules()) == 3
    assert sum(isinstance(m, nn.Dropout) for m in alex.modules()) == 2
    with pytest.raises(RuntimeError, match="too small"):
        AlexNet(width=0.125)(ag.randn(1, 3, 12, 12))


def test_models_switch_dropout_off_in_eval():
    ag.manual_seed(2)
    net = DeepConvNet().eval()
    x = ag.randn(2, 1, 28, 28)
    np.testing.assert_array_equal(net(x).numpy(), net(x).numpy())


def _small_cnn():
    ag.manual_seed(3)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3),
                          nn.ReLU(), nn.Flatten(), nn.Linear(6 * 2 * 2, 5))
    return model.double()  # float64: the two schedules then agree to ~1e-12


def _sgd(model, lr):
    with ag.no_grad():
        for p in model.parameters():
            p.sub_(p.grad, alpha=lr)
    model.zero_grad()


def test_gradient_accumulation_over_halves_equals_one_batch():
    rng = np.random.default_rng(4)
    x = ag.tensor(rng.standard_normal((8, 1, 8, 8)))
    t = ag.tensor(rng.integers(0, 5, 8))
    one, accum = _small_cnn(), _small_cnn()
    for step in range(3):
        loss = F.cross_entropy(one(x), t)
        loss.backward()
        full_grads = [p.grad.numpy().copy() for p in one.parameters()]
        _sgd(one, 0.1)

        total = 0.0
        for half in (slice(0, 4), slice(4, 8)):
            part = F.cross_entropy(accum(x[half]), t[half]) * 0.5  # mean over 4 -> mean over 8
            part.backward()
            total += part.item()
        for g, p in zip(full_grads, accum.parameters()):
            np.testing.assert_allclose(p.grad.numpy(), g, rtol=1e-10, atol=1e-13)
        _sgd(accum, 0.1)
        assert np.allclose(total, loss.item(), rtol=1e-12, atol=0), step
    for p, q in zip(one.parameters(), accum.parameters()):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-10, atol=1e-13)
