"""An engine refusal in Slack reads in the rep's own language (issue #14).

The real service, with Slack in HTTP mode against the recording fake Slack
(tests/fakes), signed slash commands: a quick quote line naming a product that is
no longer sold is refused by the engine (``quote.line.not_sold``, a code with the
product as its parameter), and Alice (French) and Bob (English) each read it in
their language.
"""

from __future__ import annotations

import re
from decimal import Decimal

from bot.app import SlackBot
from engine.actors import Actor
from engine.core import Engine
from engine.cpq.catalogue import Product
from engine.crm.deals import DealDraft
from tests.bot.conftest import bot, fake, relais, service, settings, slack  # noqa: F401
from tests.bot.helpers import last_answer
from tests.fakes.slack import FakeSlack, SlackClient

ADMIN = Actor.cli("test")
CATALOGUE = [
    Product("POELE-GR8", "Poêle à granulés 8 kW", Decimal("2890.00"), tax_rate=Decimal("5.5")),
    Product("POELE-OLD", "Poêle Eco 6 kW", Decimal("1990.00"), active=False),
]
ENGLISH = re.compile(r"\b(product|no longer|sold|invalid|input|error)\b", re.IGNORECASE)
FRENCH = re.compile(r"\b(produit|plus vendu|erreur|valeurs?|refusées?)\b", re.IGNORECASE)


async def test_a_product_no_longer_sold_is_refused_in_each_reps_language(
    slack: SlackClient,  # noqa: F811
    fake: FakeSlack,  # noqa: F811
    bot: SlackBot,  # noqa: F811
    relais: Engine,  # noqa: F811
) -> None:
    await relais.products.import_all(CATALOGUE, ADMIN)
    deal = await relais.deals.create(DealDraft("Poêle salon Dupont"), ADMIN)
    said = {}
    for user in ("U_ALICE", "U_BOB"):
        await slack.command(f"quote {deal.id} POELE-OLD=1", user=user)
        said[user] = (await last_answer(fake, bot)).text()
    assert "Ligne 1 : le produit POELE-OLD n'est plus vendu" in said["U_ALICE"]
    assert "Line 1: product POELE-OLD is no longer sold" in said["U_BOB"]
    assert not ENGLISH.search(said["U_ALICE"]), said["U_ALICE"]
    assert not FRENCH.search(said["U_BOB"]), said["U_BOB"]
    assert await relais.quotes.of_deal(deal.id) == []
