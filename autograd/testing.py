"""Hypothesis strategies and helpers for property-testing code built on autograd.

Typical use, one line per op::

    from autograd.testing import op_test, positive
    test_log = op_test(autograd.log, np.log, elements=positive())
    test_mul = op_test(autograd.mul, np.multiply, arity=2)

Each generated test draws broadcast-compatible shapes and well-conditioned values, checks the forward
result against the numpy reference, then runs :func:`autograd.gradcheck` (and :func:`autograd.gradgradcheck`
when ``second_order``), on numpy and on the other :data:`BACKENDS` (``array_api_strict``, CuPy) where they can
run.  Needs the ``hypothesis`` and ``pytest`` packages (the ``test`` extra).
"""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .gradcheck import gradcheck, gradgradcheck
from .tensor import Tensor

__all__ = [
    "smooth_floats", "positive", "away_from_zero", "unit_interval", "shapes", "broadcastable_shapes",
    "arrays", "tensors", "op_test", "BACKENDS", "backend", "backend_params", "check_on_namespace",
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


#: The array libraries :func:`op_test` runs an op on: numpy; ``array_api_strict`` on its ``device1``, whose arrays
#: numpy cannot read (so a numpy call leaking into an op fails loudly); CuPy on the first GPU.
BACKENDS = ("numpy", "array_api_strict", "cupy")


def backend(name):
    """Where the backend ``name`` (one of :data:`BACKENDS`) keeps arrays: a target for ``Tensor.to``.

    Raises:
        LookupError: the backend cannot run here; the message says why (a missing library, no GPU).
        ValueError: ``name`` is no backend.
    """
    if name == "numpy":
        return np
    if name == "array_api_strict":
        try:
            import array_api_strict as xps
        except ImportError:
            raise LookupError("array_api_strict is not installed (pip install 'scratchgrad[devices]')") from None
        from .backend import wrap_namespace

        return wrap_namespace(xps, xps.Device("device1"))
    if name == "cupy":
        import importlib.util

        from .devices import cuda, device

        if importlib.util.find_spec("cupy") is None:
            raise LookupError("CuPy is not installed (pip install 'scratchgrad[cuda]')")
        if not cuda.is_available():
            raise LookupError("CuPy is installed but no CUDA GPU is visible")
        return device("cuda", 0)
    raise ValueError(f"backend: expected one of {BACKENDS}, got {name!r}")


def backend_params(names=BACKENDS):
    """``pytest.param`` for each backend in ``names``, marked skip (with the reason) where it cannot run."""
    import pytest

    params = []
    for name in names:
        try:
            backend(name)
        except LookupError as e:
            params.append(pytest.param(name, id=name, marks=pytest.mark.skip(reason=str(e))))
        else:
            params.append(pytest.param(name, id=name))
    return params


def _placed(value, target):
    """Tensors in ``value`` (or a tuple/list of them, or a dict's values) moved to ``target``, detached."""
    if isinstance(value, Tensor):
        return value.detach().to(target)
    if isinstance(value, (tuple, list)):
        return type(value)(_placed(v, target) for v in value)
    if isinstance(value, dict):
        return {k: _placed(v, target) for k, v in value.items()}
    return value


def op_test(op, reference, arity=1, elements=None, shapes=None, kwargs=None, second_order=True,
            rtol=1e-4, atol=1e-6, max_examples=None, unique=False, backends=BACKENDS):
    """Build a pytest test that property-checks ``op`` against the numpy ``reference``, on each backend.

    Args:
        op: takes ``arity`` Tensors (and ``**kwargs``) and returns a Tensor.
        reference: the same computation on numpy arrays.
        elements: a strategy of element values (one, or a list per argument); default :func:`smooth_floats`.
        shapes: a strategy of tuples of input shapes; default broadcast-compatible shapes.
        kwargs: a dict, or a function ``shapes -> strategy of dicts`` for shape-dependent arguments (dims);
            Tensors in it move to the backend with the inputs.
        second_order: also run :func:`gradgradcheck`.
        unique: draw distinct element values (for ops with ties, such as max).
        backends: the :data:`BACKENDS` the op runs on (inputs made there, the result checked to stay there);
            one that cannot run here is skipped with the reason.
    Returns:
        A test function of one argument, the backend's name, parametrised over ``backends`` for pytest.
    """
    import pytest

    shapes = shapes if shapes is not None else broadcastable_shapes(arity)
    per_arg = elements if isinstance(elements, (list, tuple)) else [elements] * arity
    name = getattr(op, "__name__", op)

    @st.composite
    def case(draw):
        shp = draw(shapes)
        arrs = [draw(arrays(s, np.float64, e, unique)) for s, e in zip(shp, per_arg)]
        kw = kwargs(shp) if callable(kwargs) else st.just(dict(kwargs or {}))
        return arrs, draw(kw)

    def check(data, target):
        from .transfer import as_namespace, host, is_at, is_namespace, move

        arrs, kw = data
        place = as_namespace(target) if is_namespace(target) else target
        xs = [Tensor._make(move(a.copy(), place)).requires_grad_() for a in arrs]
        op_kw = kw if target is np else _placed(kw, target)
        out = op(*xs, **op_kw)
        expected = reference(*arrs, **kw)
        assert is_at(out._data, place), f"{name}: the result left {target} ({type(out._data).__name__})"
        np.testing.assert_allclose(host(out._data), expected, rtol=1e-6, atol=1e-9, err_msg=f"{name} forward")
        assert out._data.shape == np.shape(expected), f"shape {out._data.shape} != reference {np.shape(expected)}"
        fn = lambda *a: op(*a, **op_kw)  # noqa: E731
        gradcheck(fn, xs, atol=atol, rtol=rtol)
        if second_order:
            gradgradcheck(fn, xs, atol=atol, rtol=rtol)

    def run(target):
        @given(case())
        def prop(data):
            check(data, target)

        return settings(max_examples=max_examples)(prop) if max_examples is not None else prop

    def test(backend_name):
        run(backend(backend_name))()

    test.__name__ = f"test_{getattr(op, '__name__', 'op')}"
    return pytest.mark.parametrize("backend_name", backend_params(backends))(test)


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
