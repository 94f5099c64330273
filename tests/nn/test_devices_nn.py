"""Models on another array namespace: ``Module.to(xp)`` moves parameters, and training on ``array_api_strict``
gives numpy's losses (a numpy call leaking into a layer, a loss or an optimizer fails there: see
tests/autograd/test_devices.py for why arrays live on array_api_strict's ``device1``)."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import optim
from autograd.backend import data_of, namespace, wrap_namespace
from autograd.testing import check_on_namespace

xps = pytest.importorskip("array_api_strict")
DEVICE1 = wrap_namespace(xps, xps.Device("device1"))  # the namespace on a device numpy cannot read


RNG = np.random.default_rng(2)
TARGETS_2D = RNG.integers(0, 4, (2, 3, 3))
FUNCTIONAL = {
    "linear": ([RNG.normal(size=(5, 3)), RNG.normal(size=(4, 3)), RNG.normal(size=4)], F.linear),
    "relu": ([RNG.normal(size=(3, 4))], F.relu),
    "leaky_relu": ([RNG.normal(size=(3, 4))], lambda a: F.leaky_relu(a, 0.1)),
    "softplus": ([RNG.normal(size=(3, 4)) * 3], lambda a: F.softplus(a, beta=2.0, threshold=3.0)),
    "gelu_tanh": ([RNG.normal(size=(3, 4))], lambda a: F.gelu(a, approximate="tanh")),
    "sigmoid_tanh": ([RNG.normal(size=(3, 4))], lambda a: ag.sigmoid(a) * ag.tanh(a)),
    "softmax": ([RNG.normal(size=(3, 4))], lambda a: F.softmax(a, dim=1)),
    "log_softmax": ([RNG.normal(size=(3, 4))], lambda a: F.log_softmax(a, dim=1)),
    "cross_entropy": ([RNG.normal(size=(5, 4))], lambda a: F.cross_entropy(a, _like(ag.tensor([0, 3, 1, 1, 2]), a))),
    "cross_entropy_smooth_weight": ([RNG.normal(size=(5, 4))], lambda a: F.cross_entropy(
        a, _like(ag.tensor([0, 3, 1, -100, 2]), a), weight=_like(ag.tensor([1.0, 2.0, 0.5, 1.0], dtype=ag.float64), a),
        label_smoothing=0.1)),
    "cross_entropy_probabilities": ([RNG.normal(size=(3, 4)), RNG.uniform(size=(3, 4))],
                                    lambda a, p: F.cross_entropy(a, p / p.sum(1, keepdim=True))),
    "nll_loss": ([RNG.normal(size=(5, 4))], lambda a: F.nll_loss(F.log_softmax(a, 1), _like(ag.tensor([0, 3, 1, 1, 2]), a))),
    "mse_loss": ([RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))], F.mse_loss),
    "dropout": ([RNG.normal(size=(3, 4))], lambda a: (ag.manual_seed(0), F.dropout(a, 0.5))[1]),
    # conv, pooling and batch norm: generic paths (im2col from slicing, col2im by slice-adds) outside numpy
    "conv2d": ([RNG.normal(size=(2, 3, 5, 5)), RNG.normal(size=(4, 3, 3, 3)), RNG.normal(size=4)],
               lambda x, w, b: F.conv2d(x, w, b, padding=1)),
    "conv2d_groups_dilation": ([RNG.normal(size=(2, 4, 6, 7)), RNG.normal(size=(6, 2, 2, 3))],
                               lambda x, w: F.conv2d(x, w, None, stride=(1, 2), padding=(1, 0), dilation=(2, 1), groups=2)),
    "conv1d_same": ([RNG.normal(size=(2, 3, 7)), RNG.normal(size=(4, 3, 4)), RNG.normal(size=4)],
                    lambda x, w, b: F.conv1d(x, w, b, padding="same")),
    "unfold_fold": ([RNG.normal(size=(2, 3, 5, 5))], lambda x: F.fold(F.unfold(x, 2, padding=1, stride=2), (5, 5), 2, padding=1, stride=2)),
    "max_pool2d": ([RNG.normal(size=(2, 3, 6, 6))], lambda x: F.max_pool2d(x, 2)),
    "max_pool2d_padded": ([RNG.normal(size=(2, 3, 7, 8))], lambda x: F.max_pool2d(x, 3, 2, 1)),
    "max_pool2d_dilated_ceil": ([RNG.normal(size=(2, 3, 7, 8))], lambda x: F.max_pool2d(x, (2, 3), 2, dilation=(2, 1), ceil_mode=True)),
    "max_pool1d": ([RNG.normal(size=(2, 3, 8))], lambda x: F.max_pool1d(x, 2)),
    "avg_pool2d": ([RNG.normal(size=(2, 3, 6, 6))], lambda x: F.avg_pool2d(x, 2)),
    "avg_pool2d_padded": ([RNG.normal(size=(2, 3, 7, 8))], lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)),
    "avg_pool2d_ceil": ([RNG.normal(size=(2, 3, 7, 8))], lambda x: F.avg_pool2d(x, 3, 2, ceil_mode=True)),
    "batch_norm_train": ([RNG.normal(size=(4, 3, 2, 2)), RNG.normal(size=3), RNG.normal(size=3)],
                         lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True)),
    "batch_norm_1d": ([RNG.normal(size=(5, 3))], lambda x: F.batch_norm(x, None, None, training=True)),
    "layer_norm": ([RNG.normal(size=(3, 4)), RNG.normal(size=4)], lambda x, w: F.layer_norm(x, (4,), w)),
    "adaptive_avg_pool2d": ([RNG.normal(size=(2, 3, 7, 6))], lambda x: F.adaptive_avg_pool2d(x, (3, 2))),
    "adaptive_avg_pool2d_even": ([RNG.normal(size=(2, 3, 6, 6))], lambda x: F.adaptive_avg_pool2d(x, 3)),
    "conv_transpose2d": ([RNG.normal(size=(2, 3, 4, 4)), RNG.normal(size=(3, 2, 3, 3))],
                         lambda x, w: F.conv_transpose2d(x, w, stride=2)),
    "group_norm": ([RNG.normal(size=(2, 4, 3))], lambda x: F.group_norm(x, 2)),
    # gathers and scatters through index arrays (the array API's own indexing is narrower than numpy's)
    "adaptive_max_pool2d": ([RNG.normal(size=(2, 3, 7, 6))], lambda x: F.adaptive_max_pool2d(x, (3, 2))),
    "max_unpool2d": ([RNG.normal(size=(2, 3, 6, 7))],
                     lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2, output_size=(6, 7))),
    "interpolate_nearest": ([RNG.normal(size=(2, 3, 4, 5))], lambda x: F.interpolate(x, scale_factor=(2, 1.5))),
    "interpolate_nearest_exact_1d": ([RNG.normal(size=(2, 3, 4))], lambda x: F.interpolate(x, size=7, mode="nearest-exact")),
    "interpolate_bilinear": ([RNG.normal(size=(2, 3, 4, 5))], lambda x: F.interpolate(x, size=(7, 3), mode="bilinear")),
    "interpolate_linear_corners": ([RNG.normal(size=(2, 3, 4))],
                                   lambda x: F.interpolate(x, size=7, mode="linear", align_corners=True)),
    "interpolate_area": ([RNG.normal(size=(2, 3, 6, 6))], lambda x: F.interpolate(x, size=(4, 3), mode="area")),
    "embedding": ([RNG.normal(size=(5, 3))], lambda w: F.embedding(_like(ag.tensor([[0, 2, 2], [4, 1, 0]]), w), w)),
    "embedding_padding_freq": ([RNG.normal(size=(5, 3))], lambda w: F.embedding(
        _like(ag.tensor([0, 2, 2, 4]), w), w, padding_idx=0, scale_grad_by_freq=True)),
    "embedding_max_norm": ([RNG.normal(size=(5, 3))],
                           lambda w: F.embedding(_like(ag.tensor([[0, 2], [2, 4]]), w), w * 1.0, max_norm=1.0)),
    "pad_reflect": ([RNG.normal(size=(2, 3, 4, 5))], lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect")),
    "pad_replicate": ([RNG.normal(size=(2, 3, 4))], lambda x: F.pad(x, (2, 3), mode="replicate")),
    "pad_circular_cropped": ([RNG.normal(size=(2, 3, 4, 5))], lambda x: F.pad(x, (1, 2, -1, 2), mode="circular")),
    "conv2d_padding_mode_reflect": ([RNG.normal(size=(1, 2, 5, 5)), RNG.normal(size=(3, 2, 3, 3))],
                                    lambda x, w: F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), w)),
    "one_hot": ([RNG.normal(size=(3, 4))], lambda x: x * F.one_hot(_like(ag.tensor([0, 3, 1]), x), 4).to(x.dtype)),
    "gelu_exact": ([RNG.normal(size=(3, 4)) * 3], F.gelu),
    "cross_entropy_2d": ([RNG.normal(size=(2, 4, 3, 3))],
                         lambda a: F.cross_entropy(a, _like(ag.tensor(TARGETS_2D), a))),
}


def _like(t, a):
    """``t`` in ``a``'s namespace and device (class targets follow the logits)."""
    return t.to(namespace(data_of(a)))


