"""The import rules of the code's layers, read from the source with `ast`:

1. no import cycle between modules of `registry/` and `schemas/`;
2. imports flow downward through the layers of LAYERS, never up;
3. no import inside a function or class (`if TYPE_CHECKING:` blocks excepted).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("registry", "schemas")

# Module-name prefix → layer, top (1) to bottom (4): a module may import its own layer and the
# layers below it. A prefix covers the module and everything under it; the most specific
# prefix wins, so a module placed nowhere else falls under `registry`: a face, which nothing
# below may import, until this table places it.
LAYERS: tuple[tuple[str, int], ...] = (
    # 1. faces: the app (create_app), HTTP, HTML, the CLI
    ("registry", 1),
    ("registry.app", 1),
    ("registry.api", 1),
    ("registry.web", 1),
    ("registry.cli", 1),
    ("registry.errors", 1),
    ("registry.limits", 1),
    ("registry.access", 1),
    ("registry.exports", 1),
    ("registry.json_provider", 1),
    ("registry.request_limits", 1),
    # 2. services: everything the registry does
    ("registry.services", 2),
    # 3. below services: validation, the screening rules, the models, pure helpers
    ("schemas", 3),
    ("registry.rules", 3),
    ("registry.models", 3),
    ("registry.database", 3),
    ("registry.formats", 3),
    ("registry.names", 3),
    ("registry.csv_cells", 3),
    ("registry.shares", 3),
    ("registry.project_view", 3),
    # 4. bottom: reference data, the extension objects, configuration
    ("registry.reference", 4),
    ("registry.extensions", 4),
    ("registry.config", 4),
    ("registry.observability", 4),  # request ids, logs, metrics: the services count too
)
LAYER_NAMES = {1: "faces", 2: "services", 3: "below services", 4: "bottom"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    path: str  # its file, relative to the repository
    line: int
    target: str  # the module imported (for a `from` import, the module of each name)
    scope: str  # the function or class the import sits in; "" at module level
    type_checking: bool  # inside `if TYPE_CHECKING:`


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _sources() -> dict[str, Path]:
    """Module name → file, for every module of PACKAGES (a package's `__init__` is its own)."""
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _ImportVisitor(ast.NodeVisitor):
    """Every import statement of one module, with the function or class it sits in."""

    def __init__(self) -> None:
        self.found: list[tuple[ast.Import | ast.ImportFrom, str, bool]] = []
        self._scopes: list[str] = []
        self._type_checking = 0

    def _scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self._scopes.append(node.name)
        self.generic_visit(node)
        self._scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scope

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self._type_checking += 1
        for statement in node.body:
            self.visit(statement)
        self._type_checking -= 1
        for statement in node.orelse:
            self.visit(statement)

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.found.append((node, ".".join(self._scopes), self._type_checking > 0))

    visit_Import = visit_ImportFrom = _import


def _known(name: str) -> str:
    """The module `name` names: itself, or the nearest enclosing module that exists."""
    modules = _sources()
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return name


def _targets(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    """The modules an import statement names (implicit imports of parent packages left out)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module if _sources()[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    modules = _sources()
    return [
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
        for alias in node.names
    ]


@cache
def _imports() -> tuple[Import, ...]:
    """Every import in PACKAGES: one entry per module named (internal or not)."""
    found = []
    for module, path in _sources().items():
        visitor = _ImportVisitor()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for node, scope, type_checking in visitor.found:
            targets = [
                _known(t) if t.split(".")[0] in PACKAGES else t for t in _targets(node, module)
            ]
            found.extend(
                Import(module, str(path.relative_to(ROOT)), node.lineno, t, scope, type_checking)
                for t in dict.fromkeys(targets)
            )
    return tuple(found)


def _internal() -> list[Import]:
    return [
        i
        for i in _imports()
        if i.target.split(".")[0] in PACKAGES and i.target != i.module  # no self-imports
    ]


def _describe(i: Import) -> str:
    return f"{i.path}:{i.line}: {i.module} imports {i.target}"


def layer(module: str) -> int:
    """The layer of a module: that of its most specific prefix in LAYERS."""
    matches = [(len(p), n) for p, n in LAYERS if module == p or module.startswith(p + ".")]
    assert matches, f"{module} is under no prefix of LAYERS"
    return max(matches)[1]


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the graph's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_no_import_cycles():
    """Type-only imports (under `if TYPE_CHECKING:`) never run, so they make no cycle."""
    edges = [i for i in _internal() if not i.type_checking]
    graph: dict[str, set[str]] = {}
    for i in edges:
        graph.setdefault(i.module, set()).add(i.target)
    cycles = []
    for component in _strongly_connected(graph):
        if len(component) < 2:
            continue
        members = set(component)
        cycles.append(
            f"cycle among {', '.join(component)}:\n"
            + "\n".join(
                f"  {_describe(i)}" for i in edges if i.module in members and i.target in members
            )
        )
    if cycles:
        pytest.fail("Import cycles:\n" + "\n".join(cycles), pytrace=False)


def test_imports_flow_down_the_layers():
    upward = [
        f"{_describe(i)} "
        f"(layer {layer(i.module)} {LAYER_NAMES[layer(i.module)]} → "
        f"layer {layer(i.target)} {LAYER_NAMES[layer(i.target)]})"
        for i in _internal()
        if layer(i.target) < layer(i.module)
    ]
    if upward:
        pytest.fail(
            "Imports from a lower layer to a higher one:\n" + "\n".join(upward), pytrace=False
        )


def test_no_import_inside_a_function():
    nested = [
        f"{_describe(i)} inside {i.scope}" for i in _imports() if i.scope and not i.type_checking
    ]
    if nested:
        pytest.fail("Imports inside a function or class:\n" + "\n".join(nested), pytrace=False)


def test_the_scan_sees_the_code():
    """The rules above hold only if the walk finds the modules and their imports."""
    modules = _sources()
    assert {"registry", "registry.services", "schemas.project"} <= set(modules)
    assert any(i.module == "registry.services.projects" for i in _internal())
