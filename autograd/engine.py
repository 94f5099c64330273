"""Reverse-mode differentiation over the recorded graph: ``backward``, ``grad``, hooks.

The walk is iterative (no recursion limit) and visits each node once: one depth-first pass counts, for every
node, how many edges lead into it; then each node's backward rule runs once, as soon as the gradients from
all its consumers have arrived (PyTorch's engine works the same way). Both passes are linear in the size of
the graph; nothing is sorted.
"""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from .devices import is_foreign_array
from .op import _FREED, Op, node_hooks
from .grad_mode import _Global, _State
from .inplace import current_history
from .tensor import Tensor

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["backward", "grad"]


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list[Callable[..., Any]], hook: Callable[..., Any]) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        """Unregister the hook (no-op when already removed)."""
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def register_hook(tensor: Tensor, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
    """Register ``hook(grad) -> Tensor or None`` on ``tensor`` (see :meth:`Tensor.register_hook`)."""
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    owner = tensor.grad_fn if tensor.grad_fn is not None else tensor
    hooks = _hooks_of(owner, create=True)
    if hooks and getattr(hooks[-1], "retains_grad", False):
        hooks.insert(len(hooks) - 1, hook)  # the retain_grad hook stays last (see retain_grad)
    else:
        hooks.append(hook)
    return RemovableHandle(hooks, hook)


def _hooks_of(owner, create=False):
    if isinstance(owner, Op):
        if owner not in node_hooks and create:
            _Global.node_hooks = True  # from now on the engine looks hooks up for every node
            node_hooks[owner] = []
        return node_hooks.get(owner)
    hooks = getattr(owner, "_hooks", None)
    if hooks is None and create:
        hooks = owner._hooks = []
    return hooks


def retain_grad(tensor):
    """Make a non-leaf tensor keep its gradient in ``.grad`` (see :meth:`Tensor.retain_grad`).

    As in PyTorch, the gradient kept is the one after all of the tensor's hooks ran, those registered after
    ``retain_grad`` included (its hook always runs last), and it is a copy of the gradient that flows on.
    """
    ref = weakref.ref(tensor)

    def keep(grad):
        t = ref()
        if t is not None:
            t.grad = grad.clone() if t.grad is None else t.grad + grad
        return None

    keep.retains_grad = True  # type: ignore[attr-defined]  # the mark register_hook and _move_retain_grad look for
    hooks = _hooks_of(tensor.grad_fn, create=True)
    if not any(getattr(h, "retains_grad", False) for h in hooks):
        hooks.append(keep)


def _pending(roots):
    """``{node or leaf: [number of edges leading into it, gradient so far]}`` for everything reachable.

    One iterative depth-first pass over the graph (no recursion, linear time).
    """
    pending: dict[Any, list[Any]] = {r: [0, None] for r in roots}
    stack = list(pending)
    while stack:
        node = stack.pop()
        if isinstance(node, Op):
            for nxt in node.next:
                if nxt is None:
                    continue
                entry = pending.get(nxt)
                if entry is None:
                    pending[nxt] = [1, None]
                    stack.append(nxt)
                else:
                    entry[0] += 1
    return pending


def _wrap_grad(g):
    return Tensor._make(g) if isinstance(g, (np.ndarray, np.generic)) or is_foreign_array(g) else g


def _run_hooks(hooks, g):
    for hook in list(hooks):  # retain_grad's hook is last (register_hook keeps it so)
        out = hook(_wrap_grad(g))
        if out is not None:
            g = out if isinstance(g, Tensor) else _raw_grad(out)
    return g


def _raw_grad(t):
    return t._data if isinstance(t, Tensor) else np.asarray(t)


def _saved_as_tensors(node, saved):
    """In graph mode: the saved arrays as Tensors linked to the graph, so the rule is differentiable."""
    n_in = len(node.next) if node.save_inputs else 0
    out: list[Tensor | None] = []
    for i, value in enumerate(saved):
        if i >= n_in:  # the op's own output
            out.append(Tensor._make(value, node))
            continue
        nxt = node.next[i]
        if value is None:  # not kept: the rule does not need it (Op.saves_for)
            out.append(None)
        elif isinstance(nxt, Tensor):
            out.append(nxt)
        elif isinstance(nxt, Op):
            out.append(Tensor._make(value, nxt))
        else:
            out.append(Tensor._make(value) if isinstance(value, np.ndarray) or is_foreign_array(value) else value)
    return out


def _check_versions(node):
    for counter in node.versions:
        if counter is not None and counter[0] > node.clock:  # None: a number, or an input not kept
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an in-place operation "
                f"after {node.name} saved it for backward (its version is {counter[0]}, newer than the graph's "
                f"{node.clock}). Make the in-place change after backward, or use the out-of-place form."
            )


