"""``Optimizer``: the base of every optimizer (parameter groups, per-parameter state, state_dict).

An optimizer holds a list of *parameter groups*.  Each group is a dict with a ``'params'`` list of leaf
tensors and its own hyperparameters (``'lr'``, ``'momentum'``, ...); hyperparameters a group does not give
are taken from ``optimizer.defaults``.  ``optimizer.state`` maps each parameter to a dict of buffers
(momentum, running averages, step counts) created on the first step that parameter has a gradient.

The update itself runs under :func:`autograd.no_grad` and changes parameters in place with the Tensor
in-place ops, so it is never recorded in a graph and every updated parameter's version counter moves on.
"""
from __future__ import annotations

import copy
import numbers
from collections import defaultdict
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

import autograd
from autograd import Tensor
from autograd.backend import data_of, namespace

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

__all__ = ["Optimizer", "ParamsT", "required", "check_non_negative", "check_betas", "check_foreach"]

#: What an optimizer takes as ``params`` (as ``torch.optim.optimizer.ParamsT``): tensors, ``(name, tensor)``
#: pairs (``model.named_parameters()``) or parameter-group dicts.
ParamsT: TypeAlias = "Iterable[Tensor] | Iterable[tuple[str, Tensor]] | Iterable[dict[str, Any]]"