@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
def test_functional_on_array_api_strict_matches_numpy(name):
    arrays, fn = FUNCTIONAL[name]
    tight = not name.startswith(("batch_norm", "layer_norm", "group_norm"))  # (sums in another order)
    check_on_namespace(fn, arrays, DEVICE1, rtol=1e-12 if tight else 1e-9, atol=1e-12 if tight else 1e-10)


@pytest.mark.parametrize("pool", [lambda x: F.max_pool2d(x, 3, 2, 1, return_indices=True),
                                  lambda x: F.adaptive_max_pool2d(x, (3, 5), return_indices=True)])
def test_max_pool_indices_on_array_api_strict_match_numpy(pool):
    x = ag.asarray(RNG.normal(size=(2, 3, 7, 8)))
    _, expected = pool(x)
    _, got = pool(x.to(DEVICE1))
    assert got._data.device == DEVICE1.device
    np.testing.assert_array_equal(got.to(np).numpy(), expected.numpy())


@pytest.mark.parametrize("name, make, shape", [
    ("lstm_bidirectional", lambda: nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True), (2, 5, 3)),
    ("gru", lambda: nn.GRU(3, 4), (5, 2, 3)),
    ("rnn_relu", lambda: nn.RNN(3, 4, nonlinearity="relu"), (5, 2, 3)),
    ("lstm_cell", lambda: nn.LSTMCell(3, 4), (2, 3)),
    ("upsample_bilinear", lambda: nn.Upsample(scale_factor=2, mode="bilinear"), (1, 2, 3, 3)),
    ("conv_circular", lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular"), (1, 2, 5, 5)),
    ("adaptive_max_pool", lambda: nn.AdaptiveMaxPool2d(2), (1, 2, 5, 5)),
])
def test_layers_on_array_api_strict_match_numpy(name, make, shape):
    x0 = RNG.normal(size=shape)

    def run(target):
        ag.manual_seed(0)
        model = make().double()
        x = ag.asarray(x0.copy())
        if target is not None:
            model.to(target)
            x = x.to(target)
        x.requires_grad_()
        y = model(x)
        y = y[0] if isinstance(y, tuple) else y
        (y * y).sum().backward()
        return [t.detach().to(np).numpy() for t in [y, x.grad] + [p.grad for p in model.parameters()]]

    for got, expected in zip(run(DEVICE1), run(None)):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_embedding_layer_on_array_api_strict():
    def run(target):
        ag.manual_seed(0)
        layer = nn.Embedding(6, 3, padding_idx=1, max_norm=0.5).double()
        idx = ag.tensor([[0, 1, 5], [2, 2, 1]])
        if target is not None:
            layer.to(target)
            idx = idx.to(target)
        y = layer(idx)
        (y * y).sum().backward()
        return [t.detach().to(np).numpy() for t in (y, layer.weight, layer.weight.grad)]

    for got, expected in zip(run(DEVICE1), run(None)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


def test_batch_norm_module_running_statistics_on_array_api_strict():
    x0 = RNG.normal(size=(4, 3, 2, 2))

    def run(target):
        m = nn.BatchNorm2d(3).double()
        x = ag.asarray(x0)
        if target is not None:
            m.to(target)
            x = x.to(target)
        y = m(x)
        m.eval()
        return [t.detach().to(np).numpy() for t in (y, m(x), m.running_mean, m.running_var, m.num_batches_tracked)]

    for got, expected in zip(run(DEVICE1), run(None)):
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
def test_simple_convnet_steps_on_array_api_strict_as_on_numpy(opt_name):
    rng = np.random.default_rng(5)
    x, t = ag.asarray(rng.standard_normal((4, 1, 28, 28)).astype(np.float32)), ag.asarray(rng.integers(0, 10, 4))

    def run(target):
        ag.manual_seed(0)
        model = nn.models.SimpleConvNet()
        opt = OPTIMIZERS[opt_name](model.parameters())
        xs, ts = x, t
        if target is not None:
            model.to(target)
            xs, ts = x.to(target), t.to(target)
        losses = []
        for _ in range(2):
            loss = F.cross_entropy(model(xs), ts)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, [p.detach().to(np).numpy() for p in model.parameters()]

    (got, got_params), (expected, expected_params) = run(DEVICE1), run(None)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    for a, b in zip(got_params, expected_params):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)  # (Adam scales float32 rounding up to ~lr)