def _check_finite(node, grads):
    from .anomaly import AnomalyError

    for i, g in enumerate(grads):
        if isinstance(g, (Tensor, np.ndarray)) and not np.isfinite(_raw_grad(g)).all():
            raise AnomalyError(node, i)


def run_backward(roots, root_grads, retain_graph, create_graph, capture=None, accumulate=True):
    """The engine: propagate ``root_grads`` from ``roots`` (Tensors) to every reachable leaf.

    Each node runs once, when the gradients from all its consumers have arrived (dependency counting,
    as PyTorch's engine does), so the pass is linear in the graph's size and needs no sort.
    ``capture`` is a set of nodes/leaves whose incoming gradient is returned in a dict (for :func:`grad`);
    ``accumulate`` says whether leaves' ``.grad`` are written.
    """
    for t in roots:
        current_history(t)
    pending = _pending([t.grad_fn if t.grad_fn is not None else t for t in roots])
    for t, g in zip(roots, root_grads):
        entry = pending[t.grad_fn if t.grad_fn is not None else t]
        entry[1] = g if entry[1] is None else entry[1] + g
    ready = [k for k, (count, _) in pending.items() if count == 0]
    captured = {}
    prev_mode = _State.grad_enabled
    _State.grad_enabled = create_graph
    anomaly = _State.anomaly
    hooked = _Global.node_hooks
    watch = hooked or capture is not None
    try:
        while ready:
            node = ready.pop()
            g = pending.pop(node)[1]
            if not isinstance(node, Op):  # a leaf tensor
                if g is not None:
                    hooks = getattr(node, "_hooks", None)  # unset on op results made leaves by detach_()
                    if hooks:
                        g = _run_hooks(hooks, g)
                    if capture is not None and node in capture:
                        captured[node] = g
                    if accumulate:
                        _accumulate(node, g)
                continue
            if g is None:  # every consumer sent None: nothing flows through this node
                result = (None,) * len(node.next)
            else:
                if watch:
                    if hooked and node in node_hooks:
                        g = _run_hooks(node_hooks[node], g)
                    if capture is not None and node in capture:
                        captured[node] = g
                saved = node.saved
                if saved is _FREED:
                    raise RuntimeError(
                        f"Trying to backward through the graph a second time (at {node.name}): its saved arrays were "
                        "freed by the first backward. Pass retain_graph=True to the first backward if you need to "
                        "backward through the graph again."
                    )
                if node.versions and node.clock != _Global.clock:  # some tensor was modified in place since
                    _check_versions(node)
                if create_graph:
                    result = node.backward(_wrap_grad(g), *_saved_as_tensors(node, saved))
                else:
                    result = (node.fast_backward or node.backward)(g, *saved)
                if type(result) is not tuple:
                    result = (result,)
                if anomaly:
                    _check_finite(node, result)
                if not retain_graph:
                    if node.saved_attrs:
                        node.release()
                    elif saved:
                        node.saved = _FREED  # what release() does, without the call on this hot path
            i = 0
            broadcasts = node.broadcasts
            for nxt in node.next:
                if nxt is not None:
                    entry = pending[nxt]
                    gi = result[i]
                    if gi is not None:
                        if broadcasts:  # undo broadcasting: back to the input's shape, its producer's output shape
                            shape = nxt._data.shape if isinstance(nxt, Tensor) else nxt.out_meta[0]
                            if gi.shape != shape:
                                gi = _sum_to(gi, shape)
                        entry[1] = gi if entry[1] is None else entry[1] + gi
                    entry[0] -= 1
                    if entry[0] == 0:
                        ready.append(nxt)
                i += 1
    finally:
        _State.grad_enabled = prev_mode
    return captured


def _sum_to(g, shape):
    if isinstance(g, Tensor):
        from .ops import sum_to

        return sum_to(g, shape)
    if type(g) is np.ndarray:
        from .backend import sum_to as sum_to_array

        return sum_to_array(g, shape)
    return _namespace(g).sum_to(g, shape)


def _accumulate(leaf, g):
    """Add ``g`` into ``leaf.grad`` (in place when possible, as PyTorch), in the leaf's dtype."""
    if isinstance(g, Tensor):  # create_graph: keep the gradient's own graph
        if g.dtype != leaf.dtype:
            g = g.to(leaf.dtype)
        # clone: the same gradient may reach several leaves, and may be a read-only broadcast view
        leaf.grad = g.clone() if leaf.grad is None else leaf.grad + g
        return
    if type(g) is not np.ndarray and is_foreign_array(g):
        return _accumulate_foreign(leaf, g)
    if g.shape != leaf.shape:
        g = np.broadcast_to(g, leaf.shape)
    grad = leaf.grad
    if grad is None or grad.requires_grad:
        # Copy: the same array may also be another leaf's gradient (e.g. both inputs of an add).
        leaf.grad = Tensor._make(np.array(g, dtype=leaf.dtype))
    else:
        np.add(grad._data, g, out=grad._data, casting="same_kind")
        grad._bump_version()


