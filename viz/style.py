"""Colours, shapes and label text of graph pictures, and the legend that explains them.

One place decides how each kind of node looks, so the docstring of :func:`viz.draw_graph`, the legend and
the tests all agree:

=============  ===============================  =========================
kind           shape                            fill
=============  ===============================  =========================
op             rounded box                      grey ``#d9d9d9``
parameter      ellipse                          light green ``#b7e4b0``
input          ellipse                          light blue ``#aed4f5``
output         ellipse (bold border)            orange ``#fbc08a``
constant       ellipse, dashed border           white
intermediate   ellipse                          light grey ``#f2f2f2``
saved          note                             light yellow ``#fff3b0``
module         box3d (``collapse=True``)        lavender ``#e4d7f5``
=============  ===============================  =========================

With ``show_grads`` tensors are filled by ``log10`` of their gradient norm instead (blue = small, through
pale yellow, to red = large; white = no gradient recorded) and keep their kind's colour as a thick border;
a collapsed module that holds parameters is filled by the norm of their gradients taken together.
"""
import math

__all__ = ["KINDS", "DESCRIPTIONS", "TENSOR_KINDS", "CLUSTER", "FONT", "grad_colour", "grad_scale",
           "fmt_shape", "fmt_norm", "legend"]

FONT = "Helvetica"

# kind -> graphviz node attributes (strings, as graphviz wants them)
KINDS = {
    "op": {"shape": "box", "style": "rounded,filled", "fillcolor": "#d9d9d9", "color": "#666666"},
    "parameter": {"shape": "ellipse", "style": "filled", "fillcolor": "#b7e4b0", "color": "#3f8f3a"},
    "input": {"shape": "ellipse", "style": "filled", "fillcolor": "#aed4f5", "color": "#2f6fad"},
    "output": {"shape": "ellipse", "style": "filled", "fillcolor": "#fbc08a", "color": "#c0671b", "penwidth": "2"},
    "constant": {"shape": "ellipse", "style": "dashed,filled", "fillcolor": "#ffffff", "color": "#888888"},
    "intermediate": {"shape": "ellipse", "style": "filled", "fillcolor": "#f2f2f2", "color": "#aaaaaa"},
    "saved": {"shape": "note", "style": "filled", "fillcolor": "#fff3b0", "color": "#b59a1f"},
    "module": {"shape": "box3d", "style": "filled", "fillcolor": "#e4d7f5", "color": "#7b61a8"},
    "elided": {"shape": "plaintext", "style": "", "fillcolor": "#ffffff", "color": "#888888"},
}

# kind -> its text in the legend, in legend order ("elided", the "... earlier ops" marker, explains itself)
DESCRIPTIONS = {
    "op": "op (forward operation)",
    "parameter": "parameter / leaf with requires_grad",
    "input": "input",
    "output": "output",
    "constant": "constant (no grad)",
    "intermediate": "intermediate tensor",
    "saved": "saved for backward",
    "module": "module (collapsed)",
}

# the kinds that stand for a tensor: with show_grads their fill shows the gradient, their border the kind
TENSOR_KINDS = ("parameter", "input", "output", "constant", "intermediate")

# graphviz attributes of a module's cluster; the label sits top left, where fewer edges cross it than at the
# centre of the top (where an edge from the module before usually enters)
CLUSTER = {"style": "rounded,dashed", "labeljust": "l", "color": "#7b61a8", "fontcolor": "#4b3a6e",
           "fontname": FONT + " Bold"}

# The gradient colormap as (position, rgb): blue (small norm) through pale yellow to red (large norm).  The
# middle is not grey or white, so a mid-scale gradient never looks like "no gradient recorded" (white).
_STOPS = [
    (0.0, (49, 84, 190)),
    (0.25, (125, 170, 232)),
    (0.5, (246, 228, 150)),
    (0.75, (244, 150, 90)),
    (1.0, (190, 30, 45)),
]


