"""No import cycles among Relais' own modules: the packages form layers.

The graph is read from the source (``ast``), not from ``sys.modules``: an
edge is an ``import`` or ``from … import`` that runs when the module is
loaded — at module level or in a class body. Left out, on purpose: imports
inside functions (run late: ``run.py``'s commands load only what they need)
and under ``if TYPE_CHECKING:`` (never run; a type-only reference is how a
lower module may name a higher one's type). ``from package import name`` is
an edge to ``package.name`` when that is a module, else to the package; a
module's own parent packages are no edge (Python loads them first anyway).

Two levels are checked: modules, and top-level packages (``bot`` may use
``telemetry``, ``service`` may use ``bot``, never the other way round).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "ingest", "cli", "service", "config", "engine", "telemetry", "charts")
SCRIPTS = ("run.py",)

Graph = dict[str, set[str]]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    paths = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    paths += [ROOT / script for script in SCRIPTS]
    return {module_name(path): path for path in paths}


def loaded_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports run at load time: outside function bodies and ``TYPE_CHECKING`` blocks."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _type_checking(node.test):
            pending.extend(node.orelse)
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))


def _type_checking(test: ast.expr) -> bool:
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", "")
    return name == "TYPE_CHECKING"


def absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def targets(
    node: ast.Import | ast.ImportFrom, importer: str, path: Path, modules: dict[str, Path]
) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    module = absolute(node, importer, path.name == "__init__.py")
    for alias in node.names:
        submodule = f"{module}.{alias.name}"
        yield submodule if submodule in modules else module


def owner(name: str, modules: dict[str, Path]) -> str | None:
    """The project module ``name`` is, or lies in (``a.b.c`` → ``a.b`` when ``c`` is a name)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> Graph:
    modules = project_modules()
    graph: Graph = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in loaded_imports(tree):
            for target in targets(node, name, path, modules):
                found = owner(target, modules)
                if found is not None and not (name + ".").startswith(found + "."):
                    graph[name].add(found)
    return graph


def package_graph(graph: Graph) -> Graph:
    """The same edges between top-level packages (``run.py`` is its own)."""
    packages: Graph = {}
    for name, imported in graph.items():
        top = name.partition(".")[0]
        packages.setdefault(top, set()).update(
            t.partition(".")[0] for t in imported if t.partition(".")[0] != top
        )
    return packages


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = [stack.pop()]
            while component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_graph_sees_the_known_layers() -> None:
    graph = import_graph()
    assert "engine.api" in graph["bot.app"]
    assert "bot.app" in graph["service.app"]
    assert "engine.core" in graph["engine.api"]


def test_finds_a_cycle_when_there_is_one() -> None:
    graph: Graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_only_imports_run_at_load_time_count() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "import engine.api\n"
        "if TYPE_CHECKING:\n    import bot.runtime\n"
        "class Part:\n    import bot.app\n"
        "def late() -> None:\n    import service.app\n"
    )
    names = {a.name for n in loaded_imports(ast.parse(source)) for a in n.names}
    assert names == {"TYPE_CHECKING", "engine.api", "bot.app"}


def test_no_import_cycles_between_modules() -> None:
    assert cycles(import_graph()) == []


def test_no_import_cycles_between_packages() -> None:
    assert cycles(package_graph(import_graph())) == []