def _accumulate_foreign(leaf, g):
    """``_accumulate`` for an array of another array-API library (no in-place ``out=`` there: the sum replaces
    the gradient's array, in the same Tensor)."""
    xp = _namespace(g)
    g = xp.astype(xp.broadcast_to(g, leaf.shape), leaf._data.dtype)
    grad = leaf.grad
    if grad is None or grad.requires_grad:
        leaf.grad = Tensor._make(xp.copy(g))
    else:
        grad._data = grad._data + g
        grad._bump_version()


def _namespace(x):
    from .backend import namespace

    return namespace(x)


def _root_grad(t, gradient, create_graph):
    if not t.requires_grad:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if gradient is None:
        if t.numel() != 1:
            raise RuntimeError(f"grad can be implicitly created only for scalar outputs; got an output of shape {t.shape}: pass gradient=")
        g = np.ones(t.shape, dtype=t.dtype) if type(t._data) is np.ndarray else \
            _namespace(t._data).ones(t.shape, dtype=t._data.dtype)
    else:
        g = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient, dtype=t.dtype)
        if g.shape != t.shape:
            raise RuntimeError(f"gradient has shape {g.shape} but the output has shape {t.shape}; they must match")
        if create_graph and isinstance(gradient, Tensor):
            return gradient
    return Tensor._make(g) if create_graph else g


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             inputs: Tensor | Sequence[Tensor] | None = None) -> None:
    """Accumulate the gradients of ``tensors`` (one tensor or several) into the leaves' ``.grad``."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, (Tensor, np.ndarray)):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    if retain_graph is None:
        retain_graph = create_graph
    roots = [_root_grad(t, g, create_graph) for t, g in zip(tensors, grad_tensors)]
    if inputs is None:
        run_backward(tensors, roots, retain_graph, create_graph)
        return
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    captured = run_backward(tensors, roots, retain_graph, create_graph, _capture_keys(inputs), accumulate=False)
    for t in inputs:
        g = captured.get(t.grad_fn if t.grad_fn is not None else t)
        if g is not None:
            if t.grad_fn is None:
                _accumulate(t, g)
            else:
                t.grad = _wrap_grad(g)


def _capture_keys(inputs):
    keys = set()
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs must be Tensors, got {type(t).__name__}")
        if not current_history(t).requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
        keys.add(t.grad_fn if t.grad_fn is not None else t)
    return keys


@overload
def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Tensor | Sequence[Tensor | None] | None = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: Literal[False] = False) -> tuple[Tensor, ...]: ...
@overload
def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Tensor | Sequence[Tensor | None] | None = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = ...) -> tuple[Tensor | None, ...]: ...


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Tensor | Sequence[Tensor | None] | None = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs`` without touching any ``.grad``.

    Args:
        outputs: a Tensor or a sequence of Tensors.
        inputs: a Tensor or a sequence of Tensors (leaves or intermediate results) that require grad.
        grad_outputs: the vector in the vector-Jacobian product, one per output (default: ones for scalars).
        retain_graph: keep the graph for another backward (default: ``create_graph``).
        create_graph: record the computation, so the returned gradients can be differentiated again.
        allow_unused: return None for inputs the outputs do not depend on instead of raising.
    Returns:
        A tuple with one gradient Tensor (or None) per input.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if retain_graph is None:
        retain_graph = create_graph
    roots = [_root_grad(t, g, create_graph) for t, g in zip(outputs, grad_outputs)]
    keys = _capture_keys(inputs)
    captured = run_backward(outputs, roots, retain_graph, create_graph, keys, accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(t.grad_fn if t.grad_fn is not None else t)
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) was not used in the graph of the outputs; pass allow_unused=True to get None")
        if g is not None and not isinstance(g, Tensor):
            # a copy: one array may be the gradient of several inputs (e.g. both operands of an add)
            if type(g) is not np.ndarray and is_foreign_array(g):
                xp = _namespace(g)
                g = Tensor._make(xp.copy(xp.astype(xp.broadcast_to(g, t.shape), t._data.dtype)))
            else:
                g = Tensor._make(np.array(np.broadcast_to(g, t.shape), dtype=t.dtype))
        result.append(g)
    return tuple(result)
