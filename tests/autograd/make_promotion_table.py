"""Regenerate promotion_table.json: torch's type promotion, which tests/autograd/test_dtypes.py checks against.

Run from the repository root with torch installed:

    python tests/autograd/make_promotion_table.py

For every pair of dtypes in DTYPES, in the four layouts (dim x dim, dim x 0-d, 0-d x dim, 0-d x 0-d), for each
dtype (dim and 0-d) with each number in NUMBERS in both orders, and for number x number, it records
``torch.result_type`` and the dtype of ``a + b`` (torch.add; null when torch refuses or both are numbers).
The cases with numbers are recorded under the default dtypes float32 and float64. Operands are written as
[layout, name]: layout "dim" (shape (2,)), "0d" (shape ()) or "number"; name a dtype or a number's repr.
The test also imports ``cases()`` to compare live against whatever torch is installed.
"""
import ast
import json
import pathlib
import warnings

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128"]
NUMBERS = ["True", "2", "2.5", "2j"]
TABLE = pathlib.Path(__file__).with_name("promotion_table.json")


def operand_specs():
    """Every (a, b, default_float) the table covers, as [layout, name] pairs."""
    tensors = [[layout, d] for layout in ("dim", "0d") for d in DTYPES]
    specs = [(a, b, "float32") for a in tensors for b in tensors]
    numbers = [["number", n] for n in NUMBERS]
    for default in ("float32", "float64"):
        for t in tensors:
            for n in numbers:
                specs += [(t, n, default), (n, t, default)]
        specs += [(m, n, default) for m in numbers for n in numbers]
    return specs


def torch_operand(torch, spec):
    """The torch tensor or Python number a [layout, name] spec stands for."""
    layout, name = spec
    if layout == "number":
        return ast.literal_eval(name)
    return torch.ones((2,) if layout == "dim" else (), dtype=getattr(torch, name))


def _name(dtype):
    return str(dtype).removeprefix("torch.")


def torch_case(torch, a, b, default):
    """torch's result_type and a + b dtype (or None) for one spec pair under default dtype ``default``."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default))
    try:
        x, y = torch_operand(torch, a), torch_operand(torch, b)
        result = _name(torch.result_type(x, y))
        add = None  # stays None for number + number, and where torch refuses the add
        if isinstance(x, torch.Tensor) or isinstance(y, torch.Tensor):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # complex32: "ComplexHalf support is experimental"
                try:
                    add = _name((x + y).dtype)
                except (RuntimeError, TypeError, NotImplementedError):
                    pass
    finally:
        torch.set_default_dtype(before)
    return {"a": a, "b": b, "default_float": default, "result_type": result, "add": add,
            "add_agrees": add == result if add is not None else None}


def cases(torch):
    """All table rows computed with this torch."""
    return [torch_case(torch, a, b, default) for a, b, default in operand_specs()]


def main():
    import torch

    rows = cases(torch)
    head = json.dumps({"torch_version": torch.__version__, "dtypes": DTYPES, "numbers": NUMBERS})
    # one case a line, so a torch upgrade shows up as a readable diff
    TABLE.write_text(head[:-1] + ', "cases": [\n' + ",\n".join(json.dumps(r) for r in rows) + "\n]}\n")
    disagree = [r for r in rows if r["add_agrees"] is False]
    print(f"wrote {len(rows)} cases to {TABLE} ({len(disagree)} where a + b differs from result_type)")


if __name__ == "__main__":
    main()
