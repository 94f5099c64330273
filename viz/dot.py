"""Write a :class:`~viz.scene.Scene` as a ``graphviz.Digraph``: node labels, colours, clusters and the legend.

How each kind of node looks is decided in :mod:`viz.style`; this module only puts the text together and
nests the module clusters.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import style

__all__ = ["write_dot", "grad_norms", "graphviz_module"]


def graphviz_module():
    """The ``graphviz`` package, imported when a graph is first drawn (a minimal install has no graphviz).

    Raises:
        ImportError: it is not installed (the message says how to install it).
    """
    try:
        import graphviz
    except ImportError:
        raise ImportError("drawing graphs needs the graphviz package: pip install graphviz (and graphviz's dot "
                          "program to render .svg/.png/.pdf)", name="graphviz") from None
    return graphviz


def grad_norms(scene):
    """``{item key: L2 norm of its gradient, or None}`` for the items that can have one.

    A tensor's norm is that of its ``.grad``; a collapsed module's is that of all its parameters' gradients
    taken together (None when none has one).  Module boxes without parameters have no entry.
    """
    norms = {}
    for item in scene.items.values():
        if item.kind == "module":
            if item.params:
                found = [n for n in (_norm(p.grad) for p in item.params) if n is not None]
                norms[item.key] = float(np.sqrt(sum(n * n for n in found))) if found else None
        elif item.tensor is not None:
            norms[item.key] = _norm(item.tensor.grad)
    return norms


def write_dot(scene, *, show_shapes=True, show_dtypes=False, show_attrs=False, show_saved=False, norms=None,
              direction="TB", legend=False):
    """The Digraph of ``scene``; ``norms`` (from :func:`grad_norms`) turns on the gradient colouring."""
    labels = _Labels(show_shapes, show_dtypes, show_attrs, show_saved, norms)
    scale = None if norms is None else style.grad_scale([n for n in norms.values() if n is not None])
    dot = graphviz_module().Digraph("autograd")
    dot.attr(rankdir=direction, fontname=style.FONT, nodesep="0.25", ranksep="0.3")
    dot.attr("node", fontname=style.FONT, fontsize="10", margin="0.08,0.03", height="0.3")
    dot.attr("edge", color="#555555", arrowsize="0.6")

    by_cluster: dict[Any, list[Any]] = {}
    for item in scene.items.values():
        by_cluster.setdefault(item.cluster, []).append(item)
    children: dict[Any, list[Any]] = {}
    for call in scene.calls:
        children.setdefault(call.parent, []).append(call)
    live = {}  # call -> whether its cluster holds anything, memoised so deep nestings stay linear

    def is_live(call):
        if call not in live:
            live[call] = call in by_cluster or any(is_live(c) for c in children.get(call, ()))
        return live[call]

    def write(graph, call):
        for item in by_cluster.get(call, ()):
            graph.node(item.key, labels(item), **_attrs(item, norms, scale))
        for child in children.get(call, ()):
            if child in scene.boxes or not is_live(child):
                continue
            with graph.subgraph(name=f"cluster_{child.key}") as sub:
                sub.attr(label=_text(child.label), **style.CLUSTER)
                write(sub, child)

    write(dot, None)
    for u, v, how in scene.edges:
        if how == "saved":
            dot.edge(u, v, style="dashed", color=style.KINDS["saved"]["color"], arrowhead="none")
        else:
            dot.edge(u, v)
    if legend:
        kinds = {i.kind for i in scene.items.values()}
        style.legend(dot, [k for k in style.DESCRIPTIONS if k in kinds], scale, direction)
    return dot


class _Labels:
    """Label text of each item, by the options it was made with (a callable: ``labels(item)``)."""

    def __init__(self, show_shapes, show_dtypes, show_attrs, show_saved, norms):
        self.show_shapes, self.show_dtypes = show_shapes, show_dtypes
        self.show_attrs, self.show_saved, self.norms = show_attrs, show_saved, norms

    def __call__(self, item):
        if item.kind == "op":
            lines = [item.name]
            if self.show_attrs:
                lines += [f"{k}={_short(v)}" for k, v in item.node.attrs.items()]
            if self.show_saved and item.node.released:
                lines.append("(saved freed)")
        elif item.kind == "module":
            lines = [item.name] + _module_lines(item.call)
            if item.params:
                lines.append(f"{sum(int(np.prod(p.shape)) for p in item.params):,} params")
                lines += self._grad_line(item)
        elif item.kind == "elided":
            lines = [item.name]
        else:
            lines = [item.name] if item.name else []
            if self.show_shapes and item.shape is not None:
                lines.append(style.fmt_shape(item.shape))
            if self.show_dtypes and item.dtype is not None:
                lines.append(str(np.dtype(item.dtype)))
            lines += self._grad_line(item)
        return "\\n".join(_text(s) for s in lines) if lines else " "

    def _grad_line(self, item):
        """``['|grad| 3.2e-04']`` when gradients are shown and the item has (or, as a parameter, should have) one."""
        if self.norms is None:
            return []
        norm = self.norms.get(item.key)
        if norm is None and item.kind not in ("parameter", "module"):
            return []
        return ["|grad| " + style.fmt_norm(norm)]


def _module_lines(call):
    """``['(N, 4) -> (N, 8)']``: the shapes a collapsed module took and returned (none when it saw no tensor)."""
    if not (call.inputs or call.outputs):
        return []
    ins = ", ".join(style.fmt_shape(t.shape) for t in call.inputs) or "()"
    outs = ", ".join(style.fmt_shape(t.shape) for t in call.outputs)
    return [f"{ins} -> {outs}"]


def _attrs(item, norms, scale):
    attrs = style.KINDS[item.kind]
    if norms is None or not (item.kind in style.TENSOR_KINDS or (item.kind == "module" and item.params)):
        return attrs
    fill, font = style.grad_colour(norms.get(item.key), scale)
    return dict(attrs, fillcolor=fill, fontcolor=font, penwidth="2.5")


def _norm(grad):
    """The L2 norm of a gradient Tensor (in float64, so large gradients do not overflow), or None."""
    if grad is None:
        return None
    return float(np.sqrt(np.sum(np.square(np.asarray(grad.numpy(), dtype=np.float64)))))


def _text(s):
    """A user string made safe inside a quoted DOT label (backslashes would be read as escapes)."""
    return str(s).replace("\\", "\\\\")


def _short(value):
    """An attribute value as short text (long arrays or tuples are cut)."""
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."
