"""Strategies and checks shared by the engine tests (tests/autograd only; not part of the package)."""
import numpy as np
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import arrays, shapes, smooth_floats


def leaf(array, requires_grad=True):
    """A float64 leaf tensor holding a copy of ``array``."""
    return ag.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


def check_op(fn, arrays_in, reference, second_order=True, atol=1e-6, rtol=1e-4, **gc):
    """Forward against ``reference``, then gradcheck (and gradgradcheck) of ``fn`` on float64 leaves.

    ``reference`` gets the raw arrays and returns the expected output (an array or a sequence of arrays).
    """
    xs = [leaf(a) for a in arrays_in]
    out = fn(*xs)
    expected = reference(*arrays_in)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    exps = expected if isinstance(expected, (tuple, list)) else (expected,)
    assert len(outs) == len(exps)
    for o, e in zip(outs, exps):
        assert o.shape == np.shape(e), f"shape {o.shape} != reference {np.shape(e)}"
        np.testing.assert_allclose(o.numpy(), e, rtol=1e-6, atol=1e-9)
    assert ag.gradcheck(fn, xs, atol=atol, rtol=rtol, **gc)
    if second_order:
        assert ag.gradgradcheck(fn, xs, atol=atol, rtol=rtol, **gc)


def offset_floats(offset=5e-4, **kw):
    """Grid floats shifted by half a grid step: never equal to :func:`smooth_floats` values (no ties)."""
    return smooth_floats(**kw).map(lambda v: v + offset)


@st.composite
def array_and_dims(draw, min_dims=1, max_dims=3, min_side=1, max_side=4, unique=False, elements=None):
    """An array, a non-empty tuple of distinct dims of it (negatives allowed) and a keepdim flag."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side))
    a = draw(arrays(shape, elements=elements, unique=unique))
    axes = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True))
    dims = tuple(d - len(shape) if draw(st.booleans()) else d for d in axes)
    return a, dims, draw(st.booleans())


@st.composite
def array_and_dim(draw, min_dims=1, max_dims=3, min_side=1, max_side=4, unique=False, elements=None):
    """An array and one dim of it (possibly negative)."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side))
    a = draw(arrays(shape, elements=elements, unique=unique))
    return a, draw(st.integers(-len(shape), len(shape) - 1))
