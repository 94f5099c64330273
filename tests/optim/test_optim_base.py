"""The Optimizer base: parameter groups, zero_grad, step(closure), add_param_group, state_dict and resume."""
import copy

import numpy as np
import pytest

import autograd as ag
import optim
from optim_reference import RefSGD, RefAdam, problem, reference_trajectory

ALL = [
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    (optim.SGD, dict(lr=0.05)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.1)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.Adam, dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    (optim.AdamW, dict(lr=0.05)),
]
ALL_IDS = [cls.__name__ + ("-" + "-".join(hp) if hp else "") for cls, hp in ALL]


def make_params(seed=0):
    init, _ = problem(seed)
    return [ag.tensor(init["W"].copy(), requires_grad=True), ag.tensor(init["b"].copy(), requires_grad=True)]


def set_grads(params, seed=0):
    _, grads = problem(seed)
    g = grads({"W": params[0].numpy(), "b": params[1].numpy()})
    params[0].grad = ag.tensor(g["W"])
    params[1].grad = ag.tensor(g["b"])


def run(opt, params, steps):
    for _ in range(steps):
        set_grads(params)
        opt.step()


# -- parameter groups ----------------------------------------------------------------------------------------

def test_param_groups_with_their_own_lr_and_defaults():
    W, b = make_params()
    opt = optim.SGD([{"params": [W]}, {"params": b, "lr": 0.01, "momentum": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.5]
    assert opt.param_groups[1]["params"][0] is b and opt.defaults["lr"] == 0.1
    # reference: each group follows its own rule; the problem couples W and b only through the gradients
    ref_w, ref_b = RefSGD(lr=0.1, momentum=0.9), RefSGD(lr=0.01, momentum=0.5)
    init, grads = problem()
    w = {k: v.copy() for k, v in init.items()}
    for _ in range(10):
        set_grads([W, b])
        opt.step()
        g = grads(w)
        w = {"W": ref_w.update("W", w["W"], g["W"]), "b": ref_b.update("b", w["b"], g["b"])}
        np.testing.assert_allclose(W.numpy(), w["W"], rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(b.numpy(), w["b"], rtol=1e-12, atol=1e-13)


def test_param_groups_match_torch():
    torch = pytest.importorskip("torch")
    W, b = make_params()
    tW, tb = (torch.tensor(p.numpy().copy(), requires_grad=True) for p in (W, b))
    groups = lambda x, y: [{"params": [x], "lr": 0.02, "betas": (0.5, 0.9)}, {"params": [y], "weight_decay": 0.3}]
    opt = optim.Adam(groups(W, b), lr=0.1, amsgrad=True)
    topt = torch.optim.Adam(groups(tW, tb), lr=0.1, amsgrad=True, foreach=False)
    _, grads = problem()
    for _ in range(10):
        set_grads([W, b])
        g = grads({"W": tW.detach().numpy(), "b": tb.detach().numpy()})
        tW.grad, tb.grad = torch.tensor(g["W"]), torch.tensor(g["b"])
        opt.step()
        topt.step()
        np.testing.assert_allclose(W.numpy(), tW.detach().numpy(), rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(b.numpy(), tb.detach().numpy(), rtol=1e-12, atol=1e-13)


def test_add_param_group_fills_defaults_and_steps_the_new_group():
    W, b = make_params()
    opt = optim.Adam([W], lr=0.05)
    opt.add_param_group({"params": [b], "lr": 0.2})
    assert opt.param_groups[1]["betas"] == (0.9, 0.999) and opt.param_groups[1]["lr"] == 0.2
    before = b.numpy().copy()
    run(opt, [W, b], 3)
    assert opt.state[b]["step"] == 3
    assert not np.allclose(b.numpy(), before)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [W]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([b])


def test_adagrad_add_param_group_creates_state_with_the_group_accumulator():
    W, b = make_params()
    opt = optim.Adagrad([W], initial_accumulator_value=0.5)
    opt.add_param_group({"params": [b], "initial_accumulator_value": 2.0})
    assert np.all(opt.state[W]["sum"].numpy() == 0.5) and np.all(opt.state[b]["sum"].numpy() == 2.0)
    assert opt.state[b]["step"] == 0


def test_named_parameters_are_accepted_and_names_kept():
    W, b = make_params()
    opt = optim.SGD([("weight", W), ("bias", b)], lr=0.1)
    kept = opt.param_groups[0]["params"]
    assert len(kept) == 2 and kept[0] is W and kept[1] is b
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]


# -- step, zero_grad, closure -------------------------------------------------------------------------------

@pytest.mark.parametrize("cls, hp", ALL, ids=ALL_IDS)
def test_step_updates_in_place_and_skips_params_without_grad(cls, hp):
    W, b = make_params()
    opt = cls([W, b], **hp)
    data_W, data_b = W.numpy(), b.numpy()
    before_b = b.numpy().copy()
    set_grads([W, b])
    b.grad = None
    opt.step()
    assert W.numpy() is data_W and b.numpy() is data_b  # same arrays: in-place
    np.testing.assert_array_equal(b.numpy(), before_b)
    assert W.grad_fn is None and W.requires_grad and W.is_leaf
    assert ag.is_grad_enabled()


def test_in_place_step_bumps_the_version_so_stale_graphs_are_caught():
    # the engine records versions of saved tensors; an optimizer step between forward and backward must show up
    W = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (W * W).sum()
    W.grad = ag.tensor(np.array([1.0, 1.0]))
    optim.SGD([W], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_zero_grad_sets_to_none_by_default_or_zeros():
    W, b = make_params()
    opt = optim.SGD([W, b], lr=0.1)
    set_grads([W, b])
    opt.zero_grad()
    assert W.grad is None and b.grad is None
    set_grads([W, b])
    g = W.grad
    opt.zero_grad(set_to_none=False)
    assert W.grad is g and np.all(W.grad.numpy() == 0) and W.grad.shape == W.shape
    # a zero gradient is still a step: momentum and weight decay keep moving the weight
    opt = optim.SGD([W], lr=0.1, weight_decay=0.5)
    before = W.numpy().copy()
    opt.step()
    np.testing.assert_allclose(W.numpy(), before * (1 - 0.1 * 0.5))


def test_zero_grad_detaches_a_grad_built_with_create_graph():
    x = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    optim.SGD([x], lr=0.1).zero_grad(set_to_none=False)
    assert not x.grad.requires_grad and x.grad.grad_fn is None and np.all(x.grad.numpy() == 0)


def test_step_with_closure_trains_and_returns_the_loss():
    rng = np.random.default_rng(1)
    X = ag.tensor(rng.normal(size=(20, 3)))
    w_true = np.array([1.0, -2.0, 0.5])
    y = ag.tensor(X.numpy() @ w_true)
    w = ag.tensor(np.zeros(3), requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.5)
    calls = []

    def closure():
        assert ag.is_grad_enabled()
        opt.zero_grad()
        loss = ((X @ w - y) ** 2).mean()
        loss.backward()
        calls.append(loss.item())
        return loss

    with ag.no_grad():  # the closure still records its graph
        first = opt.step(closure)
    for _ in range(100):
        last = opt.step(closure)
    assert isinstance(first, ag.Tensor) and len(calls) == 101
    assert last.item() < 1e-3 * first.item()
    np.testing.assert_allclose(w.numpy(), w_true, atol=1e-2)


def test_repr_lists_the_groups():
    W, b = make_params()
    text = repr(optim.Adam([{"params": [W]}, {"params": [b], "lr": 0.5}]))
    assert text.startswith("Adam (") and "Parameter Group 1" in text and "lr: 0.5" in text


# -- state_dict and resume -----------------------------------------------------------------------------------

def test_state_dict_has_torchs_structure():
    W, b = make_params()
    extra = ag.tensor(np.ones(2), requires_grad=True)
    opt = optim.Adam([{"params": [W, b]}, {"params": [extra], "lr": 0.5}], amsgrad=True)
    run(opt, [W, b], 2)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5
    assert set(sd["state"]) == {0, 1}  # extra never had a grad
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert sd["state"][0]["step"] == 2 and sd["state"][1]["exp_avg"].shape == b.shape


def test_state_dict_matches_torchs_keys():
    torch = pytest.importorskip("torch")
    for cls, hp in ALL:
        ours = cls(make_params(), **hp)
        theirs = getattr(torch.optim, cls.__name__)([torch.zeros(3, 2, requires_grad=True),
                                                     torch.zeros(2, requires_grad=True)], **hp)
        ours_groups = ours.state_dict()["param_groups"][0]
        theirs_groups = theirs.state_dict()["param_groups"][0]
        # every hyperparameter we keep has torch's name and value (torch also keeps foreach/fused/... flags)
        assert set(ours_groups) <= set(theirs_groups), cls
        for key, value in ours_groups.items():
            assert theirs_groups[key] == value or (key == "betas" and tuple(theirs_groups[key]) == value), key


@pytest.mark.parametrize("cls, hp", ALL, ids=ALL_IDS)
def test_interrupted_run_resumes_bit_identical(cls, hp):
    Wa, ba = make_params()
    straight = cls([{"params": [Wa]}, {"params": [ba], "lr": hp["lr"] / 2}], **hp)
    sched_a = optim.lr_scheduler.StepLR(straight, step_size=3, gamma=0.5)
    for _ in range(10):
        run(straight, [Wa, ba], 1)
        sched_a.step()

    W1, b1 = make_params()
    first = cls([{"params": [W1]}, {"params": [b1], "lr": hp["lr"] / 2}], **hp)
    sched1 = optim.lr_scheduler.StepLR(first, step_size=3, gamma=0.5)
    for _ in range(4):
        run(first, [W1, b1], 1)
        sched1.step()
    checkpoint = copy.deepcopy({"W": W1.numpy(), "b": b1.numpy(), "opt": first.state_dict(), "sched": sched1.state_dict()})
    del first, sched1

    W2 = ag.tensor(checkpoint["W"], requires_grad=True)
    b2 = ag.tensor(checkpoint["b"], requires_grad=True)
    second = cls([{"params": [W2]}, {"params": [b2], "lr": 123.0}], **hp)
    sched2 = optim.lr_scheduler.StepLR(second, step_size=3, gamma=0.5)
    second.load_state_dict(checkpoint["opt"])
    sched2.load_state_dict(checkpoint["sched"])
    for _ in range(6):
        run(second, [W2, b2], 1)
        sched2.step()
    np.testing.assert_array_equal(W2.numpy(), Wa.numpy())
    np.testing.assert_array_equal(b2.numpy(), ba.numpy())
    assert sched2.get_last_lr() == sched_a.get_last_lr()
    assert [g["lr"] for g in second.param_groups] == [g["lr"] for g in straight.param_groups]


@pytest.mark.parametrize("cls, hp", ALL, ids=ALL_IDS)
def test_resume_through_autograd_save(cls, hp, tmp_path):
    if not hasattr(ag, "save"):
        pytest.skip("autograd.save/load not available yet")
    Wa, ba = make_params()
    straight = cls([Wa, ba], **hp)
    run(straight, [Wa, ba], 7)

    W1, b1 = make_params()
    first = cls([W1, b1], **hp)
    run(first, [W1, b1], 3)
    path = tmp_path / "ckpt"
    ag.save({"params": [W1, b1], "opt": first.state_dict()}, str(path))
    loaded = ag.load(str(path))
    assert loaded["opt"]["param_groups"] == first.state_dict()["param_groups"]
    assert set(loaded["opt"]["state"]) == set(first.state_dict()["state"])
    W2, b2 = (ag.tensor(np.asarray(p.numpy() if isinstance(p, ag.Tensor) else p), requires_grad=True)
              for p in loaded["params"])
    second = cls([W2, b2], **hp)
    second.load_state_dict(loaded["opt"])
    run(second, [W2, b2], 4)
    np.testing.assert_array_equal(W2.numpy(), Wa.numpy())
    np.testing.assert_array_equal(b2.numpy(), ba.numpy())


def test_load_state_dict_copies_and_casts():
    W, b = make_params()
    opt = optim.Adam([W, b], lr=0.05)
    run(opt, [W, b], 2)
    sd = opt.state_dict()
    saved = {k: v.numpy().copy() for k, v in sd["state"][0].items() if isinstance(v, ag.Tensor)}
    W32 = ag.tensor(W.numpy().astype(np.float32), requires_grad=True)
    b32 = ag.tensor(b.numpy().astype(np.float32), requires_grad=True)
    other = optim.Adam([W32, b32], lr=0.05)
    other.load_state_dict(sd)
    assert other.state[W32]["exp_avg"].dtype == np.float32 and other.state[W32]["step"] == 2
    assert other.state[W32]["exp_avg"] is not sd["state"][0]["exp_avg"]
    run(other, [W32, b32], 1)
    for key, value in saved.items():  # stepping the loaded optimizer leaves the dict it was loaded from alone
        np.testing.assert_array_equal(sd["state"][0][key].numpy(), value)
    # the loaded hyperparameters replace the ones given at construction
    fresh = optim.Adam(make_params(), lr=0.9, betas=(0.1, 0.2))
    fresh.load_state_dict(copy.deepcopy(sd))
    assert fresh.param_groups[0]["lr"] == 0.05 and fresh.param_groups[0]["betas"] == (0.9, 0.999)


def test_load_state_dict_accepts_lists_and_string_indices():
    # what a file format without tuples or int keys might hand back
    W, b = make_params()
    opt = optim.Adam([W, b], lr=0.05)
    run(opt, [W, b], 2)
    sd = copy.deepcopy(opt.state_dict())
    sd["state"] = {str(k): {kk: (vv.numpy() if isinstance(vv, ag.Tensor) else vv) for kk, vv in v.items()}
                   for k, v in sd["state"].items()}
    sd["param_groups"][0]["betas"] = list(sd["param_groups"][0]["betas"])
    other = optim.Adam(make_params(), lr=0.05)
    other.load_state_dict(sd)
    assert other.param_groups[0]["betas"] == (0.9, 0.999)
    assert isinstance(other.state[other.param_groups[0]["params"][0]]["exp_avg"], ag.Tensor)


def test_load_state_dict_rejects_a_mismatched_optimizer():
    W, b = make_params()
    opt = optim.SGD([W, b], lr=0.1, momentum=0.9)
    run(opt, [W, b], 1)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [W]}, {"params": [b]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([W], lr=0.1).load_state_dict(sd)
    swapped = optim.SGD([b, W], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"shape \(3, 2\).*shape \(2,\)"):
        swapped.load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


def test_deepcopy_of_an_optimizer_state_dict_is_an_in_memory_checkpoint():
    W, b = make_params()
    opt = optim.SGD([W, b], lr=0.1, momentum=0.9)
    run(opt, [W, b], 1)
    live = opt.state_dict()
    frozen = copy.deepcopy(live)
    run(opt, [W, b], 1)
    # state_dict shares the optimizer's buffers (as in PyTorch); the deep copy does not
    assert not np.array_equal(live["state"][0]["momentum_buffer"].numpy(), frozen["state"][0]["momentum_buffer"].numpy())


def test_reference_sanity_adam_and_sgd_differ():
    # guards the reference module itself: different rules give different trajectories
    a = reference_trajectory(RefAdam(lr=0.05))
    s = reference_trajectory(RefSGD(lr=0.05))
    assert not np.allclose(a[-1]["W"], s[-1]["W"])


def test_trains_an_nn_model_and_keeps_its_parameters():
    nn = pytest.importorskip("nn")
    F = pytest.importorskip("nn.functional")
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2))
    params = list(model.parameters())
    arrays = [p.numpy() for p in params]
    opt = optim.Adam(model.named_parameters(), lr=0.05)
    x = ag.tensor(np.random.default_rng(0).normal(size=(16, 3)))
    t = ag.tensor((x.numpy()[:, 0] > 0).astype(np.int64))
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = F.cross_entropy(model(x.float()), t)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.25 * losses[0]
    assert all(type(p) is type(q) and p is q for p, q in zip(model.parameters(), params))
    assert all(p.numpy() is a for p, a in zip(params, arrays))  # updated in place, still the model's parameters
    assert opt.param_groups[0]["param_names"][0] == "0.weight"


# -- the helpers subclasses build their update on --------------------------------------------------------------


class _SignDescent(optim.Optimizer):
    """A minimal optimizer written against the base helpers: ``w -= lr * sign(g)``, counting its steps."""

    def __init__(self, params, lr=0.1, weight_decay=0.0, maximize=False, decoupled_weight_decay=False):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))
        self.seen = []

    def _new_state(self, p, group):
        return {"step": 0}

    def _update_group(self, group):
        for p, g in self._params_with_grad(group):
            self.seen.append(g.copy())
            self._state(p, group)["step"] += 1
            p.sub_(group["lr"] * np.sign(g))


