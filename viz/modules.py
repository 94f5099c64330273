"""Which ops each module produced: recorded with forward hooks, read back as nested clusters.

The graph a forward pass records knows ops, not modules.  :func:`trace_modules` registers a forward hook on
every submodule; each time a module returns, the hook walks the graph back from the module's output to its
inputs and notes the ops in between.  An op belongs to the innermost module whose forward produced it::

    with viz.trace_modules(model) as trace:
        loss = F.cross_entropy(model(x), t)
    viz.draw_graph(loss, params=model, group_modules=trace)
"""
from __future__ import annotations

from typing import Any

from autograd import Tensor
from autograd.graph import GraphNode

__all__ = ["ModuleCall", "ModuleTrace", "trace_modules", "group_by_parameters"]


class ModuleCall:
    """One call of one module: its name, the tensors it saw and returned, and the ops it produced.

    Attributes:
        name: qualified name from ``model.named_modules()`` (``''`` for the model itself).
        module: the module object.
        inputs, outputs: the tensors passed in and returned (kept alive, so their shapes and retained grads
            stay readable).
        ops: the op objects (``GraphNode.function``) between the inputs and the output, nested calls included.
        parent: the enclosing :class:`ModuleCall`, or None; children: the calls it encloses directly.
        depth: how many calls enclose it (0 for outermost calls).
        label: ``'conv1 (Conv2d)'``; a module called several times gets ``#2``, ``#3``... on later calls.
        key: a short id (``'m3'``), unique within its trace, used for the cluster's DOT name.
    """

    __slots__ = ("name", "module", "inputs", "outputs", "ops", "parent", "depth", "label", "key", "children")

    def __init__(self, name, module, inputs, outputs, ops):
        self.name, self.module, self.inputs, self.outputs, self.ops = name, module, inputs, outputs, ops
        self.parent, self.depth, self.label, self.key, self.children = None, 0, "", "", []

    def __repr__(self):
        return f"ModuleCall({self.label}, {len(self.ops)} ops)"


class ModuleTrace:
    """Module calls recorded by :func:`trace_modules`; pass it to ``draw_graph(group_modules=...)``.

    Attributes:
        calls: the :class:`ModuleCall` objects that produced at least one op, innermost first.
    """

    def __init__(self, model, retain_grads=False):
        if not hasattr(model, "named_modules") or not hasattr(model, "register_forward_hook"):
            raise TypeError("trace_modules: expected a Module (with named_modules() and register_forward_hook()), "
                            f"got {type(model).__name__}")
        self.model = model
        self.retain_grads = retain_grads
        self.calls = []
        self._handles = []
        self._names = {}

    def __enter__(self):
        self._names = {id(m): name for name, m in self.model.named_modules()}
        for _, m in self.model.named_modules():
            self._handles.append(m.register_forward_hook(self._hook))
        return self

    def __exit__(self, *exc):
        for h in self._handles:
            h.remove()
        self._handles = []
        self._link()
        return False

    def _hook(self, module, inputs, output):
        ins = _tensors(inputs)
        outs = _tensors(output)
        ops = _ops_between(ins, outs)
        if not ops:
            return None  # a module that recorded nothing (Identity, or run under no_grad)
        if self.retain_grads:
            for t in outs:
                if t.requires_grad and t.grad_fn is not None:
                    t.retain_grad()
        self.calls.append(ModuleCall(self._names.get(id(module), "?"), module, ins, outs, ops))
        return None

    def _link(self):
        """Nest the calls: hooks fire innermost first, so a call's parent is the first later call containing it."""
        _label(self.calls)
        for i, call in enumerate(self.calls):
            probe = next(iter(call.ops))
            for later in self.calls[i + 1:]:
                if probe in later.ops and call.ops <= later.ops:
                    call.parent = later
                    later.children.append(call)
                    break
        _set_depths(self.calls)

    def owners(self):
        """Map each op object to its innermost :class:`ModuleCall`."""
        owner: dict[Any, Any] = {}
        for call in self.calls:  # innermost first: the first call to claim an op keeps it
            for f in call.ops:
                owner.setdefault(f, call)
        return owner


