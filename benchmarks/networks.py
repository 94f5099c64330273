"""The CNNs of the training-step and inference workloads, written once as layer lists, with their shared weights.

Each network is a list of layer tuples that every library's ``impl_<lib>.py`` turns into its own model:

* ``("conv", in_channels, out_channels, kernel, stride, padding)``, ``("linear", in_features, out_features)``
* ``("bn2d", channels)``, ``("bn1d", features)``: BatchNorm (eps 1e-5, momentum 0.1: torch's defaults)
* ``("relu",)``, ``("flatten",)``, ``("dropout", p)``
* ``("maxpool", kernel, stride)``, ``("adaptive_avgpool", output_size)``

scratchgrad runs the zoo model of the same name (``nn.models.DeepConvNet``, ``LeNet5``, ``AlexNet``) where
there is one, loaded with these weights in parameter order; :func:`network_params` gives them in that order
and the loading checks every shape, so a zoo model that drifts from this list fails loudly.
"""
import itertools

import numpy as np

__all__ = [
    "BN_EPS",
    "NETWORKS",
    "ZOO",
    "adaptive_window",
    "build_sequential",
    "check_shapes",
    "network_data",
    "network_params",
    "param_shapes",
]

BN_EPS = 1e-5

NETWORKS = {
    # The chapter-7 SimpleConvNet (as simple_convnet_step), for the inference workload.
    "simple_convnet": {
        "input": (1, 28, 28),
        "layers": [("conv", 1, 30, 5, 1, 0), ("relu",), ("maxpool", 2, 2), ("flatten",), ("linear", 4320, 100),
                   ("relu",), ("linear", 100, 10)],
    },
    # SimpleConvNet with BatchNorm2d after the convolution and BatchNorm1d after fc1, each before its ReLU.
    "bn_convnet": {
        "input": (1, 28, 28),
        "layers": [("conv", 1, 30, 5, 1, 0), ("bn2d", 30), ("relu",), ("maxpool", 2, 2), ("flatten",),
                   ("linear", 4320, 100), ("bn1d", 100), ("relu",), ("linear", 100, 10)],
    },
    # nn.models.DeepConvNet(): conv4 has padding 2 (as the book), one dropout, before fc2.
    "deep_convnet": {
        "input": (1, 28, 28),
        "layers": [("conv", 1, 16, 3, 1, 1), ("relu",), ("conv", 16, 16, 3, 1, 1), ("relu",), ("maxpool", 2, 2),
                   ("conv", 16, 32, 3, 1, 1), ("relu",), ("conv", 32, 32, 3, 1, 2), ("relu",), ("maxpool", 2, 2),
                   ("conv", 32, 64, 3, 1, 1), ("relu",), ("conv", 64, 64, 3, 1, 1), ("relu",), ("maxpool", 2, 2),
                   ("flatten",), ("linear", 1024, 50), ("relu",), ("dropout", 0.5), ("linear", 50, 10)],
    },
    # nn.models.LeNet5() on 28x28 (MNIST): padding 2 in the first convolution, ReLU and max pooling.
    "lenet5": {
        "input": (1, 28, 28),
        "layers": [("conv", 1, 6, 5, 1, 2), ("relu",), ("maxpool", 2, 2), ("conv", 6, 16, 5, 1, 0), ("relu",),
                   ("maxpool", 2, 2), ("flatten",), ("linear", 400, 120), ("relu",), ("linear", 120, 84), ("relu",),
                   ("linear", 84, 10)],
    },
    # nn.models.AlexNet() (width 0.25, 3 input channels) on 3x32x32 images, the CIFAR size its docstring names.
    "alexnet": {
        "input": (3, 32, 32),
        "layers": [("conv", 3, 16, 5, 1, 2), ("relu",), ("maxpool", 3, 2), ("conv", 16, 48, 5, 1, 2), ("relu",),
                   ("maxpool", 3, 2), ("conv", 48, 96, 3, 1, 1), ("relu",), ("conv", 96, 64, 3, 1, 1), ("relu",),
                   ("conv", 64, 64, 3, 1, 1), ("relu",), ("maxpool", 3, 2), ("adaptive_avgpool", 2), ("flatten",),
                   ("dropout", 0.5), ("linear", 256, 1024), ("relu",), ("dropout", 0.5), ("linear", 1024, 1024),
                   ("relu",), ("linear", 1024, 10)],
    },
}

