"""The module-level imports inside ``autograd/`` form no cycle, and ``autograd`` never imports nn/optim/viz."""
import ast
import pathlib

import autograd

ROOT = pathlib.Path(autograd.__file__).parent


def _module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module, is_package, level, name):
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _edges():
    """``{module: set of autograd modules it imports at module level}`` (imports inside functions excluded)."""
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    edges = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        out = edges.setdefault(name, set())
        for node in ast.parse(path.read_text()).body:  # top-level statements only
            targets = []
            if isinstance(node, ast.ImportFrom):
                target = _resolve(name, is_package, node.level, node.module) if node.level else node.module
                targets.append(target)
                targets += [f"{target}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets += [a.name for a in node.names]
            for t in targets:
                if t in modules and t != name and t != "autograd":
                    out.add(t)
    return edges


def _find_cycle(edges):
    state, stack = {}, []

    def visit(n):
        state[n] = "open"
        stack.append(n)
        for m in sorted(edges.get(n, ())):
            if state.get(m) == "open":
                return stack[stack.index(m):] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        state[n] = "done"
        stack.pop()
        return None

    for n in sorted(edges):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def test_autograd_module_imports_are_acyclic():
    edges = _edges()
    assert "autograd.tensor" in edges and edges["autograd.op"]  # the walk sees the real modules
    cycle = _find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_check_finds_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_tail_imports_in_autograd():
    for path in ROOT.rglob("*.py"):
        assert "noqa: E402" not in path.read_text(), f"{path} imports below module code (a tail import)"


def test_autograd_does_not_import_the_layers_above_it():
    for path in ROOT.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                assert not any(n.split(".")[0] in ("nn", "optim", "viz", "scratchgrad") for n in names), path


def _modules_after(code):
    """The top-level packages loaded by running ``code`` in a fresh interpreter (from the repository root)."""
    import subprocess
    import sys

    script = code + "\nimport sys; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=ROOT.parent).stdout
    return set(out.split())


def test_importing_autograd_loads_none_of_the_layers_above():
    loaded = _modules_after("import autograd as torch; torch.device('cpu'); torch.utils.data.DataLoader")
    assert "autograd" in loaded and not loaded & {"nn", "optim", "viz", "scratchgrad"}


def test_torch_style_access_loads_nn_and_optim_lazily():
    loaded = _modules_after("import autograd as torch; torch.nn.Linear; torch.optim.SGD")
    assert {"nn", "optim"} <= loaded and "viz" not in loaded
