"""L-BFGS: a quasi-Newton method that re-evaluates the loss through a closure, with an optional line search."""
from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import autograd
from autograd.backend import data_of, namespace

from ._line_search import dot, max_abs, strong_wolfe
from .optimizer import Optimizer, check_non_negative

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from .optimizer import ParamsT

__all__ = ["LBFGS"]


class LBFGS(Optimizer):
    r"""Limited-memory BFGS (Nocedal, 1980; after Schmidt's minFunc), PyTorch's ``LBFGS``.

    Each :meth:`step` runs up to ``max_iter`` iterations on all parameters seen as one flat vector ``x``:
    the direction ``d = -H g`` comes from the two-loop recursion over the last ``history_size`` pairs
    ``(s, y) = (x_{k+1} - x_k, g_{k+1} - g_k)`` (pairs with ``y.s <= 1e-10`` are skipped), scaled by
    ``H_diag = y.s / y.y``; the first direction of a run is ``-g``, with a step ``min(1, 1 / |g|_1) * lr``.
    With ``line_search_fn=None`` the step is ``lr``; with ``'strong_wolfe'`` a line search picks one that
    satisfies the strong Wolfe conditions (``c1 = 1e-4``, ``c2 = 0.9``).  An iteration loop stops at
    ``max_iter`` iterations, ``max_eval`` closure calls, ``max |g| <= tolerance_grad``, or a change of the loss
    or of ``x`` below ``tolerance_change``.  The state carries over to the next ``step``.

    Args:
        params: the parameters (one group only: no per-parameter options).
        lr: learning rate (default 1).
        max_iter: maximal number of iterations per ``step`` (default 20).
        max_eval: maximal number of closure calls per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest absolute gradient entry is at most this (default 1e-7).
        tolerance_change: stop when the loss or the parameters change less than this (default 1e-9).
        history_size: number of ``(s, y)`` pairs kept (default 100).
        line_search_fn: None or ``'strong_wolfe'``.

    State (kept, as in PyTorch, under the first parameter): ``'func_evals'``, ``'n_iter'``, ``'d'``, ``'t'``,
    ``'old_dirs'`` (the ``y``), ``'old_stps'`` (the ``s``), ``'ro'`` (``1 / y.s``), ``'H_diag'``,
    ``'prev_flat_grad'``, ``'prev_loss'`` and, once the history is used, ``'al'``.  Vectors are Tensors in the
    parameters' dtype, scalars Python floats (PyTorch keeps some of them as 0-d tensors).

    Raises:
        ValueError: parameter groups, a negative ``lr``, or non-positive ``max_iter``/``max_eval``/``history_size``.
        RuntimeError: a ``line_search_fn`` other than ``'strong_wolfe'`` (PyTorch raises it at the first step).
        TypeError: complex parameters.
    """

    _supports_complex = False
    _state_shaped_like_params = False

    def __init__(self, params: ParamsT, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn)
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)
        self._params = self.param_groups[0]["params"]

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        check_non_negative(group["lr"], "learning rate")
        for name in ("max_iter", "max_eval", "history_size"):
            value = group[name]
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"LBFGS: {name} must be a positive integer, got {value!r}")
        check_non_negative(group["tolerance_grad"], "tolerance_grad value")
        check_non_negative(group["tolerance_change"], "tolerance_change value")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise RuntimeError("only 'strong_wolfe' is supported")

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add the one group LBFGS has; a second one raises ValueError (no per-parameter options)."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """As :meth:`Optimizer.load_state_dict`; the flat vectors are not shaped like the first parameter."""
        super().load_state_dict(state_dict)
        self._params = self.param_groups[0]["params"]

    # -- the parameters as one flat vector ---------------------------------------------------------------

    def _gather_flat_grad(self) -> Any:
        xp = namespace(data_of(self._params[0]))
        return xp.concat([xp.zeros(p.numel(), dtype=data_of(p).dtype) if p.grad is None
                          else xp.reshape(data_of(p.grad), (-1,)) for p in self._params])

    def _add_grad(self, step_size: float, update: Any) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(namespace(update).reshape(update[offset:offset + n], p.shape), alpha=step_size)
            offset += n

    def _directional_evaluate(self, closure: Callable[[], Any], x: list[Any], t: float, d: Any) -> tuple[float, Any]:
        """Loss and flat gradient at ``x + t * d``; the parameters are put back to ``x`` afterwards."""
        self._add_grad(t, d)
        with autograd.enable_grad():
            loss = float(closure())
        flat_grad = self._gather_flat_grad()
        for p, saved in zip(self._params, x):
            p.copy_(saved)
        return loss, flat_grad

    # -- the algorithm ---------------------------------------------------------------------------------

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]  # (the closure is required)
        """Run up to ``max_iter`` L-BFGS iterations.

        Args:
            closure: re-evaluates the model and returns the loss (it must call ``zero_grad`` and ``backward``);
                called with grad mode on, possibly several times.
        Returns:
            the loss the first closure call returned.
        """
        group = self.param_groups[0]
        with autograd.enable_grad():
            orig_loss = closure()
        with autograd.no_grad():
            self._iterate(closure, group, float(orig_loss))
        return orig_loss

    def _iterate(self, closure: Callable[[], Any], group: dict[str, Any], loss: float) -> None:
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if max_abs(flat_grad) <= tolerance_grad:
            return

        d, t, H_diag, prev_loss = _array(state.get("d")), state.get("t"), state.get("H_diag"), state.get("prev_loss")
        old_dirs = [_array(v) for v in state.get("old_dirs", [])]
        old_stps = [_array(v) for v in state.get("old_stps", [])]
        ro = list(state.get("ro", []))
        prev_flat_grad = _array(state.get("prev_flat_grad"))
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, H_diag = -flat_grad, [], [], [], 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = dot(y, s)
                if ys > 1e-10:  # keep only pairs that keep the inverse-Hessian estimate positive definite
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / dot(y, y)
                if "al" not in state:
                    state["al"] = [None] * history_size
                d = _two_loop(flat_grad, old_dirs, old_stps, ro, H_diag, state["al"])
            prev_flat_grad = namespace(flat_grad).copy(flat_grad)
            prev_loss = loss

            t = min(1.0, 1.0 / float(namespace(flat_grad).sum(namespace(flat_grad).abs(flat_grad)))) * lr \
                if state["n_iter"] == 1 else lr
            gtd = dot(flat_grad, d)
            if gtd > -tolerance_change:  # not a descent direction (any more)
                break

            ls_func_evals = 0
            if group["line_search_fn"] is not None:
                x_init = [namespace(data_of(p)).copy(data_of(p)) for p in self._params]
                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    lambda x, step, direction: self._directional_evaluate(closure, x, step, direction),
                    x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
                # (PyTorch leaves the search's own tolerance_change at 1e-9, whatever the group's; so do we)
                self._add_grad(t, d)
                opt_cond = max_abs(flat_grad) <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:  # the last iteration's loss is not needed (and costs a closure call)
                    with autograd.enable_grad():
                        loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = max_abs(flat_grad) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if max_abs(d * t) <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=_tensor(d), t=t, old_dirs=[_tensor(v) for v in old_dirs],
                     old_stps=[_tensor(v) for v in old_stps], ro=ro, H_diag=H_diag,
                     prev_flat_grad=_tensor(prev_flat_grad), prev_loss=prev_loss)


def _two_loop(flat_grad: Any, old_dirs: list[Any], old_stps: list[Any], ro: list[Any], H_diag: Any,
              al: list[Any]) -> Any:
    """``-H g`` by L-BFGS's two-loop recursion; ``al`` is the scratch list kept in the state (as PyTorch)."""
    q = -flat_grad
    for i in range(len(old_dirs) - 1, -1, -1):
        al[i] = dot(old_stps[i], q) * ro[i]
        q = q - al[i] * old_dirs[i]
    r = q * H_diag
    for i in range(len(old_dirs)):
        be_i = dot(old_dirs[i], r) * ro[i]
        r = r + (al[i] - be_i) * old_stps[i]
    return r


def _array(value: autograd.Tensor | None) -> Any:
    """A state vector as an array of the parameters' library (kept as a Tensor so that state dicts save and load)."""
    return None if value is None else data_of(value)


def _tensor(array: Any) -> autograd.Tensor | None:
    return None if array is None else autograd.tensor(array)
