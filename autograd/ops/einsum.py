"""``einsum``: Einstein summation over any subscripts, with PyTorch's parsing, checks and broadcasting.

The equation is first made explicit (``...`` replaced by letters, the implicit output written out, size-1
dims broadcast), and then one :class:`Einsum` op computes it. The gradient of each operand is itself an
einsum of the output's gradient with the other operands; a letter of the operand that appears nowhere else
(summed only there) is broadcast back, and a letter repeated on the operand (a diagonal, ``'ii->i'``) puts
the gradient back on that diagonal.
"""
from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from ..backend import namespace
from ..op import Op
from ..registry import register
from ..tensor import Tensor
from .shape import broadcast_to

if TYPE_CHECKING:
    from collections.abc import Sequence

_LETTERS = frozenset(string.ascii_letters)


def _error(message, shapes):
    shapes = ", ".join(str(tuple(s)) for s in shapes)
    return RuntimeError(f"einsum(): {message} (operand shapes {shapes})")


def _split_ellipsis(term, what, shapes):
    """``(letters before '...', letters after, has_ellipsis)`` of one term of the equation."""
    head, dots, tail = term.partition("...")
    if "." in head or "." in tail:
        raise _error(f"found '.' for {what} that is not part of any ellipsis", shapes)
    return head, tail, bool(dots)


def _parse(equation, shapes):
    """The explicit form of ``equation`` for operands of ``shapes``: ``(input terms, output term, letter sizes)``.

    Every term is a string of letters (ellipsis dims get unused letters, right-aligned as in broadcasting);
    the sizes are the broadcast size of each letter.
    """
    eq = equation.replace(" ", "")
    for i, c in enumerate(eq):
        if c not in _LETTERS and c not in ",.->":
            raise _error(f"invalid subscript given at index {i} in the equation string, subscripts must be in [a-zA-Z]", shapes)
    lhs, arrow, rhs = eq.partition("->")
    if "-" in lhs or ">" in lhs or "-" in rhs or ">" in rhs:
        raise _error(f"invalid equation {equation!r}: '->' must appear at most once, between inputs and output", shapes)
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        more = "more" if len(shapes) > len(terms) else "fewer"
        raise _error(f"{more} operands were provided than specified in the equation ({len(terms)} terms, "
                     f"{len(shapes)} operands)", shapes)
    parts = [_split_ellipsis(t, f"operand {k}", shapes) for k, t in enumerate(terms)]
    used = set(lhs) & _LETTERS
    ell_ndim = 0
    for k, ((head, tail, dots), shape) in enumerate(zip(parts, shapes)):
        n = len(head) + len(tail)
        if not dots and n != len(shape):
            raise _error(f"the number of subscripts in the equation ({n}) does not match the number of dimensions "
                         f"({len(shape)}) for operand {k} and no ellipsis was given", shapes)
        if dots and n > len(shape):
            raise _error(f"the number of subscripts in the equation ({n}) is more than the number of dimensions "
                         f"({len(shape)}) for operand {k}", shapes)
        if dots:
            ell_ndim = max(ell_ndim, len(shape) - n)
    spare = [c for c in string.ascii_letters if c not in used]
    if ell_ndim > len(spare):
        raise _error(f"too many dims ({ell_ndim}) under the ellipsis for the unused subscript letters", shapes)
    ell = "".join(spare[:ell_ndim])
    inputs = []
    for (head, tail, dots), shape in zip(parts, shapes):
        covered = len(shape) - len(head) - len(tail)
        inputs.append(head + (ell[ell_ndim - covered:] if dots else "") + tail)
    sizes = _letter_sizes(inputs, shapes)
    counts = {c: "".join(inputs).count(c) for c in set("".join(inputs))}
    if not arrow:  # implicit output: the broadcast ellipsis dims, then letters used once, in alphabetical order
        return inputs, ell + "".join(sorted(c for c in used if counts[c] == 1)), sizes
    if "," in rhs:
        raise _error(f"invalid equation {equation!r}: one output term expected after '->'", shapes)
    head, tail, dots = _split_ellipsis(rhs, "the output", shapes)
    for c in head + tail:
        if (head + tail).count(c) > 1:
            raise _error(f"output subscript {c} appears more than once in the output", shapes)
        if c not in used:
            raise _error(f"output subscript {c} does not appear in the equation for any input operand", shapes)
    return inputs, head + (ell if dots else "") + tail, sizes


