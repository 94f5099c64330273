"""The workloads in PyTorch (the reference every ratio is taken against).

torch runs with its default intra-op thread count unless ``BENCH_THREADS`` is set (``run.py --threads``);
the count used is reported with the results.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import graphs
from .networks import build_sequential, check_shapes

if os.environ.get("BENCH_THREADS"):
    torch.set_num_threads(int(os.environ["BENCH_THREADS"]))


def info():
    """Version and thread count of this library."""
    n = torch.get_num_threads()
    return {"version": torch.__version__, "threads": f"torch {n} thread{'' if n == 1 else 's'}"}


def item(loss):
    """The loss as a Python float."""
    return float(loss.item())


def op_chain(depth):
    """Forward+backward of ``depth`` x ``(x * 1.01).tanh()`` on a 10x10 float32 leaf."""
    x = torch.ones(10, 10, requires_grad=True)

    def run():
        y = x
        for _ in range(depth):
            y = (y * 1.01).tanh()
        x.grad = None
        y.sum().backward()

    return run


def scaling_graph(shape, n):
    """Build a ``chain`` or ``fanin`` graph of about ``n`` ops; return a callable running its backward."""
    return graphs.scaling_graph(torch.tensor(1.0, requires_grad=True), shape, n)


def _load(module, weight, bias):
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(weight))
        module.bias.copy_(torch.from_numpy(bias))
    return module


def convnet_step(params, x, t, lr):
    """One SimpleConvNet SGD step as a callable returning the loss."""
    p = params
    model = nn.Sequential(
        _load(nn.Conv2d(1, 30, 5), p["conv_w"], p["conv_b"]), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        _load(nn.Linear(4320, 100), p["fc1_w"], p["fc1_b"]), nn.ReLU(),
        _load(nn.Linear(100, 10), p["fc2_w"], p["fc2_b"]),
    )
    return _step(model, torch.optim.SGD(model.parameters(), lr=lr), x, t)


def mlp_adam_step(params, x, t, lr):
    """One MLP Adam step as a callable returning the loss."""
    layers = []
    for w, b in params:
        layers += [_load(nn.Linear(w.shape[1], w.shape[0]), w, b), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    return _step(model, torch.optim.Adam(model.parameters(), lr=lr), x, t)


def _step(model, opt, x, t):
    x, t = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(t.astype(np.int64))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), t)
        loss.backward()
        opt.step()
        return loss

    return step


def cnn_model(net, params):
    """``networks.NETWORKS[net]`` as a torch.nn.Sequential holding ``params``."""
    model = build_sequential(nn, net)
    weights = list(model.parameters())
    check_shapes("the torch.nn model", [w.shape for w in weights], net)
    with torch.no_grad():
        for w, (_, value) in zip(weights, params):
            w.copy_(torch.from_numpy(value))
    return model


def cnn_train_step(model, x, t, lr):
    """One Adam step in training mode as a callable returning the loss."""
    model.train()
    return _step(model, torch.optim.Adam(model.parameters(), lr=lr), x, t)


def cnn_eval_loss(model, x, t):
    """The loss of one eval-mode forward under no_grad (training mode restored)."""
    model.eval()
    with torch.no_grad():
        loss = F.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(t.astype(np.int64)))
    model.train()
    return item(loss)


def cnn_infer(model, x):
    """An eval-mode forward under no_grad as a callable returning the logits (leaves the model in eval mode)."""
    model.eval()
    x = torch.from_numpy(np.ascontiguousarray(x))

    def infer():
        with torch.no_grad():
            return model(x)

    return infer
