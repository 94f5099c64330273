"""ONNX export (``autograd.onnx``): every model of ``nn.models`` and the layers and ops with an ONNX form pass
``onnx.checker`` and give scratchgrad's outputs (to 1e-5) in onnxruntime at another batch size than the traced
one; dynamic axes; errors that name the op and the line that applied it."""
import importlib
import io
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.op import Op

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _need(name):
    """The optional package ``name``: the test skips without it, except in CI (``CI=true``), where it fails."""
    if os.environ.get("CI", "").lower() in ("1", "true"):
        return importlib.import_module(name)
    return pytest.importorskip(name)


def _fresh(x, batch, rng):
    """An input like ``x`` with ``batch`` rows and new values (integer inputs: its own rows, cycled)."""
    if x.dtype.kind == "f":
        return ag.from_numpy(rng.standard_normal((batch,) + x.shape[1:]).astype(x.dtype))
    return ag.from_numpy(np.take(x.numpy(), np.arange(batch) % x.shape[0], axis=0))


def _outputs(out):
    return [out] if isinstance(out, ag.Tensor) else [t for o in out for t in _outputs(o)]


def roundtrip(model, *inputs, batch=5, opset=17, dynamic=True):
    """Export ``model`` (batch dim dynamic), check the file, run it in onnxruntime at ``batch`` and compare."""
    onnx, ort = _need("onnx"), _need("onnxruntime")
    names = [f"input_{i}" for i in range(len(inputs))]
    buf = io.BytesIO()
    proto = ag.onnx.export(model, tuple(inputs), buf, input_names=names, opset_version=opset,
                           dynamic_axes={n: {0: "batch"} for n in names} if dynamic else None)
    onnx.checker.check_model(onnx.load_from_string(buf.getvalue()), full_check=True)
    session = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    fresh = [_fresh(x, batch, rng) for x in inputs] if dynamic else list(inputs)
    feeds = {n: x.numpy().copy() for n, x in zip(names, fresh)}  # before an inplace=True layer overwrites them
    if hasattr(model, "eval"):
        model.eval()
    with ag.no_grad():
        expected = _outputs(model(*fresh))
    got = session.run(None, feeds)
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        assert g.shape == e.shape and g.dtype == e.dtype
        np.testing.assert_allclose(g, e.numpy(), rtol=1e-5, atol=1e-5)
    return proto


def _ops(proto):
    return {node.op_type for node in proto.graph.node}


