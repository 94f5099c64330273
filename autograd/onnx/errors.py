"""The exporter's errors, named as ``torch.onnx.errors``'s."""

__all__ = ["OnnxExporterError", "UnsupportedOperatorError"]


class OnnxExporterError(RuntimeError):
    """The model cannot be exported to ONNX (the message says why and where), as ``torch.onnx.errors``."""


class UnsupportedOperatorError(OnnxExporterError):
    """An op the model applies has no ONNX form here; the message names it and where it was applied."""
