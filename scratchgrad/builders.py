"""Models and optimizers by the names the CLI uses (``--model lenet5``, ``--optimizer momentum``)."""
from __future__ import annotations

import nn
import optim

__all__ = ["MODELS", "OPTIMIZERS", "INITS", "DEFAULT_LR", "DEFAULT_INIT", "build_model", "build_optimizer",
           "first_layer_weight"]

MODELS = ("simple_convnet", "lenet5", "alexnet", "deep_convnet", "mlp")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
INITS = ("std", "xavier", "he")
#: Learning rates used when ``--lr`` is not given: the book's for SGD-like methods, the usual 1e-3 for the
#: adaptive ones.
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.01, "rmsprop": 0.001, "adam": 0.001,
              "adamw": 0.001}
#: The initialisation each model gets when none is asked for: He (chapter 6's advice for ReLU networks), except
#: PyTorch's own default (None) for the PyTorch-era LeNet5 and AlexNet.
DEFAULT_INIT = {"simple_convnet": "he", "lenet5": None, "alexnet": None, "deep_convnet": "he", "mlp": "he"}
#: Which models take which options (the others raise a clear error for them).
DROPOUT_MODELS = ("mlp", "alexnet", "deep_convnet")
BATCHNORM_MODELS = ("mlp",)


def build_model(name, init=None, dropout=None, batchnorm=False, input_dim=(1, 28, 28), num_classes=10):
    """A fresh model ``name`` (one of :data:`MODELS`) for ``input_dim`` images and ``num_classes`` classes.

    Args:
        init: ``'std'`` (N(0, 0.01^2), the book's chapter-7 setting), ``'xavier'``, ``'he'``, or None for
            :data:`DEFAULT_INIT` (He for SimpleConvNet, MLP and DeepConvNet, PyTorch's for LeNet5 and AlexNet).
        dropout: dropout probability (MLP, AlexNet, DeepConvNet; None: the model's default).
        batchnorm: BatchNorm after each hidden layer (MLP only).

    Raises:
        ValueError: an unknown model, or an option the model does not have.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    if dropout and name not in DROPOUT_MODELS:
        raise ValueError(f"--dropout is available for {', '.join(DROPOUT_MODELS)}, not {name}")
    if batchnorm and name not in BATCHNORM_MODELS:
        raise ValueError(f"--batchnorm is available for {', '.join(BATCHNORM_MODELS)}, not {name}")
    channels, height, width = input_dim
    requested, init = init, DEFAULT_INIT[name] if init is None else init
    model: nn.Module
    if name == "simple_convnet":
        model = nn.models.SimpleConvNet(input_dim=input_dim, output_size=num_classes,
                                        weight_init_std=0.01 if init == "std" else init)
    elif name == "mlp":
        model = nn.models.MLP(channels * height * width, (100, 100, 100, 100), num_classes,
                              weight_init=init, batchnorm=batchnorm, dropout=dropout or 0.0)
    elif name == "lenet5":
        model = nn.models.LeNet5(in_channels=channels, num_classes=num_classes, input_size=height)
    elif name == "alexnet":
        model = nn.models.AlexNet(in_channels=channels, num_classes=num_classes,
                                  dropout=0.5 if dropout is None else dropout)
    else:
        model = nn.models.DeepConvNet(input_dim=input_dim, output_size=num_classes,
                                      dropout=0.5 if dropout is None else dropout)
    if requested is not None and name in ("lenet5", "alexnet", "deep_convnet"):  # (DeepConvNet is He by itself)
        nn.models.init_weights(model, init)
    return model


def build_optimizer(name, params, lr=None, weight_decay=0.0):
    """An optimizer by its CLI name: ``sgd``, ``momentum`` (SGD, momentum 0.9), ``nesterov``, ``adagrad``,
    ``rmsprop``, ``adam``, ``adamw``; ``lr`` None takes :data:`DEFAULT_LR`.

    Raises:
        ValueError: an unknown name (or a bad hyper-parameter, from the optimizer).
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    lr = DEFAULT_LR[name] if lr is None else lr
    params = list(params)
    if name == "sgd":
        return optim.SGD(params, lr=lr, weight_decay=weight_decay)
    if name in ("momentum", "nesterov"):
        return optim.SGD(params, lr=lr, momentum=0.9, nesterov=name == "nesterov", weight_decay=weight_decay)
    if name == "adagrad":
        return optim.Adagrad(params, lr=lr, weight_decay=weight_decay)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, weight_decay=weight_decay)
    if name == "adam":
        return optim.Adam(params, lr=lr, weight_decay=weight_decay)
    return optim.AdamW(params, lr=lr, weight_decay=weight_decay)


def first_layer_weight(model, input_dim=(1, 28, 28)):
    """A copy of the first layer's weight as filters ``(C_out, C_in, kh, kw)`` (numpy): a Conv2d's weight, or a
    first Linear's ``(out, C*H*W)`` weight reshaped to ``(out, C, H, W)`` (what each unit looks for in the
    image); None if neither exists."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            return module.weight.detach().cpu().numpy().copy()
        if isinstance(module, nn.Linear):
            c, h, w = input_dim
            if module.weight.shape[1] != c * h * w:
                return None
            return module.weight.detach().cpu().numpy().reshape(module.weight.shape[0], c, h, w).copy()
    return None
