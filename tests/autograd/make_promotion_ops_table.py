"""Regenerate ``promotion_ops_table.json``: the dtype torch gives each binary op over dtypes and layouts.

    python tests/autograd/make_promotion_ops_table.py     (needs torch; the table is checked in for CI without it)
"""
import json
import pathlib

import numpy as np

DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float32", "float64"]
NUMBERS = {"True": True, "2": 2, "2.5": 2.5}
OPS = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "where", "eq", "lt"]
PATH = pathlib.Path(__file__).with_name("promotion_ops_table.json")


def operands():
    """Every operand kind: ``(key, factory(lib) -> operand)`` for dimensioned and 0-d tensors and numbers."""
    out = []
    for d in DTYPES:
        out.append((f"{d}[2]", lambda lib, d=d: lib.tensor(np.array([1, 2]).astype(d))))
        out.append((f"{d}[]", lambda lib, d=d: lib.tensor(np.array(1).astype(d))))
    for key, value in NUMBERS.items():
        out.append((key, lambda lib, value=value: value))
    return out


def run(lib, op, a, b):
    """``op(a, b)`` in ``lib`` (torch or autograd); the result's dtype name, or ``error:<ExceptionType>``."""
    if not any(hasattr(x, "dtype") for x in (a, b)):
        return None
    try:
        if op == "where":
            cond = lib.tensor([True, False])
            out = lib.where(cond, a, b)
        elif op in ("eq", "lt"):
            out = getattr(lib, op)(a, b) if hasattr(a, "dtype") else getattr(lib, op)(b, a)
        elif op == "pow":
            out = a ** b
        else:
            out = getattr(lib, op)(a, b) if hasattr(a, "dtype") or op not in ("maximum", "minimum") else None
            if out is None:
                return None
    except Exception as e:  # noqa: BLE001  (the table records which error torch raises)
        return f"error:{type(e).__name__}"
    return str(out.dtype).replace("torch.", "").replace("autograd.", "")


def table(lib):
    kinds = operands()
    result = {}
    for op in OPS:
        for ka, fa in kinds:
            for kb, fb in kinds:
                value = run(lib, op, fa(lib), fb(lib))
                if value is not None:
                    result[f"{op} {ka} {kb}"] = value
    return result


if __name__ == "__main__":
    import torch

    PATH.write_text(json.dumps(table(torch), indent=0, sort_keys=True) + "\n")
    print(f"wrote {PATH}")
