"""Every layer imports only the layers below it (STYLE.md), and no module imports itself back in a circle.

schemas ← transforms ← expectations ← infra ← flows: what a package may import of ours, by name. Imports inside
functions count as much as those at the top: a lazy import is a dependency too.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("schemas", "transforms", "expectations", "infra", "flows")
# What each package may import of the project's own packages (itself included).
ALLOWED: dict[str, frozenset[str]] = {
    "schemas": frozenset({"schemas"}),
    "transforms": frozenset({"schemas", "transforms"}),
    "expectations": frozenset({"schemas", "expectations"}),
    "infra": frozenset({"schemas", "transforms", "expectations", "infra"}),
    "flows": frozenset(PACKAGES),
}


def module_name(path: Path) -> str:
    """`flows/stages/judge.py` → `flows.stages.judge`; a package's `__init__.py` → the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    """Every module of the five packages (migrations' version scripts aside: alembic loads them by path)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "versions" not in path.parts:
                found[module_name(path)] = path
    return found


def imports_of(path: Path, name: str, modules: Collection[str] = ()) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in a file, relative imports resolved.

    `from schemas import vocabulary` imports the module `schemas.vocabulary` (one of `modules`), not what
    `schemas/__init__.py` holds; `from schemas import FLOWS` imports `schemas` itself.
    """
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield node.lineno, submodule if submodule in modules else base


def project_imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Which project modules each module imports."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {target for _, target in imports_of(path, name, modules) if target in modules and target != name}
    return graph


def layer_violations(modules: dict[str, Path]) -> list[str]:
    """Imports against the direction of the layers, as `file:line imports module`."""
    found = []
    for name, path in modules.items():
        layer = name.split(".")[0]
        for line, target in imports_of(path, name):
            top = target.split(".")[0]
            if top in PACKAGES and top not in ALLOWED[layer]:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    return sorted(set(found))


def components(graph: dict[str, set[str]]) -> dict[str, int]:
    """Each module's strongly connected component (Kosaraju): a circle never leaves the component of its modules."""
    order: list[str] = []
    seen: set[str] = set()

    def finish(node: str) -> None:
        seen.add(node)
        for target in graph.get(node, ()):
            if target not in seen:
                finish(target)
        order.append(node)

    for node in graph:
        if node not in seen:
            finish(node)
    reverse: dict[str, set[str]] = {}
    for node, targets in graph.items():
        for target in targets:
            reverse.setdefault(target, set()).add(node)
    component: dict[str, int] = {}
    for label, root in enumerate(reversed(order)):
        stack = [root] if root not in component else []
        while stack:
            node = stack.pop()
            if node not in component:
                component[node] = label
                stack.extend(source for source in reverse.get(node, ()) if source not in component)
    return component


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Import circles among modules (each reported once, from its smallest member), by depth-first search.

    The search from a module follows only modules of its own component: elsewhere there is no way back to it
    (without that, the search walked every import path of the project: about 8 s).
    """
    component = components(graph)
    found: set[tuple[str, ...]] = set()
    for start in graph:
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for target in graph.get(node, ()):
                if target == start:
                    smallest = path.index(min(path))
                    found.add(tuple(path[smallest:] + path[:smallest]))
                elif target not in path and target > start and component.get(target) == component[start]:
                    # a circle is found from its smallest module only
                    stack.append((target, [*path, target]))
    return [list(circle) for circle in sorted(found)]


def test_every_package_is_found() -> None:
    modules = project_modules()
    assert {name.split(".")[0] for name in modules} == set(PACKAGES)
    assert "flows.stages.judge" in modules


def test_layers_import_only_downwards() -> None:
    assert layer_violations(project_modules()) == []


def test_no_import_circles() -> None:
    assert cycles(project_imports(project_modules())) == []


@pytest.mark.parametrize(
    ("layer", "source"),
    [
        ("schemas", "import polars as pl\nfrom transforms.normalize import normalize\n"),
        ("transforms", "def f():\n    from infra.storage import Storage\n"),
        ("expectations", "from infra.readers import read_table\n"),
        ("infra", "from flows.stages.judge import judge\n"),
        ("expectations", "from transforms import indicators\n"),
    ],
)
def test_layer_check_catches_an_upward_import(tmp_path: Path, layer: str, source: str) -> None:
    path = ROOT / layer / "_probe_upward.py"
    try:
        path.write_text(source, encoding="utf-8")
        assert layer_violations({f"{layer}._probe_upward": path}) != []
    finally:
        path.unlink(missing_ok=True)


def test_cycle_check_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
