"""numpy functions on Tensors (autograd.numpy_functions): the same values as numpy on the arrays, a Tensor in the
graph (gradcheck), numpy's argument names and semantics, and TypeError for what has no autograd equivalent."""
import itertools

import numpy as np
import pytest

import autograd as ag
from autograd import registry
from autograd.numpy_functions import IMPLEMENTATIONS

_rng = np.random.default_rng(0)
A, B = _rng.uniform(0.2, 0.8, (2, 3)), _rng.uniform(0.2, 0.8, (2, 3))
C, M = _rng.uniform(0.2, 0.8, (3, 4)), _rng.uniform(0.2, 0.8, (3, 3))
V, W, V6 = _rng.uniform(0.2, 0.8, 3), _rng.uniform(0.2, 0.8, 4), _rng.uniform(0.2, 0.8, 6)
T3, S, MASK = _rng.uniform(0.2, 0.8, (2, 3, 4)), np.array(0.5), A > 0.5


def case(func, *args, needs=None, **kwargs):
    """One call: ``func(*args, **kwargs)`` with the ndarrays of ``args`` (also inside lists) as Tensors.
    ``needs``: the autograd function it runs, when this version may lack it."""
    return pytest.param(func, args, kwargs, needs, id=f"{func.__name__}-{next(_ids)}")


_ids = itertools.count()


CASES = []
CASES += [case(np.sum, A), case(np.sum, A, axis=0), case(np.sum, A, axis=(0, 1), keepdims=True),
          case(np.sum, A, dtype=np.float32), case(np.prod, A, axis=1, needs="prod"),
          case(np.mean, A), case(np.mean, A, axis=1, keepdims=True), case(np.var, A), case(np.var, A, axis=0, ddof=1),
          case(np.std, A, axis=1), case(np.std, A, correction=1), case(np.max, A), case(np.amax, A, axis=0),
          case(np.min, A, axis=1, keepdims=True), case(np.amin, A), case(np.all, MASK), case(np.any, MASK), case(np.all, MASK, axis=0),
          case(np.any, MASK, axis=1, keepdims=True),
          case(np.argmax, A), case(np.argmax, A, axis=1), case(np.argmin, A, axis=0, keepdims=True),
          case(np.cumsum, A, needs="cumsum"), case(np.cumsum, A, axis=1, needs="cumsum"),
          case(np.cumprod, A, axis=0, needs="cumprod"), case(np.sort, A, axis=1, needs="sort"),
          case(np.sort, A, axis=None, needs="sort"), case(np.argsort, A, needs="argsort")]
CASES += [case(np.reshape, A, (3, 2)), case(np.reshape, A, -1), case(np.reshape, A, shape=(1, 6)), case(np.ravel, A),
          case(np.squeeze, A[None]), case(np.squeeze, A[None, :, :, None], axis=(0, 3)), case(np.expand_dims, A, 1),
          case(np.expand_dims, A, (0, 3)), case(np.atleast_1d, S), case(np.atleast_2d, V), case(np.atleast_3d, V),
          case(np.atleast_1d, V, A), case(np.transpose, A), case(np.transpose, T3, (1, 0, 2)),
          case(np.swapaxes, T3, 0, 2), case(np.moveaxis, T3, 0, -1),
          case(np.broadcast_to, V, (2, 3)), case(np.broadcast_arrays, V, A), case(np.flip, A, needs="flip"),
          case(np.flip, A, axis=1, needs="flip"), case(np.roll, A, 1, axis=1, needs="roll"),
          case(np.tile, V, 2, needs="tile"), case(np.repeat, V, 2, needs="repeat_interleave"),
          case(np.tril, M, needs="tril"), case(np.triu, M, k=1, needs="triu"), case(np.pad, A, 1),
          case(np.pad, A, ((0, 1), (2, 0)), constant_values=0.5), case(np.pad, T3, (1, 2))]
CASES += [case(np.concatenate, [A, B]), case(np.concatenate, [A, B], axis=1), case(np.concatenate, [A, V], axis=None),
          case(np.stack, [A, B], axis=2), case(np.vstack, [V, V]), case(np.vstack, [A, V]),
          case(np.hstack, [V, V]), case(np.hstack, [A, B]), case(np.split, A, 3, axis=1), case(np.split, A, [1]),
          case(np.split, V6, [2, 4]), case(np.split, V6, [4, 2, 9]), case(np.array_split, V6, 4),
          case(np.array_split, A, [1, 2], axis=1)]
