"""The book's chapter-6 comparison of optimizers on ``f(x, y) = x**2 / 20 + y**2``.

The function is a long, shallow valley along ``x`` with steep walls in ``y``: its gradient ``(x / 10, 2 y)``
points mostly across the valley, not towards the minimum at ``(0, 0)``.  Plain SGD with a large learning
rate bounces from wall to wall in ``y`` while creeping along ``x``; Momentum rolls along the valley,
AdaGrad and Adam scale each coordinate separately and head for the minimum.  ::

    paths = optim.toy.optimizer_paths()          # {'SGD': (31, 2) array, 'Momentum': ..., ...}
    viz.plot_optimizer_paths(paths, optim.toy.f)  # the book's figure 6-8 (viz package)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import autograd

from .adagrad import Adagrad
from .adam import Adam
from .sgd import SGD

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .optimizer import Optimizer

__all__ = ["f", "grad_f", "BOOK_OPTIMIZERS", "optimizer_path", "optimizer_paths"]


def f(x: Any, y: Any) -> Any:
    """The chapter-6 test function ``x**2 / 20 + y**2`` (Tensors, numpy arrays such as a meshgrid, or numbers)."""
    return x**2 / 20 + y**2


def grad_f(x: Any, y: Any) -> tuple[Any, Any]:
    """The gradient ``(x / 10, 2 y)`` of :func:`f` in closed form, for checks (the paths use autograd)."""
    return x / 10, 2 * y


#: The optimizers and learning rates of the book's figure, as ``name -> (params -> Optimizer)``.
BOOK_OPTIMIZERS: dict[str, Callable[[list[autograd.Tensor]], Optimizer]] = {
    "SGD": lambda params: SGD(params, lr=0.95),
    "Momentum": lambda params: SGD(params, lr=0.1, momentum=0.9),
    "AdaGrad": lambda params: Adagrad(params, lr=1.5),
    "Adam": lambda params: Adam(params, lr=0.3),
}


def optimizer_path(make_optimizer: Callable[[list[autograd.Tensor]], Optimizer], steps: int = 30,
                   start: tuple[float, float] = (-7.0, 2.0), fn: Callable[..., Any] = f) -> np.ndarray[Any, Any]:
    """Minimise ``fn(x, y)`` from ``start`` and return the points visited.

    Args:
        make_optimizer: a callable taking a list of parameters ``[x, y]`` and returning an Optimizer.
        steps: number of optimizer steps.
        start: the starting point ``(x, y)``.
        fn: the function to minimise, built from Tensor ops; its gradient is taken by autograd.
    Returns:
        a float64 array of shape ``(steps + 1, 2)``: the start, then the point after each step.
    """
    x = autograd.tensor(np.float64(start[0]), requires_grad=True)
    y = autograd.tensor(np.float64(start[1]), requires_grad=True)
    opt = make_optimizer([x, y])
    points = np.empty((steps + 1, 2), dtype=np.float64)
    points[0] = x.item(), y.item()
    for i in range(1, steps + 1):
        opt.zero_grad()
        fn(x, y).backward()
        opt.step()
        points[i] = x.item(), y.item()
    return points


def optimizer_paths(steps: int = 30, start: tuple[float, float] = (-7.0, 2.0),
                    optimizers: Mapping[str, Callable[[list[autograd.Tensor]], Optimizer]] | None = None,
                    ) -> dict[str, np.ndarray[Any, Any]]:
    """Run each optimizer of the chapter-6 comparison on :func:`f` from the same start.

    Args:
        steps: number of steps per optimizer (the book uses 30).
        start: the common starting point (the book's ``(-7.0, 2.0)``).
        optimizers: ``name -> (params -> Optimizer)``; default :data:`BOOK_OPTIMIZERS` (SGD lr 0.95,
            Momentum lr 0.1 with momentum 0.9, AdaGrad lr 1.5, Adam lr 0.3).
    Returns:
        a dict ``name -> (steps + 1, 2)`` float64 array of the points visited, in the order given.
    """
    optimizers = BOOK_OPTIMIZERS if optimizers is None else optimizers
    return {name: optimizer_path(make, steps, start) for name, make in optimizers.items()}
