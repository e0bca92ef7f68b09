"""The rooms and the one direction between them: api → schema → services → db → domain.

Each layer imports only itself and the layers below it; ``demo/`` (the demo county) sits beside
them, using services/, db/ and domain/, and only the API's command line loads it. ``domain/`` is
pure: it touches no database, network or web framework. Read from the source (AST), so a lazy
import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("domain", "db", "services", "schema", "api")  # lowest first
PACKAGES = (*LAYERS, "demo")
# What each package may import from the project, besides itself.
ALLOWED: dict[str, set[str]] = {layer: set(LAYERS[:i]) for i, layer in enumerate(LAYERS)} | {
    "demo": {"services", "db", "domain"}
}
ALLOWED["api"].add("demo")  # `sunshine seed` and `serve` load the demo county
# Libraries that mean I/O or a framework: none of them belongs in the pure rules.
IMPURE = {"asyncpg", "httpx", "redis", "starlette", "strawberry", "graphql", "uvicorn", "alembic", "socket"}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _load_time(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes run when the module is imported: all but function bodies and ``if TYPE_CHECKING``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(child, ast.If) and ast.unparse(child.test).endswith("TYPE_CHECKING"):
            for branch in child.orelse:
                yield branch
                yield from _load_time(branch)
            continue
        yield child
        yield from _load_time(child)


def imports_of(name: str, path: Path, *, load_time_only: bool = False) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in the file, relative ones resolved; with
    ``load_time_only``, only those that run when the module is imported."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = _load_time(tree) if load_time_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            for alias in node.names:  # `from db import cases` imports the module db.cases
                yield node.lineno, f"{base}.{alias.name}"


def project_graph() -> dict[str, set[str]]:
    """Which project modules each one imports as it loads. Types that refer to each other (a
    department's powers, a power's department) import lazily, which is no cycle."""
    known = modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for _, target in imports_of(name, path, load_time_only=True):
            if target in known and target != name:
                graph[name].add(target)
    return graph


def test_every_import_runs_down_the_layers() -> None:
    wrong = []
    for name, path in modules().items():
        package = name.split(".")[0]
        for line, target in imports_of(name, path):
            top = target.split(".")[0]
            if top in PACKAGES and top != package and top not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert wrong == []


def test_domain_is_pure() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for name, path in modules().items()
        if name.split(".")[0] == "domain"
        for line, target in imports_of(name, path)
        if target.split(".")[0] in IMPURE
    ]
    assert wrong == []


def test_no_import_cycles() -> None:
    graph = project_graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == []


def test_the_checks_see_the_whole_tree() -> None:
    """Guards the three tests above against passing on nothing."""
    graph = project_graph()
    assert {name.split(".")[0] for name in graph} == set(PACKAGES)
    assert "services.supervision" in graph["schema.supervision"]
    assert "domain.calendar" in graph["services.supervision"]
