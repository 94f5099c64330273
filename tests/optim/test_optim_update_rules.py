"""Every optimizer and option, step by step, against the plain-numpy references and against PyTorch."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import optim
from optim_reference import (RefAdagrad, RefAdam, RefAdamW, RefRMSprop, RefSGD, package_trajectory, problem,
                             reference_trajectory)

STEPS = 10

CASES = [
    # (our class, reference class, torch class name, hyperparameters)
    (optim.SGD, RefSGD, "SGD", dict(lr=0.05)),
    (optim.SGD, RefSGD, "SGD", dict(lr=0.05, momentum=0.9)),
    (optim.SGD, RefSGD, "SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    (optim.SGD, RefSGD, "SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    (optim.SGD, RefSGD, "SGD", dict(lr=0.05, weight_decay=0.1)),
    (optim.SGD, RefSGD, "SGD", dict(lr=0.01, maximize=True)),
    (optim.SGD, RefSGD, "SGD", dict(lr=0.01, momentum=0.5, weight_decay=0.2, nesterov=True, maximize=True)),
    (optim.Adagrad, RefAdagrad, "Adagrad", dict(lr=0.1)),
    (optim.Adagrad, RefAdagrad, "Adagrad", dict(lr=0.1, lr_decay=0.5)),
    (optim.Adagrad, RefAdagrad, "Adagrad", dict(lr=0.1, weight_decay=0.1)),
    (optim.Adagrad, RefAdagrad, "Adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    (optim.Adagrad, RefAdagrad, "Adagrad", dict(lr=0.1, eps=1e-2)),
    (optim.Adagrad, RefAdagrad, "Adagrad", dict(lr=0.1, maximize=True)),
    (optim.Adagrad, RefAdagrad, "Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.3, initial_accumulator_value=0.2)),
    (optim.RMSprop, RefRMSprop, "RMSprop", dict(lr=0.01)),
    (optim.RMSprop, RefRMSprop, "RMSprop", dict(lr=0.01, alpha=0.9)),
    (optim.RMSprop, RefRMSprop, "RMSprop", dict(lr=0.01, eps=1e-3)),
    (optim.RMSprop, RefRMSprop, "RMSprop", dict(lr=0.01, centered=True)),
    (optim.RMSprop, RefRMSprop, "RMSprop", dict(lr=0.01, momentum=0.8)),
    (optim.RMSprop, RefRMSprop, "RMSprop", dict(lr=0.01, weight_decay=0.1)),
    (optim.RMSprop, RefRMSprop, "RMSprop", dict(lr=0.01, maximize=True)),
    (optim.RMSprop, RefRMSprop, "RMSprop", dict(lr=0.01, alpha=0.8, momentum=0.5, centered=True, weight_decay=0.1)),
    (optim.Adam, RefAdam, "Adam", dict(lr=0.05)),
    (optim.Adam, RefAdam, "Adam", dict(lr=0.05, betas=(0.8, 0.99))),
    (optim.Adam, RefAdam, "Adam", dict(lr=0.05, eps=1e-2)),
    (optim.Adam, RefAdam, "Adam", dict(lr=0.05, amsgrad=True)),
    (optim.Adam, RefAdam, "Adam", dict(lr=0.05, weight_decay=0.1)),
    (optim.Adam, RefAdam, "Adam", dict(lr=0.05, maximize=True)),
    (optim.Adam, RefAdam, "Adam", dict(lr=0.05, betas=(0.5, 0.9), amsgrad=True, weight_decay=0.2, maximize=True)),
    (optim.AdamW, RefAdamW, "AdamW", dict(lr=0.05)),
    (optim.AdamW, RefAdamW, "AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    (optim.AdamW, RefAdamW, "AdamW", dict(lr=0.05, weight_decay=0.3, maximize=True)),
]
IDS = [f"{cls.__name__}-" + "-".join(f"{k}={v}" for k, v in hp.items()) for cls, _, _, hp in CASES]


def assert_trajectories_close(ours, theirs, rtol=1e-12, atol=1e-13):
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs), 1):
        for name in b:
            np.testing.assert_allclose(a[name], b[name], rtol=rtol, atol=atol, err_msg=f"{name} after step {step}")


@pytest.mark.parametrize("cls, ref, _torch_name, hp", CASES, ids=IDS)
def test_matches_numpy_reference_every_step(cls, ref, _torch_name, hp):
    ours, _, _ = package_trajectory(lambda params: cls(params, **hp), STEPS)
    theirs = reference_trajectory(ref(**hp), STEPS)
    assert_trajectories_close(ours, theirs)
    # the run actually moved the weights (a test that cannot fail is a defect)
    init, _ = problem()
    assert not np.allclose(ours[-1]["W"], init["W"])


def test_adam_decoupled_weight_decay_is_adamw():
    hp = dict(lr=0.05, weight_decay=0.3)
    a, _, _ = package_trajectory(lambda p: optim.Adam(p, decoupled_weight_decay=True, **hp), STEPS)
    b, _, _ = package_trajectory(lambda p: optim.AdamW(p, **hp), STEPS)
    c, _, _ = package_trajectory(lambda p: optim.Adam(p, **hp), STEPS)
    assert_trajectories_close(a, b, rtol=0, atol=0)
    assert not np.allclose(a[-1]["W"], c[-1]["W"])


def test_float32_parameters_keep_their_dtype_and_track_float64():
    ours, opt, params = package_trajectory(lambda p: optim.Adam(p, lr=0.05, amsgrad=True), STEPS, dtype=np.float32)
    assert all(p.dtype == np.float32 for p in params.values())
    assert all(v.dtype == np.float32 for s in opt.state.values() for v in s.values() if hasattr(v, "dtype"))
    theirs = reference_trajectory(RefAdam(lr=0.05, amsgrad=True), STEPS)
    assert_trajectories_close(ours, theirs, rtol=1e-4, atol=1e-5)


_unit = st.floats(0.0, 0.95)


@given(lr=st.floats(1e-3, 0.2), momentum=_unit, dampening=_unit, weight_decay=st.floats(0, 0.5),
       nesterov=st.booleans(), maximize=st.booleans())
def test_sgd_property(lr, momentum, dampening, weight_decay, nesterov, maximize):
    if nesterov:
        momentum, dampening = max(momentum, 0.1), 0.0
    hp = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
              maximize=maximize)
    ours, _, _ = package_trajectory(lambda p: optim.SGD(p, **hp), 5)
    assert_trajectories_close(ours, reference_trajectory(RefSGD(**hp), 5), rtol=1e-11, atol=1e-12)


@given(lr=st.floats(1e-3, 0.2), lr_decay=st.floats(0, 1), weight_decay=st.floats(0, 0.5),
       initial_accumulator_value=st.floats(0, 1), eps=st.sampled_from([1e-10, 1e-6, 1e-2]), maximize=st.booleans())
def test_adagrad_property(lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize):
    hp = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, initial_accumulator_value=initial_accumulator_value,
              eps=eps, maximize=maximize)
    ours, _, _ = package_trajectory(lambda p: optim.Adagrad(p, **hp), 5)
    assert_trajectories_close(ours, reference_trajectory(RefAdagrad(**hp), 5), rtol=1e-11, atol=1e-12)


@given(lr=st.floats(1e-3, 0.05), alpha=st.floats(0.5, 0.999), momentum=_unit, weight_decay=st.floats(0, 0.5),
       centered=st.booleans(), maximize=st.booleans())
def test_rmsprop_property(lr, alpha, momentum, weight_decay, centered, maximize):
    hp = dict(lr=lr, alpha=alpha, momentum=momentum, weight_decay=weight_decay, centered=centered, maximize=maximize)
    ours, _, _ = package_trajectory(lambda p: optim.RMSprop(p, **hp), 5)
    # centered divides by sqrt(E[g^2] - E[g]^2), which loses digits to cancellation: a looser rtol there
    assert_trajectories_close(ours, reference_trajectory(RefRMSprop(**hp), 5), rtol=1e-9, atol=1e-11)


@given(lr=st.floats(1e-3, 0.2), beta1=_unit, beta2=st.floats(0.5, 0.9999), weight_decay=st.floats(0, 0.5),
       amsgrad=st.booleans(), maximize=st.booleans(), decoupled=st.booleans())
def test_adam_property(lr, beta1, beta2, weight_decay, amsgrad, maximize, decoupled):
    hp = dict(lr=lr, betas=(beta1, beta2), weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
    ours, _, _ = package_trajectory(lambda p: optim.Adam(p, decoupled_weight_decay=decoupled, **hp), 5)
    theirs = reference_trajectory(RefAdam(decoupled=decoupled, **hp), 5)
    assert_trajectories_close(ours, theirs, rtol=1e-11, atol=1e-12)


# -- against PyTorch on the same gradients -------------------------------------------------------------------

def torch_trajectory(torch_cls, hp, steps=STEPS, seed=0):
    import torch

    init, grads = problem(seed)
    params = {k: torch.tensor(v, requires_grad=True) for k, v in init.items()}
    opt = torch_cls(list(params.values()), foreach=False, **hp)
    out = []
    for _ in range(steps):
        g = grads({k: p.detach().numpy() for k, p in params.items()})
        for k, p in params.items():
            p.grad = torch.tensor(g[k])
        opt.step()
        out.append({k: p.detach().numpy().copy() for k, p in params.items()})
    return out, opt


@pytest.mark.parametrize("cls, _ref, torch_name, hp", CASES, ids=IDS)
def test_matches_torch_every_step(cls, _ref, torch_name, hp):
    torch = pytest.importorskip("torch")
    theirs, topt = torch_trajectory(getattr(torch.optim, torch_name), hp)
    ours, opt, params = package_trajectory(lambda p: cls(p, **hp), STEPS)
    assert_trajectories_close(ours, theirs)
    # same state entries, same buffer values, step counts as numbers
    tstate = topt.state_dict()["state"]
    state = opt.state_dict()["state"]
    # plain SGD keeps no state at all; index 2 is our grad-less extra parameter (only Adagrad makes its state)
    assert set(state) - {2} == set(tstate)
    for i in tstate:
        assert set(state[i]) == set(tstate[i])
        for key, value in tstate[i].items():
            if key == "step":
                assert state[i][key] == value.item()
            elif value is not None:
                np.testing.assert_allclose(state[i][key].numpy(), value.numpy(), rtol=1e-12, atol=1e-13)
