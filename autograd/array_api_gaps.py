"""What numpy has and the array API lacks, written with array-API functions only, for
:class:`autograd.array_api.ArrayApiNamespace`: indexing with several index arrays among slices (numpy's
placement rule), writes through index arrays, ``einsum``, ``isclose`` and ``nan_to_num``.

Each takes the wrapped namespace ``ns`` first (``ns.xp`` is the library's namespace module) and works on any
library that follows the standard; ``array_api_strict`` tests them, since it refuses everything else.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["einsum", "index_put", "isclose", "nan_to_num", "take_index"]


def _is_array(x: Any) -> bool:
    return hasattr(x, "__array_namespace__") or hasattr(x, "__dlpack__")


def take_index(ns: Any, x: Any, items: tuple[Any, ...]) -> Any:
    """``x[items]`` by numpy's rules for an index naming every dim of ``x`` (ints, slices, integer or boolean
    arrays; no None or Ellipsis) with at least one array.

    The array API indexes with integer arrays only when every item is an integer array or an int, so the
    slices are applied first and then turned into ``arange`` index arrays, each shaped to land where numpy puts
    that dim: the broadcast dims of the index arrays (ints count among them) take the place of the first one
    when they are adjacent, else they come first, and the sliced dims keep their order around them.

    Raises:
        IndexError: None mixed with index arrays (numpy-only), index arrays that do not broadcast together.
    """
    xp = ns.xp
    if any(i is None for i in items):
        raise IndexError(f"indexing a {ns.__name__} array with None among index arrays is numpy-only")
    expanded: list[Any] = []
    for i in items:  # a k-dim mask is the k integer arrays of its nonzero positions
        if _is_array(i) and i.dtype == xp.bool:
            expanded.extend(xp.nonzero(i) if i.ndim else (xp.astype(i, xp.int64),))
        else:
            expanded.append(i)
    y = x[tuple(i if isinstance(i, slice) else slice(None) for i in expanded)]
    advanced = [k for k, i in enumerate(expanded) if not isinstance(i, slice)]
    sliced = [k for k, i in enumerate(expanded) if isinstance(i, slice)]
    arrays = {k: _wrapped(ns, expanded[k], y.shape[k]) for k in advanced}
    try:
        batch = tuple(xp.broadcast_shapes(*(a.shape for a in arrays.values())))
    except ValueError:
        raise IndexError("shape mismatch: indexing arrays could not be broadcast together with shapes "
                         + " ".join(str(tuple(a.shape)) for a in arrays.values())) from None
    adjacent = advanced == list(range(advanced[0], advanced[-1] + 1))
    start = sum(1 for k in sliced if k < advanced[0]) if adjacent else 0
    total = len(batch) + len(sliced)
    index = []
    for k in range(len(expanded)):
        if k in arrays:
            a = xp.broadcast_to(arrays[k], batch)
            index.append(xp.reshape(a, (1,) * start + batch + (1,) * (total - start - len(batch))))
        else:
            rank = sliced.index(k)
            axis = rank if rank < start else rank + len(batch)
            index.append(xp.reshape(ns.arange(y.shape[k]), (1,) * axis + (-1,) + (1,) * (total - axis - 1)))
    return y[tuple(index)]


def _wrapped(ns: Any, i: Any, n: int) -> Any:
    """Index item ``i`` (an int or an integer array) over a dim of size ``n`` as an array of non-negative
    positions (the array API leaves negative index arrays out)."""
    xp = ns.xp
    a = ns.asarray(i, dtype=xp.int64) if isinstance(i, int) else i
    return xp.where(a < 0, a + n, a)


def index_put(ns: Any, x: Any, index: Any, values: Any) -> Any:
    """A copy of ``x`` with ``values`` (broadcast) written at ``x[index]``, advanced indices included; where an
    element is written more than once the last write wins, as in numpy (PyTorch leaves it unspecified).

    The array API has no such assignment: the written elements' flat positions are sorted (stably, so repeats
    keep their order), and each element of the result takes the last value sorted at its position, found by
    ``searchsorted``, or its old value where nothing was written.
    """
    xp = ns.xp
    out = ns.copy(x)
    host = isinstance(values, (np.ndarray, np.generic)) or not _is_array(values)  # numpy's, or a number
    values = ns.asarray(values, dtype=x.dtype) if host else ns.astype(values, x.dtype)
    if "cupy" in getattr(xp, "__name__", ""):
        out[index] = values  # CuPy assigns through index arrays itself
        return out
    size = math.prod(x.shape)
    region = ns.getitem(xp.reshape(ns.arange(size), x.shape), index)  # the flat position of each written element
    positions = xp.reshape(region, (-1,))
    if not positions.shape[0]:
        return out
    flat = xp.reshape(xp.broadcast_to(values, region.shape), (-1,))
    order = xp.argsort(positions, stable=True)
    sorted_positions, sorted_values = xp.take(positions, order), xp.take(flat, order)
    cells = ns.arange(size)
    last = xp.searchsorted(sorted_positions, cells, side="right") - 1
    written = xp.take(sorted_positions, xp.clip(last, 0, None)) == cells
    new = xp.take(sorted_values, xp.clip(last, 0, None))
    return xp.reshape(xp.where(written, new, xp.reshape(out, (-1,))), x.shape)


def einsum(ns: Any, equation: str, *operands: Any) -> Any:
    """numpy's ``einsum`` for an explicit equation of letters (``'ij,jk->ik'``, every letter of one size, as
    the einsum op passes it): repeated letters of an operand become its diagonal, then the operands are
    contracted left to right, each pair as one batched ``matmul`` (shared letters kept: the batch; shared
    letters not needed later: summed by the product; the others: rows and columns).

    Raises:
        ValueError: an equation without ``->``.
    """
    if "->" not in equation:
        raise ValueError(f"einsum: {ns.__name__} arrays take explicit equations ('ij,jk->ik'), got {equation!r}")
    lhs, out = equation.split("->")
    terms = [_distinct(ns, term, x) for term, x in zip(lhs.split(","), operands)]
    while len(terms) > 1:
        later = set(out).union(*(t for t, _ in terms[2:]))
        terms = [_contract(ns, terms[0], terms[1], later)] + terms[2:]
    [(term, x)] = terms
    term, x = _summed(ns, term, x, set(out))
    return ns.xp.permute_dims(x, tuple(term.index(c) for c in out))


def _distinct(ns: Any, term: str, x: Any) -> tuple[str, Any]:
    """``(term, x)`` with each repeated letter replaced by its diagonal (as the last dim)."""
    for c in term:
        if term.count(c) > 1:
            i = term.index(c)
            j = term.index(c, i + 1)
            x = ns.diagonal(x, 0, i, j)
            return _distinct(ns, term[:i] + term[i + 1:j] + term[j + 1:] + c, x)
    return term, x


def _summed(ns: Any, term: str, x: Any, keep: set[str]) -> tuple[str, Any]:
    """``(term, x)`` summed over the letters not in ``keep``."""
    axes = tuple(k for k, c in enumerate(term) if c not in keep)
    if not axes:
        return term, x
    return "".join(c for c in term if c in keep), ns.xp.sum(x, axis=axes)


def _contract(ns: Any, left: tuple[str, Any], right: tuple[str, Any], later: set[str]) -> tuple[str, Any]:
    """The product of two ``(term, array)`` operands, summed over the letters neither ``later`` nor the other
    operand has; returns ``(batch + rows + columns letters, array)``."""
    xp = ns.xp
    (ta, a), (tb, b) = left, right
    ta, a = _summed(ns, ta, a, later | set(tb))
    tb, b = _summed(ns, tb, b, later | set(ta))
    batch = [c for c in ta if c in tb and c in later]
    inner = [c for c in ta if c in tb and c not in later]
    rows = [c for c in ta if c not in tb]
    cols = [c for c in tb if c not in ta]
    sizes = dict(zip(ta, a.shape)) | dict(zip(tb, b.shape))

    def grouped(term: str, x: Any, *groups: list[str]) -> Any:
        x = xp.permute_dims(x, tuple(term.index(c) for g in groups for c in g))
        return xp.reshape(x, tuple(math.prod(sizes[c] for c in g) for g in groups))

    product = xp.matmul(grouped(ta, a, batch, rows, inner), grouped(tb, b, batch, inner, cols))
    letters = batch + rows + cols
    return "".join(letters), xp.reshape(product, tuple(sizes[c] for c in letters))


def isclose(ns: Any, a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
    """numpy's ``isclose``: ``|a - b| <= atol + rtol * |b|`` where both are finite, equality elsewhere (infinities
    of one sign), and NaN close to NaN with ``equal_nan``."""
    xp = ns.xp
    if not xp.isdtype(a.dtype, "real floating"):
        a, b = ns.astype(a, np.float64), ns.astype(b, np.float64)
    finite = xp.isfinite(a) & xp.isfinite(b)
    fa, fb = xp.where(finite, a, 0.0), xp.where(finite, b, 0.0)  # (no inf - inf computed)
    out = xp.where(finite, xp.abs(fa - fb) <= atol + rtol * xp.abs(fb), a == b)
    return out | (xp.isnan(a) & xp.isnan(b)) if equal_nan else out


def nan_to_num(ns: Any, x: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Any:
    """numpy's ``nan_to_num``: NaN becomes ``nan``, infinities ``posinf``/``neginf`` (default: the dtype's
    largest and smallest finite values); other dtypes than floating ones pass unchanged."""
    xp = ns.xp
    if not xp.isdtype(x.dtype, "real floating"):
        return x
    info = xp.finfo(x.dtype)
    big = info.max if posinf is None else posinf
    small = info.min if neginf is None else neginf
    x = xp.where(xp.isnan(x), xp.asarray(nan, dtype=x.dtype, device=x.device), x)
    x = xp.where(x == math.inf, xp.asarray(big, dtype=x.dtype, device=x.device), x)
    return xp.where(x == -math.inf, xp.asarray(small, dtype=x.dtype, device=x.device), x)
