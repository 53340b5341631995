"""The house: rooms that only point down, no import loops, small modules and functions.

``lint-imports`` (import-linter, contracts in setup.cfg) checks the room order in CI.
These tests check the same order on their own AST-based import graph, which counts
imports inside functions and under ``TYPE_CHECKING``, and add what import-linter does
not: no loop anywhere in the module graph, what may sit in the package root, and the
size limits of the style guide.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO

PACKAGE = REPO / "kaohe_xl"
# Bottom to top. A room may import its own modules and any room on a lower line.
ROOMS: tuple[frozenset[str], ...] = (
    frozenset(
        {"atomic", "clock", "errors", "frozen", "lazy", "problems", "progress", "resources", "textnorm", "workers"}
    ),
    frozenset({"xlsx"}),
    frozenset({"rubric"}),
    frozenset({"store"}),
    frozenset({"campaign"}),
    frozenset({"forms"}),
    frozenset({"collect"}),
    frozenset({"scoring"}),
    frozenset({"analysis"}),
    frozenset({"output"}),
    frozenset({"mail"}),
    frozenset({"addin"}),
    frozenset({"demo"}),
    frozenset({"cli"}),
)
FACES = frozenset({"__init__", "__main__"})
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path, known: dict[str, Path]) -> Iterator[str]:
    """Every kaohe_xl module ``path`` imports, anywhere in the file (functions, TYPE_CHECKING)."""
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] == "kaohe_xl")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != "kaohe_xl":
                continue
            for alias in node.names:  # `from pkg import module` imports the module itself
                sub = f"{source}.{alias.name}"
                yield sub if sub in known else source


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {m for m in imported(path, known) if m in known and m != name} for name, path in known.items()}


def room_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def level_of(room: str) -> int:
    if room in FACES or room == "":
        return len(ROOMS)  # the package faces (kaohe_xl, python -m kaohe_xl): above everything
    return next(i for i, rooms in enumerate(ROOMS) if room in rooms)


def find_cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import loop as a list of modules, or [] when there is none."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return []

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return []


def upward(edges: dict[str, set[str]]) -> list[str]:
    """``a -> b`` for every import from a room to a room above it (faces excluded)."""
    bad = []
    for source, targets in edges.items():
        if source.rpartition(".")[2] in FACES and source.count(".") <= 1:
            continue  # the package faces re-export the whole API
        for target in targets:
            if room_of(target) and level_of(room_of(target)) > level_of(room_of(source)):
                bad.append(f"{source} -> {target}")
    return sorted(bad)


def test_no_module_imports_another_in_a_loop() -> None:
    edges = {m: t for m, t in graph().items() if m != "kaohe_xl"}  # the root face re-exports
    assert find_cycle(edges) == []


def test_rooms_only_import_rooms_below_them() -> None:
    assert upward(graph()) == []


def test_the_check_catches_an_upward_import_and_a_loop() -> None:
    edges = graph()
    edges["kaohe_xl.store.db"] = edges["kaohe_xl.store.db"] | {"kaohe_xl.output.summary"}
    assert upward(edges) == ["kaohe_xl.store.db -> kaohe_xl.output.summary"]
    assert find_cycle(edges)  # output.summary imports the store: a loop


def test_package_root_holds_only_base_modules_the_campaign_demo_and_faces() -> None:
    root = {p.stem for p in PACKAGE.glob("*.py")}
    assert root - FACES == ROOMS[0] | {"campaign", "demo"}
    rooms = {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert rooms == set().union(*ROOMS[1:]) - {"campaign", "demo"}


def test_base_modules_import_nothing_above_the_base() -> None:
    edges = graph()
    for name in ROOMS[0]:
        assert {room_of(t) for t in edges[f"kaohe_xl.{name}"]} <= ROOMS[0], name


@pytest.mark.parametrize("name", sorted(modules()))
def test_modules_and_functions_stay_small(name: str) -> None:
    path = modules()[name]
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{path}: over {MAX_MODULE_LINES} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            doc = ast.get_docstring(node) or ""
            if length > MAX_FUNCTION_LINES:
                assert "Long because" in doc, f"{path}:{node.lineno} {node.name} has {length} lines and no reason"
