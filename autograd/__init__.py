"""autograd: a numpy autograd engine with PyTorch's API (the engine of scratchgrad).

    import autograd as ag
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    x.grad            # tensor([2., 4.])

A PyTorch script runs with ``import autograd as torch``: ``torch.nn``, ``torch.optim``, ``torch.utils.data``,
``torch.autograd``, ``torch.device``, ``torch.cuda.is_available()`` and the rest of the surface below are here.
``nn`` and ``optim`` are layers above this package: they are imported on first use of ``autograd.nn`` /
``autograd.optim`` (never when ``autograd`` is imported), and are the very modules ``import nn`` gives.
"""
from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

from . import allocator, data, graph, linalg, random, return_types, utils  # noqa: F401  (allocator: configures malloc on import)
from .anomaly import AnomalyError, detect_anomaly
from .creation import *  # noqa: F401,F403
from .creation import __all__ as _creation_all
from .creation import complex64, complex128, float16, float32, float64, int16, int32, int64
from .devices import accelerator, backends, cuda, device
from .engine import backward, grad
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                        set_grad_enabled)
from .function import Function, FunctionCtx
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .interop import from_dlpack
from .interop import install as _install_interop
from .ops import *  # noqa: F401,F403
from .ops import __all__ as _ops_all
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .serialization import SerializationError, load, save
from .tensor import Tensor

_install_interop(Tensor)  # numpy's protocols and DLPack on Tensor

__version__ = "0.1.0"


# PyTorch's dtype aliases (here, not in creation.py, whose code uses the builtins float and int).
float, double, half, long, int, short = float32, float64, float16, int64, int32, int16  # noqa: A001
cfloat, cdouble = complex64, complex128

__all__ = [
    "Tensor", "Function", "FunctionCtx", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "inference_mode", "is_inference_mode_enabled", "detect_anomaly", "AnomalyError", "gradcheck", "gradgradcheck",
    "GradcheckError", "graph", "data", "utils", "linalg", "return_types", "save", "load", "SerializationError",
    "from_dlpack", "float", "double", "half", "long", "int", "short", "cfloat", "cdouble", "device", "cuda",
    "accelerator", "backends", "random", "Generator", "default_generator", "manual_seed", "seed", "initial_seed",
    "get_rng_state", "set_rng_state",
] + _creation_all + _ops_all

# ``autograd.nn`` and friends, as ``torch.nn``: the packages above autograd, and ``autograd.onnx`` (which needs the
# onnx library), imported on first access (PEP 562).
_LAZY = {"nn": "nn", "optim": "optim", "onnx": "autograd.onnx"}

if TYPE_CHECKING:  # what __getattr__ gives, as type checkers should see it
    from types import ModuleType

    import nn as nn
    import optim as optim

    from . import onnx as onnx


def __getattr__(name: str) -> ModuleType:
    """``autograd.autograd`` (this package), and the lazily imported ``nn``, ``optim`` and ``onnx``."""
    if name == "autograd":  # torch.autograd.grad, torch.autograd.Function...: this package itself
        return sys.modules[__name__]
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'autograd' has no attribute '{name}'")
    module = importlib.import_module(target)
    globals()[name] = module  # later accesses skip __getattr__
    return module


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | {"autograd"})
