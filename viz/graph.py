"""Draw the graph a forward pass recorded, with graphviz (the ``dot`` program is needed only to render).

The public entry points: :func:`draw_graph` checks its arguments, :func:`viz.scene.build_scene` decides what is
drawn and :func:`viz.dot.write_dot` writes it; :func:`save_graph` renders to a file.
"""
import warnings
from collections.abc import Mapping
from pathlib import Path

from autograd import Tensor
from autograd.graph import nodes_of

from .dot import grad_norms, graphviz_module, write_dot
from .modules import trace_modules
from .scene import build_scene

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
      for small through pale yellow to red for large, and the norm is printed; white means no gradient was
      kept.  Leaves keep ``.grad``; an intermediate tensor needs ``retain_grad()`` before backward, e.g. with
      :func:`retain_grads` or ``trace_modules(model, retain_grads=True)``.  A collapsed module is filled by
      the norm of its parameters' gradients taken together.

    Args:
        outputs: a Tensor, a sequence of Tensors, or a dict ``{name: Tensor}``.
        model: instead of ``outputs``: run ``model(*inputs)`` under :func:`~viz.trace_modules` and draw that
            forward pass grouped by module (inputs that need no grad are fed as fresh leaves so the
            first ops on them are recorded too; the caller's tensors are not modified).
        params: names for parameters: a dict ``{name: Tensor}`` or a Module (``named_parameters()``).
        inputs: names for inputs: a Tensor (``'input'``), a sequence, or a dict ``{name: Tensor}``.  A tensor
            that needs no grad and shares an input's memory (``x.flatten(1)``) is drawn as that input (``x (view)``
            when its shape differs); one named by ``t.name`` is drawn as an input too, any other as a constant.
        show_shapes, show_dtypes, show_attrs, show_saved, show_grads: what the labels carry (see above).
        group_modules: a :class:`~viz.ModuleTrace` from ``trace_modules`` (exact), or a Module (only ops that
            read a parameter directly can be placed); each module call becomes a labelled cluster.
        collapse: with grouping, draw each top-level module (``True``) or each module at that depth (an int
            >= 1, counted in dotted name parts: ``'block.conv'`` is at depth 2) as one box showing its input
            and output shapes and its parameter count.
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
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"draw_graph: max_nodes must be a positive int (or None for all ops), got {max_nodes!r}")
    if not isinstance(collapse, int) or collapse < 0:
        raise ValueError(f"draw_graph: collapse must be True, False or a module depth >= 1, got {collapse!r}")
    if model is not None:
        if outputs is not None:
            raise TypeError("draw_graph: pass either outputs or model= (with inputs=), not both")
        outputs, inputs, trace = _run_model(model, inputs)
        params = model if params is None else params
        group_modules = trace if group_modules is None else group_modules
    elif outputs is None:
        raise TypeError("draw_graph: nothing to draw: pass outputs (a Tensor) or model= with inputs=")
    if collapse and group_modules is None:
        raise ValueError("draw_graph: collapse needs module grouping: pass group_modules= (the ModuleTrace of "
                         "viz.trace_modules(model), or the Module), or model= with inputs=")
    outs = _check_outputs(outputs)
    params = {n: t for n, t in _named_params(params).items() if isinstance(t, Tensor)}
    inputs = {n: t for n, t in _named_inputs(inputs).items() if isinstance(t, Tensor)}
    scene = build_scene(outs, params, inputs, group=group_modules, collapse=collapse, max_nodes=max_nodes,
                        show_saved=show_saved)
    norms = None
    if show_grads:
        norms = grad_norms(scene)
        if all(n is None for n in norms.values()):
            warnings.warn("draw_graph(show_grads=True): no tensor drawn has a gradient; call backward() first "
                          "(an intermediate tensor also needs retain_grad(), e.g. viz.retain_grads(outputs), "
                          "before backward)", stacklevel=2)
    return write_dot(scene, show_shapes=show_shapes, show_dtypes=show_dtypes, show_attrs=show_attrs,
                     show_saved=show_saved, norms=norms, direction=direction, legend=legend)


def save_graph(outputs, path, **kwargs):
    """Draw ``outputs`` (or take a ready ``Digraph``) and write it to ``path``; the suffix picks the format.

    Suffixes: ``.svg``, ``.png``, ``.pdf`` (rendered by graphviz's ``dot`` program), ``.dot``/``.gv`` (DOT
    text).  ``kwargs`` go to :func:`draw_graph` (``outputs=None, model=..., inputs=...`` works too).

    Returns:
        the ``Path`` written.

    Raises:
        ValueError: unknown suffix.
        RuntimeError: ``dot`` is not installed; the DOT text is then written next to ``path`` (``.dot``).
        ImportError: the graphviz package is not installed.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(
            f"save_graph: unknown format suffix {path.suffix!r} in {str(path)!r}; use one of {', '.join(_FORMATS)}")
    graphviz = graphviz_module()
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
        raise ValueError("draw_graph: outputs is empty; pass at least one Tensor to draw")
    for i, (_, t) in enumerate(pairs):
        if not isinstance(t, Tensor):
            raise TypeError(f"draw_graph: output {i} is a {type(t).__name__}, not a Tensor; pass only Tensors")
        if t.grad_fn is None:
            why = "it is a leaf tensor" if t.requires_grad else (
                "it does not require grad (computed under no_grad, or from tensors that do not require grad)")
            raise ValueError(f"draw_graph: output {i} (shape {tuple(t.shape)}) has no recorded graph: {why}. "
                             "Draw a tensor computed from tensors with requires_grad=True while grad mode is on.")
    return pairs
