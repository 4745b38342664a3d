"""Backpressure through the real interface: a burst larger than the bound, over signed HTTP.

Every command is still acknowledged, and every card is posted once, to its own
``response_url``: holding acks for room loses nothing and doubles nothing.
"""

from __future__ import annotations

import asyncio

from bot.app import SlackBot
from engine.core import Engine
from tests.bot.helpers import answers, last_answer
from tests.fakes.slack import FakeSlack, SlackClient

BOUND = 4
BURST = 40  # ten times the bound, all at once


async def test_a_burst_past_the_bound_is_all_acked_and_every_card_posted_once(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await slack.command("deal new Poêle Dupont jean@dupont.fr 8000")
    await last_answer(fake, bot)
    (deal,) = await relais.deals.search("Poêle Dupont")
    before = len(fake.of("response_url"))
    bot.runtime.acks.bound = BOUND

    acked = await asyncio.gather(*(slack.command(f"deal {deal.id}") for _ in range(BURST)))

    assert [status for status, _ in acked] == [200] * BURST
    assert bot.runtime.acks.peak >= BOUND  # the burst did fill the backlog
    cards = (await answers(fake, bot))[before:]
    hooks = [card.params["hook"] for card in cards]
    assert len(hooks) == BURST and len(set(hooks)) == BURST  # one card per command
    assert all("Poêle Dupont" in card.text() for card in cards)
    assert bot.runtime.acks.backlog == 0  # all done, nothing left counted
