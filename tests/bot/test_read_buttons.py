"""Buttons that only read are not journaled: a copy answers again and writes no row.

Each request is posted twice, byte for byte with the same signature (what a
replay is). A read-only one — the Home tab's Refresh, the quote builder's Add
line and Price, a quote's PDF and Send to client (a form), an out-of-date
button — answers both times and adds no ``slack_jobs`` nor ``slack_requests``
row; a click that writes (Claim on the Home tab) still happens once. Signed
HTTP to the running service; SQLite, or PostgreSQL under ``RELAIS_TEST_POSTGRES``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.app import SlackBot
from config.settings import Settings
from engine.actors import Actor
from engine.core import Engine
from engine.cpq.catalogue import Product
from engine.crm.deals import DealDraft
from engine.crm.leads import LeadDraft
from tests.bot.conftest import slack_settings
from tests.bot.helpers import buttons, last_answer, opened_view
from tests.fakes.slack import TEAM, FakeSlack, SlackClient

STOVE = Product("POELE-GR8", "Poêle à granulés 8 kW", Decimal("2890.00"), tax_rate=Decimal("5.5"))


@pytest.fixture
def settings(tmp_path: Path, db_path: Path, fake: FakeSlack) -> Settings:
    return slack_settings(tmp_path, fake, RELAIS_DATABASE=str(db_path))


async def journal_rows(relais: Engine) -> tuple[int, int]:
    """(slack_jobs, slack_requests) rows."""

    def count(c: Any) -> tuple[int, int]:
        jobs = c.execute("SELECT count(*) FROM slack_jobs").fetchone()[0]
        return int(jobs), int(c.execute("SELECT count(*) FROM slack_requests").fetchone()[0])

    result: tuple[int, int] = await relais.db.read(count)
    return result


def click(
    fake: FakeSlack, action_id: str, value: str = "", *, user: str = "U_BOB",
    view: dict[str, Any] | None = None, trigger: str = "t-copy",
) -> dict[str, Any]:  # fmt: skip
    """A click on a message (with a response_url), or inside ``view`` (a modal, the Home tab)."""
    payload: dict[str, Any] = {
        "type": "block_actions", "user": {"id": user}, "team": {"id": TEAM},
        "trigger_id": trigger,
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value}],
    }  # fmt: skip
    if view is None:
        payload.update(
            channel={"id": "C_SALES"}, response_url=fake.response_url("twice"),
            container={"type": "message"},
        )  # fmt: skip
    else:
        payload.update(view=view, container={"type": "view", "view_id": view["id"]})
    return payload


async def twice(slack: SlackClient, bot: SlackBot, payload: dict[str, Any]) -> None:
    """Post the same signed request twice (a replay), then let the bot finish."""
    body = urlencode({"payload": json.dumps(payload)})
    headers = slack.headers(body)
    assert await slack.post(body, headers) == await slack.post(body, headers) == (200, "")
    await bot.runtime.settle()


async def unchanged(relais: Engine, work: Awaitable[None]) -> None:
    before = await journal_rows(relais)
    await work
    assert await journal_rows(relais) == before


async def test_refresh_on_the_home_tab_publishes_again_and_journals_nothing(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    home = {"type": "home", "id": "VHOME"}
    await unchanged(relais, twice(slack, bot, click(fake, "home_refresh", view=home)))
    assert len(fake.of("views.publish")) == 2


async def test_the_builder_buttons_redraw_again_and_journal_nothing(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    deal = await relais.deals.create(DealDraft("Poêle au devis"), Actor.cli())
    await slack.command(f"quote {deal.id}", user="U_BOB")
    await bot.runtime.settle()
    builder = opened_view(fake)
    await unchanged(relais, twice(slack, bot, click(fake, "quote_add_line", "add", view=builder)))
    await unchanged(relais, twice(slack, bot, click(fake, "quote_price", "price", view=builder)))
    redrawn = [c.params["view"]["callback_id"] for c in fake.of("views.update")]
    assert redrawn == ["quote_new"] * 4  # each copy redrew the builder too
    assert await relais.quotes.of_deal(deal.id) == []  # and saved nothing


async def test_a_quote_pdf_and_its_send_form_journal_nothing(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, ada: Actor
) -> None:
    await relais.products.import_all([STOVE], ada)
    deal = await relais.deals.create(DealDraft("Poêle imprimé"), Actor.cli())
    await slack.command(f"quote {deal.id} POELE-GR8=1", user="U_BOB")
    saved = buttons(await last_answer(fake, bot))
    await unchanged(relais, twice(slack, bot, click(fake, "quote_pdf", saved["quote_pdf"])))
    assert len(fake.of("files.completeUploadExternal")) == 2  # the copy sent it again
    before = await journal_rows(relais)
    await slack.click("quote_send", saved["quote_send"], user="U_BOB")
    await bot.runtime.settle()
    assert opened_view(fake)["callback_id"] == "quote_send"
    assert await journal_rows(relais) == before


async def test_an_out_of_date_button_answers_each_copy_and_journals_nothing(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    await unchanged(relais, twice(slack, bot, click(fake, "v0_gone", "x")))
    notes = [c for c in fake.of("response_url") if "out of date" in c.text()]
    assert len(notes) == 2


async def test_claim_on_the_home_tab_writes_so_its_copy_does_nothing(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    lead = await relais.leads.create(LeadDraft("Piste à prendre"), Actor.cli())
    home = {"type": "home", "id": "VHOME"}
    before = await journal_rows(relais)
    await twice(slack, bot, click(fake, "home_claim", f"{lead.id}|{lead.version}", view=home))
    assert await journal_rows(relais) == (before[0] + 1, before[1] + 1)  # journaled, claimed
    claimed = await relais.leads.get(lead.id)
    bob = await relais.users.actor_for("U_BOB", "slack")
    assert claimed.owner_id == bob.user_id
    assert claimed.version == lead.version + 1  # once: the copy did not assign it again
