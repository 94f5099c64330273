"""Bad input raises at construction, with PyTorch's exception types and (where PyTorch raises) its messages."""
import numpy as np
import pytest

import autograd as ag
import optim


def param():
    return ag.tensor(np.zeros(3), requires_grad=True)


# (name, our class, torch class name, kwargs, exception, message)
HYPERPARAMETER_CASES = [
    ("SGD", dict(lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    ("SGD", dict(lr=0.1, momentum=-0.5), ValueError, "Invalid momentum value: -0.5"),
    ("SGD", dict(lr=0.1, weight_decay=-1e-4), ValueError, "Invalid weight_decay value: -0.0001"),
    ("SGD", dict(lr=0.1, nesterov=True), ValueError, "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    ("Adagrad", dict(lr=-1.0), ValueError, "Invalid learning rate: -1.0"),
    ("Adagrad", dict(lr_decay=-0.1), ValueError, "Invalid lr_decay value: -0.1"),
    ("Adagrad", dict(weight_decay=-0.1), ValueError, "Invalid weight_decay value: -0.1"),
    ("Adagrad", dict(initial_accumulator_value=-0.1), ValueError, "Invalid initial_accumulator_value value: -0.1"),
    ("Adagrad", dict(eps=-1e-10), ValueError, "Invalid epsilon value: -1e-10"),
    ("RMSprop", dict(lr=-0.01), ValueError, "Invalid learning rate: -0.01"),
    ("RMSprop", dict(eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08"),
    ("RMSprop", dict(momentum=-0.9), ValueError, "Invalid momentum value: -0.9"),
    ("RMSprop", dict(weight_decay=-0.1), ValueError, "Invalid weight_decay value: -0.1"),
    ("RMSprop", dict(alpha=-0.99), ValueError, "Invalid alpha value: -0.99"),
    ("Adam", dict(lr=-1e-3), ValueError, "Invalid learning rate: -0.001"),
    ("Adam", dict(eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08"),
    ("Adam", dict(betas=(1.0, 0.999)), ValueError, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(-0.1, 0.999)), ValueError, "Invalid beta parameter at index 0: -0.1"),
    ("Adam", dict(betas=(0.9, 1.0)), ValueError, "Invalid beta parameter at index 1: 1.0"),
    ("Adam", dict(betas=(0.9, 1.5)), ValueError, "Invalid beta parameter at index 1: 1.5"),
    ("Adam", dict(weight_decay=-0.1), ValueError, "Invalid weight_decay value: -0.1"),
    ("AdamW", dict(lr=-1e-3), ValueError, "Invalid learning rate: -0.001"),
    ("AdamW", dict(betas=(0.9, 1.0)), ValueError, "Invalid beta parameter at index 1: 1.0"),
    ("AdamW", dict(weight_decay=-0.01), ValueError, "Invalid weight_decay value: -0.01"),
]
HP_IDS = [f"{name}-{kw}" for name, kw, _, _ in HYPERPARAMETER_CASES]


@pytest.mark.parametrize("name, kwargs, exc, message", HYPERPARAMETER_CASES, ids=HP_IDS)
def test_invalid_hyperparameters(name, kwargs, exc, message):
    with pytest.raises(exc) as info:
        getattr(optim, name)([param()], **kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize("name, kwargs, exc, message", HYPERPARAMETER_CASES, ids=HP_IDS)
def test_invalid_hyperparameters_as_torch(name, kwargs, exc, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(exc) as info:
        getattr(torch.optim, name)([torch.zeros(3, requires_grad=True)], **kwargs)
    assert str(info.value) == message


def test_group_hyperparameters_are_validated_too():
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.SGD([{"params": [param()], "lr": -1}], lr=0.1)
    opt = optim.Adam([param()])
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1: 1.0"):
        opt.add_param_group({"params": [param()], "betas": (0.9, 1.0)})
    with pytest.raises(ValueError, match="betas must be a pair"):
        optim.Adam([param()], betas=(0.9,))
    with pytest.raises(TypeError, match="learning rate must be a real number"):
        optim.SGD([param()], lr="0.1")
    assert len(opt.param_groups) == 1  # a rejected group is not added


def test_params_that_are_not_an_iterable_of_tensors():
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got autograd.Tensor"):
        optim.SGD(param(), lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.Adam(iter([]))
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({param()}, lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is numpy.ndarray"):
        optim.SGD([np.zeros(3)], lr=0.1)


def test_non_leaf_parameter():
    x = param()
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.Adam([x * 2])


def test_integer_parameter():
    # torch accepts integer tensors here (they can never get a gradient); we reject them up front
    with pytest.raises(TypeError, match="floating-point Tensors.*dtype int64 and shape \\(3,\\)"):
        optim.SGD([ag.tensor([1, 2, 3])], lr=0.1)


def test_parameter_given_twice():
    x, y = param(), param()
    with pytest.raises(ValueError, match="duplicate parameters"):  # torch only warns for this one
        optim.SGD([x, y, x], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [x]}, {"params": [y, x]}], lr=0.1)


def test_frozen_float_parameter_is_accepted_and_never_moves():
    # like torch: a float leaf that does not require grad is allowed; it simply never has a gradient
    frozen = ag.tensor(np.ones(2))
    live = param()
    opt = optim.SGD([frozen, live], lr=0.1, momentum=0.9)
    live.grad = ag.tensor(np.ones(3))
    opt.step()
    assert np.all(frozen.numpy() == 1) and np.all(live.numpy() == -0.1)


def test_group_without_params_key():
    with pytest.raises(ValueError, match="'params'"):
        optim.SGD([{"lr": 0.1}], lr=0.1)


def test_mixing_named_and_unnamed_groups():
    with pytest.raises(ValueError, match="with/without names"):
        optim.SGD([{"params": [("a", param())]}, {"params": [param()]}], lr=0.1)