@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("weight_decay, decoupled", [(0.0, False), (0.5, False), (0.5, True)])
def test_params_with_grad_applies_maximize_and_weight_decay(maximize, weight_decay, decoupled):
    w = ag.tensor([1.0, -2.0, 3.0], requires_grad=True)
    skipped = ag.tensor([4.0], requires_grad=True)
    w.grad = ag.tensor([0.5, 0.5, -4.0])
    opt = _SignDescent([w, skipped], lr=0.1, weight_decay=weight_decay, maximize=maximize,
                       decoupled_weight_decay=decoupled)
    opt.step()
    g = np.array([0.5, 0.5, -4.0]) * (-1 if maximize else 1)
    w0 = np.array([1.0, -2.0, 3.0])
    if decoupled:
        w0 = w0 * (1 - 0.1 * weight_decay)  # shrunk before the update, gradient left alone
    else:
        g = g + weight_decay * np.array([1.0, -2.0, 3.0])
    assert len(opt.seen) == 1, "a parameter without a gradient was yielded"
    np.testing.assert_allclose(opt.seen[0], g)
    np.testing.assert_allclose(w.numpy(), w0 - 0.1 * np.sign(g))
    np.testing.assert_array_equal(w.grad.numpy(), [0.5, 0.5, -4.0])
    assert skipped not in opt.state and skipped.item() == 4.0


def test_state_is_created_once_and_again_after_an_empty_load():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    opt = _SignDescent([w])
    for _ in range(3):
        w.grad = ag.tensor([1.0, -1.0])
        opt.step()
    assert opt.state[w] == {"step": 3}
    opt.load_state_dict({"state": {}, "param_groups": opt.state_dict()["param_groups"]})
    opt.step()
    assert opt.state[w] == {"step": 1}


def test_plain_sgd_keeps_no_state():
    params = make_params()
    opt = optim.SGD(params, lr=0.1, weight_decay=0.1, maximize=True)
    run(opt, params, 2)
    assert opt.state_dict()["state"] == {}
