"""ONNX export, as ``torch.onnx.export``: a traced forward pass written with the ``onnx`` library.

    import autograd as ag, nn
    model = nn.models.SimpleConvNet()
    ag.onnx.export(model, ag.randn(1, 1, 28, 28), "model.onnx", input_names=["image"],
                   output_names=["logits"], dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})

The model runs in eval mode (dropout is the identity, batch norm uses its running statistics), traced by
:mod:`autograd.tracing` whatever the grad mode; its parameters become initializers named as in its
``state_dict``. ``onnx`` is imported only when :func:`export` runs (``pip install onnx``; ``onnxruntime`` runs
the file). How: :mod:`autograd.onnx.runs` (the traced runs), :mod:`autograd.onnx.exporter` (the graph) and
:data:`autograd.onnx.ops.TABLE` (the ops).
"""
import os

from .errors import OnnxExporterError, UnsupportedOperatorError

__all__ = ["export", "OnnxExporterError", "UnsupportedOperatorError", "MIN_OPSET"]

#: The oldest opset written (ops take their axes as inputs from 13 on, Softmax works along one axis).
MIN_OPSET = 13


def export(model, args, f, input_names=None, output_names=None, dynamic_axes=None, opset_version=17):
    """Export ``model`` applied to ``args`` as an ONNX file ``f``, as ``torch.onnx.export``.

    Args:
        model: a Module (or any callable) taking ``args``; it is put in eval mode for the export and its
            training flags are restored afterwards.
        args: a Tensor, or a tuple of arguments (Tensors become graph inputs; the last item may be a dict of
            keyword arguments).
        f: a file path, or a binary file object to write to.
        input_names, output_names: names of the graph's inputs and outputs, in order (default ``input``,
            ``input_0``, ... and ``output``, ...). Outputs are the Tensors the model returns (tuples and lists
            are flattened).
        dynamic_axes: ``{name: [axes]}`` or ``{name: {axis: "symbol"}}`` for inputs and outputs whose dims vary
            (a list names its axes ``<name>_dynamic_axes_<i>``); an input axis named alike in several inputs is
            one symbol.
        opset_version: the ONNX opset, from :data:`MIN_OPSET` to the newest the installed ``onnx`` knows.
    Returns:
        The ``onnx.ModelProto`` written.
    Raises:
        ImportError: the ``onnx`` package is missing.
        UnsupportedOperatorError: an op has no ONNX form (the message names it and the line that applied it).
        OnnxExporterError: the model cannot be traced faithfully: it applies other ops for other sizes along a
            dynamic axis or other input values, or computes a tensor from the input outside autograd's ops.
        ValueError / TypeError: bad names, axes or arguments.
    """
    try:
        import onnx
    except ImportError as exc:
        raise ImportError("autograd.onnx.export needs the onnx package: pip install onnx (onnxruntime runs the "
                          "exported file), or install scratchgrad's 'onnx' extra") from exc
    from .ops import TABLE
    from .runs import export_model

    newest = onnx.defs.onnx_opset_version()
    if not isinstance(opset_version, int) or isinstance(opset_version, bool):
        raise TypeError(f"export: opset_version must be an int, got {type(opset_version).__name__}")
    if not MIN_OPSET <= opset_version <= newest:
        raise ValueError(f"export: opset_version {opset_version} is not supported; use {MIN_OPSET} to {newest}")
    model_proto = export_model(onnx, TABLE, model, args, input_names, output_names, dynamic_axes, opset_version)
    if isinstance(f, (str, os.PathLike)):
        onnx.save_model(model_proto, os.fspath(f))
    elif hasattr(f, "write"):
        f.write(model_proto.SerializeToString())
    else:
        raise TypeError(f"export: f must be a file path or a binary file object, got {type(f).__name__}")
    return model_proto
