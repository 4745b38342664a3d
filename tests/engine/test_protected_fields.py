"""The fields a blueprint protects: a person's edit is refused them, with the transitions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from config.blueprint_schema import load_blueprint_file
from engine.actors import Actor
from engine.blueprints.protected import FieldsProtected, protecting
from engine.core import Engine
from engine.crm.deals import DealDraft
from engine.errors import Conflict

DEFAULT = Path(__file__).resolve().parents[2] / "config" / "blueprints" / "default.yaml"


def test_the_default_blueprint_protects_what_its_transitions_record() -> None:
    found = protecting(load_blueprint_file(DEFAULT))
    assert found["expected_revenue"] == ["Devis signé"]
    assert found["budget"] == ["Estimer"]
    assert "custom.visit_date" in found and "lost_reason" in found
    assert "origin" not in found and "owner" not in found


async def test_an_edit_is_refused_protected_fields_and_keeps_the_others(
    engine: Engine, admin: Actor
) -> None:
    deal = await engine.deals.create(DealDraft("Poêle libre", expected_revenue="100"), admin)
    freed = await engine.deals.edit(deal.id, {"expected_revenue": "200"}, admin, deal.version)
    assert freed.expected_revenue == Decimal("200.00")  # no blueprint: nothing protected
    await engine.blueprints.save(load_blueprint_file(DEFAULT), admin)
    assert (await engine.deals.protected(deal.id))["expected_revenue"] == ["Devis signé"]
    with pytest.raises(FieldsProtected) as refused:
        await engine.deals.edit(
            deal.id, {"expected_revenue": "300", "custom": {"visit_date": "2027-01-02"}}, admin
        )
    assert refused.value.transitions == {
        "expected_revenue": ["Devis signé"],
        "custom.visit_date": ["Planifier la visite technique"],
    }
    assert "Devis signé" in refused.value.errors["expected_revenue"]
    kept = await engine.deals.get(deal.id)
    assert (kept.expected_revenue, kept.version) == (Decimal("200.00"), freed.version)
    edited = await engine.deals.edit(deal.id, {"origin": "salon"}, admin, kept.version)
    assert edited.origin == "salon"
    with pytest.raises(Conflict):  # a stale version is a conflict before anything else
        await engine.deals.edit(deal.id, {"expected_revenue": "1"}, admin, kept.version)
