"""The workloads in DeZero 0.0.13 (the framework of *Deep Learning from Scratch 3*).

DeZero 0.0.13 still refers to ``np.int``, removed in numpy 2; the alias is restored before import.
Layers come from ``dezero.layers`` (Conv2d, Linear: weight stored (in, out)), pooling and the loss from
``dezero.functions``, optimizers from ``dezero.optimizers``.
"""
import numpy as np

if not hasattr(np, "int"):
    np.int = int  # dezero 0.0.13 predates numpy 2

import dezero  # noqa: E402
import dezero.functions as F  # noqa: E402
import dezero.layers as L  # noqa: E402
from dezero import optimizers  # noqa: E402

from . import graphs  # noqa: E402
from .timing import blas_threads  # noqa: E402


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
