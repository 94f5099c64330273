"""nn: neural-network building blocks on top of ``autograd``, with PyTorch's names.

    import autograd as ag
    import nn, nn.functional as F

    model = nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4320, 10))
    loss = F.cross_entropy(model(x), t)      # x: (N, 1, 28, 28) float32, t: (N,) int64
    loss.backward()

Contents: :class:`Module` and :class:`Parameter`; containers (``Sequential``, ``ModuleList``,
``ModuleDict``); layers (``Linear``, ``Conv2d``, pooling, batch norm, dropout, activations, losses);
``nn.functional`` (the same operations as functions), ``nn.init`` (initialisers), ``nn.utils``
(gradient clipping) and ``nn.models`` (the book's networks and classic CNNs).
"""
import autograd

if not hasattr(autograd, "Tensor"):  # another distribution's `autograd` comes first on sys.path
    raise ImportError(
        f"the `autograd` package found first on sys.path ({getattr(autograd, '__file__', None) or autograd!r}) is not "
        "scratchgrad's: it has no autograd.Tensor (the HIPS autograd distribution has the same import name), and nn, "
        "optim and viz need scratchgrad's. Install scratchgrad in a fresh virtual environment "
        "(python3 -m venv .venv && .venv/bin/pip install -e '.[all]'), or `pip uninstall autograd` in this one.")

__version__ = autograd.__version__  # one source of truth: autograd/__init__.py (setup.cfg reads it too)

from . import functional, init, utils
from .containers import ModuleDict, ModuleList, Sequential
from .module import Module
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .parameter import Parameter

from . import models  # noqa: E402  (after the layers it is built from)

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "functional", "init", "utils",
           "models"] + _modules_all
