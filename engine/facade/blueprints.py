"""The blueprints part: governed stages and lead statuses, their transitions and timers."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from engine import clock
from engine.actors import Actor
from engine.blueprints import lead_model as lead_blueprints
from engine.blueprints import lead_transitions
from engine.blueprints import store as blueprint_store
from engine.blueprints import stuck as stuck_deals
from engine.blueprints import transitions as deal_transitions
from engine.blueprints.check import FormFit, StageRef
from engine.blueprints.lead_transitions import LeadLogEntry, LeadPerformed
from engine.blueprints.model import Blueprint
from engine.crm import deals, pipelines
from engine.facade.base import Part, require_admin
from engine.store.claims import CONFIGURATION, exclusively
from engine.timers import escalations
from engine.timers import lead_escalations as lead_timers

ADMIN_ONLY = "admin_only.blueprint"  # a catalogue key: what only an admin can do
TIMERS = Actor("scheduler", "scheduler", label="scheduler")


class Blueprints(Part):
    """Owns deal and lead blueprints: their versions, the transitions they allow (options,
    forms, performing, history), stuck deals, migrations and the timers that fire."""

    # -- versions -------------------------------------------------------------

    form_fit: FormFit | None = None  # the renderer's check of forms, once one is registered

    def use_form_fit(self, fits: FormFit) -> None:
        """Refuse, from now on, to save a blueprint whose forms ``fits`` says reps can't see.

        The renderer (the Slack bot) knows its limits; the engine does not import it,
        so whoever wires the parts together registers its check here (service/wiring.py).
        """
        self.form_fit = fits

    async def save(self, blueprint: Blueprint, actor: Actor) -> blueprint_store.Saved:
        """Load a blueprint for its pipeline: a new version if it changed (admins only)."""
        require_admin(actor, ADMIN_ONLY)
        fits = self.form_fit
        if blueprint.record == "lead":
            return await self._write(
                exclusively(CONFIGURATION, lambda tx: lead_blueprints.save(tx, blueprint, fits)),
                actor,
            )
        return await self._write(
            exclusively(CONFIGURATION, lambda tx: blueprint_store.save(tx, blueprint, fits)),
            actor,
        )

    async def disable(self, pipeline: str | None, actor: Actor) -> bool:
        require_admin(actor, ADMIN_ONLY)
        return await self._write(lambda tx: blueprint_store.disable(tx, pipeline), actor)

    async def current(self, pipeline: str | None = None) -> blueprint_store.Version | None:
        """The pipeline's blueprint in force, or None (its stages move freely)."""
        return await self._read(
            lambda c: blueprint_store.current(c, pipelines.pipeline_row(c, pipeline)["id"])
        )

    async def versions(self, pipeline: str | None = None) -> list[blueprint_store.Version]:
        return await self._read(lambda c: blueprint_store.versions(c, pipeline))

    async def stage_refs(self, pipeline_id: int) -> list[StageRef]:
        """The stages a blueprint of the pipeline may name (``blueprint check``)."""
        return await self._read(lambda c: blueprint_store.stage_refs(c, pipeline_id))

    async def of_deal(self, deal_id: int) -> blueprint_store.Version | None:
        """The blueprint version governing a deal (its pinned one while in flight)."""
        return await self._read(
            lambda c: blueprint_store.governs(c, deals.deal_row(c, deal_id), clock.utcnow())
        )

    async def migrate(
        self, pipeline: str | None, actor: Actor, deal_id: int | None = None
    ) -> list[int]:
        """Move pinned deals to the latest blueprint version; returns their ids."""
        require_admin(actor, "admin_only.migrate")
        return await self._write(lambda tx: blueprint_store.migrate(tx, pipeline, deal_id), actor)

    # -- deal transitions -----------------------------------------------------

    async def transitions(self, deal_id: int, actor: Actor) -> list[deal_transitions.Option]:
        """The transitions leaving the deal's stage, each open to ``actor`` or not, and why."""
        return await self._read(
            lambda c: deal_transitions.options(c, deal_id, actor, clock.utcnow())
        )

    async def describe(self, deal_id: int, key: str, actor: Actor) -> deal_transitions.Form:
        return await self._read(
            lambda c: deal_transitions.describe(c, deal_id, key, actor, clock.utcnow())
        )

    async def perform(
        self,
        deal_id: int,
        key: str,
        values: dict[str, Any],
        actor: Actor,
        expected_version: int | None = None,
    ) -> deal_transitions.Performed:
        """One write: all of the transition is saved, or nothing and every reason why."""
        return await self._write(
            lambda tx: deal_transitions.perform(tx, deal_id, key, values, expected_version), actor
        )

    async def history(self, deal_id: int) -> list[deal_transitions.LogEntry]:
        return await self._read(lambda c: deal_transitions.history(c, deal_id))

    async def stuck(self, pipeline: str | None = None) -> list[stuck_deals.Stuck]:
        return await self._read(lambda c: stuck_deals.stuck_deals(c, pipeline, clock.utcnow()))

    # -- lead blueprints: the lead statuses governed like a pipeline's stages --

    async def lead_current(self) -> lead_blueprints.LeadVersion | None:
        """The lead blueprint in force, or None (lead statuses change freely)."""
        return await self._read(lead_blueprints.current)

    async def disable_lead(self, actor: Actor) -> bool:
        require_admin(actor, ADMIN_ONLY)
        return await self._write(lead_blueprints.disable, actor)

    async def lead_transitions(self, lead_id: int, actor: Actor) -> list[deal_transitions.Option]:
        """The transitions leaving the lead's status, each open to ``actor`` or not, and why."""
        return await self._read(
            lambda c: lead_transitions.options(c, lead_id, actor, clock.utcnow())
        )

    async def describe_lead(self, lead_id: int, key: str, actor: Actor) -> deal_transitions.Form:
        return await self._read(
            lambda c: lead_transitions.describe(c, lead_id, key, actor, clock.utcnow())
        )

    async def perform_lead(
        self,
        lead_id: int,
        key: str,
        values: dict[str, Any],
        actor: Actor,
        expected_version: int | None = None,
    ) -> LeadPerformed:
        """One write: all of the lead transition is saved, or nothing and every reason why."""
        return await self._write(
            lambda tx: lead_transitions.perform(tx, lead_id, key, values, expected_version), actor
        )

    async def lead_history(self, lead_id: int) -> list[LeadLogEntry]:
        return await self._read(lambda c: lead_transitions.history(c, lead_id))

    # -- timers ---------------------------------------------------------------

    async def run_timers(self, now: datetime | None = None) -> escalations.TimerReport:
        """Escalations and automatic transitions (deals, leads) due at ``now``, one write each."""
        moment = now or clock.utcnow()
        deals_due = await self._read(lambda c: escalations.due_work(c, moment))
        leads_due = await self._read(lambda c: lead_timers.due_work(c, moment))
        kinds = [d.kind for d in deals_due] + [d.kind for d in leads_due]
        writes = [escalations.firing(d, moment) for d in deals_due]
        writes += [lead_timers.firing(d, moment) for d in leads_due]
        results = await asyncio.gather(
            *(self._write(w, TIMERS) for w in writes), return_exceptions=True
        )
        done = [k for k, r in zip(kinds, results, strict=True) if r is True]
        return escalations.TimerReport(
            escalated=done.count("escalation"),
            transitioned=done.count("automatic"),
            skipped=len(kinds) - len(done),
        )