def trace_modules(model, retain_grads=False):
    """Context manager recording, for each module call inside it, which ops the module produced.

    Args:
        model: a Module (anything with ``named_modules()`` and ``register_forward_hook()``).
        retain_grads: also call ``retain_grad()`` on every module output, so that after ``backward()``
            ``draw_graph(..., show_grads=True)`` can colour the activations between layers too.

    Returns:
        a :class:`ModuleTrace`; after the ``with`` block pass it as ``draw_graph(..., group_modules=trace)``.
        It keeps every module's inputs and outputs alive until it is dropped.
    """
    return ModuleTrace(model, retain_grads)


def group_by_parameters(model, nodes):
    """Clusters for a graph recorded without a trace: each op that reads a module's parameter joins it.

    Only ops that use a parameter directly can be placed this way (``MatMul`` and ``Add`` of a Linear, not a
    ReLU); :func:`trace_modules` gives the exact grouping.  Returns a :class:`ModuleTrace`-like object.
    """
    if not hasattr(model, "named_parameters") or not hasattr(model, "named_modules"):
        raise TypeError(f"draw_graph: group_modules expects a Module or the ModuleTrace of viz.trace_modules(model), "
                        f"got {type(model).__name__}")
    modules = dict(model.named_modules())
    owner_of = {}  # id(parameter) -> module name
    for pname, p in model.named_parameters():
        owner_of[id(p)] = pname.rpartition(".")[0]
    by_module: dict[str, set[Any]] = {}
    for node in nodes:
        for e in node.inputs:
            if e.kind == "leaf" and id(e.tensor) in owner_of:
                by_module.setdefault(owner_of[id(e.tensor)], set()).add(node.function)
                break
    trace = ModuleTrace(model)
    # deeper names first, so that owners() gives each op to its innermost module
    names = sorted(by_module, key=lambda n: -n.count(".") - (n != ""))
    trace.calls = [ModuleCall(n, modules[n], [], [], by_module[n]) for n in names]
    _label(trace.calls)
    by_name = {c.name: c for c in trace.calls}
    for call in trace.calls:
        name = call.name
        while name:
            name = name.rpartition(".")[0]
            if name in by_name:
                call.parent = by_name[name]
                call.parent.children.append(call)
                break
    _set_depths(trace.calls)
    return trace


def _label(calls):
    """Set each call's ``key`` and ``label``, counting repeated calls of one module (``#2``, ``#3``...)."""
    counts: dict[Any, int] = {}
    for i, call in enumerate(calls):
        call.key = f"m{i}"
        n = counts[id(call.module)] = counts.get(id(call.module), 0) + 1
        kind = type(call.module).__name__
        call.label = f"{call.name} ({kind})" if call.name else kind
        if n > 1:
            call.label += f" #{n}"


def _set_depths(calls):
    for call in calls:
        d, p = 0, call.parent
        while p is not None:
            d, p = d + 1, p.parent
        call.depth = d


def _tensors(obj):
    """The Tensors in a hook's inputs/outputs (a Tensor, or nested tuples/lists/dicts of them)."""
    found, stack = [], [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, Tensor):
            found.append(o)
        elif isinstance(o, (tuple, list)):
            stack.extend(reversed(o))
        elif isinstance(o, dict):
            stack.extend(reversed(list(o.values())))
    return found


def _ops_between(inputs, outputs):
    """The op objects reached walking back from ``outputs`` without passing the ops that made ``inputs``."""
    stop = {t.grad_fn for t in inputs if t.grad_fn is not None}
    ops = set()
    stack = [GraphNode(t.grad_fn) for t in outputs if t.grad_fn is not None and t.grad_fn not in stop]
    while stack:
        node = stack.pop()
        if node.function in ops:
            continue
        ops.add(node.function)
        for e in node.inputs:
            if e.kind == "op" and e.source.function not in stop and e.source.function not in ops:
                stack.append(e.source)
    return ops
