"""A blueprint whose form Slack cannot show is refused by the engine's own save, once wired.

``blueprint apply`` and ``config check``/``apply`` hand the bot's check of forms
to the engine; ``engine.blueprints.save`` did not, so any other caller could put
an unshowable form in force. The service registers the bot's check at wiring
time (the engine does not import the bot): every save on its engine is checked.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from config.blueprint_schema import load_blueprint_file
from engine.api import Actor, Engine, ValidationFailed
from engine.api.blueprints import Blueprint, During, InputField
from service.app import Service

DEFAULT = Path(__file__).resolve().parents[2] / "config" / "blueprints" / "default.yaml"
PREFIX = "Poêle à granulés étanche, raccordement ventouse, garantie cinq ans pièces et m"
ADMIN = Actor.cli("test")


def with_form(during: During) -> Blueprint:
    """The shipped blueprint, its first transition asking ``during``."""
    blueprint = load_blueprint_file(DEFAULT)
    first, *rest = blueprint.transitions
    return replace(blueprint, name="Formulaire", transitions=(replace(first, during=during), *rest))


ALIKE = During(
    fields=(
        InputField(
            "offre", "Offre", "choice", field="custom.offre",
            options=(PREFIX + "ain-d'œuvre", PREFIX + "ain-d'œuvre incluse"),
        ),
    )
)  # fmt: skip
FINE = During(fields=(InputField("offre", "Offre", "choice", field="custom.offre",
                                 options=("Standard", "Confort")),))  # fmt: skip


async def test_the_services_engine_refuses_a_form_slack_cannot_show(service: Service) -> None:
    engine = service.engine
    assert engine is not None
    before = await engine.blueprints.current()
    with pytest.raises(ValidationFailed) as refused:
        await engine.blueprints.save(with_form(ALIKE), ADMIN)
    [(path, reason)] = refused.value.errors.items()
    assert path.startswith("transitions[0].during") and "fields[0].options" in path
    assert "read the same in Slack" in reason
    assert await engine.blueprints.current() == before  # nothing in force changed
    saved = await engine.blueprints.save(with_form(FINE), ADMIN)
    assert saved.created


async def test_an_engine_no_renderer_registered_with_cannot_say(tmp_path: Path) -> None:
    """The engine alone knows no renderer: the same form is saved (what the wiring fixes)."""
    engine = await Engine.open(tmp_path / "bare.db")
    try:
        assert (await engine.blueprints.save(with_form(ALIKE), ADMIN)).created
    finally:
        await engine.close()
