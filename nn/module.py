"""``Module``: the base class of layers and models (parameters, buffers, submodules, hooks, state dicts)."""
import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

import autograd as ag

from .parameter import Parameter

__all__ = ["Module", "RemovableHandle", "register_module_forward_pre_hook", "register_module_forward_hook"]

_handle_ids = itertools.count()

# Hooks that run for every module (torch.nn.modules.module.register_module_forward_hook); tools such as
# graph viewers use them to see which module produced which part of the graph.
_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()


class RemovableHandle:
    """Returned by ``register_*_hook``; ``remove()`` unregisters the hook (also usable as a context manager)."""

    __slots__ = ("id", "_hooks_dicts")

    def __init__(self, *hooks_dicts):
        self.id = next(_handle_ids)
        self._hooks_dicts = hooks_dicts

    def remove(self):
        """Unregister the hook; a second call does nothing."""
        for hooks in self._hooks_dicts:
            hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


def _add_hook(hooks, hook, prepend, with_kwargs=False):
    handle = RemovableHandle(hooks)
    hooks[handle.id] = (hook, with_kwargs)
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_module_forward_pre_hook(hook):
    """Run ``hook(module, args)`` before the forward of every module (global; see ``Module.register_forward_pre_hook``)."""
    return _add_hook(_global_forward_pre_hooks, hook, False)


