"""``Module``: the base class of layers and models (parameters, buffers, submodules, hooks, state dicts).

The class is split by concept: registration, traversal, modes and printing live here; forward hooks and
their handles in :mod:`nn.hooks`; ``state_dict``/``load_state_dict`` in :mod:`nn.state_dict` (a mixin
``Module`` inherits). Every name those modules export is importable from here as well.
"""
from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np

import autograd as ag

from .hooks import (RemovableHandle, _add_hook, _call_with_hooks, _global_forward_hooks, _global_forward_pre_hooks,
                    register_module_forward_hook, register_module_forward_pre_hook)
from .parameter import Parameter
from .state_dict import StateDictMixin, _IncompatibleKeys  # noqa: F401  (_IncompatibleKeys: importable from here)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import ParamSpec, Protocol, TypeVar

    from typing_extensions import Self  # noqa: UP035  (typing.Self is Python 3.11+; 3.10 is supported)

    from autograd.types import DeviceLike

    _P = ParamSpec("_P")
    _R_co = TypeVar("_R_co", covariant=True)

    class _Forward(Protocol[_P, _R_co]):
        """A module seen through its ``forward``: calling it takes forward's arguments and gives its result."""

        def forward(self, *args: _P.args, **kwargs: _P.kwargs) -> _R_co: ...

__all__ = ["Module", "RemovableHandle", "register_module_forward_pre_hook", "register_module_forward_hook"]