def _letter_sizes(inputs, shapes):
    """The size of each letter: equal within an operand, equal or 1 (broadcast) across operands."""
    sizes: dict[str, int] = {}
    for k, (term, shape) in enumerate(zip(inputs, shapes)):
        own: dict[str, int] = {}
        for c, n in zip(term, shape):
            if own.setdefault(c, n) != n:
                raise _error(f"subscript {c} is repeated for operand {k} but the sizes don't match, {own[c]} != {n}", shapes)
        for c, n in own.items():
            seen = sizes.get(c, 1)
            if n != seen and 1 not in (n, seen):
                raise _error(f"subscript {c} has size {n} for operand {k} which does not broadcast with previously "
                             f"seen size {seen}", shapes)
            sizes[c] = max(seen, n) if n and seen else 0
    return sizes


class Einsum(Op):
    """An explicit einsum (letters only, every letter of one size); the rule of operand k is the einsum of the
    gradient with the other operands, broadcast over letters only k has and put back on k's diagonals."""

    __slots__ = ("inputs", "output", "sizes")
    save_inputs = True
    attrs = ("equation",)

    def __init__(self, inputs, output, sizes):
        self.inputs, self.output, self.sizes = inputs, output, sizes

    @property
    def equation(self):
        """The explicit equation, e.g. ``'ij,jk->ik'``."""
        return ",".join(self.inputs) + "->" + self.output

    def forward(self, *arrays):
        # Contraction order matters from three operands on; numpy's greedy path finds a good one.
        if type(arrays[0]) is np.ndarray:
            return np.einsum(self.equation, *arrays, optimize="greedy" if len(arrays) > 2 else False)
        return namespace(arrays[0]).einsum(self.equation, *arrays)

    def backward(self, grad, *operands):
        return tuple(self._operand_grad(grad, operands, k) if self.needs_input_grad(k) else None
                     for k in range(len(operands)))

    def _operand_grad(self, grad, operands, k):
        xp = namespace(grad)
        term = self.inputs[k]
        unique = "".join(dict.fromkeys(term))  # k's letters, each once, in order
        others = [j for j in range(len(operands)) if j != k]
        reachable = set(self.output).union(*(self.inputs[j] for j in others))
        kept = "".join(c for c in unique if c in reachable)
        equation = ",".join([self.output] + [self.inputs[j] for j in others]) + "->" + kept
        g = xp.einsum(equation, grad, *(operands[j] for j in others))
        if kept != unique:  # letters summed only on operand k: the gradient is constant along them
            g = xp.reshape(g, tuple(self.sizes[c] if c in kept else 1 for c in unique))
            g = xp.broadcast_to(g, tuple(self.sizes[c] for c in unique))
        if unique == term:
            return g
        # Repeated letters: operand k's diagonal got the gradient; everything off it gets 0.
        n = len(unique)
        index = tuple(np.arange(self.sizes[c]).reshape((1,) * unique.index(c) + (-1,) + (1,) * (n - 1 - unique.index(c)))
                      for c in term)
        return xp.index_add(tuple(self.sizes[c] for c in term), index, g)


@overload
def einsum(equation: str, operands: Sequence[Tensor], /) -> Tensor: ...
@overload
def einsum(equation: str, *operands: Tensor) -> Tensor: ...


@register(method=False, xp="einsum")
def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation: ``einsum('ij,jk->ik', a, b)`` is ``a @ b``; operands may also come as one list.

    Any letters ``a-zA-Z``; ``...`` stands for broadcast dims; a letter repeated on one operand takes its
    diagonal (``'ii->i'``, ``'ii'`` the trace); without ``->`` the output is the ellipsis dims followed by the
    letters used once, in alphabetical order; letters left out of the output are summed. Size-1 dims broadcast.
    All operands must have the same dtype. Raises RuntimeError naming einsum and the shapes for a bad equation.
    """
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' must be str, not {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for k, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operand {k} must be a Tensor, not {type(t).__name__}")
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    shapes = [t.shape for t in operands]
    dtypes = {t.dtype for t in operands}
    if len(dtypes) > 1:
        raise _error(f"expected all operands to have the same dtype, got {', '.join(sorted(map(str, dtypes)))}", shapes)
    inputs, output, sizes = _parse(equation, shapes)
    # Size-1 dims that broadcast against a larger size are expanded first: the op then sees one size per letter.
    operands = tuple(t if all(n == sizes[c] for c, n in zip(term, t.shape)) else broadcast_to(t, tuple(sizes[c] for c in term))
                     for t, term in zip(operands, inputs))
    return Einsum(inputs, output, sizes).apply(*operands)
