"""The engine is the core: it never imports a protocol library."""

import ast
import importlib
import re
from pathlib import Path
from types import ModuleType

from engine.store.db import Tx

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("slack_bolt", "slack_sdk", "aiosmtpd", "aiohttp", "apscheduler")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_engine_imports_no_adapter_library() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN
        )
        for path in (ROOT / "engine").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_engine_imports_no_adapter_package() -> None:
    """Nor ``config/``: the engine takes its own records, the YAML models are translated."""
    for path in (ROOT / "engine").rglob("*.py"):
        for module in imported_modules(path):
            outside = ("bot", "ingest", "cli", "service", "config", "charts")
            assert module.split(".")[0] not in outside, path


ADAPTERS = ("bot", "ingest", "cli", "service", "config", "charts")
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b"
)


def adapter_files() -> list[Path]:
    return [p for d in ADAPTERS for p in (ROOT / d).rglob("*.py")] + [ROOT / "run.py"]


def test_adapters_import_only_the_engine_face() -> None:
    """Adapters use ``engine.api`` (and its concept modules), never the engine's insides."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m
            for m in imported_modules(path)
            if m.split(".")[0] == "engine" and m != "engine.api" and not m.startswith("engine.api.")
        )
        for path in adapter_files()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_engine_does_not_import_its_own_face() -> None:
    """``engine.api`` is a leaf: importing it from inside would tie the engine in knots."""
    for path in (ROOT / "engine").rglob("*.py"):
        if "api" in path.relative_to(ROOT / "engine").parts:
            continue
        assert not any(m.startswith("engine.api") for m in imported_modules(path)), path


def sql_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and SQL.search(" ".join(node.value.split()))
    ]


def test_sql_lives_only_under_engine() -> None:
    """An adapter asks the engine; the statements live in the store's modules."""
    found = {str(p.relative_to(ROOT)): sql_strings(p) for p in adapter_files()}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_sql_check_sees_statements_spread_over_lines(tmp_path: Path) -> None:
    """The check above must be able to fail: it finds each kind of statement."""
    source = tmp_path / "adapter.py"
    source.write_text(
        'A = (\n    "SELECT id"\n    " FROM pipelines WHERE key = ?"\n)\n'
        'B = "INSERT OR IGNORE INTO users (name) VALUES (?)"\n'
        'C = "UPDATE deals SET status = ?"\n'
        'D = "DELETE FROM stages"\n'
        'E = "select the pipeline from the list"\n',
        encoding="utf-8",
    )
    assert len(sql_strings(source)) == 4


# Adapters that still reach the database themselves; keep it empty. (The metrics
# feed left it: it reads ``engine.stats`` and times writes with
# ``engine.time_writes(observe)``, an observer of the store's writes.)
RAW_ENGINE_ALLOWED: set[str] = set()


def _is_engine(node: ast.expr) -> bool:
    """``engine``, ``self.rt.engine``, ``ctx.engine()`` or ``await ctx.engine()``."""
    if isinstance(node, ast.Await):
        node = node.value
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id.endswith("engine")
    return isinstance(node, ast.Attribute) and node.attr.endswith("engine")


def raw_engine_uses(path: Path) -> list[str]:
    """Each ``engine.read``, ``engine.write`` or ``engine.db`` in a module, by line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted(
        f"{node.lineno}: .{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ("read", "write", "db")
        and _is_engine(node.value)
    )


def test_adapters_ask_the_facade_never_the_database() -> None:
    """No adapter hands the engine a function to run (``engine.read(fn)``,
    ``engine.write(fn, actor)``) nor reaches ``engine.db``: each unit of work is a
    named method of a facade part (``engine.deals.move``, ``engine.chat.record_job``…)."""
    found = {
        name: uses
        for path in adapter_files()
        if (name := str(path.relative_to(ROOT))) not in RAW_ENGINE_ALLOWED
        and (uses := raw_engine_uses(path))
    }
    assert found == {}


def test_the_facade_check_sees_each_way_in(tmp_path: Path) -> None:
    """The check above must be able to fail: every shape of a raw engine use is found."""
    source = tmp_path / "adapter.py"
    source.write_text(
        "async def f(engine, ctx, self):\n"
        "    await engine.read(g)\n"
        "    await self.rt.engine.write(g, a)\n"
        "    await (await ctx.engine()).read(g)\n"
        "    check = self.engine.db.ping\n"
        "    await engine.deals.get(1)\n"
        "    await stream.read()\n",
        encoding="utf-8",
    )
    assert raw_engine_uses(source) == ["2: .read", "3: .write", "4: .read", "5: .db"]


def public_modules() -> list[ModuleType]:
    face = ROOT / "engine" / "api"
    names = ["engine.api"] + [
        f"engine.api.{p.stem}" for p in face.glob("*.py") if p.stem != "__init__"
    ]
    return [importlib.import_module(name) for name in sorted(names)]


def test_the_transaction_stays_inside_the_engine() -> None:
    """No public module hands out ``Tx``: adapters ask the facade for a unit of work."""
    for module in public_modules():
        assert "Tx" not in getattr(module, "__all__", ()), module.__name__
        assert all(value is not Tx for value in vars(module).values()), module.__name__
