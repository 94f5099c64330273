"""Containers: ``Sequential``, ``ModuleList`` and ``ModuleDict``."""
from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast, overload

from .module import Module, _addindent

if TYPE_CHECKING:
    from collections.abc import ItemsView, Iterable, Iterator, KeysView, ValuesView

    from typing_extensions import Self  # noqa: UP035  (typing.Self is Python 3.11+; 3.10 is supported)

__all__ = ["Sequential", "ModuleList", "ModuleDict"]


def _index(idx: int, length: int, kind: str) -> int:
    """Normalise an integer index (negative counts from the end); IndexError when out of range."""
    idx = operator.index(idx)
    if not -length <= idx < length:
        raise IndexError(f"{kind}: index {idx} is out of range for length {length}")
    return idx % length


class _Indexed(Module):
    """Shared logic of the two integer-indexed containers (children named '0', '1', ...)."""

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(cast("Iterable[Module]", self._modules.values()))

    def _key(self, idx: int) -> str:
        """The name of the child at integer position ``idx`` (negative counts from the end)."""
        keys = list(self._modules)
        return keys[_index(idx, len(keys), type(self).__name__)]

    def _child(self, idx: int) -> Module:
        """The child at integer position ``idx`` (None only where ``add_module`` was given None)."""
        return cast(Module, self._modules[self._key(idx)])

    def _renumber(self, modules: Iterable[Module | None]) -> None:
        """Replace the children by ``modules``, named ``'0'``, ``'1'``, ..."""
        self._modules.clear()
        for i, module in enumerate(modules):
            self._modules[str(i)] = module

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(self._key(idx), module)

    def __delitem__(self, idx: int | slice) -> None:
        doomed = list(self._modules)[idx] if isinstance(idx, slice) else [self._key(idx)]
        for key in doomed:
            del self._modules[key]
        self._renumber(list(self._modules.values()))  # keep names contiguous, as PyTorch does

    def append(self, module: Module) -> Self:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Self:
        """Append each of ``modules``; returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.insert: {type(module).__name__} is not a Module subclass")
        modules = list(self._modules.values())
        index = operator.index(index)
        if not -len(modules) <= index <= len(modules):
            raise IndexError(f"{type(self).__name__}.insert: index {index} is out of range for length {len(modules)}")
        modules.insert(index, module)
        self._renumber(modules)

    def pop(self, index: int = -1) -> Module:
        """Remove and return the module at ``index``."""
        module = self._child(index)
        del self[index]
        return module


class Sequential(_Indexed):
    """Modules applied in order: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Built from modules (named ``'0'``, ``'1'``, ...) or from one ``OrderedDict`` of ``name -> module``.
    Supports ``len``, iteration, indexing (a slice gives a new Sequential sharing the modules) and
    ``append``/``extend``/``insert``/``pop``.
    """

    @overload
    def __init__(self, *args: Module) -> None: ...
    @overload
    def __init__(self, arg: OrderedDict[str, Module], /) -> None: ...

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    @overload
    def __getitem__(self, idx: int) -> Module: ...
    @overload
    def __getitem__(self, idx: slice) -> Sequential: ...

    def __getitem__(self, idx: int | slice) -> Module | Sequential:
        if isinstance(idx, slice):
            # A plain Sequential: subclasses (the model zoo's nets) have constructors with other signatures.
            return Sequential(OrderedDict(cast("list[tuple[str, Module]]", list(self._modules.items())[idx])))
        return self._child(idx)

    def forward(self, input: Any) -> Any:
        """Apply each module in turn to the previous one's output."""
        for module in self:
            input = module(input)
        return input


class ModuleList(_Indexed):
    """A list of modules, registered so their parameters are seen (it has no ``forward`` of its own)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    @overload
    def __getitem__(self, idx: int) -> Module: ...
    @overload
    def __getitem__(self, idx: slice) -> ModuleList: ...

    def __getitem__(self, idx: int | slice) -> Module | ModuleList:
        if isinstance(idx, slice):
            return ModuleList(list(self)[idx])
        return self._child(idx)

    def __iadd__(self, modules: Iterable[Module]) -> Self:
        return self.extend(modules)

    def __repr__(self) -> str:
        # PyTorch folds runs of identical children: "(0-2): 3 x Linear(...)".
        reprs = [repr(m) for m in self]
        if not reprs:
            return "ModuleList()"
        lines, start = [], 0
        for i in range(1, len(reprs) + 1):
            if i == len(reprs) or reprs[i] != reprs[start]:
                body = _addindent(reprs[start], 2)
                if i - start == 1:
                    lines.append(f"({start}): {body}")
                else:
                    lines.append(f"({start}-{i - 1}): {i - start} x {body}")
                start = i
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """An ordered dict of named modules, registered so their parameters are seen (no ``forward`` of its own)."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return cast(Module, self._modules[key])

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> KeysView[str]:
        """The names."""
        return self._modules.keys()

    def items(self) -> ItemsView[str, Module]:
        """``(name, module)`` pairs."""
        return cast("ItemsView[str, Module]", self._modules.items())

    def values(self) -> ValuesView[Module]:
        """The modules."""
        return cast("ValuesView[Module]", self._modules.values())

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def pop(self, key: str) -> Module:
        """Remove and return the module named ``key``."""
        return cast(Module, self._modules.pop(key))

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add modules from a mapping or an iterable of ``(name, module)`` pairs."""
        items = modules.items() if isinstance(modules, Mapping) else modules
        for pair in items:
            if len(pair) != 2:
                raise ValueError(f"ModuleDict.update: expected (name, module) pairs, got an element of length {len(pair)}")
            self[pair[0]] = pair[1]