def _mlp():
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def _data():
    rng = np.random.default_rng(1)
    return ag.asarray(rng.standard_normal((6, 4)).astype(np.float32)), ag.asarray(rng.integers(0, 3, 6))


def _train(target, make_opt, steps=4, before=True):
    model = _mlp()
    if before:  # built before the move: it keeps working (same Parameter objects)
        opt = make_opt(model.parameters())
    if target is not None:
        model.to(target)
    if not before:
        opt = make_opt(model.parameters())
    x, t = _data()
    if target is not None:
        x, t = x.to(target), t.to(target)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, model


OPTIMIZERS = {
    "sgd": lambda p: optim.SGD(p, lr=0.1),
    "sgd_momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda p: optim.Adam(p, lr=0.01),
    "adam_amsgrad": lambda p: optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=1e-3),
    "adamw": lambda p: optim.AdamW(p, lr=0.01),
    "adagrad": lambda p: optim.Adagrad(p, lr=0.1),
    "rmsprop_centered": lambda p: optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5),
    "adadelta": lambda p: optim.Adadelta(p),
    "adamax": lambda p: optim.Adamax(p, lr=0.01),
    "nadam": lambda p: optim.NAdam(p, lr=0.01),
    "radam": lambda p: optim.RAdam(p, lr=0.01),
    "asgd": lambda p: optim.ASGD(p, lr=0.05, t0=1),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_mlp_trains_on_array_api_strict_as_on_numpy(name):
    # Adagrad makes its state when built (as PyTorch's), so it is built after the move, as PyTorch needs too.
    before = name != "adagrad"
    expected, _ = _train(None, OPTIMIZERS[name], before=before)
    got, model = _train(DEVICE1, OPTIMIZERS[name], before=before)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert expected[-1] < expected[0] or name == "adadelta"  # (Adadelta's first steps are tiny)
    for p in model.parameters():
        assert p._data.device == xps.Device("device1") and p.grad._data.device == xps.Device("device1")


