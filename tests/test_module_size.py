"""No module over 400 lines: a module that grows past it holds two ideas (issue #12).

Every module of the engine and the adapters counts, ``run.py`` too. The
allow-list names the few still over the limit, each being split; the test
also fails when one of them gets under the limit, so the list only shrinks.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 400
PACKAGES = ("engine", "bot", "ingest", "cli", "service", "config", "telemetry", "charts")
# Empty since issue #12's facade split took engine/core.py under (the deal/lead
# twin work took engine/blueprints/transitions.py and lead_transitions.py under):
# never add to it.
OVER_THE_LIMIT: set[str] = set()


def modules() -> list[Path]:
    found = [path for name in PACKAGES for path in (ROOT / name).rglob("*.py")]
    return [*found, ROOT / "run.py"]


def lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_every_module_is_at_most_400_lines() -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines(path)
        for path in modules()
        if lines(path) > LIMIT and str(path.relative_to(ROOT)) not in OVER_THE_LIMIT
    }
    assert too_long == {}, f"split these by idea: {too_long}"


def test_the_allow_list_only_shrinks() -> None:
    """A module allowed over the limit that got under it leaves the list."""
    under = [name for name in sorted(OVER_THE_LIMIT) if lines(ROOT / name) <= LIMIT]
    assert under == [], f"remove from OVER_THE_LIMIT: {under}"


def test_the_walk_finds_the_modules() -> None:
    """The walk is not vacuous: it sees the engine's face and each adapter."""
    names = {str(path.relative_to(ROOT)) for path in modules()}
    assert {"engine/api/__init__.py", "bot/app.py", "cli/main.py", "run.py"} <= names
