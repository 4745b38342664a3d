"""The public face loads its names on first use, and gives the same objects as before.

``engine.api`` and its concept modules import an inner module when one of its names is
first asked for (:mod:`engine.api._lazy`); type checkers read the ``if TYPE_CHECKING:``
imports instead. These tests hold the two lists equal, and the engine's facade parts
built once, on first use.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from engine.core import Engine
from engine.facade import opening, setup

ROOT = Path(__file__).resolve().parents[2]
FACE = sorted(
    ["engine.api"] + [f"engine.api.{p.stem}" for p in (ROOT / "engine" / "api").glob("*.py")]
)
FACE = [name for name in FACE if name not in {"engine.api.__init__", "engine.api._lazy"}]


def typed_imports(module: str) -> dict[str, object]:
    """What the module's ``if TYPE_CHECKING:`` block imports, imported for real."""
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = ROOT / module.replace(".", "/") / "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom), ast.dump(statement)
                source = importlib.import_module(statement.module or "")
                for alias in statement.names:
                    value = getattr(source, alias.name, None)
                    if value is None:
                        value = importlib.import_module(f"{statement.module}.{alias.name}")
                    found[alias.asname or alias.name] = value
    return found


@pytest.mark.parametrize("name", FACE)
def test_every_public_name_is_the_object_its_typed_import_names(name: str) -> None:
    module = importlib.import_module(name)
    typed = typed_imports(name)
    for public in getattr(module, "__all__", ()):
        assert getattr(module, public) is not None, f"{name}.{public}"
    for bound, value in typed.items():
        assert getattr(module, bound) is value, f"{name}.{bound}"
    assert set(typed) <= set(module.__all__)


def test_the_deal_card_is_named_where_it_was() -> None:
    from engine import api, core
    from engine.facade.deal_view import DealView

    assert api.DealView is DealView and core.DealView is DealView


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    crm = importlib.import_module("engine.api.crm")
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = crm.no_such_name
    with pytest.raises(ImportError):
        exec("from engine.api.crm import NoSuchThing", {})


def test_importing_the_public_face_imports_no_concept_module() -> None:
    """``import engine.api.crm`` alone loads no CRM module: its names load when asked."""
    probe = (
        "import sys, engine.api, engine.api.crm, engine.api.cpq, engine.api.blueprints\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(done.stdout.split())
    inner = {m for m in loaded if m.startswith(("engine.crm", "engine.cpq", "engine.blueprints"))}
    assert not inner
    assert "engine.facade.deals" not in loaded
    from_crm = "import sys; from engine.api.crm import Named; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", from_crm], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "engine.crm.listings" in done.stdout.split()
    assert "engine.cpq.quotes" not in done.stdout.split()


async def test_a_part_is_built_on_first_use_then_kept(engine: Engine) -> None:
    assert "deals" not in vars(engine) or vars(engine)["deals"] is engine.deals
    deals = engine.deals
    assert engine.deals is deals
    assert vars(engine)["deals"] is deals
    assert type(deals).__name__ == "Deals"
    assert Engine.deals.module == "engine.facade.deals"  # the class attribute: its recipe


def test_the_first_run_marker_is_the_one_set_up_writes() -> None:
    assert opening.FIRST_RUN == setup.FIRST_RUN
