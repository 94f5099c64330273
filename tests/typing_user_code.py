"""User code as a type checker reads it: a typical training loop over the public API (tests/test_typing.py runs mypy
on this file and runs it too).

``assert_type`` lines fail the mypy run when a hint gives another type; a ``# type: ignore[code]`` line is a
mistake the hints must catch (the config's ``warn_unused_ignores`` fails the run when they do not).
"""
from __future__ import annotations

import sys
from typing import Any

import numpy as np

import autograd as ag
import nn
import nn.functional as F
import optim
from autograd.data import DataLoader, TensorDataset
from autograd.types import TensorLike

if sys.version_info >= (3, 11):  # noqa: UP036  (the packages support Python 3.10)
    from typing import assert_type
else:  # (mypy reads typing_extensions' stub; at run time it is not needed)
    def assert_type(value: Any, _type: Any) -> Any:
        return value


class Net(nn.Module):
    """A two-layer classifier, as a user writes one."""

    def __init__(self, features: int, classes: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(features, 16)
        self.fc2 = nn.Linear(16, classes)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.fc2(F.relu(self.fc1(x)))


def scaled(x: ag.Tensor, by: TensorLike) -> ag.Tensor:
    """A user function written with the library's aliases."""
    return x * by


def train(epochs: int = 2) -> float:
    """Fit ``Net`` on random data; returns the last batch's loss."""
    ag.manual_seed(0)
    x = ag.randn(64, 4)
    t = ag.randint(0, 3, (64,))
    assert_type(ag.zeros(2, 3), ag.Tensor)
    assert_type(x.shape, tuple[int, ...])
    assert_type(x.size(0), int)
    assert_type(x.sum(dim=0), ag.Tensor)
    assert_type(x.max(), ag.Tensor)
    assert_type(x.max(dim=1), ag.return_types.max)
    assert_type(x.max(dim=1).indices, ag.Tensor)
    assert_type(x.sort(), ag.return_types.sort)
    assert_type(x.split(2), tuple[ag.Tensor, ...])
    assert_type(2 * x + 1, ag.Tensor)
    assert_type(x @ x.T, ag.Tensor)
    assert_type(x[0, 1:], ag.Tensor)
    assert_type(x > 0, ag.Tensor)
    assert_type(ag.exp(x), ag.Tensor)
    assert_type(ag.cat([x, x]), ag.Tensor)
    assert_type(x.grad, ag.Tensor | None)
    assert_type(x[0, 0].item(), Any)  # (a Python number)
    assert_type(scaled(x, np.float32(2.0)), ag.Tensor)

    model = Net(4, 3)
    assert_type(model(x), ag.Tensor)
    assert_type(model.fc1.weight, nn.Parameter)
    assert_type(model.train(), Net)
    assert_type(nn.Sequential(nn.Linear(4, 3), nn.ReLU())(x), Any)  # (Sequential's forward: whatever the last gives)
    assert_type(nn.LSTM(4, 8)(x.unsqueeze(1)), tuple[ag.Tensor, tuple[ag.Tensor, ag.Tensor]])
    for p in model.parameters():
        assert_type(p, nn.Parameter)
        assert_type(p.data.add_(0.0), ag.Tensor)

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    loader = DataLoader(TensorDataset(x, t), batch_size=16, shuffle=True, seed=0)
    last = float("nan")
    for _ in range(epochs):
        for xb, tb in loader:
            out = model(xb)
            loss = F.cross_entropy(out, tb)
            assert_type(loss, ag.Tensor)
            opt.zero_grad()
            loss.backward()  # (returns None: using its value is an error)
            assert_type(opt.step(), Any)
            last = loss.item()
        scheduler.step()
    with ag.no_grad():
        assert_type(model(x).argmax(dim=1), ag.Tensor)
    (g,) = ag.grad((x.requires_grad_() * 2).sum(), x)
    assert_type(g, ag.Tensor)
    return last


def mistakes() -> None:
    """Calls the hints reject (never run)."""
    model = Net(4, 3)
    x = ag.randn(2, 4)
    model("not a tensor")  # type: ignore[arg-type]
    x.sum(dimension=0)  # type: ignore[call-arg]
    optim.SGD(model.parameters(), lr="fast")  # type: ignore[arg-type]
    ag.zeros(2, 3).no_such_method()  # type: ignore[attr-defined]
    F.cross_entropy(model(x), [0, 1])  # type: ignore[arg-type]


if __name__ == "__main__":
    print(train())