def _addindent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` but the first by ``spaces`` (a child's repr nested in its parent's)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return lines[0] + "\n" + "\n".join(pad + line for line in lines[1:])


def _check_name(kind: str, name: Any) -> None:
    """Reject a registration name that is not a non-empty string free of dots (dots separate state-dict keys)."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got: {name}')


class Module(StateDictMixin):
    """Base class of every layer and model.

    A subclass assigns its parameters (:class:`Parameter`), buffers (``register_buffer``) and submodules as
    attributes in ``__init__`` after calling ``super().__init__()``, and defines ``forward``. Calling the
    module runs the forward pre-hooks, ``forward`` and the forward hooks.

    Attributes:
        training: True in training mode (dropout active, batch norm uses batch statistics); set by
            :meth:`train` / :meth:`eval` for the whole tree.
    """

    # Set by __init__ (object.__setattr__, past this class's own __setattr__):
    training: bool
    _parameters: OrderedDict[str, Parameter | None]
    _buffers: OrderedDict[str, ag.Tensor | None]
    _non_persistent_buffers_set: set[str]
    _modules: OrderedDict[str, Module | None]
    _forward_pre_hooks: OrderedDict[int, tuple[Callable[..., Any], bool]]
    _forward_hooks: OrderedDict[int, tuple[Callable[..., Any], bool]]

    def __init__(self) -> None:
        # object.__setattr__ because our __setattr__ looks these dicts up.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it. Call the module rather than this method (hooks run then)."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # -- calling -------------------------------------------------------------------------------------------

    def _call_impl(self, *args: Any, **kwargs: Any) -> Any:
        if self._forward_pre_hooks or self._forward_hooks or _global_forward_pre_hooks or _global_forward_hooks:
            return _call_with_hooks(self, args, kwargs)
        return self.forward(*args, **kwargs)

    if TYPE_CHECKING:
        # Calling a module takes its forward's arguments and gives forward's result (``model(x)`` is a Tensor
        # when forward says so).
        def __call__(self: _Forward[_P, _R_co], *args: _P.args, **kwargs: _P.kwargs) -> _R_co: ...
    else:
        __call__ = _call_impl

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Run ``hook(module, args)`` before each forward; a non-None return replaces the positional args.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs)`` and may return ``(args, kwargs)``.
        Returns a :class:`RemovableHandle`.
        """
        return _add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False) -> RemovableHandle:
        """Run ``hook(module, args, output)`` after each forward; a non-None return replaces the output.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs, output)``. Returns a
        :class:`RemovableHandle`.
        """
        return _add_hook(self._forward_hooks, hook, prepend, with_kwargs)

    # -- registration --------------------------------------------------------------------------------------

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (a :class:`Parameter`, or None for an absent optional one) under ``name``.

        Raises:
            AttributeError: before ``Module.__init__`` ran. KeyError: a bad or taken name.
            TypeError: ``param`` is not a Parameter. ValueError: ``param`` is not a leaf.
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' (nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'; wrap a detached copy in nn.Parameter")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: ag.Tensor | None, persistent: bool = True) -> None:
        """Register a non-trainable tensor (e.g. batch norm's ``running_mean``) saved in the state dict.

        Args:
            name: attribute name. tensor: a Tensor, or None. persistent: False keeps it out of ``state_dict``.
        Raises:
            AttributeError: before ``Module.__init__`` ran. KeyError: a bad or taken name.
            TypeError: ``tensor`` is not a Tensor.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, ag.Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (or None) as a child under ``name``.

        Raises:
            TypeError: ``module`` is not a Module. AttributeError: before ``Module.__init__`` ran.
            KeyError: a bad or taken name.
        """
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if "_modules" not in self.__dict__:
            raise AttributeError("cannot assign module before Module.__init__() call")
        _check_name("module", name)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        # PyTorch's rules, in its order: a Parameter (Module) value joins the parameters (children), and a name
        # registered as one may then only be set to another of its kind or to None.
        for key, kind, what in _ASSIGNABLE:
            registry = d.get(key)
            if isinstance(value, kind):
                if registry is None:
                    raise AttributeError(f"cannot assign {what} before Module.__init__() call")
                self._forget(name)
                if isinstance(value, Parameter):
                    self.register_parameter(name, value)  # also checks the name and that it is a leaf
                else:
                    registry[name] = value
                return
            if registry is not None and name in registry:
                if value is not None:
                    raise TypeError(f"cannot assign '{type(value).__name__}' as {what} '{name}' "
                                    f"(nn.{kind.__name__} or None expected)")
                registry[name] = None
                return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, ag.Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)")
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        """Drop ``name`` from every registry (before it is registered again as another kind)."""
        d = self.__dict__
        d.pop(name, None)
        for key in ("_parameters", "_buffers", "_modules"):
            d[key].pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def __getattr__(self, name: str) -> ag.Tensor | Module:
        # Only reached when normal lookup fails: parameters, buffers and children live in their dicts.
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            registry = d.get(key)
            if registry is not None and name in registry:
                return registry[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            if name in d[key]:
                del d[key][name]
                d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        keys = list(super().__dir__()) + list(self._parameters) + list(self._buffers) + list(self._modules)
        return sorted(k for k in set(keys) if not k[0].isdigit())

    # -- traversal -----------------------------------------------------------------------------------------

    def named_modules(self, memo: set[int] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for this module and every descendant, depth-first, each once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """Yield this module and every descendant, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, child)`` for the direct submodules."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """Yield the direct submodules."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Any]]:
        """Yield ``(dotted name, value)`` from the registry dict named ``registry`` of self (and descendants)."""
        seen = set()
        owners = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for owner_name, owner in owners:
            for name, value in owner.__dict__[registry].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield owner_name + ("." if owner_name else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(name, parameter)`` with dotted names (``'0.weight'``); a shared parameter once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield the parameters (what an optimiser trains), each once."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, ag.Tensor]]:
        """Yield ``(name, buffer)`` with dotted names (``'bn.running_mean'``)."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[ag.Tensor]:
        """Yield the buffers, each once."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def get_submodule(self, target: str) -> Module:
        """The descendant at the dotted path ``target`` (``''`` is this module). Raises AttributeError."""
        module = self
        for part in target.split(".") if target else ():
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule `{part}` (looking up '{target}')")
            module = child
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path ``target`` (``'fc1.weight'``). Raises AttributeError."""
        return self._get_member(target, "_parameters", "parameter")

    def get_buffer(self, target: str) -> ag.Tensor:
        """The buffer at the dotted path ``target`` (``'bn.running_mean'``). Raises AttributeError."""
        return self._get_member(target, "_buffers", "buffer")

    def _get_member(self, target: str, registry: str, kind: str) -> Any:
        """The entry of the registry dict named ``registry`` at the dotted path ``target``."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        members = module.__dict__[registry]
        if name not in members:
            raise AttributeError(f"{type(module).__name__} has no {kind} `{name}`")
        return members[name]

    # -- modes and bulk updates ----------------------------------------------------------------------------

    def train(self, mode: bool = True) -> Self:
        """Set training mode on this module and all descendants; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)  # through the method, so a child that overrides train() is respected
        return self

    def eval(self) -> Self:
        """Set evaluation mode (``train(False)``); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Self:
        """Set ``requires_grad`` on every parameter (e.g. to freeze a model); returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None (default) or to zeros in place."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad.detach_()  # a grad recorded under create_graph must not keep its graph alive
                with ag.no_grad():
                    param.grad.zero_()

    def apply(self, fn: Callable[[Module], object]) -> Self:
        """Call ``fn(module)`` on every descendant (children first) and on self; returns self.

        Typical use: custom initialisation, ``model.apply(init_weights)``.
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Self:
        """Move and/or cast the parameters and buffers in place (the same objects); returns self.

        Takes ``Tensor.to``'s forms: ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)``, with
        ``non_blocking=`` (and by keyword), and ``to(xp)`` with an array-API namespace module (``array_api_strict``,
        ``cupy``, ``numpy``). Every parameter and buffer (and ``.grad``) moves; only floating-point ones are cast,
        so an optimizer built before keeps working (its state moves with its parameters on ``load_state_dict``).
        Raises:
            RuntimeError: a device that is not available (``'cuda'`` without CuPy or a GPU).
            TypeError: a dtype that is not floating point; arguments in none of the forms.
        """
        if "copy" in kwargs:
            raise TypeError("Module.to() got an unexpected keyword argument 'copy'")
        target, dtype, _ = ag.ops.conversion.parse_target(args, kwargs, "Module.to")
        if dtype is not None:
            dtype = np.dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
        if target is None and dtype is None:
            return self
        for tensor in itertools.chain(self.parameters(), self.buffers()):
            cast = dtype if tensor.dtype.kind == "f" else None
            moved = _moved(tensor, target, cast)
            if moved is not tensor:
                tensor.data = moved
            if tensor.grad is not None:
                grad = _moved(tensor.grad, target, cast)
                if grad is not tensor.grad:
                    tensor.grad = grad
        return self

    def float(self) -> Self:
        """Cast floating parameters and buffers to float32; returns self."""
        return self.to(ag.float32)

    def double(self) -> Self:
        """Cast floating parameters and buffers to float64; returns self."""
        return self.to(ag.float64)

    def half(self) -> Self:
        """Cast floating parameters and buffers to float16; returns self."""
        return self.to(ag.float16)

    def cpu(self) -> Self:
        """Move parameters and buffers to host memory (numpy, unless they are in a CPU array-API library); returns self."""
        return self.to("cpu")

    def cuda(self, device: DeviceLike | None = None) -> Self:
        """Move parameters and buffers to a CUDA device (CuPy); raises RuntimeError without CuPy or a GPU."""
        return self.to(ag.device("cuda", device) if device is None or isinstance(device, int) else device)

    # -- printing ------------------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr`` (its hyper-parameters); override it."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(module), 2) for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"


# (registry, the value type that joins it on assignment, its name in errors), in the order __setattr__ checks them.
_ASSIGNABLE = (("_parameters", Parameter, "parameter"), ("_modules", Module, "child module"))


def _moved(tensor: ag.Tensor, target: Any, dtype: np.dtype[Any] | None) -> ag.Tensor:
    """``tensor``'s data (detached) at ``target`` in ``dtype``; ``tensor`` itself when nothing changes."""
    with ag.no_grad():
        start = out = tensor.detach()
        if target is not None:
            out = out.to(target)
        if dtype is not None and out.dtype != dtype:
            out = out.to(dtype)
    return tensor if out is start else out
