"""The workloads in scratchgrad: ``autograd`` for the engine workloads, ``nn``/``optim`` for the steps.

``nn`` and ``optim`` are imported only by the training-step workloads, so the engine workloads run even
where those packages are missing; a missing name raises ImportError, which the worker reports as
"unavailable" for that workload.
"""

import numpy as np

import autograd as ag

from . import graphs
from .networks import ZOO, build_sequential, check_shapes
from .timing import blas_threads

_NN_NAMES = ("Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "Sequential", "BatchNorm2d", "BatchNorm1d",
             "Dropout", "AdaptiveAvgPool2d")


def info():
    """Version and thread setting of this library."""
    return {"version": ag.__version__, "threads": blas_threads()}


def item(loss):
    """The loss as a Python float."""
    return float(loss.item())


def op_chain(depth):
    """Forward+backward of ``depth`` x ``(x * 1.01).tanh()`` on a 10x10 float32 leaf."""
    x = ag.ones(10, 10, requires_grad=True)

    def run():
        y = x
        for _ in range(depth):
            y = (y * 1.01).tanh()
        x.grad = None
        y.sum().backward()

    return run


def scaling_graph(shape, n):
    """Build a ``chain`` or ``fanin`` graph of about ``n`` ops; return a callable running its backward."""
    return graphs.scaling_graph(ag.tensor(1.0, requires_grad=True), shape, n)


def _libs():
    """Import ``nn``, ``nn.functional`` and ``optim``, raising ImportError naming whatever is missing."""
    import nn
    import nn.functional as F
    import optim

    missing = [f"nn.{n}" for n in _NN_NAMES if not hasattr(nn, n)]
    missing += [f"nn.functional.{n}" for n in ("cross_entropy",) if not hasattr(F, n)]
    missing += [f"optim.{n}" for n in ("SGD", "Adam") if not hasattr(optim, n)]
    if missing:
        raise ImportError(f"scratchgrad lacks {', '.join(missing)}")
    return nn, F, optim


def _load(module, weight, bias):
    with ag.no_grad():
        module.weight.copy_(ag.tensor(weight))
        module.bias.copy_(ag.tensor(bias))
    return module


def build_convnet(params):
    """The SimpleConvNet as an ``nn.Sequential`` holding the shared weights."""
    nn, _, _ = _libs()
    p = params
    return nn.Sequential(
        _load(nn.Conv2d(1, 30, 5), p["conv_w"], p["conv_b"]), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        _load(nn.Linear(4320, 100), p["fc1_w"], p["fc1_b"]), nn.ReLU(),
        _load(nn.Linear(100, 10), p["fc2_w"], p["fc2_b"]),
    )


def build_mlp(params):
    """The chapter-6 MLP as an ``nn.Sequential`` holding the shared weights."""
    nn, _, _ = _libs()
    layers = []
    for w, b in params:
        layers += [_load(nn.Linear(w.shape[1], w.shape[0]), w, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def convnet_step(params, x, t, lr):
    """One SimpleConvNet SGD step as a callable returning the loss."""
    _, _, optim = _libs()
    model = build_convnet(params)
    return _step(model, optim.SGD(model.parameters(), lr=lr), x, t)


def mlp_adam_step(params, x, t, lr):
    """One MLP Adam step as a callable returning the loss."""
    _, _, optim = _libs()
    model = build_mlp(params)
    return _step(model, optim.Adam(model.parameters(), lr=lr), x, t)


def _step(model, opt, x, t):
    _, F, _ = _libs()
    x, t = ag.tensor(np.ascontiguousarray(x)), ag.tensor(t.astype(np.int64))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), t)
        loss.backward()
        opt.step()
        return loss

    return step


def cnn_model(net, params):
    """The zoo model of ``networks.NETWORKS[net]`` (``nn.models.DeepConvNet`` ...) holding ``params``.

    A network with no zoo model (the BatchNorm SimpleConvNet) is built as ``nn.Sequential`` from its layer list.
    """
    nn, _, _ = _libs()
    model = getattr(nn.models, ZOO[net])() if net in ZOO else build_sequential(nn, net)
    weights = list(model.parameters())
    check_shapes(f"nn.models.{ZOO[net]}()" if net in ZOO else "the nn.Sequential", [w.shape for w in weights], net)
    with ag.no_grad():
        for w, (_, value) in zip(weights, params):
            w.copy_(ag.tensor(value))
    return model


def cnn_train_step(model, x, t, lr):
    """One Adam step in training mode as a callable returning the loss."""
    _, _, optim = _libs()
    model.train()
    return _step(model, optim.Adam(model.parameters(), lr=lr), x, t)


def cnn_eval_loss(model, x, t):
    """The loss of one eval-mode forward under no_grad (training mode restored)."""
    _, F, _ = _libs()
    model.eval()
    with ag.no_grad():
        loss = F.cross_entropy(model(ag.tensor(x)), ag.tensor(t.astype(np.int64)))
    model.train()
    return item(loss)


def cnn_infer(model, x):
    """An eval-mode forward under no_grad as a callable returning the logits (leaves the model in eval mode)."""
    model.eval()
    x = ag.tensor(np.ascontiguousarray(x))

    def infer():
        with ag.no_grad():
            return model(x)

    return infer


def search_trial(params, data, epochs):
    """One trial of the hyper-parameter search as a callable, run as the search runs it.

    ``scratchgrad.experiments.hparam_search.trial`` under its own generator seeded from ``params["seed"]``
    (installed as the thread's default, as ``scratchgrad.search`` does), so every call trains the same way.
    """
    from scratchgrad.experiments.hparam_search import trial

    def run():
        with ag.random.use_generator(ag.Generator().manual_seed(params["seed"])):
            return trial(params, data, epochs)

    return run
