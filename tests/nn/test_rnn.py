"""RNN, LSTM, GRU and their cells: PyTorch's parameter names, shapes, init and repr; outputs and gradients (input,
initial states and every parameter) against PyTorch with copied weights; gradcheck and gradgradcheck in float64;
dropout between layers; PyTorch's errors."""
import math
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
from nn.modules.rnn_cell import gru_step, lstm_step, rnn_relu_step, rnn_tanh_step

torch = pytest.importorskip("torch")

LAYERS = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}
CELLS = {"RNNCell": nn.RNNCell, "LSTMCell": nn.LSTMCell, "GRUCell": nn.GRUCell}


def _copy_weights(ours, theirs):
    """Copy our parameters into the torch module of the same structure (names must agree)."""
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    with torch.no_grad():
        for name, p in ours.named_parameters():
            dict(theirs.named_parameters())[name].copy_(torch.from_numpy(p.numpy().copy()))


def _states(rng, shapes):
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def _run_both(kind, kwargs, x, states, rng):
    """Forward and backward of ours and torch's module; returns (ours, theirs, leaves, tleaves, outputs, toutputs)."""
    ours, theirs = LAYERS.get(kind, CELLS.get(kind))(**kwargs), getattr(torch.nn, kind)(**kwargs)
    _copy_weights(ours, theirs)
    leaves = [ag.tensor(a, requires_grad=True) for a in [x] + states]
    tleaves = [torch.tensor(a, requires_grad=True) for a in [x] + states]
    hx = None if not states else (tuple(leaves[1:]) if len(states) == 2 else leaves[1])
    thx = None if not states else (tuple(tleaves[1:]) if len(states) == 2 else tleaves[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: "LSTM with projections is not supported with oneDNN"
        out, tout = ours(leaves[0], hx), theirs(tleaves[0], thx)
    flat = lambda o: list(o) if isinstance(o, tuple) else [o]  # noqa: E731
    outs = [t for o in flat(out) for t in flat(o)]
    touts = [t for o in flat(tout) for t in flat(o)]
    assert [tuple(o.shape) for o in outs] == [tuple(t.shape) for t in touts]
    seeds = [rng.standard_normal(tuple(t.shape)).astype(np.float32) for t in touts]
    sum((o * ag.tensor(s)).sum() for o, s in zip(outs, seeds)).backward()
    sum((t * torch.tensor(s)).sum() for t, s in zip(touts, seeds)).backward()
    return ours, theirs, leaves, tleaves, outs, touts


def _assert_match(ours, theirs, leaves, tleaves, outs, touts, atol=2e-5):
    for o, t in zip(outs, touts):
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=1e-4, atol=atol)
    for o, t in zip(leaves, tleaves):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=atol)
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-4, atol=atol, err_msg=name)


CONFIGS = [
    ("RNN", {"num_layers": 2, "bidirectional": True}),
    ("RNN", {"num_layers": 2, "nonlinearity": "relu", "batch_first": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 3}),
    ("LSTM", {"bias": False}),
    ("GRU", {"num_layers": 2, "bidirectional": True}),
    ("GRU", {"num_layers": 2, "bidirectional": True, "batch_first": True, "bias": False}),
]


@pytest.mark.parametrize("initial", [False, True])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("kind, kw", CONFIGS)
def test_layers_match_torch_outputs_and_gradients(kind, kw, batched, initial):
    rng = np.random.default_rng(0)
    kwargs = dict(input_size=4, hidden_size=5, **kw)
    L, N = 6, 3
    shape = ((N, L, 4) if kw.get("batch_first") else (L, N, 4)) if batched else (L, 4)
    x = rng.standard_normal(shape).astype(np.float32)
    d = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    batch = (N,) if batched else ()
    sizes = [kw.get("proj_size") or 5] + ([5] if kind == "LSTM" else [])
    states = _states(rng, [(d,) + batch + (s,) for s in sizes]) if initial else []
    result = _run_both(kind, kwargs, x, states, rng)
    _assert_match(*result)
    out = result[4][0]
    out_features = (2 if kw.get("bidirectional") else 1) * sizes[0]
    assert tuple(out.shape) == shape[:-1] + (out_features,)