def register_module_forward_hook(hook):
    """Run ``hook(module, args, output)`` after the forward of every module (global; see ``Module.register_forward_hook``)."""
    return _add_hook(_global_forward_hooks, hook, False)


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """``(missing_keys, unexpected_keys)`` returned by :meth:`Module.load_state_dict`."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _addindent(text, spaces):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return lines[0] + "\n" + "\n".join(pad + line for line in lines[1:])


def _check_name(kind, name, module):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got: {name}')


class Module:
    """Base class of every layer and model.

    A subclass assigns its parameters (:class:`Parameter`), buffers (``register_buffer``) and submodules as
    attributes in ``__init__`` after calling ``super().__init__()``, and defines ``forward``. Calling the
    module runs the forward pre-hooks, ``forward`` and the forward hooks.

    Attributes:
        training: True in training mode (dropout active, batch norm uses batch statistics); set by
            :meth:`train` / :meth:`eval` for the whole tree.
    """

    _version = 1

    def __init__(self):
        # object.__setattr__ because our __setattr__ looks these dicts up.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        """The computation; every subclass defines it. Call the module rather than this method (hooks run then)."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # -- calling -------------------------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks or self._forward_hooks or _global_forward_pre_hooks or _global_forward_hooks:
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def _call_with_hooks(self, args, kwargs):
        for hook, with_kwargs in itertools.chain(list(_global_forward_pre_hooks.values()), list(self._forward_pre_hooks.values())):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(f"forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got {result!r}")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook, with_kwargs in itertools.chain(list(_global_forward_hooks.values()), list(self._forward_hooks.values())):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Run ``hook(module, args)`` before each forward; a non-None return replaces the positional args.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs)`` and may return ``(args, kwargs)``.
        Returns a :class:`RemovableHandle`.
        """
        return _add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Run ``hook(module, args, output)`` after each forward; a non-None return replaces the output.

        With ``with_kwargs=True`` the hook is ``hook(module, args, kwargs, output)``. Returns a
        :class:`RemovableHandle`.
        """
        return _add_hook(self._forward_hooks, hook, prepend, with_kwargs)

    # -- registration --------------------------------------------------------------------------------------

    def register_parameter(self, name, param):
        """Register ``param`` (a :class:`Parameter`, or None for an absent optional one) under ``name``.

        Raises:
            AttributeError: before ``Module.__init__`` ran. KeyError: a bad or taken name.
            TypeError: ``param`` is not a Parameter. ValueError: ``param`` is not a leaf.
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name("parameter", name, self)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' (nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'; wrap a detached copy in nn.Parameter")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Register a non-trainable tensor (e.g. batch norm's ``running_mean``) saved in the state dict.

        Args:
            name: attribute name. tensor: a Tensor, or None. persistent: False keeps it out of ``state_dict``.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name("buffer", name, self)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, ag.Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Register ``module`` (or None) as a child under ``name``."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if "_modules" not in self.__dict__:
            raise AttributeError("cannot assign module before Module.__init__() call")
        _check_name("module", name, self)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' (nn.Parameter or None expected)")
            params[name] = None
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' (nn.Module or None expected)")
            modules[name] = None
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, ag.Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)")
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def _forget(self, name):
        """Drop ``name`` from every registry (before it is registered again as another kind)."""
        d = self.__dict__
        d.pop(name, None)
        for key in ("_parameters", "_buffers", "_modules"):
            d[key].pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def __getattr__(self, name):
        # Only reached when normal lookup fails: parameters, buffers and children live in their dicts.
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            registry = d.get(key)
            if registry is not None and name in registry:
                return registry[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            if name in d[key]:
                del d[key][name]
                d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = list(super().__dir__()) + list(self._parameters) + list(self._buffers) + list(self._modules)
        return sorted(k for k in set(keys) if not k[0].isdigit())

    # -- traversal -----------------------------------------------------------------------------------------

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
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

    def modules(self):
        """Yield this module and every descendant, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """Yield ``(name, child)`` for the direct submodules."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        """Yield the direct submodules."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        seen = set()
        owners = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for owner_name, owner in owners:
            for name, value in owner.__dict__[registry].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield owner_name + ("." if owner_name else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(name, parameter)`` with dotted names (``'0.weight'``); a shared parameter once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        """Yield the parameters (what an optimiser trains), each once."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(name, buffer)`` with dotted names (``'bn.running_mean'``)."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        """Yield the buffers, each once."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def get_submodule(self, target):
        """The descendant at the dotted path ``target`` (``''`` is this module). Raises AttributeError."""
        module = self
        for part in target.split(".") if target else ():
            if part not in module._modules or module._modules[part] is None:
                raise AttributeError(f"{type(module).__name__} has no submodule `{part}` (looking up '{target}')")
            module = module._modules[part]
        return module

    def get_parameter(self, target):
        """The parameter at the dotted path ``target`` (``'fc1.weight'``). Raises AttributeError."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module._parameters:
            raise AttributeError(f"{type(module).__name__} has no parameter `{name}`")
        return module._parameters[name]

    def get_buffer(self, target):
        """The buffer at the dotted path ``target`` (``'bn.running_mean'``). Raises AttributeError."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module._buffers:
            raise AttributeError(f"{type(module).__name__} has no buffer `{name}`")
        return module._buffers[name]

    # -- modes and bulk updates ----------------------------------------------------------------------------

    def train(self, mode=True):
        """Set training mode on this module and all descendants; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)  # through the method, so a child that overrides train() is respected
        return self

    def eval(self):
        """Set evaluation mode (``train(False)``); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` on every parameter (e.g. to freeze a model); returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
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

    def apply(self, fn):
        """Call ``fn(module)`` on every descendant (children first) and on self; returns self.

        Typical use: custom initialisation, ``model.apply(init_weights)``.
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def to(self, *args, dtype=None, device=None):
        """Cast floating-point parameters and buffers to ``dtype`` in place (same objects); returns self.

        Accepts ``to(dtype)``, ``to('cpu')`` and ``to(device, dtype)``; only the CPU exists here.
        Raises:
            RuntimeError: a device other than the CPU.
        """
        for arg in args:
            try:
                dtype = np.dtype(arg)
            except TypeError:
                device = arg
        if device is not None and str(device) != "cpu":
            raise RuntimeError(f"Module.to: scratchgrad runs on the CPU (numpy); device {device!r} is not available")
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
        for tensor in itertools.chain(self.parameters(), self.buffers()):
            if tensor.dtype.kind == "f" and tensor.dtype != dtype:
                tensor.data = tensor.data.astype(dtype)
                if tensor.grad is not None:
                    tensor.grad = ag.tensor(tensor.grad.data.astype(dtype))
        return self

    def float(self):
        """Cast floating parameters and buffers to float32; returns self."""
        return self.to(ag.float32)

    def double(self):
        """Cast floating parameters and buffers to float64; returns self."""
        return self.to(ag.float64)

    def cpu(self):
        """No-op (everything lives on the CPU); returns self."""
        return self

    # -- state dicts ---------------------------------------------------------------------------------------

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()

    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
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

    def _load_from_state_dict(self, state_dict, prefix, missing_keys, unexpected_keys, error_msgs, assign=False):
        """Copy this module's own entries (not its children's) from ``state_dict``; collect problems.

        Subclasses override it to accept older layouts (batch norm fills in ``num_batches_tracked``).
        """
        local = {k: v for k, v in itertools.chain(self._parameters.items(), self._buffers.items())
                 if v is not None and k not in self._non_persistent_buffers_set}
        for name, current in local.items():
            key = prefix + name
            if key not in state_dict:
                missing_keys.append(key)
                continue
            value = state_dict[key]
            if isinstance(value, np.ndarray):
                value = ag.from_numpy(value)
            if not isinstance(value, ag.Tensor):
                error_msgs.append(f'While copying the parameter named "{key}", expected a Tensor or ndarray from the '
                                  f"checkpoint but received {type(value).__name__}")
                continue
            if value.shape != current.shape:
                error_msgs.append(f"size mismatch for {key}: copying a param with shape {tuple(value.shape)} from "
                                  f"checkpoint, the shape in current model is {tuple(current.shape)}.")
                continue
            with ag.no_grad():
                if assign:
                    if isinstance(current, Parameter):
                        setattr(self, name, Parameter(value.data, requires_grad=current.requires_grad))
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

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy parameters and buffers from ``state_dict`` (as made by :meth:`state_dict`) into this module.

        Args:
            state_dict: a mapping from dotted names to Tensors (or ndarrays).
            strict: raise when keys are missing or unexpected (shape mismatches always raise).
            assign: replace the tensors instead of copying into them.
        Returns:
            ``(missing_keys, unexpected_keys)`` as a named tuple.
        Raises:
            RuntimeError: listing every missing/unexpected key and every size mismatch.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        missing, unexpected, errors = [], [], []

        def load(module, local_state, prefix):
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

    # -- printing ------------------------------------------------------------------------------------------

    def extra_repr(self):
        """The text inside this module's parentheses in ``repr`` (its hyper-parameters); override it."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
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
