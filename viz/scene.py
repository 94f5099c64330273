"""The picture as data: the items (nodes), edges and module clusters read from the graph view.

:func:`build_scene` walks :func:`autograd.graph.nodes_of` once and decides what is drawn and where: one item
per op, per op output, per leaf and per constant tensor, optional notes for the arrays kept for backward, each
in the cluster of the module call that produced it; with ``collapse`` a module's contents become one box.
:mod:`viz.dot` then writes the scene as DOT text.  Nothing here depends on graphviz.
"""
import numpy as np

from autograd.graph import nodes_of

from .modules import ModuleTrace, group_by_parameters

__all__ = ["Item", "Scene", "build_scene"]


class Item:
    """One node of the picture: an op, a tensor, a saved array, a collapsed module or the "earlier ops" marker.

    Attributes:
        key: the DOT node id (``op3``, ``t3``, ``l0``, ``c1``, ``s3_0``, ``m2``, ``elided``).
        kind: a key of :data:`viz.style.KINDS`.
        name: the first line of the label (op name, tensor name, saved label, module label), or None.
        shape, dtype: of the tensor or saved array, when there is one.
        tensor: the live Tensor drawn (read for its gradient), else None.
        cluster: the :class:`~viz.ModuleCall` whose cluster holds the item, or None (top level).
        node: the :class:`~autograd.graph.GraphNode` of an op item.
        users: indices of the ops that read a leaf or constant tensor (to place it in the right cluster).
        call, params: of a collapsed-module box: its :class:`~viz.ModuleCall` and the parameters it hides.
    """

    __slots__ = ("key", "kind", "name", "shape", "dtype", "tensor", "cluster", "node", "users", "call", "params")

    def __init__(self, key, kind, name=None, shape=None, dtype=None, tensor=None, cluster=None):
        self.key, self.kind, self.name, self.shape, self.dtype = key, kind, name, shape, dtype
        self.tensor, self.cluster = tensor, cluster
        self.node = self.call = None
        self.users = []
        self.params = []


class Scene:
    """Items, edges and module calls of one picture, as :func:`build_scene` returns them.

    Attributes:
        items: ``{key: Item}`` in drawing order.
        edges: ``[(from key, to key, how)]``; ``how`` is None for data flow, ``'saved'`` for a saved-array note.
        calls: the :class:`~viz.ModuleCall` objects that may become clusters (empty without grouping).
        boxes: the calls drawn as one box (``collapse``); their clusters are not drawn.
    """

    def __init__(self):
        self.items = {}
        self.edges = []
        self.calls = []
        self.boxes = set()


def build_scene(outputs, params, inputs, *, group=None, collapse=False, max_nodes=None, show_saved=False):
    """Collect what to draw for the graph behind ``outputs``.

    Args:
        outputs: ``[(name or None, Tensor)]``, each with a recorded graph.
        params, inputs: ``{name: Tensor}`` of the parameters and of the inputs.  A constant tensor that is a
            view of an input's data (``x.flatten(1)`` fed to the first layer) is drawn as that input.
        group: a :class:`~viz.ModuleTrace`, a Module (grouped by the parameters its ops read) or None.
        collapse: False, True (top-level modules) or a module depth: draw those modules as one box each.
        max_nodes: keep at most this many ops, those nearest the outputs; None keeps all.
        show_saved: add a note per array the ops kept for backward.

    Returns:
        a :class:`Scene`.
    """
    return _Builder(outputs, params, inputs).build(group, collapse, max_nodes, show_saved)


