"""Quote numbers on two instances at once: each quote its own number, none skipped.

A quote's number is the year's largest plus one, read and written in the saving
transaction. On PostgreSQL, where two instances write at once, that is safe
only because writes take turns (engine/store/batches.py): the second instance's
snapshot is taken after the first's commit. Without the turn, both would read
the same maximum and one save would fail on the unique number.
"""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.cpq.catalogue import Product
from engine.cpq.lines import LineInput, QuoteDraft
from engine.cpq.price_rules import RuleBook
from engine.cpq.quotes import CpqSetup, QuoteSettings
from engine.crm.deals import DealDraft

pytestmark = pytest.mark.postgres

DAY = date(2026, 3, 10)
STOVE = Product("POELE-ECO8", "Poêle à granulés Eco 8 kW", Decimal("2890.00"))
SETUP = CpqSetup(RuleBook.build([], []), QuoteSettings(company=("Poêles Martin",)))


async def _quote_each(engine: Engine, actor: Actor, deal_ids: list[int]) -> list[str]:
    """Save one quote on each deal, all at once: the instance batches them."""
    draft = QuoteDraft((LineInput("POELE-ECO8", Decimal(1)),))
    saved = await asyncio.gather(*(engine.quotes.save(d, draft, actor, on=DAY) for d in deal_ids))
    return [s.quote.number for s in saved]


async def test_two_instances_saving_quotes_at_once_number_each_once(
    engine: Engine, other: Engine, admin: Actor, alice: Actor
) -> None:
    await engine.products.import_all([STOVE], admin)
    engine.quotes.use(SETUP)
    other.quotes.use(SETUP)
    deals = [(await engine.deals.create(DealDraft(f"Poêle {n}"), alice)).id for n in range(24)]
    first, second = await asyncio.gather(
        _quote_each(engine, alice, deals[::2]), _quote_each(other, alice, deals[1::2])
    )
    numbers = sorted(first + second)
    assert numbers == [f"D-2026-{n:04d}" for n in range(1, 25)]
