"""The workloads in DeZero 0.0.13 (the framework of *Deep Learning from Scratch 3*).

DeZero 0.0.13 still refers to ``np.int``, removed in numpy 2; the alias is restored before import.
Layers come from ``dezero.layers`` (Conv2d, Linear: weight stored (in, out), BatchNorm), pooling, dropout
and the loss from ``dezero.functions``, optimizers from ``dezero.optimizers``; eval mode is
``dezero.test_mode()``.  DeZero has no adaptive pooling: AlexNet's is its equal fixed-window average pooling.
"""
import functools

import numpy as np

if not hasattr(np, "int"):
    np.int = int  # dezero 0.0.13 predates numpy 2

import dezero
import dezero.functions as F
import dezero.layers as L
from dezero import optimizers

from . import graphs
from .networks import BN_EPS, NETWORKS, adaptive_window
from .timing import blas_threads


def info():
    """Version and thread setting of this library."""
    return {"version": dezero.__version__, "threads": blas_threads()}


def item(loss):
    """The loss as a Python float."""
    return float(loss.data)


def op_chain(depth):
    """Forward+backward of ``depth`` x ``tanh(x * 1.01)`` on a 10x10 float32 leaf."""
    x = dezero.Variable(np.ones((10, 10), np.float32))

    def run():
        y = x
        for _ in range(depth):
            y = F.tanh(y * 1.01)
        x.cleargrad()
        F.sum(y).backward()

    return run


def scaling_graph(shape, n):
    """Build a ``chain`` or ``fanin`` graph of about ``n`` ops; return a callable running its backward."""
    return graphs.scaling_graph(dezero.Variable(np.array(1.0, np.float32)), shape, n)


def _linear(w, b):
    layer = L.Linear(w.shape[0], in_size=w.shape[1])
    layer.W.data = np.ascontiguousarray(w.T)  # dezero computes x @ W with W of shape (in, out)
    layer.b.data = b.copy()
    return layer


class _ConvNet(dezero.Model):
    def __init__(self, p):
        super().__init__()
        self.conv = L.Conv2d(30, 5, in_channels=1)
        self.conv.W.data, self.conv.b.data = p["conv_w"].copy(), p["conv_b"].copy()
        self.fc1, self.fc2 = _linear(p["fc1_w"], p["fc1_b"]), _linear(p["fc2_w"], p["fc2_b"])

    def forward(self, x):
        y = F.pooling(F.relu(self.conv(x)), 2, 2)
        y = F.reshape(y, (y.shape[0], -1))
        return self.fc2(F.relu(self.fc1(y)))


class _MLP(dezero.Model):
    def __init__(self, params):
        super().__init__()
        self.layers = []
        for i, (w, b) in enumerate(params):
            layer = _linear(w, b)
            setattr(self, f"l{i}", layer)
            self.layers.append(layer)

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = F.relu(layer(x))
        return self.layers[-1](x)


def convnet_step(params, x, t, lr):
    """One SimpleConvNet SGD step as a callable returning the loss."""
    model = _ConvNet(params)
    return _step(model, optimizers.SGD(lr=lr).setup(model), x, t)


def mlp_adam_step(params, x, t, lr):
    """One MLP Adam step as a callable returning the loss."""
    model = _MLP(params)
    return _step(model, optimizers.Adam(alpha=lr).setup(model), x, t)


def _step(model, opt, x, t):
    def step():
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        opt.update()
        return loss

    return step


class _BatchNorm(L.BatchNorm):
    """DeZero's BatchNorm with torch's eps (1e-5; DeZero's default is 2e-5) and given initial values."""

    def __init__(self, gamma, beta):
        super().__init__()
        self.gamma.data, self.beta.data = gamma.copy(), beta.copy()
        self.avg_mean.data, self.avg_var.data = np.zeros_like(gamma), np.ones_like(gamma)

    def __call__(self, x):
        return F.batch_nrom(x, self.gamma, self.beta, self.avg_mean.data, self.avg_var.data, decay=0.9, eps=BN_EPS)


def _adaptive_avg_pool(x, size):
    (kh, sh), (kw, sw) = adaptive_window(x.shape[2], size), adaptive_window(x.shape[3], size)
    return F.average_pooling(x, (kh, kw), (sh, sw))


class _Net(dezero.Model):
    """``networks.NETWORKS[net]`` as a DeZero model holding ``params``."""

    def __init__(self, net, params):
        super().__init__()
        values = iter(value for _, value in params)
        self.calls = []
        for i, (kind, *args) in enumerate(NETWORKS[net]["layers"]):
            if kind == "conv":
                cin, cout, k, stride, pad = args
                layer = L.Conv2d(cout, k, stride=stride, pad=pad, in_channels=cin)
                layer.W.data, layer.b.data = next(values).copy(), next(values).copy()
            elif kind == "linear":
                layer = _linear(next(values), next(values))
            elif kind in ("bn2d", "bn1d"):
                layer = _BatchNorm(next(values), next(values))
            elif kind == "relu":
                layer = F.relu
            elif kind == "flatten":
                layer = F.flatten
            elif kind == "dropout":
                layer = functools.partial(F.dropout, dropout_ratio=args[0])
            elif kind == "maxpool":
                layer = functools.partial(F.pooling, kernel_size=args[0], stride=args[1])
            elif kind == "adaptive_avgpool":
                layer = functools.partial(_adaptive_avg_pool, size=args[0])
            else:
                raise ValueError(f"impl_dezero: unknown layer kind {kind!r} in {net}")
            if isinstance(layer, L.Layer):
                setattr(self, f"l{i}", layer)  # registers its parameters with the model
            self.calls.append(layer)

    def forward(self, x):
        for call in self.calls:
            x = call(x)
        return x


def cnn_model(net, params):
    """``networks.NETWORKS[net]`` as a DeZero model holding ``params``."""
    return _Net(net, params)


def cnn_train_step(model, x, t, lr):
    """One Adam step in training mode as a callable returning the loss."""
    return _step(model, optimizers.Adam(alpha=lr).setup(model), x, t)


def cnn_eval_loss(model, x, t):
    """The loss of one forward in DeZero's test mode (dropout off, running statistics) under no_grad."""
    with dezero.test_mode(), dezero.no_grad():
        return item(F.softmax_cross_entropy(model(x), t))


def cnn_infer(model, x):
    """A test-mode forward under no_grad as a callable returning the logits."""
    def infer():
        with dezero.test_mode(), dezero.no_grad():
            return model(x)

    return infer
