"""Plain-numpy float64 implementations of the published update rules, and a small test problem.

Written from the algorithms as published (the papers and PyTorch's documented pseudocode), independently of
the package: each reference keeps its own state per parameter name and returns the new parameter value.
"""
import numpy as np


class Reference:
    """Base: ``update(name, w, g) -> new w`` with per-name state and a per-name step count ``t``."""

    def __init__(self, **hp):
        self.hp = hp
        self.state = {}

    def update(self, name, w, g):
        s = self.state.setdefault(name, {"t": 0})
        s["t"] += 1
        if self.hp.get("maximize", False):
            g = -g
        return self.rule(s, w, g, **{k: v for k, v in self.hp.items() if k != "maximize"})


class RefSGD(Reference):
    @staticmethod
    def rule(s, w, g, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        if weight_decay:
            g = g + weight_decay * w
        if momentum:
            s["b"] = g.copy() if s["t"] == 1 else momentum * s["b"] + (1.0 - dampening) * g
            g = g + momentum * s["b"] if nesterov else s["b"]
        return w - lr * g


class RefAdagrad(Reference):
    @staticmethod
    def rule(s, w, g, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
        if weight_decay:
            g = g + weight_decay * w
        step_lr = lr / (1.0 + (s["t"] - 1) * lr_decay)
        s["h"] = s.get("h", np.full_like(w, initial_accumulator_value)) + g * g
        return w - step_lr * g / (np.sqrt(s["h"]) + eps)


class RefRMSprop(Reference):
    @staticmethod
    def rule(s, w, g, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        if weight_decay:
            g = g + weight_decay * w
        s["v"] = alpha * s.get("v", 0.0) + (1.0 - alpha) * g**2
        v_hat = s["v"]
        if centered:
            s["m"] = alpha * s.get("m", 0.0) + (1.0 - alpha) * g
            v_hat = v_hat - s["m"] ** 2
        if momentum > 0:
            s["b"] = momentum * s.get("b", 0.0) + g / (np.sqrt(v_hat) + eps)
            return w - lr * s["b"]
        return w - lr * g / (np.sqrt(v_hat) + eps)


class RefAdam(Reference):
    @staticmethod
    def rule(s, w, g, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False):
        b1, b2 = betas
        t = s["t"]
        if weight_decay:
            if decoupled:
                w = w - lr * weight_decay * w
            else:
                g = g + weight_decay * w
        s["m"] = b1 * s.get("m", 0.0) + (1.0 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1.0 - b2) * g**2
        m_hat = s["m"] / (1.0 - b1**t)
        v = s["v"]
        if amsgrad:
            s["vmax"] = np.maximum(s.get("vmax", 0.0), v)
            v = s["vmax"]
        v_hat = v / (1.0 - b2**t)
        return w - lr * m_hat / (np.sqrt(v_hat) + eps)


class RefAdamW(RefAdam):
    @staticmethod
    def rule(s, w, g, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        return RefAdam.rule(s, w, g, lr, betas, eps, weight_decay, amsgrad, decoupled=True)


# -- the test problem: a least-squares fit with a quartic penalty, so the gradient moves with the weights ----

def problem(seed=0):
    """``(init, grads)``: initial float64 weights by name, and ``grads(weights) -> gradients by name``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(6, 3))
    Y = rng.normal(size=(6, 2))
    init = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=(2,))}

    def grads(w):
        r = X @ w["W"] + w["b"] - Y
        return {"W": X.T @ r + w["W"] ** 3, "b": r.sum(0)}

    return init, grads


def reference_trajectory(ref, steps=10, seed=0):
    """The weights after each of ``steps`` updates by the reference ``ref`` on :func:`problem`."""
    init, grads = problem(seed)
    w = {k: v.copy() for k, v in init.items()}
    out = []
    for _ in range(steps):
        g = grads(w)
        w = {k: ref.update(k, w[k], g[k]) for k in w}
        out.append({k: v.copy() for k, v in w.items()})
    return out


def package_trajectory(make_optimizer, steps=10, seed=0, dtype=np.float64):
    """The same run with the package: ``make_optimizer(params)`` over [W, b, frozen] (frozen never has a grad).

    Returns ``(trajectory, optimizer, params)``; gradients are set from :func:`problem`'s closed form so
    that only the update rules are compared.
    """
    import autograd as ag

    init, grads = problem(seed)
    params = {k: ag.tensor(v.astype(dtype), requires_grad=True) for k, v in init.items()}
    frozen = ag.tensor(np.arange(3.0, dtype=dtype), requires_grad=True)
    opt = make_optimizer([params["W"], params["b"], frozen])
    out = []
    for _ in range(steps):
        g = grads({k: p.numpy().astype(np.float64) for k, p in params.items()})
        for k, p in params.items():
            p.grad = ag.tensor(g[k].astype(dtype))
        grads_before = {k: p.grad.numpy().copy() for k, p in params.items()}
        opt.step()
        for k, p in params.items():  # an optimizer reads gradients, never writes them
            assert np.array_equal(p.grad.numpy(), grads_before[k]), f"step() changed the gradient of {k}"

        out.append({k: p.numpy().copy() for k, p in params.items()})
    assert np.array_equal(frozen.numpy(), np.arange(3.0)), "a parameter without grad was changed"
    assert frozen not in opt.state or not _has_buffers(opt.state[frozen]), "state was created for a grad-less param"
    return out, opt, params


def _has_buffers(state):
    # Adagrad creates its state for every parameter up front (as PyTorch does); its step count stays 0
    return bool(state) and state.get("step", 0) != 0
