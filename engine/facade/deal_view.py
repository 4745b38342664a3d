"""A deal's card, read in one snapshot: the deal and everything its card shows."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from engine import clock
from engine.actors import Actor
from engine.blueprints import store as blueprint_store
from engine.blueprints import transitions
from engine.crm import deals, pipelines, queries, users
from engine.crm.records import Activity, Contact, Deal, Pipeline, User
from engine.errors import NotFound


@dataclass(frozen=True, slots=True)
class DealView:
    """A deal with what its card shows, read together (see :meth:`Deals.view`)."""

    deal: Deal
    pipeline: Pipeline
    owner: User | None
    contact: Contact | None
    activities: list[Activity]
    blueprint: blueprint_store.Version | None
    transitions: list[transitions.Option]  # for the actor asked about; none without a blueprint


def read_view(conn: sqlite3.Connection, deal_id: int, actor: Actor | None) -> DealView:
    """The card of ``deal_id``; ``actor`` given, the transitions open to them now."""
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


def _user_or_none(conn: sqlite3.Connection, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    try:
        return users.get_user(conn, user_id)
    except NotFound:
        return None
