"""Searches built from what people type: ``%``, ``_`` and ``\\`` match only themselves."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.cpq.catalogue import Product
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.listings import DealFilters
from engine.store.db import like_escaped

TITLES = ("Remise 100% Dupont", "Remise 1000 Martin", "Poêle a_b", "Poêle axb", "Tubage C:\\x")


@pytest.fixture
async def deals(engine: Engine, alice: Actor) -> Engine:
    for title in TITLES:
        await engine.deals.create(DealDraft(title), alice)
    await engine.deals.create(
        DealDraft(
            "Chantier",
            contact=ContactDraft("Jean_Paul Roy", "jean_paul@example.com"),
            organisation="Bois 50% SARL",
        ),
        alice,
    )
    await engine.deals.create(
        DealDraft(
            "Autre chantier",
            contact=ContactDraft("JeanXPaul Roy", "jeanxpaul@example.com"),
            organisation="Bois 500 SARL",
        ),
        alice,
    )
    return engine


async def found(engine: Engine, text: str) -> list[str]:
    return sorted(deal.title for deal in await engine.deals.search(text))


async def listed(engine: Engine, text: str) -> list[str]:
    listing = await engine.deals.listing(DealFilters(search=text))
    return sorted(item.deal.title for item in listing.deals)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100%", ["Remise 100% Dupont"]),
        ("a_b", ["Poêle a_b"]),
        ("%", ["Chantier", "Remise 100% Dupont"]),
        ("_", ["Chantier", "Poêle a_b"]),
        ("C:\\x", ["Tubage C:\\x"]),
        ("\\", ["Tubage C:\\x"]),
        ("jean_paul", ["Chantier"]),  # the contact's name and e-mail
        ("50%", ["Chantier"]),  # the organisation's name
        ("remise", ["Remise 100% Dupont", "Remise 1000 Martin"]),  # still a contains search
    ],
)
async def test_deal_search_matches_wildcards_literally(
    deals: Engine, text: str, expected: list[str]
) -> None:
    assert await found(deals, text) == expected
    assert await listed(deals, text) == expected


async def test_a_deal_id_is_still_found_by_number(deals: Engine) -> None:
    first = (await deals.deals.search("100%"))[0]
    assert [d.id for d in await deals.deals.search(f"#{first.id}")] == [first.id]


async def test_product_search_matches_wildcards_literally(engine: Engine, admin: Actor) -> None:
    catalogue = [
        Product("KIT_80", "Kit 80", Decimal("10")),
        Product("KITX80", "Kit X80", Decimal("10")),
        Product("REMISE", "Remise 5% fidélité", Decimal("1")),
        Product("REMISE5", "Remise 50 fidélité", Decimal("1")),
    ]
    await engine.products.import_all(catalogue, admin)
    assert [p.code for p in await engine.products.search("kit_")] == ["KIT_80"]
    assert [p.code for p in await engine.products.search("5%")] == ["REMISE"]
    assert [p.code for p in await engine.products.search("%")] == ["REMISE"]
    assert [p.code for p in await engine.products.search("_8")] == ["KIT_80"]


@pytest.mark.parametrize("text", ["100%", "a_b", "C:\\x", "%_\\", "plain"])
def test_like_escaped_matches_only_itself(text: str) -> None:
    conn = sqlite3.connect(":memory:")
    rows = ["100%", "1000", "a_b", "axb", "C:\\x", "%_\\", "plain", "%", "_", "\\"]
    conn.execute("CREATE TABLE t (v TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", [(v,) for v in rows])
    hits = conn.execute(
        "SELECT v FROM t WHERE v LIKE ? ESCAPE '\\'", (like_escaped(text),)
    ).fetchall()
    assert [v for (v,) in hits] == [text]