class Fn(nn.Module):
    """A module around a function of the inputs (for exporting functional code)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


# -- the model zoo --------------------------------------------------------------------------------------------

MODELS = {
    "SimpleConvNet": (lambda: nn.models.SimpleConvNet(), (2, 1, 28, 28)),
    "SimpleConvNet-pad-stride": (lambda: nn.models.SimpleConvNet(conv_param={"pad": 1, "stride": 2}), (2, 1, 28, 28)),
    "LeNet5": (lambda: nn.models.LeNet5(), (2, 1, 28, 28)),
    "LeNet5-tanh-avg-32": (lambda: nn.models.LeNet5(input_size=32, activation="tanh", pooling="avg"), (2, 1, 32, 32)),
    "LeNet5-sigmoid": (lambda: nn.models.LeNet5(activation="sigmoid"), (2, 1, 28, 28)),
    "AlexNet-32": (lambda: nn.models.AlexNet(), (2, 3, 32, 32)),  # a 3x3 map pooled to 2x2: the matrix path
    "AlexNet-28": (lambda: nn.models.AlexNet(in_channels=1), (2, 1, 28, 28)),  # 2x2 -> 2x2: the tiled path
    "MLP": (lambda: nn.models.MLP(), (2, 784)),
    "MLP-batchnorm-dropout-gelu": (lambda: nn.models.MLP(activation="gelu", batchnorm=True, dropout=0.3), (2, 1, 28, 28)),
    "MLP-sigmoid": (lambda: nn.models.MLP(activation="sigmoid", hidden_sizes=(50,)), (2, 784)),
    "MLP-tanh": (lambda: nn.models.MLP(activation="tanh", hidden_sizes=(50,)), (2, 784)),
    "MLP-leaky_relu": (lambda: nn.models.MLP(activation="leaky_relu", hidden_sizes=(50,)), (2, 784)),
    "DeepConvNet": (lambda: nn.models.DeepConvNet(), (2, 1, 28, 28)),
}


@pytest.mark.parametrize("name", MODELS)
def test_every_model_of_the_zoo_exports(name):
    ag.manual_seed(0)
    make, shape = MODELS[name]
    model = make()
    if "batchnorm" in name:  # running statistics other than the initial ones
        model.train()
        with ag.no_grad():
            for _ in range(3):
                model(ag.randn(8, *shape[1:]) * 2 + 1)
    roundtrip(model, ag.randn(*shape))


def test_every_model_class_of_the_zoo_is_covered():
    covered = {make().__class__.__name__ for make, _ in MODELS.values()}
    assert covered == {name for name in nn.models.__all__ if isinstance(getattr(nn.models, name), type)}


def test_parameters_are_initializers_named_as_in_the_state_dict():
    model = nn.models.SimpleConvNet()
    proto = roundtrip(model, ag.randn(2, 1, 28, 28))
    names = {init.name for init in proto.graph.initializer}
    assert set(model.state_dict()) <= names
    assert _ops(proto) == {"Conv", "Relu", "MaxPool", "Reshape", "Gemm"}


# -- layers ---------------------------------------------------------------------------------------------------

def _bn(cls, c):
    m = cls(c)
    m.running_mean.copy_(ag.randn(c))
    m.running_var.copy_(ag.rand(c) + 0.5)
    return m


LAYERS = {
    "Linear": (lambda: nn.Linear(6, 4), [(2, 6)]),
    "Linear-no-bias": (lambda: nn.Linear(6, 4, bias=False), [(2, 6)]),
    "Linear-3d": (lambda: nn.Linear(6, 4), [(2, 5, 6)]),
    "Conv2d": (lambda: nn.Conv2d(3, 4, 3), [(2, 3, 9, 9)]),
    "Conv2d-groups": (lambda: nn.Conv2d(4, 6, 3, groups=2, bias=False), [(2, 4, 9, 9)]),
    "Conv2d-depthwise": (lambda: nn.Conv2d(3, 6, 3, groups=3), [(2, 3, 9, 9)]),
    "Conv2d-stride-padding-dilation": (lambda: nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(2, 1), dilation=2),
                                       [(2, 3, 11, 9)]),
    "Conv2d-same": (lambda: nn.Conv2d(3, 4, 4, padding="same"), [(2, 3, 9, 9)]),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), [(2, 3, 9, 9)]),
    "MaxPool2d-stride-padding": (lambda: nn.MaxPool2d(3, stride=2, padding=1), [(2, 3, 9, 9)]),
    "MaxPool2d-dilation": (lambda: nn.MaxPool2d(2, stride=1, dilation=2), [(2, 3, 9, 9)]),
    "AvgPool2d": (lambda: nn.AvgPool2d(2), [(2, 3, 9, 9)]),
    "AvgPool2d-padding": (lambda: nn.AvgPool2d(3, stride=2, padding=1), [(2, 3, 9, 9)]),
    "AvgPool2d-exclude-pad": (lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), [(2, 3, 9, 9)]),
    "AvgPool2d-divisor": (lambda: nn.AvgPool2d(2, divisor_override=3), [(2, 3, 8, 8)]),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d(3), [(2, 3, 9, 9)]),
    "AdaptiveAvgPool2d-uneven": (lambda: nn.AdaptiveAvgPool2d((4, None)), [(2, 3, 9, 7)]),
    "BatchNorm1d": (lambda: _bn(nn.BatchNorm1d, 6), [(2, 6)]),
    "BatchNorm1d-3d": (lambda: _bn(nn.BatchNorm1d, 3), [(2, 3, 5)]),
    "BatchNorm2d": (lambda: _bn(nn.BatchNorm2d, 3), [(2, 3, 4, 4)]),
    "Dropout": (lambda: nn.Dropout(0.5), [(2, 6)]),
    "ReLU": (lambda: nn.ReLU(), [(2, 6)]),
    "ReLU-inplace": (lambda: nn.ReLU(inplace=True), [(2, 6)]),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), [(2, 6)]),
    "PReLU": (lambda: nn.PReLU(), [(2, 6)]),
    "PReLU-channels": (lambda: nn.PReLU(3), [(2, 3, 4, 4)]),
    "ELU": (lambda: nn.ELU(0.7), [(2, 6)]),
    "ELU-inplace": (lambda: nn.ELU(inplace=True), [(2, 6)]),
    "SELU": (lambda: nn.SELU(), [(2, 6)]),
    "Sigmoid": (lambda: nn.Sigmoid(), [(2, 6)]),
    "LogSigmoid": (lambda: Fn(lambda x: nn.LogSigmoid()(x * 40)), [(2, 6)]),  # large |x|: no overflow in ORT
    "Tanh": (lambda: nn.Tanh(), [(2, 6)]),
    "Hardtanh": (lambda: nn.Hardtanh(-0.5, 0.7), [(2, 6)]),
    "GELU": (lambda: nn.GELU(), [(2, 6)]),
    "GELU-tanh": (lambda: nn.GELU("tanh"), [(2, 6)]),
    "SiLU": (lambda: nn.SiLU(), [(2, 6)]),
    "Mish": (lambda: nn.Mish(), [(2, 6)]),
    "Softplus": (lambda: Fn(lambda x: nn.Softplus()(x * 15)), [(2, 6)]),  # past the threshold too
    "Softplus-beta": (lambda: Fn(lambda x: nn.Softplus(2.0, 5.0)(x * 4)), [(2, 6)]),
    "Softmax": (lambda: nn.Softmax(1), [(2, 6)]),
    "LogSoftmax": (lambda: nn.LogSoftmax(-1), [(2, 3, 6)]),
    "Identity": (lambda: nn.Identity(), [(2, 6)]),
    "Flatten": (lambda: nn.Flatten(), [(2, 3, 4, 4)]),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 3)), [(2, 6)]),
    "Sequential": (lambda: nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 2)), [(2, 6)]),
    "CosineSimilarity": (lambda: nn.CosineSimilarity(), [(2, 6), (2, 6)]),
    "PairwiseDistance": (lambda: nn.PairwiseDistance(), [(2, 6), (2, 6)]),
    "PairwiseDistance-p1": (lambda: nn.PairwiseDistance(p=1.0), [(2, 6), (2, 6)]),
    "PairwiseDistance-inf": (lambda: nn.PairwiseDistance(p=math.inf), [(2, 6), (2, 6)]),
    "PairwiseDistance-p3": (lambda: nn.PairwiseDistance(p=3.0, keepdim=True), [(2, 6), (2, 6)]),
    "RNN": (lambda: nn.RNN(6, 5, num_layers=2, batch_first=True), [(2, 4, 6)]),
    "RNN-relu": (lambda: nn.RNN(6, 5, nonlinearity="relu", batch_first=True), [(2, 4, 6)]),
    "LSTM": (lambda: nn.LSTM(6, 5, batch_first=True), [(2, 4, 6)]),
    "LSTM-proj": (lambda: nn.LSTM(6, 5, proj_size=3, batch_first=True), [(2, 4, 6)]),
    "GRU": (lambda: nn.GRU(6, 5, num_layers=2, batch_first=True), [(2, 4, 6)]),
    "RNNCell": (lambda: nn.RNNCell(6, 5), [(2, 6)]),
    "LSTMCell": (lambda: nn.LSTMCell(6, 5), [(2, 6)]),
    "GRUCell": (lambda: nn.GRUCell(6, 5), [(2, 6)]),
    "MSELoss": (lambda: nn.MSELoss(), [(2, 6), (2, 6)]),
    "L1Loss": (lambda: nn.L1Loss(reduction="sum"), [(2, 6), (2, 6)]),
    "SmoothL1Loss": (lambda: nn.SmoothL1Loss(reduction="none"), [(2, 6), (2, 6)]),
    "HuberLoss": (lambda: nn.HuberLoss(delta=0.5), [(2, 6), (2, 6)]),
    "BCEWithLogitsLoss": (lambda: nn.BCEWithLogitsLoss(), [(2, 6), (2, 6)]),
    "SoftMarginLoss": (lambda: nn.SoftMarginLoss(), [(2, 6), (2, 6)]),
}


@pytest.mark.parametrize("name", LAYERS)
def test_layers_export(name):
    ag.manual_seed(0)
    make, shapes = LAYERS[name]
    roundtrip(make(), *(ag.randn(*s) for s in shapes))


def test_bidirectional_recurrent_layers_export_with_a_static_batch():
    for cls in (nn.RNN, nn.LSTM, nn.GRU):
        roundtrip(cls(6, 5, bidirectional=True), ag.randn(4, 2, 6), dynamic=False)


def test_the_training_mode_is_restored_and_dropout_is_the_identity():
    _need("onnx")
    model = nn.Sequential(nn.Linear(6, 6), nn.Dropout(0.9), nn.BatchNorm1d(6))
    model.train()
    model[2].eval()
    ag.onnx.export(model, ag.randn(2, 6), io.BytesIO())
    assert [m.training for m in model.modules()] == [True, True, True, False]
    model.train()
    assert "Dropout" not in _ops(roundtrip(model, ag.randn(2, 6)))


# -- functional ops -------------------------------------------------------------------------------------------

FUNCTIONS = {
    "arithmetic": lambda a, b: (a + b) * 2 - b / (a.abs() + 1) + 3 ** a.clamp(-1, 1) - (-a) ** 2 + 1 - a,
    "pow-tensor": lambda a, b: a.abs() ** b,
    "int-operands-promote": lambda a, b: a * ag.tensor([1, 2, 3, 4]) + ag.arange(4) + (b > 0) * 1,
    "matmul": lambda a, b: a @ b.transpose(1, 2) + ag.matmul(a[:, 0], b[0].T).sum(),
    "reshape-view": lambda a, b: a.reshape(a.shape[0], -1).view(-1, 2, 6) + b.flatten(1).unsqueeze(1).reshape(-1, 2, 6),
    "permute-transpose": lambda a, b: a.permute(2, 0, 1).transpose(0, 1).contiguous() + b.mT,
    "cat-stack": lambda a, b: ag.cat([a, b, a], 1).sum(1) + ag.stack([a, b], 1).mean(1).sum(1) + ag.cat([a, b], 2)[..., 1:5].sum(1),
    "getitem-slices": lambda a, b: a[:, 1:, ::2] + a[:, -1:, None, 1:3].squeeze(2),
    "getitem-ints": lambda a, b: a[:, 0] * a[:, -1] + a[..., 2, :] + a[:, 2, -1:],
    "getitem-none-ellipsis": lambda a, b: a[None, :, 1][..., None] + b[:, None, -1, :, None],
    "getitem-index-array": lambda a, b: a[:, [0, 2]] + b[:, :, ag.tensor([3, 0, -1, 1])][:, 1:],
    "chunk-split-unbind": lambda a, b: sum(a.chunk(2, 2)).sum(2) + ag.split(b, [1, 3], 2)[1].sum(2) + ag.stack(a.unbind(1), 1).sum(2),
    "sum-mean": lambda a, b: a.sum() + a.mean(1).sum(-1, keepdim=True) + b.sum((0, 2)),
    "max-min": lambda a, b: a.max(1)[0] + a.min() + a.amax((1, 2)).unsqueeze(-1) + a.amin(1) + a.max(),
    "var-std": lambda a, b: a.var(1) + a.std(2, keepdim=True).sum(1) + a.var(2, correction=0).sum(1, keepdim=True),
    "logsumexp-softmax": lambda a, b: a.logsumexp(2) + ag.softmax(a, 1).sum(2) + F.log_softmax(a, dim=2).sum(2),
    "where-comparisons": lambda a, b: (ag.where(a > b, a, b) + (a <= 0.1).float() + ((a == b) | (a != 0)).float()
                                       + (a >= b).logical_not().float() + ((a < 0) ^ (b < 0)).float()
                                       + ag.logical_and(a, b > 0).float()),
    "maximum-minimum-clamp": lambda a, b: ag.maximum(a, b) - ag.minimum(a, b) + ag.clamp(a, b - 1, b + 1) + a.clamp(min=b),
    "unary": lambda a, b: (a.exp().log1p() + a.sin() + a.cos() + a.tanh() + a.sigmoid() + a.relu() + a.abs().sqrt()
                           + (a.abs() + 0.1).log()),
    "pointwise": lambda a, b: (a.expm1() + (a.abs() + 1).log2() + (a.abs() + 1).log10() + (a.abs() + 1).reciprocal()
                               + (a.abs() + 1).rsqrt() + a.clamp(-1, 1).tan() + a.clamp(-0.9, 0.9).asin()
                               + a.clamp(-0.9, 0.9).acos() + a.atan() + a.sinh() + a.cosh() + (a * 3).frac()),
    "rounding": lambda a, b: ((a * 3).floor() + (a * 3).ceil() + (a * 3).trunc() + a.sign() + (a * 3).round()
                              + (a * 50).round(decimals=-1) + a.round(decimals=2) + ag.floor_divide(a, b)
                              + a % (b.abs() + 0.5) + ag.fmod(a, b.abs() + 0.5)),
    "integer-division": lambda a, b: (ag.floor_divide(ag.tensor([7, -7, 8, -9]), ag.tensor([2, 2, -3, -4]))
                                      + ag.tensor([7, -7, 8, -9]) % ag.tensor([3, 3, -5, 4])).float() + a,
    "flip-roll": lambda a, b: a.flip(1, 2) + a.roll(1, 2) + a.roll((-2, 1), (1, 2)) + b.roll(0, 0),
    "repeat-tile": lambda a, b: a.repeat(1, 2, 1).sum(1, keepdim=True) + ag.tile(a, (1, 1, 1)),
    "tril-triu": lambda a, b: ag.tril(a) + ag.triu(a, 1),
    "gather-index_select": lambda a, b: ag.gather(a, 2, ag.tensor([[0, 1], [2, 3], [3, 3]]).expand(a.shape[0], 3, 2)).sum(2)
                                          + ag.index_select(a, 2, ag.tensor([3, 0])).sum(2),
    "masked_fill-pad": lambda a, b: a.masked_fill(a > 0, 0.5) + ag.pad(b, (1, 2, 0, 1), value=0.5)[:, 1:, 1:-2],
    "nan_to_num-tests": lambda a, b: (ag.nan_to_num(a / (b * 0)) + ag.isfinite(a / (b * 0)).float()
                                      + ag.isnan(a * 0 / b * 0).float() + ag.isinf(a * 1e30 * 1e30).float()),
    "expand-broadcast_to": lambda a, b: a[:, :1].expand(-1, 3, -1) + a.sum(1, keepdim=True).expand_as(a)
                                        + ag.broadcast_to(a[:, :, :1], a.shape),
    "unfold": lambda a, b: F.unfold(a.reshape(a.shape[0], 3, 2, 2), 2, padding=1),
    "casts-detach-clone": lambda a, b: a.double().float() + (a > 0).float() + a.detach() * 2 + a.data + a.clone(),
    "inplace-copy": lambda a, b: a.clone().copy_(b) * 2 + F.relu(a * 1, inplace=True),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_functional_ops_export(name):
    ag.manual_seed(0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        roundtrip(Fn(FUNCTIONS[name]), ag.randn(2, 3, 4), ag.randn(2, 3, 4))


def test_roll_of_the_flattened_tensor_needs_static_sizes():
    model = Fn(lambda x: x.roll(3) + x.roll(-5))
    roundtrip(model, ag.randn(2, 3, 4), dynamic=False)
    with pytest.raises(ag.onnx.UnsupportedOperatorError, match="Roll.*changes with a dynamic axis"):
        roundtrip(model, ag.randn(2, 3, 4))


def test_embedding_lookup_keeps_the_index_an_input():
    weight = ag.randn(10, 3)
    proto = roundtrip(Fn(lambda idx: weight[idx] * 2), ag.tensor([[1, 2, 9], [0, 0, 4]]))
    assert "Gather" in _ops(proto)


@pytest.mark.parametrize("opset", [13, 18, 20])
def test_opsets(opset):
    model = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.GELU(), Fn(lambda x: x - x.mean(1, keepdim=True)
                                                                                + x.amax(1, keepdim=True)
                                                                                + x.logsumexp(1, keepdim=True)))
    proto = roundtrip(model, ag.randn(2, 6), opset=opset)
    assert proto.opset_import[0].version == opset
    assert ("Gelu" in _ops(proto)) == (opset >= 20)


def test_fold_needs_opset_18():
    model = Fn(lambda x: F.fold(F.unfold(x, 2), (5, 5), 2))
    roundtrip(model, ag.randn(2, 3, 5, 5), opset=18)
    with pytest.raises(ag.onnx.UnsupportedOperatorError, match="Fold.*opset 18"):
        roundtrip(model, ag.randn(2, 3, 5, 5), opset=17)


# -- dynamic axes ---------------------------------------------------------------------------------------------

def _dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def test_dynamic_axes_name_the_input_and_output_dims():
    _need("onnx")
    proto = ag.onnx.export(nn.models.SimpleConvNet(), ag.randn(2, 1, 28, 28), io.BytesIO(), input_names=["image"],
                           output_names=["logits"], dynamic_axes={"image": {0: "batch"}})
    assert _dims(proto.graph.input[0]) == ["batch", 1, 28, 28]
    assert _dims(proto.graph.output[0]) == ["batch", 10]
    listed = ag.onnx.export(nn.Linear(3, 2), ag.randn(4, 3), io.BytesIO(), dynamic_axes={"input": [0], "output": [0]})
    assert _dims(listed.graph.input[0]) == ["input_dynamic_axes_1", 3]  # torch's names for listed axes
    assert _dims(listed.graph.output[0]) == ["output_dynamic_axes_1", 2]
    static = ag.onnx.export(nn.Linear(3, 2), ag.randn(4, 3), io.BytesIO())
    assert _dims(static.graph.input[0]) == [4, 3] and _dims(static.graph.output[0]) == [4, 2]


def test_several_dynamic_axes_of_a_fully_convolutional_model():
    ort = _need("onnxruntime")

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.pool = nn.Conv2d(3, 4, 3, padding=1), nn.MaxPool2d(2)

        def forward(self, x):
            y = self.pool(F.relu(self.conv(x)))
            return y.mean((2, 3)), y.flatten(2)

    model = Net()
    buf = io.BytesIO()
    proto = ag.onnx.export(model, ag.randn(2, 3, 8, 10), buf, input_names=["x"], output_names=["pooled", "map"],
                           dynamic_axes={"x": {0: "N", 2: "H", 3: "W"}})
    assert _dims(proto.graph.output[0]) == ["N", 4] and _dims(proto.graph.output[1])[:2] == ["N", 4]
    x = ag.randn(3, 3, 12, 6)
    got = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"]).run(None, {"x": x.numpy()})
    with ag.no_grad():
        for e, g in zip(model(x), got):
            np.testing.assert_allclose(g, e.numpy(), rtol=1e-5, atol=1e-5)


def test_inputs_that_share_a_dynamic_axis():
    roundtrip(Fn(lambda a, b: a * b.sum(1, keepdim=True)), ag.randn(2, 3), ag.randn(2, 5))


def test_a_constant_whose_shape_follows_the_batch_is_computed_at_run_time():
    proto = roundtrip(Fn(lambda x: x + ag.zeros(x.shape[0], 1) + ag.full((x.shape[0] * 2, 3), 0.5)[::2]),
                      ag.randn(2, 3))
    assert "ConstantOfShape" in _ops(proto)


def test_a_loop_over_a_dynamic_axis_is_an_error():
    _need("onnx")
    with pytest.raises(ag.onnx.OnnxExporterError, match="dynamic axis"):
        ag.onnx.export(nn.GRU(3, 4), ag.randn(5, 2, 3), io.BytesIO(), dynamic_axes={"input": {0: "time", 1: "N"}})
    roundtrip(nn.GRU(3, 4, batch_first=True), ag.randn(2, 5, 3))  # the batch alone may vary


def test_a_size_read_as_a_number_cannot_follow_a_dynamic_axis():
    model = Fn(lambda x: x / x.shape[0])
    with pytest.raises(ag.onnx.OnnxExporterError, match="the number 2"):
        roundtrip(model, ag.randn(2, 3))
    roundtrip(model, ag.randn(2, 3), dynamic=False)


def test_a_model_that_rejects_other_sizes():
    _need("onnx")
    with pytest.raises(ag.onnx.OnnxExporterError, match="size 5 instead of 2"):
        ag.onnx.export(Fn(lambda x: x.reshape(2, 3)), ag.randn(2, 3), io.BytesIO(), dynamic_axes={"input": [0]})


# -- errors ---------------------------------------------------------------------------------------------------

class Twice(Op):
    """An op of this test, with no ONNX form."""

    __slots__ = ()

    def forward(self, a):
        return a * 2

    def backward(self, grad):
        return grad * 2


def test_an_op_without_onnx_form_names_itself_and_the_users_line():
    _need("onnx")

    def forward(x):
        return Twice().apply(x + 1)  # the line the error names

    line = forward.__code__.co_firstlineno + 1
    with pytest.raises(ag.onnx.UnsupportedOperatorError, match=rf"Twice.*test_onnx\.py:{line} in forward"):
        ag.onnx.export(Fn(forward), ag.randn(2, 3), io.BytesIO())


def test_an_op_the_output_does_not_need_is_not_exported():
    _need("onnx")
    proto = ag.onnx.export(Fn(lambda x: (Twice().apply(x), x + 1)[1]), ag.randn(2, 3), io.BytesIO())
    assert _ops(proto) == {"Add"}


def test_losses_with_class_targets_have_no_onnx_form_yet():
    _need("onnx")
    with pytest.raises(ag.onnx.UnsupportedOperatorError, match="CrossEntropy.*test_onnx"):
        ag.onnx.export(nn.CrossEntropyLoss(), (ag.randn(2, 4), ag.tensor([1, 3])), io.BytesIO())


def test_training_mode_ops_say_how_to_export():
    _need("onnx")
    with pytest.raises(ag.onnx.UnsupportedOperatorError, match="dropout in training mode.*training=self.training"):
        ag.onnx.export(Fn(lambda x: F.dropout(x, 0.5, training=True)), ag.randn(2, 3), io.BytesIO())


def test_values_computed_outside_the_traced_ops_are_an_error_not_a_constant():
    _need("onnx")
    with pytest.raises(ag.onnx.OnnxExporterError, match="outside autograd's ops"):
        ag.onnx.export(Fn(lambda x: x + ag.from_numpy(x.numpy() * 2)), ag.randn(2, 3), io.BytesIO())
    with pytest.raises(ag.onnx.OnnxExporterError, match="random"):
        ag.onnx.export(Fn(lambda x: x + ag.randn(3)), ag.randn(2, 3), io.BytesIO())


def test_an_untraced_in_place_change_is_an_error():
    _need("onnx")

    def forward(x):
        y = x * 1
        y.add_(1)
        return y * 2

    with pytest.raises(ag.onnx.OnnxExporterError, match="changed in place"):
        ag.onnx.export(Fn(forward), ag.randn(2, 3), io.BytesIO())


def test_a_branch_on_the_values_is_an_error():
    _need("onnx")
    with pytest.raises(ag.onnx.OnnxExporterError, match="other input values"):
        ag.onnx.export(Fn(lambda x: x.exp() if x[0, 0].item() > 0 else x.sin()), ag.tensor([[1.0, -1.0]]), io.BytesIO())


def test_argument_errors():
    _need("onnx")
    model, x = nn.Linear(3, 2), ag.randn(4, 3)
    with pytest.raises(ValueError, match="opset_version 12"):
        ag.onnx.export(model, x, io.BytesIO(), opset_version=12)
    with pytest.raises(ValueError, match="neither an input"):
        ag.onnx.export(model, x, io.BytesIO(), dynamic_axes={"batch": [0]})
    with pytest.raises(ValueError, match="axis 2 of 'input' is out of range"):
        ag.onnx.export(model, x, io.BytesIO(), dynamic_axes={"input": [2]})
    with pytest.raises(ValueError, match="2 input names"):
        ag.onnx.export(model, x, io.BytesIO(), input_names=["a", "b"])
    with pytest.raises(TypeError, match="returned a str"):
        ag.onnx.export(Fn(lambda x: "logits"), x, io.BytesIO())
    with pytest.raises(TypeError, match="file path"):
        ag.onnx.export(model, x, 42)
    with pytest.raises(TypeError, match="args must be a Tensor"):
        ag.onnx.export(model, x.numpy(), io.BytesIO())


def test_export_to_a_path_and_keyword_arguments(tmp_path):
    onnx, ort = _need("onnx"), _need("onnxruntime")
    class Scaled(nn.Module):
        def forward(self, x, scale=None):
            return x * scale

    model = Scaled()
    ag.onnx.export(model, (ag.randn(2, 3), {"scale": ag.full((3,), 2.0)}), tmp_path / "m.onnx",
                   input_names=["x", "scale"], output_names=["y"])
    proto = onnx.load(str(tmp_path / "m.onnx"))
    assert [i.name for i in proto.graph.input] == ["x", "scale"] and proto.graph.output[0].name == "y"
    x = np.ones((2, 3), np.float32)
    y = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"x": x, "scale": np.full(3, 3.0, np.float32)})[0]
    np.testing.assert_allclose(y, x * 3)


def test_missing_onnx_is_an_import_error_saying_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match="pip install onnx"):
        ag.onnx.export(nn.Linear(3, 2), ag.randn(4, 3), io.BytesIO())


def test_importing_autograd_imports_neither_onnx_nor_the_exporter():
    code = "import sys, autograd; print('onnx' in sys.modules, 'autograd.onnx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# -- the op table ---------------------------------------------------------------------------------------------

def _op_classes():
    importlib.import_module("nn")
    seen, stack = [], [Op]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.split(".")[0] in ("autograd", "nn"):
                seen.append(sub)
    return seen


def test_table_keys_name_existing_ops_and_op_names_are_unique():
    from autograd.onnx.ops import TABLE

    classes = _op_classes()
    names = [c.__name__ for c in classes]
    assert len(names) == len(set(names)), "two op classes share a name: the table could not tell them apart"
    leaves = {"eq", "ne", "lt", "le", "gt", "ge", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
              "logical_and", "logical_or", "logical_xor", "logical_not", "isnan", "isinf", "isfinite", "copy_"}
    assert set(TABLE) - set(names) == leaves
