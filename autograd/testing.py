"""Hypothesis strategies and helpers for property-testing code built on autograd.

Typical use, one line per op::

    from autograd.testing import op_test, positive
    test_log = op_test(autograd.log, np.log, elements=positive())
    test_mul = op_test(autograd.mul, np.multiply, arity=2)

Each generated test draws broadcast-compatible shapes and well-conditioned values, checks the forward
result against the numpy reference, then runs :func:`autograd.gradcheck` (and :func:`autograd.gradgradcheck`
when ``second_order``).  Needs the ``hypothesis`` package (the ``test`` extra).
"""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .gradcheck import gradcheck, gradgradcheck
from .tensor import Tensor

__all__ = [
    "smooth_floats", "positive", "away_from_zero", "unit_interval", "shapes", "broadcastable_shapes",
    "arrays", "tensors", "op_test", "check_on_namespace",
]


def smooth_floats(min_value=-3.0, max_value=3.0, avoid=(), margin=0.05, resolution=1e-3):
    """Floats on a grid of ``resolution`` in ``[min_value, max_value]``, at least ``margin`` from each point in ``avoid``.

    The grid keeps equal values exact (so ties are real ties, not near-ties) and keeps values away from
    kinks such as 0 for ``relu``/``abs``, where finite differences are meaningless.
    """
    lo, hi = int(np.ceil(min_value / resolution)), int(np.floor(max_value / resolution))
    values = st.integers(lo, hi).map(lambda i: i * resolution)
    if avoid:
        values = values.filter(lambda v: all(abs(v - a) >= margin for a in avoid))
    return values


def positive(min_value=0.1, max_value=3.0):
    """Well-conditioned positive floats (domains of log, sqrt, division)."""
    return smooth_floats(min_value, max_value)


def away_from_zero(limit=3.0, margin=0.1):
    """Floats in ``[-limit, limit]`` at least ``margin`` from 0 (kinks of relu/abs, poles of 1/x)."""
    return smooth_floats(-limit, limit, avoid=(0.0,), margin=margin)


def unit_interval(margin=0.05):
    """Floats in ``(margin, 1 - margin)``."""
    return smooth_floats(margin, 1 - margin)


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Array shapes (tuples of ints)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """A tuple of ``num_shapes`` shapes that broadcast together (sizes of 1 and missing leading dims included)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda bs: bs.input_shapes)


def arrays(shape, dtype=np.float64, elements=None, unique=False):
    """numpy arrays of ``shape`` (a shape or a strategy of shapes) with well-conditioned elements by default."""
    return hnp.arrays(dtype=dtype, shape=shape, elements=elements if elements is not None else smooth_floats(), unique=unique)


@st.composite
def tensors(draw, shape=None, dtype=np.float64, elements=None, requires_grad=False, unique=False):
    """Tensors of ``shape`` (default: any small shape) and ``dtype``, optionally requiring grad."""
    shape = draw(shapes()) if shape is None else (draw(shape) if isinstance(shape, st.SearchStrategy) else shape)
    t = Tensor._make(draw(arrays(shape, dtype, elements, unique)))
    if requires_grad:
        t.requires_grad_(True)
    return t


def op_test(op, reference, arity=1, elements=None, shapes=None, kwargs=None, second_order=True,
            rtol=1e-4, atol=1e-6, max_examples=None, unique=False):
    """Build a pytest test that property-checks ``op`` against the numpy ``reference``.

    Args:
        op: takes ``arity`` Tensors (and ``**kwargs``) and returns a Tensor.
        reference: the same computation on numpy arrays.
        elements: a strategy of element values (one, or a list per argument); default :func:`smooth_floats`.
        shapes: a strategy of tuples of input shapes; default broadcast-compatible shapes.
        kwargs: a dict, or a function ``shapes -> strategy of dicts`` for shape-dependent arguments (dims).
        second_order: also run :func:`gradgradcheck`.
        unique: draw distinct element values (for ops with ties, such as max).
    Returns:
        A zero-argument test function for pytest.
    """
    shapes = shapes if shapes is not None else broadcastable_shapes(arity)
    per_arg = elements if isinstance(elements, (list, tuple)) else [elements] * arity

    @st.composite
    def case(draw):
        shp = draw(shapes)
        arrs = [draw(arrays(s, np.float64, e, unique)) for s, e in zip(shp, per_arg)]
        kw = kwargs(shp) if callable(kwargs) else st.just(dict(kwargs or {}))
        return arrs, draw(kw)

    @given(case())
    def test(data):
        arrs, kw = data
        xs = [Tensor._make(a.copy()).requires_grad_() for a in arrs]
        out = op(*xs, **kw)
        expected = reference(*arrs, **kw)
        np.testing.assert_allclose(out._data, expected, rtol=1e-6, atol=1e-9, err_msg=f"{getattr(op, '__name__', op)} forward")
        assert out._data.shape == np.shape(expected), f"shape {out._data.shape} != reference {np.shape(expected)}"
        fn = lambda *a: op(*a, **kw)  # noqa: E731
        gradcheck(fn, xs, atol=atol, rtol=rtol)
        if second_order:
            gradgradcheck(fn, xs, atol=atol, rtol=rtol)

    if max_examples is not None:
        test = settings(max_examples=max_examples)(test)
    test.__name__ = f"test_{getattr(op, '__name__', 'op')}"
    return test


def check_on_namespace(fn, arrays, target, rtol=1e-12, atol=1e-12):
    """Run ``fn`` (Tensors -> Tensor) forward and backward on numpy and on ``target`` (a namespace module such as
    ``array_api_strict``, a wrapped namespace on a device, or a device), and assert that both agree.

    ``arrays`` are float64 numpy inputs; the backward pass seeds the output with a fixed ramp so every output
    element's gradient is checked. Asserts also that the result stayed in ``target``'s library.
    """
    from .creation import asarray
    from .transfer import is_at

    def run(move):
        xs = [move(asarray(np.array(a, dtype=np.float64))).detach().requires_grad_() for a in arrays]
        out = fn(*xs)
        seed = move(asarray(np.linspace(-1.0, 1.0, max(out.numel(), 1)).reshape(out.shape)))
        (out * seed).sum().backward()
        return out, [x.grad for x in xs]

    def host(t):
        return t.detach().to(np).numpy()

    expected, expected_grads = run(lambda t: t)
    out, grads = run(lambda t: t.to(target))
    assert is_at(out._data, _target_of(target)), f"the result left {target}: {type(out._data).__name__}"
    np.testing.assert_allclose(host(out), host(expected), rtol=rtol, atol=atol, err_msg="forward")
    for i, (g, e) in enumerate(zip(grads, expected_grads)):
        assert (g is None) == (e is None), f"input {i}: gradient presence differs"
        if g is not None:
            assert is_at(g._data, _target_of(target)), f"the gradient of input {i} left {target}"
            np.testing.assert_allclose(host(g), host(e), rtol=rtol, atol=atol, err_msg=f"gradient of input {i}")


def _target_of(target):
    from .devices import device
    from .transfer import as_namespace, is_namespace

    return as_namespace(target) if is_namespace(target) else device(target)
