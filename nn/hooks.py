"""Forward hooks of modules: the per-module and global registries, running them, and their removal handles.

A registry is an ``OrderedDict`` of ``handle id -> (hook, with_kwargs)``; :class:`~nn.Module` keeps two of its
own (pre-forward and forward) and this module keeps the two global ones, which tools such as graph viewers
use to see which module produced which part of the graph (``torch.nn.modules.module.register_module_forward_hook``).
Everything here is also importable from ``nn.module``.
"""
from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

    from typing_extensions import Self  # noqa: UP035  (typing.Self is Python 3.11+; 3.10 is supported)

    from .module import Module

__all__ = ["RemovableHandle", "register_module_forward_pre_hook", "register_module_forward_hook"]

_handle_ids = itertools.count()

# Mutated in place, never rebound: nn.module binds these same objects for its fast "any hooks?" check.
_global_forward_pre_hooks: OrderedDict[int, tuple[Callable[..., Any], bool]] = OrderedDict()
_global_forward_hooks: OrderedDict[int, tuple[Callable[..., Any], bool]] = OrderedDict()


class RemovableHandle:
    """Returned by ``register_*_hook``; ``remove()`` unregisters the hook (also usable as a context manager)."""

    __slots__ = ("id", "_hooks_dicts")

    def __init__(self, *hooks_dicts: dict[int, Any]) -> None:
        self.id = next(_handle_ids)
        self._hooks_dicts = hooks_dicts

    def remove(self) -> None:
        """Unregister the hook; a second call does nothing."""
        for hooks in self._hooks_dicts:
            hooks.pop(self.id, None)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        self.remove()
        return False


def _add_hook(hooks: OrderedDict[int, tuple[Callable[..., Any], bool]], hook: Callable[..., Any],
              prepend: bool = False, with_kwargs: bool = False) -> RemovableHandle:
    """Register ``hook`` in the registry ``hooks`` (first instead of last with ``prepend``); returns its handle."""
    handle = RemovableHandle(hooks)
    hooks[handle.id] = (hook, with_kwargs)
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_module_forward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Run ``hook(module, args)`` before the forward of every module (global; see ``Module.register_forward_pre_hook``)."""
    return _add_hook(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Run ``hook(module, args, output)`` after the forward of every module (global; see ``Module.register_forward_hook``)."""
    return _add_hook(_global_forward_hooks, hook)


def _call_with_hooks(module: Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``module.forward(*args, **kwargs)`` between the pre-hooks and the hooks (global ones first), as PyTorch.

    A pre-hook's non-None return replaces the positional args (with ``with_kwargs``: ``(args, kwargs)``);
    a forward hook's non-None return replaces the output. The registries are copied first, so a hook may
    remove itself.

    Raises:
        RuntimeError: a ``with_kwargs`` pre-hook returned something other than None or a pair.
    """
    pre_hooks = itertools.chain(list(_global_forward_pre_hooks.values()), list(module._forward_pre_hooks.values()))
    for hook, with_kwargs in pre_hooks:
        if with_kwargs:
            result = hook(module, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"forward pre-hook of {type(module).__name__} must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {result!r}")
                args, kwargs = result
        else:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
    output = module.forward(*args, **kwargs)
    for hook, with_kwargs in itertools.chain(list(_global_forward_hooks.values()), list(module._forward_hooks.values())):
        result = hook(module, args, kwargs, output) if with_kwargs else hook(module, args, output)
        if result is not None:
            output = result
    return output