#: The scratchgrad zoo class each network is (networks not listed are built from their layer list).
ZOO = {"simple_convnet": "SimpleConvNet", "deep_convnet": "DeepConvNet", "lenet5": "LeNet5", "alexnet": "AlexNet"}

_SEEDS = {"simple_convnet": 10, "bn_convnet": 11, "deep_convnet": 12, "lenet5": 13, "alexnet": 14}


def param_shapes(net):
    """``[(name, shape)]`` of the network's parameters in layer order (weight before bias, gamma before beta)."""
    shapes = []
    for i, layer in enumerate(NETWORKS[net]["layers"]):
        kind = layer[0]
        if kind == "conv":
            _, cin, cout, k, _, _ = layer
            shapes += [(f"{i}.weight", (cout, cin, k, k)), (f"{i}.bias", (cout,))]
        elif kind == "linear":
            shapes += [(f"{i}.weight", (layer[2], layer[1])), (f"{i}.bias", (layer[2],))]
        elif kind in ("bn2d", "bn1d"):
            shapes += [(f"{i}.weight", (layer[1],)), (f"{i}.bias", (layer[1],))]
    return shapes


def network_params(net):
    """The network's weights, ``[(name, float32 array)]`` in layer order, in torch layout.

    Weights He-normal; biases, BatchNorm shifts and the deviation of BatchNorm scales from 1 are
    normal with std 0.1, so that a library that mishandles any of them shows a different loss.
    """
    rng = np.random.default_rng(_SEEDS[net])
    out = []
    for name, shape in param_shapes(net):
        if len(shape) > 1:
            arr = rng.standard_normal(shape) * np.sqrt(2.0 / np.prod(shape[1:]))
        else:
            is_bn_scale = name.endswith("weight")
            arr = (1.0 if is_bn_scale else 0.0) + 0.1 * rng.standard_normal(shape)
        out.append((name, arr.astype(np.float32)))
    return out


def network_data(net, batch):
    """``(x (batch, C, H, W) float32 in [0, 1), t (batch,) int64 labels)`` for the network's input size."""
    rng = np.random.default_rng(100 + _SEEDS[net])
    return rng.random((batch, *NETWORKS[net]["input"]), dtype=np.float32), rng.integers(0, 10, batch)


def adaptive_window(in_size, out_size):
    """``(kernel, stride)`` of the fixed pooling that adaptive pooling from ``in_size`` to ``out_size`` equals.

    Adaptive pooling's window ``i`` is ``[floor(i * in / out), ceil((i + 1) * in / out))``; for libraries
    without it this gives the plain pooling with the same windows, or raises ValueError where the windows
    are not evenly spaced and of one size.
    """
    starts = [i * in_size // out_size for i in range(out_size)]
    ends = [-(-(i + 1) * in_size // out_size) for i in range(out_size)]
    sizes, steps = {e - s for s, e in zip(starts, ends)}, {b - a for a, b in itertools.pairwise(starts)}
    if len(sizes) != 1 or len(steps) > 1:
        raise ValueError(f"adaptive pooling {in_size} -> {out_size} has uneven windows")
    return sizes.pop(), (steps.pop() if steps else 1)


def check_shapes(what, shapes, net):
    """Raise ValueError unless ``shapes`` (a model's parameter shapes, in order) are the network's."""
    want = [shape for _, shape in param_shapes(net)]
    got = [tuple(shape) for shape in shapes]
    if got != want:
        raise ValueError(f"{what} does not have the layers of the benchmark's {net}: parameter shapes {got}, "
                         f"expected {want}")


def build_sequential(nn, net):
    """The network as ``nn.Sequential`` of PyTorch-named modules from the namespace ``nn`` (torch.nn or scratchgrad's)."""
    def module(kind, *args):
        if kind == "conv":
            cin, cout, k, stride, padding = args
            return nn.Conv2d(cin, cout, k, stride=stride, padding=padding)
        if kind == "maxpool":
            return nn.MaxPool2d(args[0], stride=args[1])
        if kind in ("bn2d", "bn1d"):
            return (nn.BatchNorm2d if kind == "bn2d" else nn.BatchNorm1d)(args[0], eps=BN_EPS, momentum=0.1)
        simple = {"linear": nn.Linear, "relu": nn.ReLU, "flatten": nn.Flatten, "dropout": nn.Dropout,
                  "adaptive_avgpool": nn.AdaptiveAvgPool2d}
        return simple[kind](*args)

    return nn.Sequential(*(module(*layer) for layer in NETWORKS[net]["layers"]))