def test_a_model_and_data_in_different_namespaces_is_an_error():
    model = _mlp().to(xps)
    with pytest.raises(RuntimeError, match="linear: .*numpy on cpu and array_api_strict"):
        model(ag.ones(2, 4))


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_on_array_api_strict_as_on_numpy(line_search):
    x, t = _data()

    def run(target):
        model = _mlp()
        if target is not None:
            model.to(target)
        xs, ts = (x, t) if target is None else (x.to(target), t.to(target))
        opt = optim.LBFGS(model.parameters(), lr=0.5, max_iter=5, line_search_fn=line_search)

        def closure():
            opt.zero_grad()
            loss = F.cross_entropy(model(xs), ts)
            loss.backward()
            return loss

        return [float(opt.step(closure)) for _ in range(3)]

    np.testing.assert_allclose(run(DEVICE1), run(None), rtol=1e-5)


def test_module_to_a_namespace_module_and_back():
    model = _mlp()
    before = [p.detach().numpy().copy() for p in model.parameters()]
    params = list(model.parameters())
    assert model.to(xps) is model
    assert [p for p in model.parameters()] == params  # the same objects, moved in place
    assert all(type(p._data) is type(xps.asarray(0.0)) for p in params)
    model.to(np)
    assert all(type(p._data) is np.ndarray for p in params)
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.numpy(), b)


