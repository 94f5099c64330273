"""Check analytical gradients against central finite differences, in float64.

``gradcheck(fn, inputs)`` compares, for every input that requires grad, the Jacobian the engine computes
(one backward per output element, with a one-hot ``grad_outputs``) with the one estimated by central
differences.  ``gradgradcheck`` does the same for the gradient itself (second order), through
``create_graph=True``.  On mismatch both raise :class:`GradcheckError` naming the input, the element and
both values (or return False with ``raise_exception=False``).

Inputs may live in any array namespace (numpy, ``array_api_strict``, CuPy): the function runs there, and only the
Jacobians are assembled on the host.
"""
import numpy as np

from .backend import namespace
from .engine import grad as _grad
from .tensor import Tensor
from .transfer import host, move, place_of

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "numerical_jacobian", "analytical_jacobian"]


class GradcheckError(RuntimeError):
    """A gradient differs from its finite-difference estimate; the message says where and by how much."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _prepare(inputs):
    """Float64 leaf copies of the inputs (requires_grad kept), so differences are accurate."""
    out = []
    for x in _as_tuple(inputs):
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            data = x._data
            data = np.array(data, dtype=np.float64) if type(data) is np.ndarray else \
                namespace(data).astype(namespace(data).copy(data), np.float64)
            t = Tensor._make(data)
            t.requires_grad = x.requires_grad
            out.append(t)
        else:
            out.append(x)
    return out


def _outputs(fn, inputs):
    outs = _as_tuple(fn(*inputs))
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: fn must return Tensors, got {type(o).__name__}")
    return [o for o in outs if o.dtype.kind == "f"]


def _flat_host(outs):
    return [host(o._data).astype(np.float64).ravel() for o in outs]


def _perturbed(data, k, delta):
    """A copy of the array ``data`` of another library with ``delta`` added to its flat element ``k`` (the array
    API does not say whether a reshaped array shares memory, so numpy's in-place perturbation is not used)."""
    xp = namespace(data)
    flat = xp.copy(xp.reshape(data, (-1,)))
    flat[k] = flat[k] + delta
    return xp.reshape(flat, data.shape)


def numerical_jacobian(fn, inputs, eps=1e-6):
    """Central-difference Jacobians: ``J[k][i]`` has shape ``(outputs[k].numel(), inputs[i].numel())``."""
    targets = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    # Grad mode stays on: fn may itself differentiate (gradgradcheck's first-order function).
    outs = _outputs(fn, inputs)
    jac = [{i: np.zeros((o.numel(), inputs[i].numel())) for i in targets} for o in outs]
    for i in targets:
        x = inputs[i]
        if type(x._data) is np.ndarray:
            plus, minus = _numpy_differences(fn, inputs, x, eps)
        else:
            plus, minus = _foreign_differences(fn, inputs, x, eps)
        for k, (p_k, m_k) in enumerate(zip(plus, minus)):
            for j, (p, m) in enumerate(zip(p_k, m_k)):
                jac[j][i][:, k] = (p - m) / (2 * eps)
    return jac


def _numpy_differences(fn, inputs, x, eps):
    """The outputs with each element of the numpy input ``x`` moved by ``+eps`` and by ``-eps``, in place."""
    flat = x._data.reshape(-1)  # a view: perturb in place
    plus, minus = [], []
    for k in range(flat.size):
        orig = flat[k]
        flat[k] = orig + eps
        plus.append(_flat_host(_outputs(fn, inputs)))
        flat[k] = orig - eps
        minus.append(_flat_host(_outputs(fn, inputs)))
        flat[k] = orig
    return plus, minus


def _foreign_differences(fn, inputs, x, eps):
    """:func:`_numpy_differences` for another library's array: each perturbed input is a new array."""
    orig = x._data
    plus, minus = [], []
    try:
        for k in range(x.numel()):
            x._data = _perturbed(orig, k, eps)
            plus.append(_flat_host(_outputs(fn, inputs)))
            x._data = _perturbed(orig, k, -eps)
            minus.append(_flat_host(_outputs(fn, inputs)))
    finally:
        x._data = orig
    return plus, minus


def analytical_jacobian(fn, inputs):
    """Jacobians from the engine, one backward per output element (same layout as :func:`numerical_jacobian`)."""
    targets = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outs = _outputs(fn, inputs)
    jac = [{i: np.zeros((o.numel(), inputs[i].numel())) for i in targets} for o in outs]
    for j, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for r in range(o.numel()):
            seed = np.zeros(o.numel(), dtype=o.dtype)
            seed[r] = 1
            seed = move(seed.reshape(o.shape), place_of(o._data))
            grads = _grad(o, [inputs[i] for i in targets], grad_outputs=Tensor._make(seed), retain_graph=True, allow_unused=True)
            for i, g in zip(targets, grads):
                if g is not None:
                    jac[j][i][r] = host(g._data).reshape(-1)
    return jac


def _compare(ana, num, inputs, atol, rtol, what):
    for j, (a_out, n_out) in enumerate(zip(ana, num)):
        for i in a_out:
            a, n = a_out[i], n_out[i]
            bad = ~np.isclose(a, n, atol=atol, rtol=rtol, equal_nan=False)
            if bad.any():
                r, k = (int(v[0]) for v in np.nonzero(bad))
                elem = np.unravel_index(k, inputs[i].shape) if inputs[i].shape else ()
                raise GradcheckError(
                    f"{what}: mismatch for input {i} (shape {tuple(inputs[i].shape)}) at element {tuple(int(e) for e in elem)}, "
                    f"output {j} element {r}: analytical {a[r, k]!r} vs numerical {n[r, k]!r} "
                    f"(atol={atol}, rtol={rtol}; {int(bad.sum())} of {bad.size} entries differ)"
                )


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check ``fn``'s gradients with respect to every input that requires grad.

    Args:
        fn: a function of the inputs returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors / other arguments; floating tensors are copied to float64 (in
            their own namespace and device).
        eps: the finite-difference step.
        atol, rtol: tolerances of the comparison ``|analytical - numerical| <= atol + rtol * |numerical|``.
        raise_exception: raise :class:`GradcheckError` on mismatch (else return False).
    Returns:
        True when all gradients match.
    """
    inputs = _prepare(inputs)
    if not any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
        raise ValueError("gradcheck: at least one input tensor must have requires_grad=True")
    try:
        _compare(analytical_jacobian(fn, inputs), numerical_jacobian(fn, inputs, eps), inputs, atol, rtol, "gradcheck")
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """Check second-order gradients: gradcheck of ``v -> grad(fn(x), x, v, create_graph=True)``.

    ``grad_outputs`` (random by default, from ``seed``) are differentiated too, as PyTorch does.
    """
    inputs = _prepare(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradgradcheck: at least one input tensor must have requires_grad=True")
    outs = _outputs(fn, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [Tensor._make(move(rng.standard_normal(o.shape), place_of(o._data))) for o in outs]
    grad_outputs = [t for t in _prepare(grad_outputs)]
    for v in grad_outputs:
        v.requires_grad = True
    n_in = len(inputs)

    def first_order(*args):
        xs, vs = list(args[:n_in]), args[n_in:]
        ys = _outputs(fn, xs)
        grads = _grad(ys, [xs[i] for i in diff], grad_outputs=list(vs), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    args = inputs + grad_outputs
    try:
        _compare(analytical_jacobian(first_order, args), numerical_jacobian(first_order, args, eps), args, atol, rtol, "gradgradcheck")
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True