CASES += [case(getattr(np, name), *args) for name, args in (("permute_dims", (T3, (2, 0, 1))), ("concat", ([A, B],)))
          if hasattr(np, name)]  # numpy >= 2 names
CASES += [case(np.where, MASK, A, B), case(np.where, MASK, A, 0.0), case(np.where, MASK), case(np.clip, A, 0.3, 0.6),
          case(np.clip, A, min=0.4), case(np.clip, A, None, 0.5), case(np.round, A, 1, needs="round"),
          case(np.around, A, needs="round"), case(np.dot, V, V), case(np.dot, A, C), case(np.dot, A, V),
          case(np.dot, A, 2.0), case(np.outer, V, W), case(np.outer, A, V),
          case(np.einsum, "ij,jk->ik", A, C, needs="einsum"), case(np.copy, A), case(np.zeros_like, A),
          case(np.ones_like, A, dtype=np.float32), case(np.full_like, A, 7.0), case(np.empty_like, A)]
CASES += [case(fn, A) for fn in (np.shape, np.ndim, np.size, np.count_nonzero, np.nonzero, np.argwhere, np.flatnonzero,
                                 np.iscomplexobj, np.isrealobj)]
CASES += [case(np.size, A, 1), case(np.isclose, A, B), case(np.allclose, A, A), case(np.array_equal, A, B),
          case(np.array_equiv, A, A), case(np.shares_memory, A, A), case(np.may_share_memory, A, B),
          case(np.result_type, A, 1.0)]


def _is_float_array(x):
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def _is_array_list(x):
    return isinstance(x, list) and all(isinstance(v, np.ndarray) for v in x)


def _convert(x, to_tensor):
    if isinstance(x, np.ndarray):
        return to_tensor(x)
    if _is_array_list(x):
        return [to_tensor(v) for v in x]
    return x


def _flat(out):
    """One Tensor from what a numpy function on Tensors returned (a Tensor, or a sequence of them)."""
    return out if isinstance(out, ag.Tensor) else ag.cat([o.reshape(-1) for o in out])


def _assert_matches(got, expected, label):
    if isinstance(expected, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(expected), label
        for g, e in zip(got, expected):
            _assert_matches(g, e, label)
    elif isinstance(expected, np.ndarray) or isinstance(got, ag.Tensor):
        assert isinstance(got, ag.Tensor), f"{label}: {type(got).__name__} is not a Tensor"
        assert got.shape == np.shape(expected), label
        if "empty_like" not in label:
            np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=0, err_msg=label)
    else:
        assert got == expected, label


def _available(needs):
    return needs is None or needs in registry.functions


@pytest.mark.parametrize("func, args, kwargs, needs", CASES)
def test_numpy_function_on_tensors_matches_numpy(func, args, kwargs, needs):
    tensor_args = [_convert(a, ag.from_numpy) for a in args]  # sharing memory, as the arrays do (np.shares_memory)
    if not _available(needs):
        with pytest.raises(TypeError, match=f"needs autograd.{needs}"):
            func(*tensor_args, **kwargs)
        return
    _assert_matches(func(*tensor_args, **kwargs), func(*args, **kwargs), func.__name__)


@pytest.mark.parametrize("func, args, kwargs, needs", CASES)
def test_numpy_function_on_tensors_is_differentiable(func, args, kwargs, needs):
    if not _available(needs):
        pytest.skip(f"autograd has no {needs} in this version (the TypeError is tested above)")
    probe = func(*[_convert(a, ag.tensor) for a in args], **kwargs)
    parts = probe if isinstance(probe, (list, tuple)) else [probe]
    if not all(isinstance(p, ag.Tensor) and p.dtype == np.float64 for p in parts) or func.__name__.endswith("_like"):
        return  # shapes, bools, indices, float32 results and new constants: nothing for gradcheck
    leaves = [v for a in args for v in (a if _is_array_list(a) else [a]) if _is_float_array(v)]

    def call(*ts):
        it = iter(ts)

        def take(v):
            return next(it) if _is_float_array(v) else v

        actual = [[take(v) for v in a] if _is_array_list(a) else take(a) for a in args]
        return _flat(func(*actual, **kwargs))

    xs = tuple(ag.tensor(a, requires_grad=True) for a in leaves)
    assert call(*xs).grad_fn is not None
    ag.gradcheck(call, xs)


