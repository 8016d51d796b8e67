"""The layout keeps its promises: no import cycle, arrows point down the layers, every
package says what it is for, the CLI root is imported by no command, `film --help` loads
nothing heavy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
#: top to bottom: a module may import its own layer or one below it, never one above
LAYERS = ["pipelines", "cli", "batch", "build", "stages", "story", "scenario", "offline",
          "providers", "vendors", "media", "ground"]


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in SRC.rglob("*.py")}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every film/pipelines module `path` imports, wherever the import statement is."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(path, known) - {name} for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "pipelines":
        return "pipelines"
    if len(parts) == 1:
        return "ground"  # the film package itself
    head = parts[1]
    if head in ("cli", "cli_commands", "__main__"):
        return "cli"
    return head if head in LAYERS else "ground"


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_there_is_no_import_cycle_anywhere_in_src():
    assert cycles(graph()) == []


def test_imports_only_point_down_the_layers():
    wrong = [f"{src} ({layer(src)}) imports {dst} ({layer(dst)})"
             for src, targets in graph().items() for dst in targets
             if LAYERS.index(layer(dst)) < LAYERS.index(layer(src))]
    assert wrong == []


def test_no_command_imports_the_cli_root():
    importers = {src for src, targets in graph().items() if "film.cli" in targets}
    assert importers <= {"film.__main__"}


def test_every_package_says_in_one_line_what_it_is_for():
    for init in SRC.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and doc.strip(), f"{init} has no docstring"
        assert len(doc.strip().splitlines()) == 1, f"{init}: one line, please"


@pytest.mark.parametrize("module", ["film.cli"])
def test_help_loads_nothing_heavy(module):
    code = (f"import sys, {module}; heavy = ('httpx', 'PIL', 'pydantic', 'rich', 'numpy', "
            "'dask', 'distributed'); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