class _RequiredParameter:
    """Marker for a hyperparameter that has no default and must be given by every group."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def check_non_negative(value: float, what: str) -> None:
    """Raise ``ValueError('Invalid {what}: {value}')`` unless ``value`` is a real number >= 0 (torch's wording)."""
    if not isinstance(value, (int, float, numbers.Real)) or isinstance(value, bool):
        raise TypeError(f"{what} must be a real number, got {type(value).__name__}")
    if not 0.0 <= value:
        raise ValueError(f"Invalid {what}: {value}")


def check_betas(group: dict[str, Any]) -> None:
    """Validate ``group['betas']`` (a pair of reals in [0, 1), torch's wording) and store it as a float tuple."""
    betas = group["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    for i, beta in enumerate(betas):
        if not isinstance(beta, (int, float, numbers.Real)) or isinstance(beta, bool):
            raise TypeError(f"beta parameter at index {i} must be a real number, got {type(beta).__name__}")
        if not 0.0 <= float(beta) < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
    group["betas"] = (float(betas[0]), float(betas[1]))


def check_foreach(value: bool | None) -> None:
    """Raise TypeError unless ``foreach`` is None or a bool.

    ``foreach`` picks PyTorch's multi-tensor kernels, which compute the same update as its per-parameter loop;
    here there is one implementation, so the flag is accepted (and kept in the groups, as PyTorch does) and
    changes nothing.
    """
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"foreach must be None or a bool, got {type(value).__name__}")


def _opt_step_marker(step: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an optimizer's ``step`` so that learning-rate schedulers can tell it has been called."""

    def step_and_mark(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        self._opt_called = True
        return step(self, *args, **kwargs)

    step_and_mark.__name__ = step.__name__
    step_and_mark.__qualname__ = step.__qualname__
    step_and_mark.__doc__ = step.__doc__
    step_and_mark.__wrapped__ = step  # type: ignore[attr-defined]  # (functools.wraps' attribute, for inspect)
    return step_and_mark


class Optimizer:
    """Base class of all optimizers, with PyTorch's interface.

    Args:
        params: an iterable of leaf Tensors (e.g. ``model.parameters()``), of ``(name, Tensor)`` pairs
            (``model.named_parameters()``), or of dicts ``{'params': [...], 'lr': ..., ...}`` defining
            parameter groups with their own hyperparameters.
        defaults: the hyperparameters used by groups that do not set them.

    Subclasses implement :meth:`_update_group` (one step for one group, called under ``no_grad``) and
    :meth:`_check_hyperparameters` (validation shared by the constructor and :meth:`add_param_group`).
    Inside ``_update_group``, :meth:`_params_with_grad` gives each parameter's gradient with ``maximize`` and
    weight decay applied, and :meth:`_state` its state, created by the subclass's :meth:`_new_state`.

    A subclass whose update is not written for complex numbers sets ``_supports_complex = False``; its
    constructor then rejects complex parameters instead of computing a wrong update.

    Raises:
        TypeError: ``params`` is a single Tensor or a set, or holds something that is not a floating-point
            Tensor (or a complex one, where the optimizer does not support them).
        ValueError: ``params`` is empty, holds a non-leaf tensor, or gives a parameter twice (within a group
            or across groups), or a hyperparameter is invalid.
    """

    _supports_complex = True
    # False where the state holds buffers not shaped like their parameter (LBFGS's flat vectors)
    _state_shaped_like_params = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _opt_step_marker(cls.__dict__["step"])  # type: ignore[method-assign]  # (marks each step)

    def __init__(self, params: ParamsT, defaults: Mapping[str, Any]) -> None:
        self.defaults = dict(defaults)
        self._opt_called = False
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got autograd.Tensor")
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups: list[Any] = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- hooks for subclasses ------------------------------------------------------------------------------

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        """Validate one group's hyperparameters (raise ValueError/TypeError); the base accepts anything."""

    def _update_group(self, group: dict[str, Any]) -> None:
        """Apply one step to the parameters of ``group`` that have a gradient (runs under ``no_grad``)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _update_group (or step)")

    def _new_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """The fresh state of parameter ``p`` of ``group`` (a dict of buffers), for subclasses using :meth:`_state`."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _new_state")

    # -- helpers for subclasses' _update_group -------------------------------------------------------------

    def _params_with_grad(self, group: dict[str, Any]) -> Iterator[tuple[Tensor, Any]]:
        """Yield ``(p, g)`` for each parameter ``p`` of ``group`` that has a gradient, in order.

        ``g`` is the array (numpy's, or the parameter's own library's) the update formula should use: ``p.grad`` negated when the group's
        ``'maximize'`` is set, plus the L2 penalty ``weight_decay * p`` when ``'weight_decay'`` is non-zero.
        With ``'decoupled_weight_decay'`` (AdamW) the penalty is not added: ``p`` is shrunk in place by
        ``1 - lr * weight_decay`` before it is yielded instead.  ``p.grad`` itself is never modified.
        """
        maximize, weight_decay = group["maximize"], group["weight_decay"]
        decoupled = group.get("decoupled_weight_decay", False)
        for p in group["params"]:
            if p.grad is None:
                continue
            g = data_of(p.grad)
            if maximize:
                g = -g
            if weight_decay != 0:
                if decoupled:
                    p.mul_(1 - group["lr"] * weight_decay)
                else:
                    g = g + weight_decay * data_of(p)
            yield p, g

    def _state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """``p``'s state dict, filled by :meth:`_new_state` when it is empty (first step, or never loaded)."""
        state = self.state[p]
        if not state:
            state.update(self._new_state(p, group))
        return state

    # -- the public interface ------------------------------------------------------------------------------

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step on every parameter that has a gradient.

        Args:
            closure: optional callable that re-evaluates the model and returns the loss; it runs with grad
                mode on (it usually calls ``zero_grad`` and ``backward``) before the update.
        Returns:
            the closure's loss, or None.
        """
        self._opt_called = True
        loss = None
        if closure is not None:
            with autograd.enable_grad():
                loss = closure()
        with autograd.no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None (default) or, with ``set_to_none=False``, to zeros.

        A parameter whose grad is None is skipped by ``step``; one whose grad is zeros is still stepped
        (momentum and weight decay keep moving it), as in PyTorch.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (a dict with ``'params'`` and optional hyperparameters) to optimize.

        Useful to start training layers that were frozen.  Missing hyperparameters are filled from
        ``defaults``.

        Raises:
            TypeError / ValueError: as for the constructor.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)

        names = []
        tensors = []
        for item in params:
            if isinstance(item, tuple):
                if len(item) != 2:
                    raise ValueError(f"a named parameter must be a (name, Tensor) pair, got a tuple of {len(item)}")
                names.append(item[0])
                item = item[1]
            tensors.append(item)
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            group["param_names"] = names
        group["params"] = tensors

        for i, p in enumerate(tensors):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__module__}."
                                f"{type(p).__name__}")
            if p.dtype.kind not in "fc":
                raise TypeError(f"optimizer can only optimize floating-point Tensors, but param {i} of the group has "
                                f"dtype {p.dtype} and shape {tuple(p.shape)}")
            if p.dtype.kind == "c" and not self._supports_complex:
                raise TypeError(f"{type(self).__name__} does not support complex parameters, but param {i} of the "
                                f"group has dtype {p.dtype} and shape {tuple(p.shape)}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        self._check_hyperparameters(group)

        ids = [id(p) for p in tensors]
        if len(set(ids)) != len(ids):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        if self.param_groups and ("param_names" in group) != ("param_names" in self.param_groups[0]):
            kind = "with names" if "param_names" in group else "without names"
            raise ValueError(f"all optimizer param groups should be with/without names. cannot add param group {kind} "
                             "to the optimizer")
        self.param_groups.append(group)
        self._init_group_state(group)

    def _init_group_state(self, group: dict[str, Any]) -> None:
        """Create state eagerly for a newly added group (most optimizers create it lazily in ``step``)."""

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as ``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``.

        Parameters are replaced by their position in the order the groups list them (0, 1, 2, ...), as in
        PyTorch, so the dict can be saved with ``autograd.save`` and loaded into an optimizer built the same
        way over other parameter objects.  The state tensors are the optimizer's own (not copies): deep-copy
        the result to keep an in-memory checkpoint while training goes on.
        """
        index: dict[int, int] = {}
        groups: list[dict[str, Any]] = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load a state from :meth:`state_dict` (possibly after ``autograd.save``/``autograd.load``).

        Hyperparameters of each group are replaced by the saved ones; the saved state tensors are copied (and
        cast to each parameter's dtype, except step counters), so the loaded optimizer shares no buffer with
        ``state_dict``.  Training then continues exactly as it would have without the interruption.

        Raises:
            ValueError: the number of groups, a group's size, or a buffer's shape differs from this optimizer's.
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("load_state_dict: expected a dict with 'state' and 'param_groups' entries, as returned "
                             "by Optimizer.state_dict()")
        saved_groups = copy.deepcopy(list(state_dict["param_groups"]))
        groups = self.param_groups
        if len(groups) != len(saved_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups ({len(saved_groups)}) "
                             f"than the optimizer ({len(groups)})")
        for i, (g, s) in enumerate(zip(groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match the size of "
                                 f"optimizer's group: group {i} has {len(s['params'])} saved parameters, "
                                 f"the optimizer has {len(g['params'])}")
        id_map = {}
        for g, s in zip(groups, saved_groups):
            for key, p in zip(s["params"], g["params"]):
                id_map[_index_key(key)] = p

        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            p = id_map.get(_index_key(key))
            if p is None:
                raise ValueError(f"load_state_dict: state entry {key!r} names no parameter of the saved groups")
            shaped = p if self._state_shaped_like_params else None
            state[p] = {k: _load_value(v, p, k, key, shaped) for k, v in value.items()}

        new_groups = []
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            for name, default in self.defaults.items():
                s.setdefault(name, default)
            self._restore_group(s)
            new_groups.append(s)
        self.state = state
        self.param_groups = new_groups

    def _restore_group(self, group: dict[str, Any]) -> None:
        """Fix up a group loaded by ``load_state_dict``: ``betas`` a tuple again (a file format makes it a list)."""
        if isinstance(group.get("betas"), list):
            group["betas"] = tuple(group["betas"])

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {group[k]}" for k in sorted(group) if k not in ("params", "param_names"))
        lines.append(")")
        return "\n".join(lines)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups,
                "_opt_called": self._opt_called}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


def _index_key(key: Any) -> Any:
    """Saved parameter indices are ints; a file format may have turned them into strings or numpy ints."""
    if isinstance(key, str) and key.lstrip("-").isdigit():
        return int(key)
    if isinstance(key, np.integer):
        return int(key)
    return key


def _load_value(value: Any, param: Tensor, key: Any, index: Any, shaped: Tensor | None) -> Any:
    """Copy one saved state entry for ``param``: tensors cloned (cast to its dtype unless a step count).

    ``shaped`` is ``param`` when non-scalar buffers must have its shape, None when they need not.
    """
    if isinstance(value, np.ndarray):
        value = autograd.from_numpy(value)
    if isinstance(value, Tensor):
        if key == "step":
            return value.item() if value.numel() == 1 else value.detach().clone()
        if shaped is not None and value.ndim and tuple(value.shape) != tuple(param.shape):
            raise ValueError(f"load_state_dict: state {key!r} of parameter {index} has shape {tuple(value.shape)}, "
                             f"but the parameter has shape {tuple(param.shape)}")
        # a copy, in the parameter's dtype (floats), namespace and device: the state moves with its parameter
        data = value.detach().to(namespace(data_of(param)))
        data = data.to(param.dtype) if value.dtype.kind in "fc" else data
        return data.clone() if data is value else data
    if isinstance(value, dict):
        return {k: _load_value(v, param, k, index, shaped) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_load_value(v, param, None, index, shaped) for v in value)
    return value
