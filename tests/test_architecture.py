"""The package's shape: no import cycles (imports inside functions included), small modules.

Cycles hidden by imports inside functions are still cycles: two modules that need each other
cannot be understood, tested or replaced one at a time. The walk is static (ast), so it sees every
import a module can run, on any path, including ``if TYPE_CHECKING:`` ones.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "aesthetic_curator"
MAX_MODULE_LINES = 500
MAX_MAIN_WINDOW_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports, anywhere in its source."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module.split(".") if node.module else []
            if node.level:
                base = here[: len(here) - (node.level - 1)] + base
            module = ".".join(base)
            # ``from package import submodule`` imports the submodule; ``from module import name`` the module.
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # a name inside a module: the module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def import_graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    graph = {name: imports_of(name, path, known) for name, path in mods.items()}
    # A package imports nothing by being the parent of a module: only what its __init__ says.
    return graph


def test_the_walk_sees_imports_inside_functions_and_relative_ones():
    graph = import_graph()
    assert "aesthetic_curator.catalog" in graph["aesthetic_curator.cli.common"]  # ``from ..catalog import``
    assert "aesthetic_curator.personal.service" in graph["aesthetic_curator.cli.personal"]  # inside functions
    assert "aesthetic_curator.cli.app" in graph["aesthetic_curator.cli.__main__"]  # ``from . import app``


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_no_module_is_over_500_lines():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_the_main_window_is_a_composition_under_400_lines():
    source = (PACKAGE / "gui" / "main_window.py").read_text(encoding="utf-8")
    window = next(node for node in ast.parse(source).body if isinstance(node, ast.ClassDef)
                  and node.name == "MainWindow")
    assert window.end_lineno - window.lineno + 1 < MAX_MAIN_WINDOW_LINES


def test_no_region_of_ten_lines_is_copied():
    """The same ten lines (blank lines and comments aside) in two places: one of them should be a
    function the other calls. (Copies with other names are what ``duplicates`` in the tool library
    finds; this catches the plain copy-paste, everywhere CI runs.)"""
    window = 10
    seen: dict[tuple[str, ...], str] = {}
    copies = []
    for name, path in modules().items():
        lines = [(i, line.strip()) for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)]
        code = [(i, text) for i, text in lines if text and not text.startswith("#")]
        for k in range(len(code) - window + 1):
            run = tuple(text for _, text in code[k:k + window])
            if sum(len(t) > 3 for t in run) < window // 2:  # closing brackets and the like
                continue
            where = f"{name}:{code[k][0]}"
            first = seen.setdefault(run, where)
            if first != where and not first.startswith(f"{name}:"):
                copies.append((first, where))
    assert copies == []


def test_no_private_name_is_imported_from_another_module():
    """A leading underscore says "only this module uses it"; importing it elsewhere breaks that promise."""
    private = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                private += [f"{name}: {alias.name}" for alias in node.names
                            if alias.name.startswith("_") and not alias.name.startswith("__")
                            and alias.asname is None]
    assert private == []
