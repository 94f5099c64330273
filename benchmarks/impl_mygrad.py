"""The workloads in MyGrad 2.x ("drop-in automatic differentiation to NumPy").

MyGrad has no module or optimizer classes: parameters are plain ``mg.Tensor`` objects, the layers are
``mygrad.nnet`` functions (``conv_nd``, ``max_pool``, ``softmax_crossentropy``) and the SGD/Adam updates
are written here in numpy on ``tensor.data``.  MyGrad clears a tensor's ``.grad`` by itself when the
tensor enters a new operation, so no zero-grad step is needed.  Its default memory guarding (arrays
made read-only while a graph holds them) stays on, as a user gets it.
"""
import mygrad as mg
import numpy as np
from mygrad.nnet import conv_nd, max_pool, relu, softmax_crossentropy

from . import graphs
from .timing import blas_threads


def info():
    """Version and thread setting of this library."""
    return {"version": mg.__version__, "threads": blas_threads()}


def item(loss):
    """The loss as a Python float."""
    return float(loss.item())


def op_chain(depth):
    """Forward+backward of ``depth`` x ``tanh(x * 1.01)`` on a 10x10 float32 leaf."""
    x = mg.tensor(np.ones((10, 10), np.float32))

    def run():
        y = x
        for _ in range(depth):
            y = mg.tanh(y * 1.01)
        mg.sum(y).backward()

    return run


def scaling_graph(shape, n):
    """Build a ``chain`` or ``fanin`` graph of about ``n`` ops; return a callable running its backward."""
    return graphs.scaling_graph(mg.tensor(np.float32(1.0)), shape, n)


def convnet_step(params, x, t, lr):
    """One SimpleConvNet SGD step as a callable returning the loss."""
    p = {k: mg.tensor(v.copy()) for k, v in params.items()}
    conv_b = p["conv_b"]
    fc1_wt, fc2_wt = mg.tensor(params["fc1_w"].T.copy()), mg.tensor(params["fc2_w"].T.copy())
    weights = [p["conv_w"], conv_b, fc1_wt, p["fc1_b"], fc2_wt, p["fc2_b"]]

    def step():
        y = conv_nd(x, p["conv_w"], stride=1) + conv_b.reshape(1, -1, 1, 1)
        y = max_pool(relu(y), (2, 2), 2)
        y = relu(mg.matmul(y.reshape(y.shape[0], -1), fc1_wt) + p["fc1_b"])
        loss = softmax_crossentropy(mg.matmul(y, fc2_wt) + p["fc2_b"], t)
        loss.backward()
        for w in weights:
            w.data -= lr * w.grad
        return loss

    return step


def mlp_adam_step(params, x, t, lr, betas=(0.9, 0.999), eps=1e-8):
    """One MLP Adam step (numpy Adam on ``tensor.data``) as a callable returning the loss."""
    weights = []
    for w, b in params:
        weights += [mg.tensor(w.T.copy()), mg.tensor(b.copy())]
    ms = [np.zeros_like(w.data) for w in weights]
    vs = [np.zeros_like(w.data) for w in weights]
    b1, b2 = betas
    count = [0]

    def step():
        y = x
        for i in range(0, len(weights), 2):
            y = mg.matmul(y, weights[i]) + weights[i + 1]
            if i + 2 < len(weights):
                y = relu(y)
        loss = softmax_crossentropy(y, t)
        loss.backward()
        count[0] += 1
        c1, c2 = 1 - b1 ** count[0], 1 - b2 ** count[0]
        for w, m, v in zip(weights, ms, vs):
            g = w.grad
            m += (1 - b1) * (g - m)
            v += (1 - b2) * (g * g - v)
            w.data -= (lr / c1) * m / (np.sqrt(v / c2) + eps)
        return loss

    return step
