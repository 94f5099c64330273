"""autograd: a numpy autograd engine with PyTorch's API (the engine of scratchgrad).

    import autograd as ag
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    x.grad            # tensor([2., 4.])
"""
from . import allocator, data, graph  # noqa: F401  (allocator: configures malloc on import)
from .anomaly import AnomalyError, detect_anomaly
from .creation import *  # noqa: F401,F403
from .creation import __all__ as _creation_all
from .creation import float16, float32, float64, int16, int32, int64
from .engine import backward, grad
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .function import Function, FunctionCtx
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .interop import from_dlpack
from .interop import install as _install_interop
from .ops import *  # noqa: F401,F403
from .ops import __all__ as _ops_all
from .serialization import load, save
from .tensor import Tensor

_install_interop(Tensor)  # numpy's protocols and DLPack on Tensor

__version__ = "0.1.0"

# PyTorch's dtype aliases (here, not in creation.py, whose code uses the builtins float and int).
float, double, half, long, int, short = float32, float64, float16, int64, int32, int16  # noqa: A001

__all__ = [
    "Tensor", "Function", "FunctionCtx", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "detect_anomaly", "AnomalyError", "gradcheck", "gradgradcheck", "GradcheckError", "graph", "data",
    "save", "load", "from_dlpack", "float", "double", "half", "long", "int", "short",
] + _creation_all + _ops_all
