"""The package's modules import each other without a cycle, counting the
imports made inside functions too: a backend never imports a public module
that dispatches to it."""
import ast
import pathlib

import corr2d

PACKAGE = pathlib.Path(corr2d.__file__).parent


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict:
    """Python modules, and the compiled extension (whose imports are C)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    for ext in PACKAGE.glob("_ccore*"):
        if ext.suffix in (".so", ".pyd", ".pyx"):
            modules.setdefault("corr2d._ccore", None)
    return modules


def _imports(name: str, path: pathlib.Path, modules: dict) -> set:
    """corr2d modules that `name` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # `from pkg import sub` imports the submodule pkg.sub
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                       for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def _cycle(graph: dict):
    """One cycle of `graph` as a list of modules, or None."""
    state = {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, stack)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def test_the_walk_sees_the_imports():
    graph = {n: _imports(n, p, _modules()) for n, p in _modules().items() if p}
    assert "corr2d.signal" in graph["corr2d"]
    assert graph["corr2d.nn.conv"]  # relative imports resolved


def test_no_import_cycle():
    modules = _modules()
    graph = {n: _imports(n, p, modules) if p else set() for n, p in modules.items()}
    # A package imports its own submodules; a submodule importing a name of
    # its package's __init__ is what closes a cycle, and is counted.
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_a_cycle_is_found():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