def test_every_implementation_has_a_case():
    tested = {p.values[0] for p in CASES}
    missing = sorted(f.__name__ for f in IMPLEMENTATIONS if f not in tested)
    assert not missing, f"numpy functions without a test case: {missing}"


def test_the_examples_of_the_issue():
    t = ag.tensor([1.0, 2.0], requires_grad=True)
    both = np.concatenate([t, t])  # used to be an ndarray, outside the graph
    assert isinstance(both, ag.Tensor) and both.shape == (4,)
    total = np.sum(both * both)  # used to fail on the `axis` keyword
    total.backward()
    assert t.grad.tolist() == [4.0, 8.0]
    assert np.mean(t, axis=0, keepdims=True).shape == (1,)


def test_numpy_semantics_where_pytorch_differs():
    a = ag.tensor(A)
    np.testing.assert_allclose(np.std(a).item(), np.std(A))  # population std: ddof=0, torch's correction=1
    with pytest.raises(ValueError):
        np.squeeze(a, axis=0)  # numpy refuses to squeeze a dim of size 2 (torch leaves it)
    with pytest.raises(ValueError, match="equal division"):
        np.split(a, 4, axis=1)
    with pytest.raises(ValueError, match="ddof and correction"):
        np.var(a, ddof=1, correction=1)
    with pytest.raises(np.exceptions.AxisError):
        np.transpose(a, (0, 2))


@pytest.mark.parametrize("call, match", [
    (lambda t: np.sum(t, out=np.empty(())), "out="),
    (lambda t: np.sum(t, initial=1.0), "initial="),
    (lambda t: np.mean(t, where=MASK), "where="),
    (lambda t: np.max(t, where=MASK, initial=0.0), "initial="),
    (lambda t: np.reshape(t, (3, 2), order="F"), "order="),
    (lambda t: np.reshape(t, (3, 2), copy=True), "copy="),
    (lambda t: np.concatenate([t, t], dtype=np.float32), "dtype="),
    (lambda t: np.concatenate([t, t], casting="unsafe"), "casting="),
    (lambda t: np.pad(t, 1, mode="edge"), "mode="),
    (lambda t: np.pad(t, 1, constant_values=((1, 2), (3, 4))), "constant_values"),
    (lambda t: np.einsum("ij->ji", t, optimize=True), "optimize="),
    (lambda t: np.copy(t, order="F"), "order="),
    (lambda t: np.zeros_like(t, shape=(4,)), "shape="),
    (lambda t: np.sort(t, kind="stable"), "kind="),
    (lambda t: np.clip(t, 0.1, 0.5, out=np.empty((2, 3))), "out="),
    (lambda t: np.dot(t, ag.tensor(T3)), "einsum"),
])
def test_arguments_without_an_autograd_equivalent_raise(call, match):
    with pytest.raises(TypeError, match=match):
        call(ag.tensor(A, requires_grad=True))


def test_a_numpy_function_without_an_implementation_names_what_to_use(monkeypatch):
    t = ag.tensor(A, requires_grad=True)
    with pytest.raises(TypeError, match=r"numpy\.histogram is not supported.*t\.detach\(\)\.numpy\(\)"):
        np.histogram(t)
    with pytest.raises(TypeError, match=r"numpy\.linalg\.norm is not supported"):
        np.linalg.norm(t)
    monkeypatch.delitem(IMPLEMENTATIONS, np.sum)
    with pytest.raises(TypeError, match=r"call autograd\.sum instead .*dim= for axis="):
        np.sum(t)
    assert np.histogram(t.detach().numpy())[0].sum() == 6  # leaving the graph on purpose works


def test_another_array_type_with_the_protocol_is_left_to_numpy():
    class Other:
        def __array_function__(self, func, types, args, kwargs):
            return NotImplemented

    with pytest.raises(TypeError, match="no implementation found"):
        np.concatenate([ag.tensor(V), Other()])
