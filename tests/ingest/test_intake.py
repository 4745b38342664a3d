"""The engine's mail decisions, on stored messages, without SMTP."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from engine.actors import Actor
from engine.core import Engine
from engine.crm.leads import LeadDraft
from engine.crm.users import UserDraft
from engine.events import DomainEvent
from engine.mail.dedupe import content_hash, dedupe_key
from engine.mail.inbox import RawMail
from engine.mail.routes import IntakePolicy, OwnerRule, Route
from ingest.processor import MailProcessor
from tests.ingest.conftest import eml


def message(
    subject: str = "Demande de devis",
    sender: str = "Jean Dupont <jean.dupont@acme-chauffage.fr>",
    body: str = "Bonjour, un devis svp.",
    extra: str = "",
    message_id: str | None = "auto",
) -> bytes:
    mid = (
        f"<{abs(hash((subject, sender, body, extra)))}@test>"
        if message_id == "auto"
        else message_id
    )
    headers = f"From: {sender}\r\nTo: leads@relais.example\r\nSubject: {subject}\r\n{extra}"
    if mid:
        headers += f"Message-ID: {mid}\r\n"
    return f"{headers}\r\n{body}\r\n".encode()


class Inbox:
    def __init__(self, engine: Engine, policy: IntakePolicy) -> None:
        self.engine = engine
        self.policy = policy

    async def receive(
        self,
        raw: bytes,
        to: Sequence[str] = ("leads@relais.example",),
        mail_from: str = "jean.dupont@acme-chauffage.fr",
        policy: IntakePolicy | None = None,
    ) -> int:
        stored = await self.engine.mail.store(RawMail(raw, mail_from, tuple(to), "192.0.2.1"))
        await MailProcessor(self.engine, policy or self.policy, workers=0).process(stored.mail_id)
        return stored.mail_id


@pytest.fixture
def inbox(engine: Engine, policy: IntakePolicy) -> Inbox:
    return Inbox(engine, policy)


async def test_a_mail_to_the_leads_address_creates_a_lead_with_contact_and_organisation(
    engine: Engine, inbox: Inbox
) -> None:
    events: list[DomainEvent] = []

    async def record(event: DomainEvent) -> None:
        events.append(event)

    engine.bus.subscribe("lead.created", record)
    mail_id = await inbox.receive(message(body="Bonjour, un devis svp.\r\n-- \r\nJean"))
    mail = await engine.mail.get(mail_id)
    assert (mail.status, mail.outcome) == ("processed", "lead")
    lead = await engine.leads.get(mail.lead_id or 0)
    assert (lead.title, lead.note, lead.origin) == (
        "Demande de devis",
        "Bonjour, un devis svp.",
        "email",
    )
    contact = await engine.contacts.by_email("JEAN.DUPONT@acme-chauffage.fr")
    assert contact is not None and contact.id == lead.contact_id and contact.name == "Jean Dupont"
    assert lead.organisation_id is not None and contact.organisation_id == lead.organisation_id
    activities = await engine.activities.on_record("lead", lead.id)
    assert [(a.kind, a.subject, a.done) for a in activities] == [
        ("email", "Demande de devis", True)
    ]
    await engine.bus.drain()
    assert [e.entity_id for e in events] == [lead.id]
    assert events[0].actor.kind == "mail"


async def test_public_mail_domains_make_no_organisation(engine: Engine, inbox: Inbox) -> None:
    mail_id = await inbox.receive(
        message(sender="Ana <ana.lopez@gmail.com>"), mail_from="ana.lopez@gmail.com"
    )
    lead = await engine.leads.get((await engine.mail.get(mail_id)).lead_id or 0)
    assert lead.contact_id is not None and lead.organisation_id is None


async def test_the_same_sender_twice_is_one_contact(engine: Engine, inbox: Inbox) -> None:
    first = await inbox.receive(message(subject="Premier"))
    second = await inbox.receive(message(subject="Second", sender="JEAN.DUPONT@Acme-Chauffage.fr"))
    a, b = await engine.mail.get(first), await engine.mail.get(second)
    assert a.lead_id != b.lead_id and a.contact_id == b.contact_id is not None


async def test_the_deals_address_opens_a_deal_in_the_default_pipeline(
    engine: Engine, inbox: Inbox
) -> None:
    mail_id = await inbox.receive(eml("attachments.eml"), to=["deals@relais.example"])
    mail = await engine.mail.get(mail_id)
    assert mail.outcome == "deal"
    deal = await engine.deals.get(mail.deal_id or 0)
    pipeline = await engine.pipelines.get()
    assert deal.pipeline_id == pipeline.id and deal.stage_id == pipeline.stages[0].id
    assert deal.title == "Plans pour le devis" and deal.contact_id is not None
    files = await engine.mail.attachments(mail_id)
    assert [(f.filename, f.deal_id) for f in files] == [
        ("plans.pdf", deal.id),
        ("conduit fumée.jpg", deal.id),
    ]


async def test_a_website_form_makes_the_visitor_the_contact(engine: Engine, inbox: Inbox) -> None:
    mail_id = await inbox.receive(
        eml("french_form_qp.eml"), mail_from="wordpress@chauffage-durand.fr"
    )
    mail = await engine.mail.get(mail_id)
    lead = await engine.leads.get(mail.lead_id or 0)
    contact = await engine.contacts.by_email("helene.lefevre@orange.fr")
    assert contact is not None and lead.contact_id == contact.id
    assert (contact.name, contact.phone) == ("Hélène Lefèvre", "06 12 34 56 78")
    assert await engine.contacts.by_email("wordpress@chauffage-durand.fr") is None
    assert lead.title == "Nouveau message depuis le formulaire de contact — Boulangerie Lefèvre"
    assert lead.note.startswith("Bonjour, je souhaite remplacer ma chaudière")
    assert lead.custom == {"Surface du logement": "120 m²"}
    assert lead.organisation_id is not None


async def test_a_configured_form_sender_uses_reply_to(engine: Engine, policy: IntakePolicy) -> None:
    configured = dataclasses.replace(policy, form_senders=frozenset({"site.fr"}))
    raw = message(
        sender="Site <noreply@site.fr>",
        extra="Reply-To: Zoe Blanc <zoe@blanc.fr>\r\n",
        body="Bonjour, rappelez-moi.",
    )
    mail_id = await Inbox(engine, configured).receive(raw, mail_from="noreply@site.fr")
    lead = await engine.leads.get((await engine.mail.get(mail_id)).lead_id or 0)
    contact = await engine.contacts.by_email("zoe@blanc.fr")
    assert contact is not None and lead.contact_id == contact.id and contact.name == "Zoe Blanc"


async def test_a_reply_threads_onto_its_lead_instead_of_creating_one(
    engine: Engine, inbox: Inbox
) -> None:
    first = await inbox.receive(message(message_id="<first-1@acme-chauffage.fr>"))
    reply = await inbox.receive(eml("reply.eml"), to=["leads@relais.example"])
    a, b = await engine.mail.get(first), await engine.mail.get(reply)
    assert (b.status, b.outcome, b.lead_id) == ("processed", "thread", a.lead_id)
    assert len(await engine.leads.by_status(None)) == 1
    notes = [x.note for x in await engine.activities.on_record("lead", a.lead_id or 0)]
    assert "Parfait, mardi 10h me convient pour la visite." in notes


async def test_a_reply_to_a_converted_lead_goes_to_its_deal(
    engine: Engine, inbox: Inbox, admin: Actor
) -> None:
    first = await inbox.receive(message(message_id="<first-1@acme-chauffage.fr>"))
    lead_id = (await engine.mail.get(first)).lead_id or 0
    deal = await engine.leads.convert(lead_id, admin)
    reply = await engine.mail.get(await inbox.receive(eml("reply.eml")))
    assert (reply.outcome, reply.deal_id, reply.lead_id) == ("thread", deal.id, None)


async def test_deal_address_token_and_re_subject_thread_onto_records(
    engine: Engine, inbox: Inbox, admin: Actor
) -> None:
    created = await engine.mail.get(await inbox.receive(message(), to=["deals@relais.example"]))
    deal_id = created.deal_id or 0
    by_address = await inbox.receive(
        message(subject="Photos", body="a"), to=[f"deals+{deal_id}@relais.example"]
    )
    by_token = await inbox.receive(message(subject=f"Re: devis [#D-{deal_id}]", body="b"))
    by_subject = await inbox.receive(message(subject="RE: Demande de devis", body="c"))
    for mail_id in (by_address, by_token, by_subject):
        mail = await engine.mail.get(mail_id)
        assert (mail.outcome, mail.deal_id) == ("thread", deal_id)
    assert len(await engine.activities.on_record("deal", deal_id)) == 4


async def test_a_new_subject_from_a_known_contact_is_a_new_lead(
    engine: Engine, inbox: Inbox
) -> None:
    await inbox.receive(message(subject="Demande de devis"))
    other = await engine.mail.get(await inbox.receive(message(subject="Autre projet", body="x")))
    assert other.outcome == "lead"


@pytest.mark.parametrize(
    ("fixture", "mail_from", "outcome"),
    [
        ("auto_reply.eml", "paul.roux@roux-sa.fr", "auto_reply"),
        ("bounce.eml", "", "bounce"),
        ("list.eml", "bounces@batiment-info.fr", "list"),
    ],
)
async def test_automated_mail_is_stored_and_never_a_lead(
    engine: Engine, inbox: Inbox, fixture: str, mail_from: str, outcome: str
) -> None:
    mail = await engine.mail.get(await inbox.receive(eml(fixture), mail_from=mail_from))
    assert (mail.status, mail.outcome, mail.lead_id) == ("ignored", outcome, None)
    assert await engine.leads.by_status(None) == []


async def test_a_null_sender_never_creates_a_lead(engine: Engine, inbox: Inbox) -> None:
    mail = await engine.mail.get(await inbox.receive(message(), mail_from=""))
    assert (mail.status, mail.outcome) == ("ignored", "bounce")


async def test_deny_and_allow_lists(engine: Engine, policy: IntakePolicy) -> None:
    listed = dataclasses.replace(
        policy, deny=frozenset({"spam.example.com"}), allow=frozenset({"vip@acme.fr"}), cap=1
    )
    inbox = Inbox(engine, listed)
    denied = await inbox.receive(
        message(sender="x@mail.spam.example.com"), mail_from="x@mail.spam.example.com"
    )
    assert (await engine.mail.get(denied)).outcome == "denied"
    for n in range(3):
        vip = await inbox.receive(
            message(subject=f"Projet {n}", sender="vip@acme.fr"), mail_from="vip@acme.fr"
        )
        assert (await engine.mail.get(vip)).outcome == "lead"


async def test_past_the_cap_mail_is_held_replies_still_thread_and_release_creates(
    engine: Engine, policy: IntakePolicy, admin: Actor
) -> None:
    inbox = Inbox(engine, dataclasses.replace(policy, cap=2))
    first = await inbox.receive(message(subject="Un", message_id="<first-1@acme-chauffage.fr>"))
    await inbox.receive(message(subject="Deux"))
    held = await inbox.receive(message(subject="Trois"))
    assert ((await engine.mail.get(held)).status, (await engine.mail.get(held)).outcome) == (
        "held",
        "capped",
    )
    reply = await engine.mail.get(await inbox.receive(eml("reply.eml")))
    assert (reply.outcome, reply.lead_id) == ("thread", (await engine.mail.get(first)).lead_id)
    await engine.mail.release(held, admin)
    await MailProcessor(engine, inbox.policy, workers=0).process(held)
    released = await engine.mail.get(held)
    assert (released.status, released.outcome, released.released) == ("processed", "lead", True)


async def test_honeypot_and_spam_score_hold_the_mail(engine: Engine, policy: IntakePolicy) -> None:
    guarded = dataclasses.replace(policy, honeypot_fields=("website_url",), spam_threshold=5.0)
    inbox = Inbox(engine, guarded)
    filled = (
        eml("form_html_table.eml")
        .replace(b"<td></td>", b"<td>http://buy.example</td>")
        .replace(b"wpforms-77", b"wpforms-78")
    )
    assert (await engine.mail.get(await inbox.receive(filled))).outcome == "spam"
    empty = await inbox.receive(eml("form_html_table.eml"))
    assert (await engine.mail.get(empty)).outcome == "lead"
    scored = await inbox.receive(message(extra="X-Spam-Score: 9.1\r\n"))
    assert (await engine.mail.get(scored)).outcome == "spam"


async def test_without_a_from_header_the_envelope_sender_is_the_prospect(
    engine: Engine, inbox: Inbox
) -> None:
    raw = eml("malformed/invalid_addresses.eml")
    mail = await engine.mail.get(await inbox.receive(raw, mail_from="Robot@Relay.fr"))
    assert mail.outcome == "lead"
    contact = await engine.contacts.by_email("robot@relay.fr")
    assert contact is not None and contact.id == mail.contact_id


async def test_a_mail_without_any_sender_is_held(engine: Engine, inbox: Inbox) -> None:
    raw = eml("malformed/invalid_addresses.eml")
    mail = await engine.mail.get(await inbox.receive(raw, mail_from="not an address"))
    assert (mail.status, mail.outcome) == ("held", "no_sender")


def routed(policy: IntakePolicy, owner: OwnerRule) -> IntakePolicy:
    route = Route("leads@relais.example", "lead", owner=owner)
    return dataclasses.replace(policy, routes=(route, *policy.routes[1:]))


async def test_owner_rules(engine: Engine, policy: IntakePolicy, admin: Actor) -> None:
    alice = await engine.users.upsert(UserDraft("Alice", "alice@relais.fr"), admin)
    bob = await engine.users.upsert(UserDraft("Bob", "bob@relais.fr"), admin)
    rules = [
        (OwnerRule("fixed", user="bob@relais.fr"), [bob.id, bob.id]),
        (OwnerRule("round_robin"), [alice.id, bob.id, alice.id]),
        (
            OwnerRule(
                "by_domain", domains=(("acme.fr", "alice@relais.fr"),), fallback="bob@relais.fr"
            ),
            [alice.id, bob.id],
        ),
    ]
    senders = ["a@sales.acme.fr", "b@other.fr", "c@acme.fr"]
    for number, (rule, expected) in enumerate(rules):
        inbox = Inbox(engine, routed(policy, rule))
        owners = []
        for index, sender in enumerate(senders[: len(expected)]):
            raw = message(subject=f"P{number}-{index}", sender=sender)
            owners.append(
                (
                    await engine.leads.get(
                        (await engine.mail.get(await inbox.receive(raw, mail_from=sender))).lead_id
                        or 0
                    )
                ).owner_id
            )
        assert owners == expected, rule


async def test_a_failure_keeps_the_mail_for_retry(
    engine: Engine, policy: IntakePolicy, admin: Actor
) -> None:
    broken = dataclasses.replace(
        policy, routes=(Route("leads@relais.example", "deal", pipeline="nope"),)
    )
    mail_id = await Inbox(engine, broken).receive(message())
    failed = await engine.mail.get(mail_id)
    assert failed.status == "failed" and "pipeline" in (failed.error or "")
    assert await engine.mail.failed() == [mail_id]
    await engine.mail.retry(mail_id, admin)
    await MailProcessor(engine, policy, workers=0).process(mail_id)
    assert (await engine.mail.get(mail_id)).outcome == "lead"


async def test_processing_twice_creates_once(engine: Engine, inbox: Inbox) -> None:
    mail_id = await inbox.receive(message())
    again = await MailProcessor(engine, inbox.policy, workers=0).process(mail_id)
    assert again is not None and again.skipped
    assert len(await engine.leads.by_status(None)) == 1


async def test_the_same_message_stored_twice_is_one_row(engine: Engine) -> None:
    raw = message()
    first = await engine.mail.store(RawMail(raw, "a@b.fr", ("leads@relais.example",)))
    second = await engine.mail.store(RawMail(raw, "a@b.fr", ("leads@relais.example",)))
    assert first.created and not second.created and first.mail_id == second.mail_id
    assert (await engine.mail.get(first.mail_id)).deliveries == 2


def test_without_message_id_the_key_ignores_trace_headers() -> None:
    raw = message(message_id=None)
    relayed = b"Received: from mx1 by mx2;\r\n\tMon, 1 Jan 2024\r\nReturn-Path: <x@y>\r\n" + raw
    assert dedupe_key(raw)[0] == dedupe_key(relayed)[0] == f"sha256:{content_hash(raw)}"
    assert dedupe_key(raw)[0] != dedupe_key(raw + b"more")[0]
    assert dedupe_key(message(message_id="<a@b>"))[:2] == ("mid:a@b", "a@b")


def test_recipient_matching(policy: IntakePolicy) -> None:
    assert policy.match("Leads@Relais.Example") is not None
    assert policy.match("sales@relais.example") is None
    assert policy.match("leads@other.example") is None
    plus = policy.match("deals+42@relais.example")
    assert plus is not None and plus.record == ("deal", 42)
    tagged = policy.match("leads+salon2024@relais.example")
    assert tagged is not None and (tagged.tag, tagged.record) == ("salon2024", None)
    catch_all = dataclasses.replace(policy, routes=(*policy.routes, Route("*@capture.fr")))
    assert catch_all.match("anything@capture.fr") is not None


async def test_a_campaign_tag_is_recorded(engine: Engine, inbox: Inbox) -> None:
    mail_id = await inbox.receive(message(), to=["leads+salon2024@relais.example"])
    lead = await engine.leads.get((await engine.mail.get(mail_id)).lead_id or 0)
    assert lead.campaign == "salon2024"


async def test_a_lead_address_attaches_to_that_lead(
    engine: Engine, inbox: Inbox, admin: Actor
) -> None:
    lead = await engine.leads.create(LeadDraft("Existing"), admin)
    mail = await engine.mail.get(
        await inbox.receive(message(), to=[f"leads+{lead.id}@relais.example"])
    )
    assert (mail.outcome, mail.lead_id) == ("thread", lead.id)
