"""optim: the optimizers of *Deep Learning from Scratch* chapter 6 with PyTorch's API, and lr schedulers.

    import optim
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)   # the book's "Momentum"
    for x, t in loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), t)
        loss.backward()
        opt.step()

The book's names: SGD = ``SGD``, Momentum = ``SGD(momentum=...)``, Nesterov = ``SGD(momentum=...,
nesterov=True)``, AdaGrad = ``Adagrad``, RMSprop = ``RMSprop``, Adam = ``Adam``.  ``optim.toy`` reproduces
the chapter's comparison on ``f(x, y) = x**2 / 20 + y**2``.

Beyond the book, as in PyTorch: ``Adadelta``, ``Adamax``, ``NAdam``, ``RAdam``, ``ASGD`` and ``LBFGS`` (whose
``step`` takes a closure that re-evaluates the loss).
"""
import autograd

if not hasattr(autograd, "Tensor"):  # another distribution's `autograd` shadows scratchgrad's
    import nn  # noqa: F401  (raises the ImportError that says so and how to fix it)

__version__ = autograd.__version__  # one source of truth: autograd/__init__.py

from . import lr_scheduler, toy
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adam_variants import Adamax, NAdam, RAdam
from .asgd import ASGD
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD",
           "LBFGS", "lr_scheduler", "toy"]
