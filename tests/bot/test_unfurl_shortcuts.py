"""Issue 16: links and D-42 unfurled, the two shortcuts — signed HTTP and the fake Slack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot import refs
from bot.app import SlackBot
from config.settings import Settings
from engine.api import Actor, Engine
from engine.api.crm import ContactDraft, DealDraft, LeadDraft
from tests.bot.conftest import slack_settings
from tests.bot.helpers import answers, shown_view
from tests.fakes.slack import TEAM, Call, FakeSlack, SlackClient

BASE = "https://relais.example.com/crm"


@pytest.fixture
def settings(tmp_path: Path, fake: FakeSlack) -> Settings:
    return slack_settings(tmp_path, fake, RELAIS_PUBLIC_URL=BASE)


@pytest.fixture
async def records(relais: Engine) -> tuple[int, int]:
    actor = Actor.cli("test")
    deal = await relais.deals.create(
        DealDraft("Poêle Dupont", contact=ContactDraft("Jean Dupont", "jean@dupont.fr"),
                  expected_revenue="7500"),
        actor,
    )  # fmt: skip
    lead = await relais.leads.create(LeadDraft("Projet insert Hélène"), actor)
    return deal.id, lead.id


def unfurled(call: Call) -> dict[str, Any]:
    unfurls: dict[str, Any] = call.params["unfurls"]
    return unfurls


def shown(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False).replace("\\u202f", "\u202f")


# -- unfurling -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("voir D-42 et #L-7", ["D-42", "L-7"]),
        ("D-42, D-42 et d-3", ["D-42"]),  # once each; lower case is not a reference
        ("`D-42` <https://x.fr/D-42|D-42> <@U1> XD-4 D-4x A/D-4 D-", []),
        ("D-1 D-2 D-3 D-4", ["D-1", "D-2", "D-3"]),  # three at most
        ("```\nD-9\n``` (D-8)", ["D-8"]),
    ],
)
def test_references_in_a_message(text: str, found: list[str]) -> None:
    assert [ref.code for ref in refs.in_text(text)] == found


def test_relais_links_and_back() -> None:
    deal = refs.Ref("deal", 42)
    assert refs.link(BASE + "/", deal) == f"{BASE}/deals/42" and refs.link("", deal) is None
    assert refs.from_link(BASE + "/", f"{BASE}/deals/42?x=1") == deal
    assert refs.from_link(BASE, "HTTPS://Relais.Example.com/crm/leads/7/") == refs.Ref("lead", 7)
    for other in (f"{BASE}/deals/x", "https://relais.example.com/deals/42", f"{BASE}/deals/4/2"):
        assert refs.from_link(BASE, other) is None
    assert refs.domain(BASE) == "relais.example.com"


async def test_a_relais_link_unfurls_into_a_compact_card(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, records: tuple[int, int]
) -> None:
    deal_id, lead_id = records
    links = [
        f"{BASE}/deals/{deal_id}", f"{BASE}/leads/{lead_id}", f"{BASE}/deals/999",
        "https://relais.example.com/other/1", "https://elsewhere.example.com/crm/deals/1",
    ]  # fmt: skip
    event = {
        "type": "link_shared", "channel": "C_SALES", "user": "U_ALICE", "message_ts": "1.000200",
        "source": "conversations_history", "unfurl_id": "Uf1",
        "links": [{"domain": "relais.example.com", "url": url} for url in links],
    }  # fmt: skip
    assert (await slack.event(event, "EvU1"))[0] == 200
    assert (await slack.event(event, "EvU1", retry=1))[0] == 200  # a retry does nothing
    await bot.runtime.settle()
    (call,) = fake.of("chat.unfurl")
    cards = unfurled(call)
    assert sorted(cards) == links[:2]  # no such deal, not a record, not Relais: left alone
    deal_card = shown(cards[links[0]]["blocks"])
    assert f"<{BASE}/deals/{deal_id}|D-{deal_id} · Poêle Dupont>" in deal_card
    assert "7\u202f500,00\xa0€" in deal_card and "Jean Dupont" in deal_card  # in French
    assert "<@" not in deal_card  # a card in a channel pings nobody
    assert f"L-{lead_id} · Projet insert Hélène" in shown(cards[links[1]]["blocks"])
    assert call.params["unfurl_id"] == "Uf1" and call.params["source"] == "conversations_history"


async def test_a_link_typed_in_the_composer_unfurls_by_its_unfurl_id(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, records: tuple[int, int]
) -> None:
    deal_id, _ = records
    event = {
        "type": "link_shared", "channel": "COMPOSER", "user": "U_BOB",
        "message_ts": "U_BOB-abc", "unfurl_id": "Uf2", "source": "composer",
        "links": [{"domain": "relais.example.com", "url": f"{BASE}/deals/{deal_id}/"}],
    }  # fmt: skip
    await slack.event(event, "EvU2")
    await bot.runtime.settle()
    (call,) = fake.of("chat.unfurl")
    assert call.params["unfurl_id"] == "Uf2" and "ts" not in call.params
    assert "Poêle Dupont" in shown(next(iter(unfurled(call).values()))["blocks"])


async def test_d42_in_a_message_is_answered_in_its_thread(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, records: tuple[int, int]
) -> None:
    deal_id, lead_id = records
    text = (
        f"On avance sur #D-{deal_id} et L-{lead_id} (pas `D-{deal_id}`, ni D-999, ni XD-{deal_id})"
    )
    message = {
        "type": "message", "channel": "C_SALES", "user": "U_BOB", "text": text, "ts": "2.000300",
    }  # fmt: skip
    await slack.command("help", user="U_BOB")  # Bob is known to Relais: he reads English
    await bot.runtime.settle()
    await slack.event(message, "EvM1")
    await slack.event(message, "EvM1", retry=1)
    await slack.event({**message, "text": "rien à voir", "ts": "2.000400"}, "EvM2")
    await slack.event({**message, "bot_id": "B0BOT", "ts": "2.000500"}, "EvM3")  # its own card
    edited = {**message, "subtype": "message_changed", "ts": "2.000600"}
    await slack.event(edited, "EvM4")
    await bot.runtime.settle()
    (reply,) = fake.of("chat.postMessage")
    assert reply.params["channel"] == "C_SALES" and reply.params["thread_ts"] == "2.000300"
    said = shown(reply.params["blocks"])
    assert f"D-{deal_id} · Poêle Dupont" in said and f"L-{lead_id} · Projet insert" in said
    assert "nobody" in said and "Open" in said  # in the writer's language (English)
    # in a thread already: the answer stays in it
    threaded = {**message, "ts": "2.000700", "thread_ts": "2.000100", "text": f"D-{deal_id}"}
    await slack.event(threaded, "EvM5")
    await bot.runtime.settle()
    assert fake.of("chat.postMessage")[-1].params["thread_ts"] == "2.000100"


# -- shortcuts ----------------------------------------------------------------------------


def message_shortcut(fake: FakeSlack, text: str, author: str = "U_PROSPECT") -> dict[str, Any]:
    return {
        "type": "message_action", "callback_id": "lead_from_message", "trigger_id": "t-msg-1",
        "user": {"id": "U_ALICE"}, "team": {"id": TEAM}, "channel": {"id": "C_SALES"},
        "message_ts": "3.000100", "response_url": fake.response_url("sc"),
        "message": {"type": "message", "user": author, "text": text, "ts": "3.000100"},
    }  # fmt: skip


async def test_a_lead_from_a_message_keeps_author_text_and_permalink(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    fake.user("U_PROSPECT", "Hélène Garçon", "helene@garcon.fr")
    text = "Bonjour, je voudrais un devis pour un poêle à granulés.\nMerci !"
    status, _ = await slack.interact(message_shortcut(fake, text))
    assert status == 200
    (answer,) = await answers(fake, bot)
    assert answer.params["response_type"] == "ephemeral"
    (lead,) = await relais.leads.by_status("new")
    assert lead.title == "Bonjour, je voudrais un devis pour un poêle à granulés."
    assert lead.note == text and lead.origin == "slack"
    contact = await relais.contacts.get(lead.contact_id or 0)
    assert contact is not None and contact.email == "helene@garcon.fr"
    assert contact.name == "Hélène Garçon"
    (note,) = await relais.activities.on_record("lead", lead.id)
    (link,) = fake.of("chat.getPermalink")
    assert link.params == {"channel": "C_SALES", "message_ts": "3.000100"}
    assert "https://relais-test.slack.com/archives/C_SALES/p3000100" in note.note
    assert text in note.note and "Hélène Garçon" in note.subject
    assert [c.params["user"] for c in fake.of("users.info")].count("U_PROSPECT") == 1
    assert f"Piste L-{lead.id} créée depuis le message de Hélène Garçon." in answer.text()
    assert "share_card" in json.dumps(answer.params["blocks"])


async def test_the_same_shortcut_sent_twice_makes_one_lead(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    payload = message_shortcut(fake, "Devis insert")
    first, again = await slack.interact(payload), await slack.interact(payload)
    assert first[0] == again[0] == 200
    await bot.runtime.settle()
    assert len(await relais.leads.by_status("new")) == 1
    assert len(fake.of("response_url")) == 1


async def test_a_lead_from_a_message_whose_author_slack_cannot_tell(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    payload = message_shortcut(fake, "")
    payload["message"] = {"type": "message", "bot_id": "B1", "username": "Zapier", "ts": "4.1"}
    await slack.interact(payload)
    (answer,) = await answers(fake, bot)
    (lead,) = await relais.leads.by_status("new")
    assert lead.title == "Message Slack de Zapier" and lead.contact_id is None
    assert f"L-{lead.id}" in answer.text()


async def test_the_new_deal_shortcut_opens_the_new_deal_form(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine
) -> None:
    payload = {
        "type": "shortcut", "callback_id": "new_deal", "trigger_id": slack.trigger(),
        "user": {"id": "U_BOB"}, "team": {"id": TEAM},
    }  # fmt: skip
    assert (await slack.interact(payload))[0] == 200
    await bot.runtime.settle()
    view = shown_view(fake)  # the form, opened in one views.open
    assert view["callback_id"] == "deal_new" and view["title"]["text"] == "New deal"
    status, _ = await slack.submit(view, {"title": "Insert Morel"}, user="U_BOB")
    assert status == 200
    await bot.runtime.settle()
    (deal,) = await relais.deals.search("Insert Morel")
    posted = fake.of("chat.postMessage")[-1]  # no channel to answer in: a direct message
    assert posted.params["channel"] == "DU_BOB" and f"#{deal.id}" in posted.text()
