"""Saving and loading a module's parameters and buffers by dotted name (``state_dict`` / ``load_state_dict``).

:class:`StateDictMixin` holds the methods; :class:`~nn.Module` inherits them, so they are used and overridden
as ``Module`` methods (a layer that reads older checkpoint layouts overrides ``_load_from_state_dict``).
"""
from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import autograd as ag

from .parameter import Parameter

if TYPE_CHECKING:
    from .module import Module

__all__ = ["StateDictMixin"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """``(missing_keys, unexpected_keys)`` returned by :meth:`Module.load_state_dict`."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class StateDictMixin:
    """The state-dict methods of :class:`~nn.Module`; they read its ``_parameters``, ``_buffers`` and ``_modules``."""

    if TYPE_CHECKING:  # Module's registries (Module sets them)
        _parameters: OrderedDict[str, Parameter | None]
        _buffers: OrderedDict[str, ag.Tensor | None]
        _non_persistent_buffers_set: set[str]
        _modules: OrderedDict[str, Module | None]

    def _save_to_state_dict(self, destination: dict[str, Any], prefix: str, keep_vars: bool) -> None:
        """Add this module's own parameters and persistent buffers (not its children's) to ``destination``."""
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()

    def state_dict(self, *, destination: dict[str, Any] | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, Any]:
        """An ordered dict of every parameter and persistent buffer, keyed by dotted name (PyTorch's keys).

        The values are detached tensors sharing memory with the module (``keep_vars=True``: the tensors
        themselves). Save it with :func:`autograd.save`.
        """
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def _load_from_state_dict(self, state_dict: Mapping[str, Any], prefix: str, missing_keys: list[str],
                              unexpected_keys: list[str], error_msgs: list[str], assign: bool = False) -> None:
        """Copy this module's own entries (not its children's) from ``state_dict``; collect problems.

        Problems are appended to the three lists rather than raised, so that :meth:`load_state_dict` reports
        all of them at once. A layer that must accept older checkpoint layouts overrides this.
        """
        local = {k: v for k, v in itertools.chain(self._parameters.items(), self._buffers.items())
                 if v is not None and k not in self._non_persistent_buffers_set}
        for name, current in local.items():
            key = prefix + name
            if key not in state_dict:
                missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, ag.Tensor) and (hasattr(value, "__dlpack__") or hasattr(value, "__array__")):
                try:  # an ndarray, or another library's tensor (a torch state dict): shared, not copied, until copy_
                    value = ag.as_tensor(value)
                except (BufferError, RuntimeError, TypeError, ValueError) as e:
                    error_msgs.append(f'While copying the parameter named "{key}", could not convert the '
                                      f"{type(value).__name__} from the checkpoint: {e}")
                    continue
            if not isinstance(value, ag.Tensor):
                error_msgs.append(f'While copying the parameter named "{key}", expected a Tensor, an ndarray or an '
                                  f"array of another library from the checkpoint but received {type(value).__name__}")
                continue
            if value.shape != current.shape:
                error_msgs.append(f"size mismatch for {key}: copying a param with shape {tuple(value.shape)} from "
                                  f"checkpoint, the shape in current model is {tuple(current.shape)}.")
                continue
            with ag.no_grad():
                if assign:
                    if isinstance(current, Parameter):
                        setattr(self, name, Parameter(value.numpy(), requires_grad=current.requires_grad))
                    else:
                        self._buffers[name] = value.detach()
                else:
                    current.copy_(value)
        for key in state_dict:
            if not key.startswith(prefix):
                continue
            head, dot, _ = key[len(prefix):].partition(".")
            if (dot and head not in self._modules) or (not dot and head not in local):
                unexpected_keys.append(key)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` (as made by :meth:`state_dict`) into this module.

        Args:
            state_dict: a mapping from dotted names to Tensors, ndarrays, or arrays of other libraries (objects
                with ``__dlpack__`` or ``__array__``: a PyTorch ``state_dict()`` loads directly).
            strict: raise when keys are missing or unexpected (shape mismatches always raise).
            assign: replace the tensors instead of copying into them.
        Returns:
            ``(missing_keys, unexpected_keys)`` as a named tuple.
        Raises:
            TypeError: ``state_dict`` is not a mapping.
            RuntimeError: listing every missing/unexpected key and every size mismatch.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []

        def load(module: StateDictMixin, local_state: Mapping[str, Any], prefix: str) -> None:
            module._load_from_state_dict(local_state, prefix, missing, unexpected, errors, assign)
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    load(child, {k: v for k, v in local_state.items() if k.startswith(child_prefix)}, child_prefix)

        load(self, OrderedDict(state_dict), "")
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(type(self).__name__, "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)
