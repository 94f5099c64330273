"""Learning-rate schedulers (PyTorch's ``torch.optim.lr_scheduler``): change each group's ``'lr'`` per epoch.

Call ``scheduler.step()`` once per epoch (or per batch, for the cyclical ones) *after* ``optimizer.step()``::

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(model, opt)
        sched.step()

``last_epoch`` counts the ``step()`` calls (it is 0 right after construction); ``get_last_lr()`` returns the
learning rates the last step set.  ``state_dict()``/``load_state_dict()`` save and restore the schedule's
position; restore the optimizer's state too (its groups carry ``'lr'`` and ``'initial_lr'``).

The modules, by concept: ``base`` (:class:`LRScheduler`), ``decay`` (Lambda, Multiplicative, Step, MultiStep,
Constant, Linear, Exponential, Polynomial), ``cosine`` (CosineAnnealing, warm restarts), ``cyclic`` (CyclicLR,
OneCycleLR, which also cycle the momentum), ``compose`` (SequentialLR, ChainedScheduler) and ``plateau``
(ReduceLROnPlateau).
"""
from .base import LRScheduler
from .compose import ChainedScheduler, SequentialLR
from .cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from .cyclic import CyclicLR, OneCycleLR
from .decay import (ConstantLR, ExponentialLR, LambdaLR, LinearLR, MultiplicativeLR, MultiStepLR, PolynomialLR,
                    StepLR)
from .plateau import ReduceLROnPlateau

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
           "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR",
           "OneCycleLR", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau"]
