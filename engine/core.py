"""The engine facade: the one object adapters hold.

Each method is one unit of work: a write runs as a single function in the
database thread (one hop, one savepoint inside a shared commit), a read as one
function on the reader connection. Domain services stay plain functions of a
transaction, testable without any event loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from engine import clock
from engine.actors import Actor
from engine.blueprints import lead_model as lead_blueprints
from engine.blueprints import lead_transitions, stuck, transitions
from engine.blueprints import store as blueprint_store
from engine.blueprints.lead_transitions import LeadLogEntry, LeadPerformed
from engine.blueprints.model import Blueprint
from engine.cpq import document as quote_document
from engine.cpq import mail as quote_mail
from engine.cpq import products, quotes
from engine.cpq.catalogue import Product
from engine.cpq.lines import PricedQuote, QuoteDraft, accept_suggestions
from engine.cpq.products import ImportResult
from engine.crm import activities, contacts, deals, leads, listings, pipelines, queries, users
from engine.crm import setup as crm_setup
from engine.crm.records import (
    MAX_RECORD_ID,
    Activity,
    Contact,
    Deal,
    Lead,
    Pipeline,
    StageSummary,
    TimelineEntry,
    User,
)
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.events import EventBus
from engine.mail import inbox, intake, routes
from engine.outbox import mailings
from engine.outbox import queue as outbox
from engine.store.db import Database, Tx
from engine.timers import escalations, reminders
from engine.timers import lead_escalations as lead_timers
from engine.workflows import execute as workflow_exec
from engine.workflows import history as workflow_history
from engine.workflows import model as workflows
from engine.workflows import store as workflow_store
from engine.workflows.runner import WorkflowRunner

T = TypeVar("T")


class Engine:
    def __init__(self, database: Database) -> None:
        self.db = database
        self.bus: EventBus = database.bus

    @classmethod
    async def open(cls, path: str | Path) -> Engine:
        database = Database(path)
        await database.open()
        engine = cls(database)
        await engine.ensure_default_pipeline()
        return engine

    async def close(self) -> None:
        await self.bus.drain()
        await self.db.close()

    async def write(self, fn: Callable[[Tx], T], actor: Actor) -> T:
        return await self.db.write(fn, actor)

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await self.db.read(fn)

    # -- set-up ---------------------------------------------------------------

    async def ensure_default_pipeline(self) -> None:
        """A fresh database gets the default pipeline so the product works at once."""

        def create_if_missing(tx: Tx) -> None:
            if tx.scalar("SELECT count(*) FROM pipelines") == 0:
                pipelines.create_pipeline(tx, "default", "Pipeline", is_default=True)

        if not await self.read(lambda c: c.execute("SELECT 1 FROM pipelines").fetchone()):
            await self.write(create_if_missing, Actor.system("setup"))

    async def apply_setup(self, setup: crm_setup.CrmSetup, actor: Actor) -> list[str]:
        """Make the database say what ``setup`` says, all or nothing; one line per change."""
        if not actor.is_admin:
            raise Forbidden("only an admin can apply the configuration")
        return await self.write(lambda tx: crm_setup.apply_setup(tx, setup), actor)

    async def setup_records(self) -> crm_setup.SetupRecords:
        """Every pipeline, user and project template, in one snapshot (an export)."""
        return await self.read(crm_setup.read_setup)

    # -- users ----------------------------------------------------------------

    async def upsert_user(self, draft: users.UserDraft, actor: Actor) -> User:
        user_id, _ = await self.write(lambda tx: users.upsert_user(tx, draft), actor)
        return await self.user(user_id)

    async def user(self, ref: str | int) -> User:
        return await self.read(lambda c: users.get_user(c, ref))

    async def actor_for(self, ref: str | int, channel: str) -> Actor:
        """The actor a person acts as (``--as`` on the command line, a Slack user)."""
        user = await self.user(ref)
        if not user.active:
            raise Forbidden(f"user {user.name} is deactivated")
        return Actor("user", channel, user.id, user.name, user.role)

    # -- pipelines ------------------------------------------------------------

    async def pipeline(self, ref: str | int | None = None) -> Pipeline:
        return await self.read(lambda c: pipelines.load_pipeline(c, ref))

    async def list_pipelines(self) -> list[Pipeline]:
        return await self.read(pipelines.list_pipelines)

    def _admin(self, actor: Actor) -> None:
        if not actor.is_admin:
            raise Forbidden("only an admin can change the pipeline's stages")

    async def add_stage(
        self,
        pipeline: str | None,
        spec: pipelines.StageSpec,
        actor: Actor,
        position: int | None = None,
    ) -> Pipeline:
        self._admin(actor)

        def add(tx: Tx) -> None:
            pipelines.add_stage(tx, pipelines.pipeline_row(tx, pipeline)["id"], spec, position)

        await self.write(add, actor)
        return await self.pipeline(pipeline)

    async def change_stage(
        self, pipeline: str | None, stage: str, actor: Actor, **changes: Any
    ) -> pipelines.StageChanges:
        self._admin(actor)
        return await self.write(
            lambda tx: pipelines.change_stage(
                tx, pipelines.pipeline_row(tx, pipeline)["id"], stage, **changes
            ),
            actor,
        )

    async def reorder_stages(self, pipeline: str | None, keys: list[str], actor: Actor) -> None:
        self._admin(actor)
        await self.write(
            lambda tx: pipelines.reorder_stages(
                tx, pipelines.pipeline_row(tx, pipeline)["id"], keys
            ),
            actor,
        )

    async def delete_stage(self, pipeline: str | None, stage: str, actor: Actor) -> None:
        self._admin(actor)
        await self.write(
            lambda tx: pipelines.delete_stage(
                tx, pipelines.pipeline_row(tx, pipeline)["id"], stage
            ),
            actor,
        )

    # -- deals ----------------------------------------------------------------

    async def create_deal(self, draft: deals.DealDraft, actor: Actor) -> Deal:
        def create(tx: Tx) -> Deal:
            return queries.get_deal(tx.conn, deals.create_deal(tx, draft))

        return await self.write(create, actor)

    async def deal(self, deal_id: int) -> Deal:
        return await self.read(lambda c: queries.get_deal(c, deal_id))

    async def update_deal(
        self,
        deal_id: int,
        values: dict[str, Any],
        actor: Actor,
        expected_version: int | None = None,
    ) -> Deal:
        def update(tx: Tx) -> Deal:
            deals.update_deal(tx, deal_id, values, expected_version)
            return queries.get_deal(tx.conn, deal_id)

        return await self.write(update, actor)

    async def move_deal(
        self,
        deal_id: int,
        stage: str | int,
        actor: Actor,
        expected_version: int | None = None,
        lost_reason: str | None = None,
    ) -> Deal:
        def move(tx: Tx) -> Deal:
            deals.move_stage(tx, deal_id, stage, expected_version, lost_reason=lost_reason)
            return queries.get_deal(tx.conn, deal_id)

        return await self.write(move, actor)

    async def delete_deal(
        self, deal_id: int, actor: Actor, expected_version: int | None = None
    ) -> None:
        if not actor.is_admin:
            raise Forbidden("only an admin can delete a deal; archive it instead")
        await self.write(lambda tx: deals.delete_deal(tx, deal_id, expected_version), actor)

    async def search_deals(self, text: str) -> list[Deal]:
        return await self.read(lambda c: queries.search_deals(c, text))

    async def deal_listing(self, filters: listings.DealFilters) -> listings.DealListing:
        """Deals by stage, pipeline, owner or text, the latest changed first, with totals."""
        return await self.read(lambda c: listings.deal_listing(c, filters))

    async def board(self, pipeline: str | None = None) -> list[StageSummary]:
        return await self.read(lambda c: queries.board(c, pipeline))

    async def my_pipeline(self, owner_id: int, pipeline: str | None = None) -> list[StageSummary]:
        return await self.read(lambda c: queries.my_pipeline(c, owner_id, pipeline))

    async def my_open_deals(self, owner_id: int) -> list[Deal]:
        return await self.read(lambda c: queries.my_open_deals(c, owner_id))

    async def timeline(self, entity: str, entity_id: int) -> list[TimelineEntry]:
        return await self.read(lambda c: queries.timeline(c, entity, entity_id))

    # -- contacts -------------------------------------------------------------

    async def find_or_create_contact(self, draft: contacts.ContactDraft, actor: Actor) -> Contact:
        contact_id, _ = await self.write(
            lambda tx: contacts.find_or_create_contact(tx, draft), actor
        )
        contact = await self.read(lambda c: queries.get_contact(c, contact_id))
        assert contact is not None
        return contact

    async def contact_by_email(self, email: str) -> Contact | None:
        key = contacts.normalize_email(email).key
        return await self.read(lambda c: queries.find_contact(c, key))

    # -- leads ----------------------------------------------------------------

    async def create_lead(self, draft: leads.LeadDraft, actor: Actor) -> Lead:
        lead_id = await self.write(lambda tx: leads.create_lead(tx, draft), actor)
        return await self.lead(lead_id)

    async def lead(self, lead_id: int) -> Lead:
        return await self.read(lambda c: queries.get_lead(c, lead_id))

    async def list_leads(self, status: str | None = "new") -> list[Lead]:
        return await self.read(lambda c: queries.list_leads(c, status))

    async def lead_listing(self, filters: listings.LeadFilters) -> listings.LeadListing:
        """Leads by status and owner, the newest first, with their contact, owner and source."""
        return await self.read(lambda c: listings.lead_listing(c, filters))

    async def set_lead_status(
        self, lead_id: int, status: str, actor: Actor, *, reason: str | None = None,
        expected_version: int | None = None,
    ) -> Lead:  # fmt: skip
        await self.write(
            lambda tx: leads.set_status(tx, lead_id, status, expected_version, reason=reason), actor
        )
        return await self.lead(lead_id)

    async def assign_lead(
        self, lead_id: int, owner: str | int, actor: Actor, expected_version: int | None = None
    ) -> Lead:
        await self.write(lambda tx: leads.assign(tx, lead_id, owner, expected_version), actor)
        return await self.lead(lead_id)

    async def convert_lead(
        self, lead_id: int, actor: Actor, *, pipeline: str | None = None,
        title: str | None = None, expected_revenue: str | None = None,
        expected_version: int | None = None,
    ) -> Deal:  # fmt: skip
        deal_id = await self.write(
            lambda tx: leads.convert(
                tx,
                lead_id,
                expected_version,
                pipeline=pipeline,
                title=title,
                expected_revenue=expected_revenue,
            ),
            actor,
        )
        return await self.deal(deal_id)

    # -- activities -----------------------------------------------------------

    async def create_activity(self, draft: activities.ActivityDraft, actor: Actor) -> Activity:
        activity_id = await self.write(lambda tx: activities.create_activity(tx, draft), actor)
        return await self.activity(activity_id)

    async def activity(self, activity_id: int) -> Activity:
        return await self.read(lambda c: queries.get_activity(c, activity_id))

    async def complete_activity(
        self, activity_id: int, actor: Actor, expected_version: int | None = None
    ) -> Activity:
        await self.write(lambda tx: activities.mark_done(tx, activity_id, expected_version), actor)
        return await self.activity(activity_id)

    async def reschedule_activity(
        self, activity_id: int, due_at: datetime, actor: Actor, expected_version: int | None = None
    ) -> Activity:
        await self.write(
            lambda tx: activities.reschedule(tx, activity_id, due_at, expected_version), actor
        )
        return await self.activity(activity_id)

    async def my_activities(self, owner_id: int, include_done: bool = False) -> list[Activity]:
        return await self.read(
            lambda c: queries.my_activities(c, owner_id, include_done=include_done)
        )

    async def overdue_activities(self, owner_id: int | None = None) -> list[Activity]:
        return await self.read(lambda c: queries.overdue_activities(c, owner_id))

    async def record_activities(self, entity: str, record_id: int) -> list[Activity]:
        return await self.read(lambda c: queries.record_activities(c, entity, record_id))

    # -- mail ---------------------------------------------------------------------

    async def store_mail(self, mail: inbox.RawMail) -> inbox.Stored:
        """Keep a received message durably (the SMTP 250 waits for this commit)."""
        return await self.write(lambda tx: inbox.store(tx, mail), intake.MAIL_ACTOR)

    async def process_mail(
        self, mail: intake.IncomingMail, policy: routes.IntakePolicy
    ) -> intake.Outcome:
        """Turn a stored, parsed message into a lead, a deal or a thread entry: one write."""
        return await self.write(lambda tx: intake.process(tx, mail, policy), intake.MAIL_ACTOR)

    async def mark_mail_failed(self, mail_id: int, error: str) -> None:
        await self.write(lambda tx: inbox.mark_failed(tx, mail_id, error), intake.MAIL_ACTOR)

    async def retry_mail(self, mail_id: int, actor: Actor) -> None:
        await self.write(lambda tx: inbox.requeue(tx, mail_id), actor)

    async def release_mail(self, mail_id: int, actor: Actor) -> None:
        await self.write(lambda tx: inbox.requeue(tx, mail_id, release=True), actor)

    async def mail(self, mail_id: int) -> inbox.MailRecord:
        return await self.read(lambda c: inbox.get_mail(c, mail_id))

    async def mail_raw(self, mail_id: int) -> bytes:
        return await self.read(lambda c: inbox.get_raw(c, mail_id))

    async def list_mails(
        self, status: str | None = None, limit: int = 50
    ) -> list[inbox.MailRecord]:
        return await self.read(lambda c: inbox.list_mails(c, status, limit))

    async def pending_mails(self, limit: int = 1000) -> list[int]:
        return await self.read(lambda c: inbox.pending(c, limit))

    async def failed_mails(self) -> list[int]:
        return await self.read(inbox.failed_ids)

    async def mail_attachments(self, mail_id: int) -> list[inbox.Attachment]:
        return await self.read(lambda c: inbox.attachments(c, mail_id))

    async def record_exists(self, kind: str, record_id: int) -> bool:
        """Whether ``deals+42@`` names a real deal (checked before accepting the mail)."""
        if not 0 < record_id <= MAX_RECORD_ID:  # past SQLite's integers: no such record
            return False
        table = {"deal": "deals", "lead": "leads"}[kind]
        sql = f"SELECT 1 FROM {table} WHERE id = ?"
        return await self.read(lambda c: c.execute(sql, (record_id,)).fetchone() is not None)

    # -- slack ----------------------------------------------------------------

    async def contact(self, contact_id: int) -> Contact | None:
        return await self.read(lambda c: queries.get_contact(c, contact_id))

    async def timeline_since(self, after_id: int, limit: int = 200) -> list[TimelineEntry]:
        """Every change recorded after entry ``after_id``, oldest first (a durable feed)."""

        def read(conn: sqlite3.Connection) -> list[TimelineEntry]:
            rows = conn.execute(
                "SELECT * FROM timeline WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
            )
            return [TimelineEntry.from_row(r) for r in rows]

        return await self.read(read)

    # -- blueprint ---------------------------------------------------------------

    async def save_blueprint(self, blueprint: Blueprint, actor: Actor) -> blueprint_store.Saved:
        """Load a blueprint for its pipeline: a new version if it changed (admins only)."""
        if not actor.is_admin:
            raise Forbidden("only an admin can change a blueprint")
        if blueprint.record == "lead":
            return await self.write(lambda tx: lead_blueprints.save(tx, blueprint), actor)
        return await self.write(lambda tx: blueprint_store.save(tx, blueprint), actor)

    async def disable_blueprint(self, pipeline: str | None, actor: Actor) -> bool:
        if not actor.is_admin:
            raise Forbidden("only an admin can change a blueprint")
        return await self.write(lambda tx: blueprint_store.disable(tx, pipeline), actor)

    async def blueprint(self, pipeline: str | None = None) -> blueprint_store.Version | None:
        """The pipeline's blueprint in force, or None (its stages move freely)."""
        return await self.read(
            lambda c: blueprint_store.current(c, pipelines.pipeline_row(c, pipeline)["id"])
        )

    async def blueprint_versions(
        self, pipeline: str | None = None
    ) -> list[blueprint_store.Version]:
        return await self.read(lambda c: blueprint_store.versions(c, pipeline))

    async def deal_view(self, deal_id: int, actor: Actor | None = None) -> DealView:
        """Everything a deal's card shows, in one snapshot (one hop, not seven).

        ``actor`` given, the transitions open to them now are included.
        """

        def read(conn: sqlite3.Connection) -> DealView:
            now = clock.utcnow()
            deal = queries.get_deal(conn, deal_id)
            version = blueprint_store.governs(conn, deals.deal_row(conn, deal_id), now)
            options = []
            if actor is not None and not deal.archived and version is not None:
                options = transitions.options(conn, deal_id, actor, now)
            return DealView(
                deal, pipelines.load_pipeline(conn, deal.pipeline_id),
                _user_or_none(conn, deal.owner_id),
                None if deal.contact_id is None else queries.get_contact(conn, deal.contact_id),
                queries.record_activities(conn, "deal", deal_id), version, options,
            )  # fmt: skip

        return await self.read(read)

    async def deal_blueprint(self, deal_id: int) -> blueprint_store.Version | None:
        """The blueprint version governing a deal (its pinned one while in flight)."""
        return await self.read(
            lambda c: blueprint_store.governs(c, deals.deal_row(c, deal_id), clock.utcnow())
        )

    async def deal_transitions(self, deal_id: int, actor: Actor) -> list[transitions.Option]:
        """The transitions leaving the deal's stage, each open to ``actor`` or not, and why."""
        return await self.read(lambda c: transitions.options(c, deal_id, actor, clock.utcnow()))

    async def describe_transition(self, deal_id: int, key: str, actor: Actor) -> transitions.Form:
        return await self.read(
            lambda c: transitions.describe(c, deal_id, key, actor, clock.utcnow())
        )

    async def perform_transition(
        self,
        deal_id: int,
        key: str,
        values: dict[str, Any],
        actor: Actor,
        expected_version: int | None = None,
    ) -> transitions.Performed:
        """One write: all of the transition is saved, or nothing and every reason why."""
        return await self.write(
            lambda tx: transitions.perform(tx, deal_id, key, values, expected_version), actor
        )

    async def transition_history(self, deal_id: int) -> list[transitions.LogEntry]:
        return await self.read(lambda c: transitions.history(c, deal_id))

    # lead blueprints: the lead statuses governed like a pipeline's stages

    async def lead_blueprint(self) -> lead_blueprints.LeadVersion | None:
        """The lead blueprint in force, or None (lead statuses change freely)."""
        return await self.read(lead_blueprints.current)

    async def disable_lead_blueprint(self, actor: Actor) -> bool:
        if not actor.is_admin:
            raise Forbidden("only an admin can change a blueprint")
        return await self.write(lead_blueprints.disable, actor)

    async def lead_transitions(self, lead_id: int, actor: Actor) -> list[transitions.Option]:
        """The transitions leaving the lead's status, each open to ``actor`` or not, and why."""
        return await self.read(
            lambda c: lead_transitions.options(c, lead_id, actor, clock.utcnow())
        )

    async def describe_lead_transition(
        self, lead_id: int, key: str, actor: Actor
    ) -> transitions.Form:
        return await self.read(
            lambda c: lead_transitions.describe(c, lead_id, key, actor, clock.utcnow())
        )

    async def perform_lead_transition(
        self,
        lead_id: int,
        key: str,
        values: dict[str, Any],
        actor: Actor,
        expected_version: int | None = None,
    ) -> LeadPerformed:
        """One write: all of the lead transition is saved, or nothing and every reason why."""
        return await self.write(
            lambda tx: lead_transitions.perform(tx, lead_id, key, values, expected_version), actor
        )

    async def lead_transition_history(self, lead_id: int) -> list[LeadLogEntry]:
        return await self.read(lambda c: lead_transitions.history(c, lead_id))

    async def stuck_deals(self, pipeline: str | None = None) -> list[stuck.Stuck]:
        return await self.read(lambda c: stuck.stuck_deals(c, pipeline, clock.utcnow()))

    async def migrate_blueprint_deals(
        self, pipeline: str | None, actor: Actor, deal_id: int | None = None
    ) -> list[int]:
        """Move pinned deals to the latest blueprint version; returns their ids."""
        if not actor.is_admin:
            raise Forbidden("only an admin can migrate deals to a new blueprint")
        return await self.write(lambda tx: blueprint_store.migrate(tx, pipeline, deal_id), actor)

    async def run_blueprint_timers(self, now: datetime | None = None) -> escalations.TimerReport:
        """Escalations and automatic transitions (deals, leads) due at ``now``, one write each."""
        moment = now or clock.utcnow()
        deals_due = await self.read(lambda c: escalations.due_work(c, moment))
        leads_due = await self.read(lambda c: lead_timers.due_work(c, moment))
        kinds = [d.kind for d in deals_due] + [d.kind for d in leads_due]
        writes = [escalations.firing(d, moment) for d in deals_due]
        writes += [lead_timers.firing(d, moment) for d in leads_due]
        actor = Actor("scheduler", "scheduler", label="scheduler")
        results = await asyncio.gather(
            *(self.write(w, actor) for w in writes), return_exceptions=True
        )
        done = [k for k, r in zip(kinds, results, strict=True) if r is True]
        return escalations.TimerReport(
            escalated=done.count("escalation"),
            transitioned=done.count("automatic"),
            skipped=len(kinds) - len(done),
        )

    async def claim_outbox(
        self, kinds: tuple[str, ...], now: datetime | None = None, limit: int = 20
    ) -> list[outbox.Message]:
        moment = now or clock.utcnow()
        return await self.write(
            lambda tx: outbox.claim(tx, kinds, moment, limit), Actor.system("outbox")
        )

    async def settle_outbox(
        self, message_id: int, outcome: outbox.Outcome, now: datetime | None = None
    ) -> str:
        moment = now or clock.utcnow()
        return await self.write(
            lambda tx: outbox.settle(tx, message_id, outcome, moment), Actor.system("outbox")
        )

    async def outbox_messages(
        self, deal_id: int | None = None, status: str | None = None
    ) -> list[outbox.Message]:
        return await self.read(lambda c: outbox.messages(c, deal_id, status))

    async def outbox_attempts(self, message_id: int) -> list[outbox.Attempt]:
        return await self.read(lambda c: outbox.attempts(c, message_id))

    async def outbox_attachments(self, message_id: int) -> list[outbox.Attachment]:
        """The files stored with an outbox e-mail, as they are sent."""
        return await self.read(lambda c: outbox.attachments(c, message_id))

    # -- quotes ---------------------------------------------------------------

    cpq: quotes.CpqSetup = quotes.CpqSetup()

    def use_cpq(self, setup: quotes.CpqSetup) -> None:
        """Price and save quotes with these rules and settings (see config/cpq_schema.py)."""
        self.cpq = setup

    async def price_quote(
        self, draft: QuoteDraft, deal_id: int | None = None, on: date | None = None
    ) -> PricedQuote:
        """Price without saving: lines with their traces, suggestions, totals."""
        book, day = self.cpq.book, on or clock.utcnow().date()
        return await self.read(lambda c: quotes.price(c, draft, book, deal_id, day))

    async def add_suggestions(
        self,
        draft: QuoteDraft,
        codes: Collection[str] | None = None,
        deal_id: int | None = None,
        on: date | None = None,
    ) -> PricedQuote:
        """Add the suggested products (all, or those ``codes``) in one batch, priced again."""
        priced = await self.price_quote(draft, deal_id, on)
        picked = [s for s in priced.suggestions if codes is None or s.code in codes]
        return await self.price_quote(accept_suggestions(priced.draft(), picked), deal_id, on)

    async def save_quote(
        self, deal_id: int | None, draft: QuoteDraft, actor: Actor, *,
        quote_id: int | None = None, expected_version: int | None = None,
        on: date | None = None,
    ) -> quotes.Saved:  # fmt: skip
        """Save a new quote on a deal, or a new version of ``quote_id``.

        The result says whether the deal moved to the quote stage, or which
        blueprint transition the rep must perform to get it there.
        """
        setup, day = self.cpq, on or clock.utcnow().date()
        outcome = await self.write(
            lambda tx: quotes.save_quote(
                tx, deal_id, draft, setup, day, quote_id, expected_version
            ),
            actor,
        )
        quote = await self.quote(outcome.quote_id)
        return quotes.Saved(quote, outcome.created, outcome.changed, outcome.stage)

    async def quote(self, ref: int | str) -> quotes.Quote:
        """A quote by id or number (``D-2026-0001``)."""
        return await self.read(lambda c: quotes.get_quote(c, ref))

    async def deal_quotes(self, deal_id: int) -> list[quotes.Quote]:
        return await self.read(lambda c: quotes.deal_quotes(c, deal_id))

    async def set_quote_status(
        self, ref: int | str, status: str, actor: Actor, expected_version: int | None = None
    ) -> quotes.Quote:
        quote_id = (await self.quote(ref)).id
        await self.write(
            lambda tx: quotes.set_status(tx, quote_id, status, expected_version), actor
        )
        return await self.quote(quote_id)

    async def quote_pdf(self, ref: int | str, locale: str = "fr") -> bytes:
        """The quote document (PDF) in ``fr`` or ``en``, ready to download or mail."""
        quote = await self.quote(ref)
        settings = self.cpq.settings
        return await asyncio.to_thread(quote_document.render, quote, locale, settings)

    async def send_quote(
        self, ref: int | str, actor: Actor, *, to: str | None = None,
        locale: str | None = None, note: str | None = None, default_locale: str = "fr",
    ) -> quote_mail.Queued:  # fmt: skip
        """E-mail the quote's PDF to the deal's contact (or ``to``) through the outbox.

        ``locale`` unset: the contact's language, else ``default_locale``. The
        PDF is rendered outside the write; the write queues it with the e-mail
        and marks a draft ``sent`` (see :mod:`engine.cpq.mail`).
        """
        quote = await self.quote(ref)
        quote_mail.check_sendable(quote.number, quote.status)
        ask = quote_mail.Ask(to, locale, default_locale)
        who = await self.read(lambda c: quote_mail.audience(c, quote, actor, ask))
        settings = self.cpq.settings
        document = await asyncio.to_thread(quote_document.render, quote, who.locale, settings)
        mail = quote_mail.compose(quote, who, note, document, settings)
        outbox_id, marked = await self.write(lambda tx: quote_mail.enqueue(tx, mail), actor)
        return quote_mail.Queued(await self.quote(quote.id), outbox_id, mail, marked)

    async def import_products(self, items: Iterable[Product], actor: Actor) -> ImportResult:
        """Create or update catalogue products by code (admins only)."""
        if not actor.is_admin:
            raise Forbidden("only an admin can change the catalogue")
        chosen = list(items)
        return await self.write(lambda tx: products.import_products(tx, chosen), actor)

    async def product(self, code: str) -> Product:
        return await self.read(lambda c: products.get_product(c, code))

    async def search_products(self, text: str, limit: int = 25) -> list[Product]:
        """Active products matching ``text`` (Slack's external select)."""
        return await self.read(lambda c: products.search_products(c, text, limit))

    # -- workflows ---------------------------------------------------------------

    def workflow_runner(
        self, setup: workflow_exec.Setup | None = None, *, retention_days: int = 90
    ) -> WorkflowRunner:
        """The runner of this database's workflows; ``start()`` it to follow the bus."""
        return WorkflowRunner(self.db, setup, retention_days=retention_days)

    def _workflow_admin(self, actor: Actor) -> None:
        if not actor.is_admin:
            raise Forbidden("only an admin can change workflows")

    async def apply_workflows(
        self, items: Sequence[workflows.Workflow], actor: Actor
    ) -> list[workflow_store.Saved]:
        """Create or update workflows in one write: all of them, or none and every problem."""
        self._workflow_admin(actor)
        chosen = list(items)

        def apply(tx: Tx) -> list[workflow_store.Saved]:
            saved, errors = [], {}
            for index, item in enumerate(chosen):
                try:
                    saved.append(workflow_store.save(tx, item))
                except ValidationFailed as exc:
                    errors.update({f"workflows[{index}].{k}": v for k, v in exc.errors.items()})
            if errors:
                raise ValidationFailed(errors)
            return saved

        return await self.write(apply, actor)

    async def workflows(self) -> list[workflow_store.Stored]:
        return await self.read(workflow_store.list_all)

    async def workflow(self, name: str) -> workflow_store.Stored:
        """A workflow by name (any case) or id."""
        return await self.read(lambda c: workflow_store.get(c, name))

    async def set_workflow_active(self, name: str, active: bool, actor: Actor) -> bool:
        """Activate or deactivate; returns whether it changed. Waiting runs of an
        inactive workflow stop when they come due."""
        self._workflow_admin(actor)
        return await self.write(lambda tx: workflow_store.set_active(tx, name, active), actor)

    async def delete_workflow(self, name: str, actor: Actor) -> None:
        self._workflow_admin(actor)
        await self.write(lambda tx: workflow_store.delete(tx, name), actor)

    async def workflow_runs(
        self, name: str | None = None, *, failed: bool = False, limit: int = 50
    ) -> list[workflow_history.RunRecord]:
        """Latest runs first (all workflows, or one); ``failed``: failed and stopped only."""
        return await self.read(lambda c: workflow_history.runs(c, name, failed=failed, limit=limit))

    async def workflow_run(self, run_id: int) -> workflow_history.RunRecord:
        """One run with each of its steps."""
        return await self.read(lambda c: workflow_history.run(c, run_id))

    async def record_workflow_runs(
        self, entity: str, entity_id: int
    ) -> list[workflow_history.RunRecord]:
        return await self.read(lambda c: workflow_history.runs_on(c, entity, entity_id))

    async def workflow_summaries(self) -> dict[int, workflow_history.Summary]:
        return await self.read(workflow_history.summaries)

    async def run_reminders(
        self, settings: reminders.ReminderSettings, now: datetime | None = None
    ) -> reminders.ReminderReport:
        """Queue the activity reminders and morning digests due at ``now`` (each once)."""
        moment = now or clock.utcnow()
        due = await self.read(lambda c: reminders.due_reminders(c, moment, settings))
        digests = await self.read(lambda c: reminders.due_digests(c, moment, settings))
        report = reminders.ReminderReport()
        if not (due or digests):
            return report

        def send(tx: Tx) -> None:
            tx.now = clock.to_db(moment)
            report.reminders = reminders.send_reminders(tx, due, settings)
            report.digests = reminders.send_digests(tx, digests, moment, settings)

        await self.write(send, Actor("scheduler", "scheduler", label="reminders"))
        return report

    async def record_sent_mail(self, mail: mailings.SentMail) -> None:
        """Keep the record of an e-mail the SMTP relay accepted."""
        await self.write(lambda tx: mailings.record(tx, mail), Actor.system("mail"))

    async def sent_mails(self, limit: int = 50) -> list[mailings.SentMail]:
        return await self.read(lambda c: mailings.sent(c, limit))


@dataclass(frozen=True, slots=True)
class DealView:
    """A deal with what its card shows, read together (see :meth:`Engine.deal_view`)."""

    deal: Deal
    pipeline: Pipeline
    owner: User | None
    contact: Contact | None
    activities: list[Activity]
    blueprint: blueprint_store.Version | None
    transitions: list[transitions.Option]  # for the actor asked about; none without a blueprint


def _user_or_none(conn: sqlite3.Connection, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    try:
        return users.get_user(conn, user_id)
    except NotFound:
        return None