def test_optimizer_state_moves_with_its_parameters_on_load():
    _, model = _train(None, OPTIMIZERS["adam"], steps=1)
    opt = optim.Adam(model.parameters(), lr=0.01)
    x, t = _data()
    F.cross_entropy(model(x), t).backward()
    opt.step()
    saved = opt.state_dict()
    model.to(DEVICE1)
    opt2 = optim.Adam(model.parameters(), lr=0.01)
    opt2.load_state_dict(saved)
    for state in opt2.state.values():
        assert state["exp_avg"]._data.device == xps.Device("device1")
    F.cross_entropy(model(x.to(DEVICE1)), t.to(DEVICE1)).backward()
    opt2.step()  # runs in the parameters' namespace


def test_fit_on_a_device_moves_the_model_and_each_batch():
    import scratchgrad
    from autograd.data import DataLoader, TensorDataset

    rng = np.random.default_rng(3)
    data = TensorDataset(ag.asarray(rng.standard_normal((12, 4)).astype(np.float32)), ag.asarray(rng.integers(0, 3, 12)))

    def run(device):
        model = _mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        loader = DataLoader(data, batch_size=4)  # host batches: fit moves them where the model is
        history = scratchgrad.fit(model, opt, loader, loader, epochs=2, progress=False, device=device)
        return history, model

    expected, _ = run(None)
    got, model = run(DEVICE1)
    np.testing.assert_allclose(got["train_loss"], expected["train_loss"], rtol=1e-5)
    np.testing.assert_allclose(got["test_loss"], expected["test_loss"], rtol=1e-5)
    assert got["test_acc"] == expected["test_acc"]
    assert all(p._data.device == xps.Device("device1") for p in model.parameters())


def test_load_state_dict_writes_host_values_into_moved_parameters():
    model = _mlp()
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.to(DEVICE1)
    with ag.no_grad():
        for p in model.parameters():
            p.mul_(0.0)
    model.load_state_dict(state)
    for (name, p), v in zip(model.state_dict().items(), state.values()):
        assert p._data.device == xps.Device("device1"), name
        np.testing.assert_array_equal(p.detach().to(np).numpy(), v.numpy())


def test_second_order_through_linear_and_cross_entropy_on_array_api_strict():
    rng = np.random.default_rng(4)
    x0, w0 = rng.normal(size=(5, 4)), rng.normal(size=(3, 4))

    def run(move):
        x = move(ag.asarray(x0)).detach().requires_grad_()
        w = move(ag.asarray(w0)).detach().requires_grad_()
        loss = F.cross_entropy(F.leaky_relu(F.linear(x, w), 0.1), move(ag.tensor([0, 2, 1, 1, 0])), label_smoothing=0.1)
        gx, gw = ag.grad(loss, (x, w), create_graph=True)
        (gx * gx).sum().backward()
        return [a.detach().to(np).numpy() for a in (gx, gw, x.grad, w.grad)]

    for got, expected in zip(run(lambda t: t.to(DEVICE1)), run(lambda t: t)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
