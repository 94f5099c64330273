"""Draw the graph a forward pass recorded, with graphviz (the ``dot`` program is needed only to render)."""
import warnings
from collections.abc import Mapping
from pathlib import Path

import graphviz
import numpy as np

from autograd import Tensor
from autograd.graph import nodes_of

from . import style
from .modules import ModuleTrace, group_by_parameters, trace_modules

__all__ = ["draw_graph", "save_graph", "retain_grads"]

_DIRECTIONS = ("TB", "LR", "BT", "RL")
_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": None, ".gv": None}


def draw_graph(outputs=None, *, model=None, params=None, inputs=None, show_shapes=True, show_dtypes=False,
               show_attrs=False, show_saved=False, show_grads=False, group_modules=None, collapse=False,
               direction="TB", max_nodes=None, legend=False):
    """Draw the ops that produced ``outputs`` and the tensors between them as a ``graphviz.Digraph``.

    The result has ``.source`` (DOT text; needs no ``dot`` program), ``.render()``/``.pipe()`` and shows
    inline in Jupyter.  :func:`save_graph` writes it to a file.

    Node conventions (see :mod:`viz.style`; ``legend=True`` draws a key):

    * ops: grey rounded boxes with the op's name (``MatMul``, ``ReLU``) and, with ``show_attrs``, its
      attributes (``dim=1``, ``stride=2``...).
    * tensors: ellipses labelled with a name, the shape and (``show_dtypes``) the dtype.  Parameters (leaves
      that require grad; named from ``params``) are light green, ``inputs`` light blue, ``outputs`` orange,
      constants (inputs that need no grad) white and dashed, intermediate tensors light grey.  A tensor's
      name is its parameter or input name, else ``tensor.name``.  Every op has one output-tensor node, so
      the picture has one node per op and per tensor and one edge per op input plus one per op output.
    * ``show_saved``: yellow notes for the arrays each op kept for backward, joined by dashed edges.
    * ``show_grads`` (after ``backward()``): tensors are filled by ``log10`` of their gradient's norm, blue
      for small through red for large, and the norm is printed; white means no gradient was kept.  Leaves
      keep ``.grad``; an intermediate tensor needs ``retain_grad()`` before backward, e.g. with
      :func:`retain_grads` or ``trace_modules(model, retain_grads=True)``.

    Args:
        outputs: a Tensor, a sequence of Tensors, or a dict ``{name: Tensor}``.
        model: instead of ``outputs``: run ``model(*inputs)`` under :func:`~viz.trace_modules` and draw that
            forward pass grouped by module (inputs that need no grad are fed as fresh leaves so the
            first ops on them are recorded too; the caller's tensors are not modified).
        params: names for parameters: a dict ``{name: Tensor}`` or a Module (``named_parameters()``).
        inputs: names for inputs: a Tensor (``'input'``), a sequence, or a dict ``{name: Tensor}``.  The graph
            keeps no reference to inputs that need no grad, so those are recognised by shape and dtype, which
            the graph knows only while the ops' saved arrays are kept (before backward, or after
            ``backward(retain_graph=True)``); otherwise they show as unnamed constants.
        show_shapes, show_dtypes, show_attrs, show_saved, show_grads: what the labels carry (see above).
        group_modules: a :class:`~viz.ModuleTrace` from ``trace_modules`` (exact), or a Module (only ops that
            read a parameter directly can be placed); each module call becomes a labelled cluster.
        collapse: with grouping, draw each top-level module (``True``) or each module at that depth (an int)
            as one box showing its input and output shapes.
        direction: ``'TB'``, ``'LR'``, ``'BT'`` or ``'RL'``.
        max_nodes: draw at most this many ops (the ones nearest the outputs); earlier ops become one
            "... earlier ops" node.
        legend: add the key of colours and shapes (and the gradient scale with ``show_grads``).

    Raises:
        TypeError: ``outputs`` is not a Tensor (or sequence/dict of them).
        ValueError: an output has no recorded graph (a leaf, or computed under ``no_grad``); a bad option.
    """
    if direction not in _DIRECTIONS:
        raise ValueError(f"draw_graph: direction must be one of {_DIRECTIONS}, got {direction!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"draw_graph: max_nodes must be a positive int, got {max_nodes!r}")
    if model is not None:
        if outputs is not None:
            raise TypeError("draw_graph: pass either outputs or model= (with inputs=), not both")
        outputs, inputs, trace = _run_model(model, inputs)
        params = model if params is None else params
        group_modules = trace if group_modules is None else group_modules
    elif outputs is None:
        raise TypeError("draw_graph: nothing to draw: pass outputs (a Tensor) or model= with inputs=")
    if collapse and group_modules is None:
        raise ValueError("draw_graph: collapse=True needs group_modules (a ModuleTrace or a Module)")
    return _Builder(
        outputs, params, inputs, show_shapes=show_shapes, show_dtypes=show_dtypes, show_attrs=show_attrs,
        show_saved=show_saved, show_grads=show_grads, group=group_modules, collapse=collapse,
        direction=direction, max_nodes=max_nodes, legend=legend,
    ).build()


def save_graph(outputs, path, **kwargs):
    """Draw ``outputs`` (or take a ready ``Digraph``) and write it to ``path``; the suffix picks the format.

    Suffixes: ``.svg``, ``.png``, ``.pdf`` (rendered by graphviz's ``dot`` program), ``.dot``/``.gv`` (DOT
    text).  ``kwargs`` go to :func:`draw_graph` (``outputs=None, model=..., inputs=...`` works too).

    Returns:
        the ``Path`` written.

    Raises:
        ValueError: unknown suffix.
        RuntimeError: ``dot`` is not installed; the DOT text is then written next to ``path`` (``.dot``).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(
            f"save_graph: unknown format suffix {path.suffix!r} in {str(path)!r}; use one of {', '.join(_FORMATS)}")
    dot = outputs if isinstance(outputs, graphviz.Digraph) else draw_graph(outputs, **kwargs)
    fmt = _FORMATS[suffix]
    if fmt is None:
        path.write_text(dot.source)
        return path
    try:
        data = dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound as exc:
        dot_path = path.with_suffix(".dot")
        dot_path.write_text(dot.source)
        raise RuntimeError(
            f"save_graph: graphviz's 'dot' program was not found on PATH, so {str(path)!r} could not be rendered; "
            f"the DOT source was written to {str(dot_path)!r} instead. Install graphviz (Debian/Ubuntu: "
            f"'sudo apt-get install graphviz'; macOS: 'brew install graphviz'; conda: 'conda install graphviz') "
            f"and retry, or render the file with 'dot -T{fmt} {dot_path} -o {path}'.") from exc
    path.write_bytes(data)
    return path


def retain_grads(outputs):
    """Make every tensor of the graph behind ``outputs`` that is still alive keep its ``.grad`` after backward.

    Only tensors the caller still references are alive (the graph holds its intermediate tensors weakly);
    to catch every layer's output use ``trace_modules(model, retain_grads=True)`` around the forward pass.

    Returns:
        the list of tensors (outputs included) whose gradients will be kept.
    """
    outs = [t for _, t in _check_outputs(outputs)]
    kept = {id(t): t for t in outs}
    for node in nodes_of(outs):
        t = node.output
        if t is not None:
            kept[id(t)] = t
    for t in kept.values():
        t.retain_grad()
    return list(kept.values())


def _run_model(model, inputs):
    """Run ``model`` on ``inputs`` under a module trace; returns (output, named inputs, trace)."""
    named = _named_inputs(inputs)
    if not named:
        raise TypeError("draw_graph(model=...): pass inputs=, the tensor(s) to run the model on")
    fed = {}
    for name, value in named.items():
        if isinstance(value, Tensor) and not value.requires_grad and value.is_floating_point():
            value = value.detach().requires_grad_()
        fed[name] = value
    with trace_modules(model) as trace:
        out = model(*fed.values())
    return out, fed, trace


def _named_inputs(inputs):
    if inputs is None:
        return {}
    if isinstance(inputs, Tensor):
        return {"input": inputs}
    if isinstance(inputs, Mapping):
        return dict(inputs)
    if isinstance(inputs, (list, tuple)):
        if len(inputs) == 1:
            return {"input": inputs[0]}
        return {f"input{i}": t for i, t in enumerate(inputs)}
    raise TypeError(
        f"draw_graph: inputs must be a Tensor, a sequence or a dict of Tensors, got {type(inputs).__name__}")


def _named_params(params):
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        return dict(params.named_parameters())
    if isinstance(params, Mapping):
        return dict(params)
    raise TypeError(f"draw_graph: params must be a dict of Tensors or a Module, got {type(params).__name__}")


def _check_outputs(outputs):
    """``[(name or None, Tensor)]``, after checking each output is a Tensor with a recorded graph."""
    if isinstance(outputs, Tensor):
        pairs = [(None, outputs)]
    elif isinstance(outputs, Mapping):
        pairs = list(outputs.items())
    elif isinstance(outputs, (list, tuple)):
        pairs = [(None, t) for t in outputs]
    else:
        raise TypeError(f"draw_graph: outputs must be a Tensor, a sequence or a dict of Tensors, "
                        f"got {type(outputs).__name__}")
    if not pairs:
        raise ValueError("draw_graph: outputs is empty; nothing to draw")
    for i, (_, t) in enumerate(pairs):
        if not isinstance(t, Tensor):
            raise TypeError(f"draw_graph: output {i} is a {type(t).__name__}, not a Tensor")
        if t.grad_fn is None:
            why = "it is a leaf tensor" if t.requires_grad else (
                "it does not require grad (computed under no_grad, or from tensors that do not require grad)")
            raise ValueError(f"draw_graph: output {i} (shape {tuple(t.shape)}) has no recorded graph: {why}. "
                             "Draw a tensor computed from tensors with requires_grad=True while grad mode is on.")
    return pairs


def _norm(grad):
    """The L2 norm of a gradient Tensor (in float64, so large gradients do not overflow)."""
    if grad is None:
        return None
    return float(np.sqrt(np.sum(np.square(np.asarray(grad.data, dtype=np.float64)))))


def _text(s):
    """A user string made safe inside a quoted DOT label (backslashes would be read as escapes)."""
    return str(s).replace("\\", "\\\\")


class _Item:
    """One node of the picture before it is written out."""

    __slots__ = ("key", "kind", "name", "shape", "dtype", "tensor", "cluster", "extra")

    def __init__(self, key, kind, name=None, shape=None, dtype=None, tensor=None, cluster=None):
        self.key, self.kind, self.name, self.shape, self.dtype = key, kind, name, shape, dtype
        self.tensor, self.cluster, self.extra = tensor, cluster, []


class _Builder:
    """Collects items, edges and clusters from the graph view, then writes the Digraph."""

    def __init__(self, outputs, params, inputs, *, group, collapse, max_nodes, **opts):
        self.outs = _check_outputs(outputs)
        self.params = {id(t): n for n, t in _named_params(params).items() if isinstance(t, Tensor)}
        self.inputs = {id(t): (n, t) for n, t in _named_inputs(inputs).items() if isinstance(t, Tensor)}
        self.group, self.collapse, self.max_nodes = group, collapse, max_nodes
        self.opts = opts
        self.items = {}
        self.edges = []
        self.leaf_keys = {}

    # -- collecting ---------------------------------------------------------------------------------------

    def build(self):
        nodes, dropped = self._select(nodes_of([t for _, t in self.outs]))
        index = {n.function: i for i, n in enumerate(nodes)}
        owner = self._owners(nodes)
        edges_in = [n.inputs for n in nodes]
        self._op_items(nodes, owner, edges_in, index)
        self._input_edges(nodes, edges_in, index, dropped)
        if self.opts["show_saved"]:
            self._saved_items(nodes)
        self._place_leaves()
        boxes = self._collapse() if self.collapse else {}
        return self._emit(boxes)

    def _select(self, nodes):
        """All nodes, or the ``max_nodes`` nearest the outputs (the outputs' own ops always kept)."""
        if self.max_nodes is None or len(nodes) <= self.max_nodes:
            return nodes, 0
        must = {t.grad_fn for _, t in self.outs}
        keep = {n.function for n in nodes if n.function in must}
        for n in reversed(nodes):
            if len(keep) >= self.max_nodes:
                break
            keep.add(n.function)
        kept = [n for n in nodes if n.function in keep]
        return kept, len(nodes) - len(kept)

    def _owners(self, nodes):
        group = self.group
        if group is None:
            self.calls = []
            return {}
        if not isinstance(group, ModuleTrace):
            group = group_by_parameters(group, nodes)
        self.calls = group.calls
        return group.owners()

    def _op_items(self, nodes, owner, edges_in, index):
        out_names = {}
        for i, (name, t) in enumerate(self.outs):
            out_names[id(t)] = name or t.name or ("output" if len(self.outs) == 1 else f"output {i}")
        self.op_cluster = []
        for i, node in enumerate(nodes):
            call = owner.get(node.function)
            self.op_cluster.append(call)
            op = self.items[f"op{i}"] = _Item(f"op{i}", "op", node.name, cluster=call)
            op.extra = [node]
            t = node.output
            shape, dtype = node.output_shape, node.output_dtype
            kind, name = "intermediate", None
            if t is not None:
                name = t.name
                if id(t) in self.inputs:
                    kind, name = "input", self.inputs[id(t)][0]
                if id(t) in out_names:
                    kind, name = "output", out_names[id(t)]
            self.items[f"t{i}"] = _Item(f"t{i}", kind, name, shape, dtype, t, call)
            self.edges.append((f"op{i}", f"t{i}", None))

    def _input_edges(self, nodes, edges_in, index, dropped):
        n_const = 0
        for i, edges in enumerate(edges_in):
            op = f"op{i}"
            for e in edges:
                if e.kind == "op":
                    j = index.get(e.source.function)
                    if j is None:
                        if "elided" not in self.items:
                            self.items["elided"] = _Item("elided", "elided", f"... {dropped} earlier ops")
                        self.edges.append(("elided", op, None))
                    else:
                        self.edges.append((f"t{j}", op, None))
                elif e.kind == "leaf":
                    key = self._leaf_key(e.tensor)
                    if key not in self.items:
                        self.items[key] = self._leaf(key, e.tensor)
                    self.items[key].extra.append(i)
                    self.edges.append((key, op, None))
                else:
                    t = e.tensor  # a constant Tensor while it is alive; plain numbers have none
                    if t is not None and (id(t) in self.inputs or t.name):
                        key = self._leaf_key(t)
                        if key not in self.items:
                            name = self.inputs[id(t)][0] if id(t) in self.inputs else t.name
                            self.items[key] = _Item(key, "input", name, t.shape, t.dtype, t)
                    else:
                        key = f"c{n_const}"
                        n_const += 1
                        self.items[key] = _Item(key, "constant", "const", e.shape, e.dtype, None, self.op_cluster[i])
                    self.edges.append((key, op, None))

    def _leaf_key(self, t):
        """A stable node id per leaf tensor (ids by first use, so the DOT text is reproducible)."""
        return self.leaf_keys.setdefault(id(t), f"l{len(self.leaf_keys)}")

    def _leaf(self, key, t):
        if id(t) in self.inputs:
            return _Item(key, "input", self.inputs[id(t)][0], t.shape, t.dtype, t)
        name = self.params.get(id(t), t.name)
        return _Item(key, "parameter", name, t.shape, t.dtype, t)

    def _saved_items(self, nodes):
        for i, node in enumerate(nodes):
            for k, (label, shape, dtype) in enumerate(node.saved):
                key = f"s{i}_{k}"
                self.items[key] = _Item(key, "saved", label, shape, dtype, None, self.op_cluster[i])
                self.edges.append((key, f"op{i}", "saved"))

    def _place_leaves(self):
        """Put each parameter in the innermost cluster that holds all the ops using it."""
        for item in self.items.values():
            if item.kind != "parameter" or not item.extra:
                continue
            chains = []
            for i in item.extra:
                chain, c = [], self.op_cluster[i]
                while c is not None:
                    chain.append(c)
                    c = c.parent
                chains.append(chain[::-1])
            common = None
            for level in zip(*chains):
                if all(c is level[0] for c in level):
                    common = level[0]
                else:
                    break
            item.cluster = common

    # -- collapsing modules into boxes ----------------------------------------------------------------------

    def _collapse(self):
        """Replace each collapsed module's contents by one box; returns {call: box item}."""
        depth = 1 if self.collapse is True else int(self.collapse)

        def name_depth(call):
            return 0 if not call.name else call.name.count(".") + 1

        def box_of(call):
            found = None
            while call is not None:
                if name_depth(call) == depth or (name_depth(call) < depth and not call.children):
                    found = call
                call = call.parent
            return found

        boxes, rep = {}, {}
        for item in list(self.items.values()):
            if item.cluster is None:
                continue
            b = box_of(item.cluster)
            if b is None:
                continue
            if item.kind in ("output", "input"):  # stay visible, beside the box
                item.cluster = b.parent
                continue
            if b not in boxes:  # only modules with something drawn get a box
                boxes[b] = _Item(b.key, "module", b.label, cluster=b.parent)
                boxes[b].extra = [b, 0]
            rep[item.key] = b.key
            if item.kind == "parameter" and item.tensor is not None:
                boxes[b].extra[1] += int(np.prod(item.tensor.shape))
            del self.items[item.key]
        for box in boxes.values():
            self.items[box.key] = box
        mapped, seen = [], set()
        for u, v, how in self.edges:
            u, v = rep.get(u, u), rep.get(v, v)
            if u != v and (u, v) not in seen:
                seen.add((u, v))
                mapped.append((u, v, how))
        self.edges = mapped
        return boxes

    # -- writing ----------------------------------------------------------------------------------------------

    def _emit(self, boxes):
        o = self.opts
        dot = graphviz.Digraph("autograd")
        dot.attr(rankdir=o["direction"], fontname=style.FONT, nodesep="0.25", ranksep="0.3")
        dot.attr("node", fontname=style.FONT, fontsize="10", margin="0.08,0.03", height="0.3")
        dot.attr("edge", color="#555555", arrowsize="0.6")
        scale = None
        norms = {}
        if o["show_grads"]:
            for item in self.items.values():
                if item.tensor is not None and item.kind not in ("op", "module"):
                    norms[item.key] = _norm(item.tensor.grad)
            found = [n for n in norms.values() if n is not None]
            scale = style.grad_scale(found)
            if not found:
                warnings.warn("draw_graph(show_grads=True): no tensor in the graph has a gradient; "
                              "call backward() first", stacklevel=3)
        by_cluster = {}
        for item in self.items.values():
            by_cluster.setdefault(item.cluster, []).append(item)
        children = {}
        for call in self.calls:
            children.setdefault(call.parent, []).append(call)

        def live(call):
            return call in by_cluster or any(live(c) for c in children.get(call, ()))

        def write(graph, call):
            for item in by_cluster.get(call, ()):
                graph.node(item.key, self._label(item, norms), **self._attrs(item, norms, scale))
            for child in children.get(call, ()):
                if child in boxes or not live(child):
                    continue
                with graph.subgraph(name=f"cluster_{child.key}") as sub:
                    sub.attr(label=_text(child.label), **style.CLUSTER)
                    write(sub, child)

        write(dot, None)
        for u, v, how in self.edges:
            if how == "saved":
                dot.edge(u, v, style="dashed", color="#b59a1f", arrowhead="none")
            else:
                dot.edge(u, v)
        if o["legend"]:
            kinds = [k for k in style.DESCRIPTIONS if any(i.kind == k for i in self.items.values())]
            style.legend(dot, kinds, scale, o["direction"])
        return dot

    def _label(self, item, norms):
        o = self.opts
        if item.kind == "op":
            lines = [item.name]
            node = item.extra[0]
            if o["show_attrs"]:
                lines += [f"{k}={_short(v)}" for k, v in node.attrs.items()]
            if o["show_saved"] and node.released:
                lines.append("(saved freed)")
            return "\\n".join(_text(s) for s in lines)
        if item.kind == "module":
            call, n_params = item.extra
            lines = [item.name]
            if call.inputs or call.outputs:
                ins = ", ".join(style.fmt_shape(t.shape) for t in call.inputs) or "()"
                outs = ", ".join(style.fmt_shape(t.shape) for t in call.outputs)
                lines.append(f"{ins} -> {outs}")
            if n_params:
                lines.append(f"{n_params:,} params")
            return "\\n".join(_text(s) for s in lines)
        if item.kind == "elided":
            return _text(item.name)
        lines = [item.name] if item.name else []
        if o["show_shapes"] and (item.shape is not None or not lines):
            lines.append(style.fmt_shape(item.shape))
        if o["show_dtypes"] and item.dtype is not None:
            lines.append(str(np.dtype(item.dtype)))
        if o["show_grads"] and (norms.get(item.key) is not None or item.kind == "parameter"):
            lines.append("|grad| " + style.fmt_norm(norms.get(item.key)))
        return "\\n".join(_text(s) for s in lines) if lines else " "

    def _attrs(self, item, norms, scale):
        attrs = dict(style.KINDS[item.kind])
        if scale is not None and item.kind not in ("op", "module", "saved", "elided"):
            fill, font = style.grad_colour(norms.get(item.key), scale)
            attrs.update(fillcolor=fill, fontcolor=font, penwidth="2.5")
        return attrs


def _short(value):
    """An attribute value as short text (long arrays or tuples are cut)."""
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."