class _Builder:
    """Fills one Scene, step by step (see :func:`build_scene` for the arguments)."""

    def __init__(self, outputs, params, inputs):
        self.outs = outputs
        self.params = {id(t): n for n, t in params.items()}
        self.inputs = {id(t): n for n, t in inputs.items()}
        self.input_tensors = list(inputs.items())
        self.scene = Scene()
        self.items = self.scene.items
        self.edges = self.scene.edges
        self.tensor_keys = {}  # id(tensor) -> key, numbered by first use so the DOT text is reproducible
        self.op_cluster = []  # op index -> its ModuleCall or None

    def build(self, group, collapse, max_nodes, show_saved):
        nodes, dropped = self._select(nodes_of([t for _, t in self.outs]), max_nodes)
        owner = self._owners(group, nodes)
        self._ops(nodes, owner)
        self._inputs(nodes, dropped)
        if show_saved:
            self._saved(nodes)
        self._place_shared()
        if collapse:
            self._collapse(1 if collapse is True else int(collapse))
        return self.scene

    def _select(self, nodes, max_nodes):
        """All nodes, or the ``max_nodes`` nearest the outputs (the outputs' own ops always kept)."""
        if max_nodes is None or len(nodes) <= max_nodes:
            return nodes, 0
        keep = {t.grad_fn for _, t in self.outs}
        for n in reversed(nodes):
            if len(keep) >= max_nodes:
                break
            keep.add(n.function)
        kept = [n for n in nodes if n.function in keep]
        return kept, len(nodes) - len(kept)

    def _owners(self, group, nodes):
        """``{op object: innermost ModuleCall}``, and the scene's calls."""
        if group is None:
            return {}
        if not isinstance(group, ModuleTrace):
            group = group_by_parameters(group, nodes)
        self.scene.calls = group.calls
        return group.owners()

    def _ops(self, nodes, owner):
        """An item per op and per op output (``op{i}`` -> ``t{i}``)."""
        out_names = {}
        for i, (name, t) in enumerate(self.outs):
            out_names[id(t)] = name or t.name or ("output" if len(self.outs) == 1 else f"output {i}")
        for i, node in enumerate(nodes):
            call = owner.get(node.function)
            self.op_cluster.append(call)
            op = self.items[f"op{i}"] = Item(f"op{i}", "op", node.name, cluster=call)
            op.node = node
            t = node.output
            kind, name = "intermediate", None
            if t is not None:
                name = t.name
                if id(t) in self.inputs:
                    kind, name = "input", self.inputs[id(t)]
                if id(t) in out_names:
                    kind, name = "output", out_names[id(t)]
            self.items[f"t{i}"] = Item(f"t{i}", kind, name, node.output_shape, node.output_dtype, t, call)
            self.edges.append((f"op{i}", f"t{i}", None))

    def _inputs(self, nodes, dropped):
        """An edge per op input, from the producing op's output, a tensor item, or a fresh constant."""
        index = {n.function: i for i, n in enumerate(nodes)}
        n_const = 0
        for i, node in enumerate(nodes):
            for e in node.inputs:
                if e.kind == "op":
                    j = index.get(e.source.function)
                    key = f"t{j}" if j is not None else self._elided(dropped)
                elif e.tensor is not None:  # a leaf, or a constant Tensor the caller still holds
                    key = self._tensor_item(e.tensor, e.kind)
                    self.items[key].users.append(i)
                else:  # a plain number or array, or a constant Tensor already freed: shape known while saved
                    key = f"c{n_const}"
                    n_const += 1
                    self.items[key] = Item(key, "constant", "const", e.shape, e.dtype, cluster=self.op_cluster[i])
                self.edges.append((key, f"op{i}", None))

    def _elided(self, dropped):
        if "elided" not in self.items:
            self.items["elided"] = Item("elided", "elided", f"... {dropped} earlier ops")
        return "elided"

    def _tensor_item(self, t, edge_kind):
        """The key of the one item drawn for the input tensor ``t`` (made on first use)."""
        key = self.tensor_keys.setdefault(id(t), f"l{len(self.tensor_keys)}")
        if key not in self.items:
            if id(t) in self.inputs:
                kind, name = "input", self.inputs[id(t)]
            elif edge_kind == "leaf":
                kind, name = "parameter", self.params.get(id(t), t.name)
            elif t.name:  # a named tensor that needs no grad is data the caller fed in
                kind, name = "input", t.name
            else:
                kind, name = "constant", "const"
                for n, x in self.input_tensors:
                    if np.may_share_memory(t.numpy(), x.numpy()):  # a reshaped or sliced input, made without grad
                        kind, name = "input", n if t.shape == x.shape else f"{n} (view)"
                        break
            self.items[key] = Item(key, kind, name, t.shape, t.dtype, t)
        return key

    def _saved(self, nodes):
        for i, node in enumerate(nodes):
            for k, (label, shape, dtype) in enumerate(node.saved):
                key = f"s{i}_{k}"
                self.items[key] = Item(key, "saved", label, shape, dtype, cluster=self.op_cluster[i])
                self.edges.append((key, f"op{i}", "saved"))

    def _place_shared(self):
        """Put each parameter and constant tensor in the innermost cluster holding all the ops that read it."""
        for item in self.items.values():
            if item.kind not in ("parameter", "constant") or not item.users:
                continue
            chains = []
            for i in item.users:
                chain, c = [], self.op_cluster[i]
                while c is not None:
                    chain.append(c)
                    c = c.parent
                chains.append(chain[::-1])
            common = None
            for level in zip(*chains):
                if any(c is not level[0] for c in level):
                    break
                common = level[0]
            item.cluster = common

    def _collapse(self, depth):
        """Replace the contents of each module at ``depth`` (or shallower, if it has no children) by one box."""
        def name_depth(call):
            return 0 if not call.name else call.name.count(".") + 1

        def box_of(call):
            found = None
            while call is not None:
                d = name_depth(call)
                if d == depth or (d < depth and not call.children):
                    found = call
                call = call.parent
            return found

        boxes, rep = {}, {}
        for item in list(self.items.values()):
            b = None if item.cluster is None else box_of(item.cluster)
            if b is None:
                continue
            if item.kind in ("output", "input"):  # stay visible, beside the box
                item.cluster = b.parent
                continue
            if b not in boxes:  # only modules with something drawn get a box
                box = boxes[b] = Item(b.key, "module", b.label, cluster=b.parent)
                box.call = b
            if item.kind == "parameter":
                boxes[b].params.append(item.tensor)
            rep[item.key] = b.key
            del self.items[item.key]
        for box in boxes.values():
            self.items[box.key] = box
        mapped, seen = [], set()
        for u, v, how in self.edges:
            u, v = rep.get(u, u), rep.get(v, v)
            if u != v and (u, v) not in seen:
                seen.add((u, v))
                mapped.append((u, v, how))
        self.edges[:] = mapped
        self.scene.boxes = set(boxes)