def _lerp_colour(u):
    """The colormap at ``u`` in [0, 1], as ``#rrggbb``."""
    u = min(max(u, 0.0), 1.0)
    for (u0, c0), (u1, c1) in zip(_STOPS, _STOPS[1:]):
        if u <= u1:
            w = 0.0 if u1 == u0 else (u - u0) / (u1 - u0)
            return "#%02x%02x%02x" % tuple(round(a + (b - a) * w) for a, b in zip(c0, c1))
    return "#%02x%02x%02x" % _STOPS[-1][1]


def _dark(hex_colour):
    """True when black text would be hard to read on this fill."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b < 120


def grad_scale(norms):
    """The decade range ``(lo, hi)`` (integers, ``lo < hi``) that covers the positive ``norms``."""
    logs = [math.log10(n) for n in norms if n > 0 and math.isfinite(n)]
    if not logs:
        return -1, 0
    lo, hi = math.floor(min(logs)), math.ceil(max(logs))
    return (lo, hi) if hi > lo else (lo, lo + 1)


def grad_colour(norm, scale):
    """``(fillcolor, fontcolor)`` for a gradient of this norm on the decade range ``scale``."""
    lo, hi = scale
    if norm is None:
        return "#ffffff", "#000000"
    if not math.isfinite(norm):
        u = 1.0
    else:
        u = 0.0 if norm <= 0 else (math.log10(norm) - lo) / (hi - lo)
    fill = _lerp_colour(u)
    return fill, ("#ffffff" if _dark(fill) else "#000000")


def fmt_shape(shape):
    """``(2, 3)`` for a shape tuple, ``()`` for a scalar, ``?`` when unknown."""
    if shape is None:
        return "?"
    return "(" + ", ".join(str(int(s)) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def fmt_norm(norm):
    """Short text for a gradient norm, e.g. ``3.2e-04``."""
    if norm is None:
        return "no grad"
    if norm == 0:
        return "0"
    return f"{norm:.1e}"


def legend(dot, kinds, scale=None, direction="TB"):
    """Add a legend cluster to ``dot``: one sample node per kind in ``kinds``, and the gradient scale if given.

    The samples stack in one column beside the graph whatever the ``direction``: joined by invisible edges
    when ranks run top to bottom, left unjoined (so on one rank, which is a column) when they run sideways.
    """
    keys = [f"legend_{kind}" for kind in kinds] + (["legend_grads"] if scale is not None else [])
    with dot.subgraph(name="cluster_legend") as c:
        c.attr(label="legend", style="rounded", color="#bbbbbb", fontcolor="#555555", fontname=FONT)
        for kind in kinds:
            attrs, text = dict(KINDS[kind]), DESCRIPTIONS[kind]
            if scale is not None and kind in TENSOR_KINDS:  # as drawn with show_grads: the kind is the border
                attrs.update(fillcolor="#ffffff", penwidth="2.5")
                text = "border: " + text
            elif scale is not None and kind == "module":
                text += "; with parameters: filled by their |grad|"
            c.node(f"legend_{kind}", text, **attrs)
        if scale is not None:
            c.node("legend_grads", _scale_label(scale), shape="plaintext", style="", fontname=FONT)
        if direction in ("TB", "BT"):
            for a, b in zip(keys, keys[1:]):
                c.edge(a, b, style="invis")


def _scale_label(scale):
    """An HTML table: one coloured cell per decade of the gradient-norm scale."""
    lo, hi = scale
    # about 5 to 10 cells: half decades on a short scale, so its middle colour is shown too
    step = 0.5 if hi - lo < 4 else max(1, math.ceil((hi - lo) / 10))
    cells = []
    for k in range(round((hi - lo) / step) + 1):
        e = lo + k * step
        fill, font = grad_colour(10.0 ** e, scale)
        cells.append(f'<TD BGCOLOR="{fill}"><FONT COLOR="{font}" POINT-SIZE="10">{10.0 ** e:.0e}</FONT></TD>')
    return (
        '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
        f'<TR><TD COLSPAN="{len(cells)}">gradient norm |grad| (log scale)</TD></TR>'
        f'<TR>{"".join(cells)}</TR>'
        f'<TR><TD COLSPAN="{len(cells)}" BGCOLOR="#ffffff">white: no gradient recorded</TD></TR></TABLE>>'
    )