@pytest.mark.parametrize("initial", [False, True])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("kind, kw", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}),
                                      ("LSTMCell", {}), ("GRUCell", {}), ("GRUCell", {"bias": False})])
def test_cells_match_torch_outputs_and_gradients(kind, kw, batched, initial):
    rng = np.random.default_rng(1)
    batch = (3,) if batched else ()
    x = rng.standard_normal(batch + (4,)).astype(np.float32)
    states = _states(rng, [batch + (5,)] * (2 if kind == "LSTMCell" else 1)) if initial else []
    _assert_match(*_run_both(kind, dict(input_size=4, hidden_size=5, **kw), x, states, rng))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_parameter_names_shapes_state_dict_and_repr_are_torchs(kind):
    for kw in [{}, {"num_layers": 3, "bidirectional": True}, {"bias": False, "batch_first": True, "num_layers": 2,
                                                              "dropout": 0.25}]:
        if kind == "LSTM":
            kw = dict(kw, proj_size=2) if kw.get("bidirectional") else kw
        ours, theirs = LAYERS[kind](4, 6, **kw), getattr(torch.nn, kind)(4, 6, **kw)
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
            {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert repr(ours) == repr(theirs)
        assert [[tuple(p.shape) for p in w] for w in ours.all_weights] == [[tuple(p.shape) for p in w] for w in theirs.all_weights]
        ours.load_state_dict({k: ag.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    for name in CELLS:
        ours, theirs = CELLS[name](4, 6, bias=False), getattr(torch.nn, name)(4, 6, bias=False)
        assert list(ours.state_dict()) == list(theirs.state_dict()) and repr(ours) == repr(theirs)
        assert ours.bias_ih is None
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == repr(torch.nn.RNNCell(3, 4, nonlinearity="relu"))
    assert nn.RNN(3, 4, 2, "relu").nonlinearity == "relu"  # PyTorch's positional order


def test_default_init_is_uniform_within_one_over_sqrt_hidden():
    ag.manual_seed(0)
    for module in (nn.LSTM(10, 64, 2, bidirectional=True, proj_size=16), nn.GRU(10, 64), nn.RNN(10, 64), nn.GRUCell(10, 64)):
        bound = 1 / math.sqrt(64)
        values = np.concatenate([p.numpy().ravel() for p in module.parameters()])
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.99 * bound
        assert abs(values.mean()) < 0.01 and abs(values.std() - bound / math.sqrt(3)) < 0.01 * bound
        assert all(p.dtype == np.float32 for p in module.parameters())
    assert nn.LSTM(3, 4, dtype=ag.float64).weight_ih_l0.dtype == np.float64


def test_gradcheck_and_gradgradcheck_of_the_steps_in_float64():
    rng = np.random.default_rng(2)

    def leaf(*shape):
        return ag.tensor(rng.standard_normal(shape) * 0.7, requires_grad=True)

    x, h, c = leaf(2, 3), leaf(2, 2), leaf(2, 2)
    for step, gates in [(rnn_tanh_step, 1), (rnn_relu_step, 1), (gru_step, 3), (lstm_step, 4)]:
        weights = [leaf(gates * 2, 3), leaf(gates * 2, 2), leaf(gates * 2), leaf(gates * 2)]
        state = [h, c] if step is lstm_step else [h]
        fn = lambda x, *rest, n=len(state), step=step: step(x, tuple(rest[:n]), *rest[n:])  # noqa: E731
        ag.gradcheck(fn, [x] + state + weights)
        if step is not rnn_relu_step:  # relu's second derivative is zero, tested by gradcheck's own kinks
            ag.gradgradcheck(fn, [x] + state + weights)
    w_hr = leaf(1, 2)  # LSTM with a projection
    weights = [leaf(8, 3), leaf(8, 1), leaf(8), leaf(8)]
    ag.gradgradcheck(lambda x, h1, c, *w: lstm_step(x, (h1, c), *w), [x, leaf(2, 1), c] + weights + [w_hr])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_gradcheck_of_two_layer_bidirectional_layers_in_float64(kind):
    ag.manual_seed(3)
    module = LAYERS[kind](2, 2, num_layers=2, bidirectional=True, dtype=ag.float64)
    rng = np.random.default_rng(3)
    x = ag.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    states = [ag.tensor(rng.standard_normal((4, 2, 2)), requires_grad=True) for _ in range(2 if kind == "LSTM" else 1)]

    def fn(x, *hx):
        out, last = module(x, tuple(hx) if kind == "LSTM" else hx[0])
        return (out,) + (last if kind == "LSTM" else (last,))

    ag.gradcheck(fn, [x] + states)


def test_cell_gradgradcheck_through_the_module():
    cell = nn.GRUCell(2, 3, dtype=ag.float64)
    rng = np.random.default_rng(4)
    x, h = (ag.tensor(rng.standard_normal(s), requires_grad=True) for s in ((2, 2), (2, 3)))
    ag.gradgradcheck(lambda x, h: cell(x, h), [x, h])


def test_dropout_between_layers_only_in_training():
    ag.manual_seed(5)
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.5)
    module = nn.GRU(3, 4, num_layers=3, dropout=0.5)
    plain = nn.GRU(3, 4, num_layers=3)
    plain.load_state_dict(module.state_dict())
    x = ag.randn(5, 2, 3)
    module.eval()
    np.testing.assert_allclose(module(x)[0].numpy(), plain(x)[0].numpy(), rtol=1e-6)
    module.train()
    a, b = module(x)[0].numpy(), module(x)[0].numpy()
    assert not np.allclose(a, plain(x)[0].numpy()) and not np.allclose(a, b)
    # the last layer has no dropout: with p = 1, layers 1 and 2 see zeros, so the output is the bias-only recurrence
    full = nn.RNN(3, 4, num_layers=2, dropout=1.0)
    zero_input = nn.RNN(4, 4)
    zero_input.load_state_dict({k.replace("_l1", "_l0"): v for k, v in full.state_dict().items() if "_l1" in k})
    np.testing.assert_allclose(full(x)[0].numpy(), zero_input(ag.zeros(5, 2, 4))[0].numpy(), rtol=1e-6)


def test_training_an_lstm_reduces_the_loss():
    import optim

    ag.manual_seed(6)  # the sum of 5 numbers in [0, 1); PyTorch gets from 8.6 to 1e-3 in these 300 steps
    lstm, head = nn.LSTM(1, 16, batch_first=True), nn.Linear(16, 1)
    params = list(lstm.parameters()) + list(head.parameters())
    opt = optim.Adam(params, lr=0.05)
    x = ag.rand(32, 5, 1)
    target = x.sum(1)
    losses = []
    for _ in range(300):
        out, (h, _) = lstm(x)
        loss = nn.functional.mse_loss(head(h[-1]), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 100


BAD = [
    (lambda: nn.LSTM(3, 4)(ag.rand(2, 2, 2, 3)), ValueError, r"LSTM: Expected input to be 2D or 3D, got 4D"),
    (lambda: nn.LSTM(3, 4)(ag.rand(2, 2, 5)), RuntimeError, r"LSTM: input.size\(-1\) must be equal to input_size. Expected 3, got 5"),
    (lambda: nn.LSTM(3, 4)(ag.rand(2, 2, 3), (ag.zeros(1, 3, 4), ag.zeros(1, 2, 4))), RuntimeError, r"hidden\[0\] size \(1, 2, 4\), got \(1, 3, 4\)"),
    (lambda: nn.LSTM(3, 4)(ag.rand(2, 2, 3), (ag.zeros(1, 2, 4), ag.zeros(1, 3, 4))), RuntimeError, r"hidden\[1\] size"),
    (lambda: nn.LSTM(3, 4)(ag.rand(2, 2, 3), ag.zeros(1, 2, 4)), TypeError, r"tuple \(h_0, c_0\)"),
    (lambda: nn.GRU(3, 4)(ag.rand(2, 2, 3), ag.zeros(2, 2, 4)), RuntimeError, r"GRU: Expected hidden size \(1, 2, 4\), got \(2, 2, 4\)"),
    (lambda: nn.GRU(3, 4)(ag.rand(2, 3), ag.zeros(1, 1, 4)), RuntimeError, "unbatched 2-D input, hx should also be 2-D"),
    (lambda: nn.GRU(3, 4)(ag.rand(2, 2, 3), ag.zeros(1, 4)), RuntimeError, "batched 3-D input, hx should also be 3-D"),
    (lambda: nn.GRU(3, 4)(ag.rand(2, 2, 3), (ag.zeros(1, 2, 4),)), TypeError, "hx to be a Tensor"),
    (lambda: nn.RNN(3, 4)(ag.rand(2, 2, 3, dtype=ag.float64)), ValueError, r"RNN: input dtype \(float64\) does not match weight dtype \(float32\)"),
    (lambda: nn.RNN(3, 4)(ag.rand(0, 2, 3)), RuntimeError, "sequence length to be larger than 0"),
    (lambda: nn.RNN(3, 4)([[1.0, 2.0, 3.0]]), TypeError, "RNN: expected input to be a Tensor"),
    (lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), ValueError, "Unknown nonlinearity 'sigmoid'"),
    (lambda: nn.RNN(3, 4, num_layers=2, dropout=1.5), ValueError, r"dropout should be a number in range \[0, 1\]"),
    (lambda: nn.RNN(3, 4, num_layers=2, dropout=True), ValueError, "dropout should be a number"),
    (lambda: nn.RNN(3, 0), ValueError, "hidden_size must be greater than zero"),
    (lambda: nn.RNN(3, 4.0), TypeError, "hidden_size should be of type int, got: float"),
    (lambda: nn.RNN(3, 4, 0), ValueError, "num_layers must be greater than zero"),
    (lambda: nn.LSTM(0, 4), ValueError, "input_size must be greater than zero"),
    (lambda: nn.GRU(3, 4, proj_size=2), ValueError, "proj_size argument is only supported for LSTM"),
    (lambda: nn.LSTM(3, 4, proj_size=4), ValueError, "proj_size has to be smaller than hidden_size"),
    (lambda: nn.LSTM(3, 4, proj_size=-1), ValueError, "proj_size should be a positive integer or zero"),
    (lambda: nn.LSTM(3, 4, device="cuda"), RuntimeError, "cuda"),
    (lambda: nn.RNNCell(3, 4)(ag.rand(2, 2, 3)), ValueError, "RNNCell: Expected input to be 1D or 2D, got 3D"),
    (lambda: nn.RNNCell(3, 4)(ag.rand(2, 5)), RuntimeError, "RNNCell: input has inconsistent input_size: got 5 expected 3"),
    (lambda: nn.RNNCell(3, 4)(ag.rand(2, 3), ag.rand(3, 4)), RuntimeError, r"hidden0 of shape \(2, 4\), got \(3, 4\)"),
    (lambda: nn.GRUCell(3, 4)(ag.rand(3), ag.rand(1, 4)), RuntimeError, r"unbatched 1-D input, expected hidden0 of shape \(4,\)"),
    (lambda: nn.LSTMCell(3, 4)(ag.rand(2, 3), (ag.rand(2, 4), ag.rand(3, 4))), RuntimeError, "hidden1"),
    (lambda: nn.LSTMCell(3, 4)(ag.rand(2, 3), ag.rand(2, 4)), TypeError, r"tuple \(h_0, c_0\)"),
    (lambda: nn.RNNCell(3, 4, nonlinearity="x"), ValueError, "Unknown nonlinearity"),
    (lambda: nn.GRUCell(3, 4)(ag.rand(2, 3, dtype=ag.float64)), ValueError, "dtype"),
]


@pytest.mark.parametrize("call, exc, match", BAD)
def test_bad_input_raises_torchs_exception_type(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
