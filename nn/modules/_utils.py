"""Small argument helpers shared by the layers."""
import numbers

__all__ = ["_pair", "_check_device", "_shape_str"]


def _pair(value, name="argument"):
    """``3 -> (3, 3)``; a pair stays a tuple of two ints. Raises ValueError otherwise."""
    if isinstance(value, numbers.Integral):
        return (int(value), int(value))
    value = tuple(value)
    if len(value) != 2 or not all(isinstance(v, numbers.Integral) for v in value):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return tuple(int(v) for v in value)


def _check_device(device):
    """Only the CPU exists (numpy); any other device is an error rather than silently ignored."""
    if device is not None and str(device) != "cpu":
        raise RuntimeError(f"scratchgrad runs on the CPU (numpy); device {device!r} is not available")


def _shape_str(input):
    return str(tuple(input.shape))
