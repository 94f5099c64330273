"""repr of tensors: exact strings pinned without torch, and character-for-character equality with torch's repr."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag

try:
    import torch
except ImportError:  # the pinned examples below still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="compares with torch's repr; torch is not installed")


def _torch_text(t):
    return repr(t).replace("torch.", "autograd.")


# -- pinned strings (no torch needed) ----------------------------------------------------------------------


@pytest.mark.parametrize("make, text", [
    (lambda: ag.tensor([1.0, 2.0]), "tensor([1., 2.])"),
    (lambda: ag.tensor([1.0, 2.0], requires_grad=True), "tensor([1., 2.], requires_grad=True)"),
    (lambda: ag.tensor([[1.5, 2.0]]), "tensor([[1.5000, 2.0000]])"),
    (lambda: ag.tensor([-1.5, 20.25]), "tensor([-1.5000, 20.2500])"),
    (lambda: ag.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: ag.tensor([1.0, 1000.0]), "tensor([   1., 1000.])"),
    (lambda: ag.tensor([1.0, 1001.0]), "tensor([1.0000e+00, 1.0010e+03])"),  # max / min > 1000
    (lambda: ag.tensor([1.5, 1001.0]), "tensor([   1.5000, 1001.0000])"),
    (lambda: ag.tensor([1e9, 2e9]), "tensor([1.0000e+09, 2.0000e+09])"),
    (lambda: ag.tensor([float("nan"), float("inf"), -float("inf"), 100.0]), "tensor([ nan,  inf, -inf, 100.])"),
    (lambda: ag.tensor([float("nan"), 1.5]), "tensor([   nan, 1.5000])"),
    (lambda: ag.tensor([0.0, -0.0]), "tensor([0., -0.])"),
    (lambda: ag.tensor(3.0), "tensor(3.)"),
    (lambda: ag.tensor(1.5), "tensor(1.5000)"),
    (lambda: ag.tensor(7), "tensor(7)"),
    (lambda: ag.tensor(True), "tensor(True)"),
    (lambda: ag.tensor(float("nan")), "tensor(nan)"),
    (lambda: ag.tensor([True, False]), "tensor([ True, False])"),
    (lambda: ag.tensor([1, 2]), "tensor([1, 2])"),
    (lambda: ag.tensor([-5, 100]), "tensor([ -5, 100])"),
    (lambda: ag.tensor([1, 2], dtype=ag.int32), "tensor([1, 2], dtype=autograd.int32)"),
    (lambda: ag.tensor([1, 200], dtype=ag.uint8), "tensor([  1, 200], dtype=autograd.uint8)"),
    (lambda: ag.tensor([1.0, 2.0], dtype=ag.float64), "tensor([1., 2.], dtype=autograd.float64)"),
    (lambda: ag.tensor([0.5, 2.0], dtype=ag.float16), "tensor([0.5000, 2.0000], dtype=autograd.float16)"),
    (lambda: ag.tensor([]), "tensor([])"),
    (lambda: ag.zeros(0, 3), "tensor([], size=(0, 3))"),
    (lambda: ag.zeros(2, 0, 1), "tensor([], size=(2, 0, 1))"),
    (lambda: ag.tensor([], dtype=ag.int64), "tensor([], dtype=autograd.int64)"),
    (lambda: ag.tensor([], dtype=ag.bool), "tensor([], dtype=autograd.bool)"),
    (lambda: ag.zeros(0, 2, dtype=ag.float64), "tensor([], size=(0, 2), dtype=autograd.float64)"),
    (lambda: ag.tensor([[1, 2], [3, 4]]), "tensor([[1, 2],\n        [3, 4]])"),
    (lambda: ag.zeros(2, 1, 2), "tensor([[[0., 0.]],\n\n        [[0., 0.]]])"),
    (lambda: ag.tensor([1.0, 2.0], requires_grad=True) * 2, "tensor([2., 4.], grad_fn=<MulBackward0>)"),
    (lambda: (ag.tensor([1.0, 2.0], requires_grad=True) + 1).sum(), "tensor(5., grad_fn=<SumBackward0>)"),
])
def test_repr_pinned(make, text):
    assert repr(make()) == text


def test_long_rows_wrap_at_80_columns_under_the_first_item():
    assert repr(ag.arange(30)) == (
        "tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n"
        "        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29])")


def test_over_1000_elements_are_summarised_with_3_edge_items():
    assert repr(ag.arange(1001)) == "tensor([   0,    1,    2,  ...,  998,  999, 1000])"
    assert repr(ag.arange(1000)).count("...") == 0
    assert repr(ag.zeros(1000, 3)) == (
        "tensor([[0., 0., 0.],\n"
        "        [0., 0., 0.],\n"
        "        [0., 0., 0.],\n"
        "        ...,\n"
        "        [0., 0., 0.],\n"
        "        [0., 0., 0.],\n"
        "        [0., 0., 0.]])")


def test_summarised_formatter_sees_only_the_items_shown():
    x = ag.zeros(2000)
    x.data[1000] = 1e-6  # hidden by the summary: must not switch the shown items to scientific notation
    assert repr(x) == "tensor([0., 0., 0.,  ..., 0., 0., 0.])"


def test_suffixes_move_to_a_new_line_when_the_last_line_is_full():
    x = ag.tensor(np.arange(8, dtype=np.float64) + 0.5)
    assert repr(x) == (
        "tensor([0.5000, 1.5000, 2.5000, 3.5000, 4.5000, 5.5000, 6.5000, 7.5000],\n"
        "       dtype=autograd.float64)")
    y = ag.tensor(np.arange(8, dtype=np.float64) + 0.5, requires_grad=True)
    assert repr(y).endswith("7.5000],\n       dtype=autograd.float64, requires_grad=True)")


def test_lines_break_where_torch_breaks_them_even_past_80_columns():
    # PyTorch's line is 79 columns with "dtype=torch.int16"; ours is 3 characters longer and stays on that line.
    text = repr(ag.tensor(np.full((1, 10), 100, np.int16)))
    assert text == "tensor([[100, 100, 100, 100, 100, 100, 100, 100, 100, 100]], dtype=autograd.int16)"
    assert len(text) == 82


def test_default_dtype_decides_which_float_dtype_is_implied():
    ag.set_default_dtype(ag.float64)
    try:
        assert repr(ag.tensor([1.5])) == "tensor([1.5000])"  # a Python float is now float64
        assert repr(ag.tensor(np.array([1.5], np.float32))) == "tensor([1.5000], dtype=autograd.float32)"
        assert repr(ag.tensor([], dtype=ag.float64)) == "tensor([])"
    finally:
        ag.set_default_dtype(ag.float32)


def test_parameter_repr():
    import nn

    assert repr(nn.Parameter(ag.tensor([1.0, 2.0]))) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"


# -- equal to torch's repr ---------------------------------------------------------------------------------


def _table():
    rng = np.random.default_rng(0)
    cases = {}
    for scale in (1e-9, 1e-5, 1e-3, 0.1, 1.0, 10.0, 1e3, 1e5, 1e9, 1e15):
        for shape in ((5,), (3, 4), (2, 3, 4), (30,), (7, 13), (2, 2, 2, 2)):
            cases[f"normal*{scale:g}-{shape}"] = (rng.standard_normal(shape) * scale).astype(np.float32)
    cases.update({
        "whole-floats": np.array([1.0, 2.0, -30.0], np.float32),
        "whole-floats-1e8": np.array([1e8, 1.0], np.float32),
        "ratio-1000": np.array([1.0, 1000.0, 0.5], np.float32),
        "ratio-1001": np.array([1.0, 1001.0, 0.5], np.float32),
        "min-1e-4": np.array([0.0001, 0.5]), "min-below-1e-4": np.array([0.0000999, 0.5]),
        "nan-inf": np.array([np.nan, np.inf, -np.inf, 1.5], np.float32),
        "nan-inf-only": np.array([np.nan, np.inf, -np.inf], np.float32),
        "nan-zero": np.array([np.nan, 0.0], np.float32), "signed-zeros": np.array([0.0, -0.0, 0.0], np.float32),
        "nan-sci": np.array([1e-5, np.nan, -3.0], np.float32), "nan-whole": np.array([[100.0, np.nan], [-np.inf, 2.0]]),
        "zeros-10000": np.zeros(10_000, np.float32),
        "normal-1000": rng.standard_normal(1000).astype(np.float32),
        "normal-1001": rng.standard_normal(1001).astype(np.float32),
        "normal-40x40": rng.standard_normal((40, 40)).astype(np.float32),
        "normal-7x8x30": rng.standard_normal((7, 8, 30)).astype(np.float32),
        "normal-3x400": rng.standard_normal((3, 400)).astype(np.float32),
        "normal-400x3": rng.standard_normal((400, 3)).astype(np.float32),
        "normal-2x1001": rng.standard_normal((2, 1001)).astype(np.float32),
        "normal-1x1x1001": rng.standard_normal((1, 1, 1001)).astype(np.float32),
        "normal-20x5x5x5": rng.standard_normal((20, 5, 5, 5)).astype(np.float32),
        "big-50x50": (rng.standard_normal((50, 50)) * 1e6).astype(np.float32),
        "arange-1001-float": np.arange(1001, dtype=np.float32),
        "arange-100*1.1": np.arange(100, dtype=np.float32) * np.float32(1.1),
        "int64-50x30": rng.integers(-1000, 1000, (50, 30)), "int64-3x4": rng.integers(0, 10, (3, 4)),
        "int64-20x100": np.arange(2000).reshape(20, 100), "int64-huge": np.array([2**62, -5]),
        "int16-suffix-at-80": np.full((1, 6), -10000, np.int16), "int16-past-80": np.full((1, 10), 100, np.int16),
        "float64-suffix-wraps": np.arange(8, dtype=np.float64) + 0.5,
        "int32": rng.integers(-5, 5, (6,)).astype(np.int32), "int16": rng.integers(-300, 300, (4,)).astype(np.int16),
        "int8": rng.integers(-5, 5, (3,)).astype(np.int8), "uint8-5x5": rng.integers(0, 255, (5, 5)).astype(np.uint8),
        "uint8-2000": rng.integers(0, 255, (2000,)).astype(np.uint8),
        "bool-4x5": rng.integers(0, 2, (4, 5)).astype(bool), "bool-2000": rng.integers(0, 2, (2000,)).astype(bool),
        "bool-all-true": np.ones(3, bool),
        "float16-3x4": rng.standard_normal((3, 4)).astype(np.float16),
        "float16-1e4": (rng.standard_normal(20) * 1e4).astype(np.float16),
        "float16-tiny": np.array([6e-8, 1.0, np.inf], np.float16),
        "float64-3x4": rng.standard_normal((3, 4)), "float64-1e-8": rng.standard_normal(33) * 1e-8,
        "float64-extremes": np.array([1e-300, 1e300, -2.5]),
        "0d-float": np.array(1.5, np.float32), "0d-whole": np.array(3.0, np.float32), "0d-int": np.array(7),
        "0d-bool": np.array(True), "0d-nan": np.array(np.nan, np.float32), "0d-float64": np.array(2.5),
        "0d-tiny": np.array(1e-7, np.float32), "0d-int32": np.array(3, np.int32), "0d-float16": np.array(0.1, np.float16),
        "empty-float": np.zeros((0,), np.float32), "empty-0x3": np.zeros((0, 3), np.float32),
        "empty-2x0x3": np.zeros((2, 0, 3), np.float32), "empty-int64": np.zeros((0,), np.int64),
        "empty-int64-0x2": np.zeros((0, 2), np.int64), "empty-bool": np.zeros((0,), bool),
        "empty-float64": np.zeros((0,)), "empty-int32": np.zeros((0,), np.int32), "empty-float64-1x0": np.zeros((1, 0)),
        "empty-uint8": np.zeros((3, 0), np.uint8), "empty-float16": np.zeros((0,), np.float16),
        "const-123456": np.full((3, 3), 123456.0, np.float32),
        "nested-1x1x1x3": np.arange(3, dtype=np.float32).reshape(1, 1, 1, 3),
        "nested-2x1x2x1x2": np.arange(8, dtype=np.float32).reshape(2, 1, 2, 1, 2) - 3.5,
    })
    return cases


_TABLE = _table()


@needs_torch
@pytest.mark.parametrize("name", list(_TABLE))
def test_repr_equals_torch(name):
    a = _TABLE[name]
    assert repr(ag.tensor(a)) == _torch_text(torch.tensor(a))


@needs_torch
@pytest.mark.parametrize("name", ["normal*1-(7, 13)", "float64-3x4", "float16-3x4", "normal-40x40", "0d-float",
                                  "normal-2x1001", "nan-sci"])
def test_repr_with_requires_grad_and_grad_fn_equals_torch(name):
    a = _TABLE[name]
    x, tx = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    assert repr(x) == _torch_text(tx)
    for op in (lambda v: v * 2, lambda v: v + 1, lambda v: v.exp(), lambda v: v.sum(), lambda v: v.mean()):
        assert repr(op(x)) == _torch_text(op(tx))


@needs_torch
def test_repr_under_float64_default_equals_torch():
    a = np.array([1.5, -2.0], np.float32)
    ag.set_default_dtype(ag.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for data in (a, a.astype(np.float64), np.zeros(0, np.float32), np.zeros(0), [0.5, 2.0], np.array([1, 2])):
            assert repr(ag.tensor(data)) == _torch_text(torch.tensor(data))
    finally:
        ag.set_default_dtype(ag.float32)
        torch.set_default_dtype(torch.float32)


_DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_]


@needs_torch
@given(hnp.arrays(st.sampled_from(_DTYPES), hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=7)))
def test_repr_of_arbitrary_small_arrays_equals_torch(a):
    assert repr(ag.tensor(a)) == _torch_text(torch.tensor(a))


@needs_torch
@given(st.integers(0, 2**32 - 1), st.sampled_from([(1001,), (3, 400), (40, 30), (2, 3, 200), (1100, 1), (11, 10, 10)]),
       st.sampled_from(_DTYPES), st.floats(-10, 12), st.booleans())
def test_repr_of_summarised_arrays_equals_torch(seed, shape, dtype, log_scale, specials):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        a = rng.standard_normal(shape) * 10.0 ** log_scale
        if specials:
            a.flat[rng.integers(0, a.size, 5)] = [np.nan, np.inf, -np.inf, 0.0, -0.0]
    else:
        a = rng.integers(0, 2 if dtype is np.bool_ else 100, shape)
    with np.errstate(over="ignore"):  # float16 overflows to inf, which is one more case to print
        a = a.astype(dtype)
    assert repr(ag.tensor(a)) == _torch_text(torch.tensor(a))
