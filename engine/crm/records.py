"""Typed records returned by the engine's reads (never raw rows)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from engine import clock
from engine.crm.marks import Mark
from engine.money import from_cents

MAX_RECORD_ID = 2**63 - 1  # SQLite's largest integer: past it no record can exist


def _when(text: str | None) -> datetime | None:
    return None if text is None else clock.from_db(text)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    email: str | None
    slack_id: str | None
    role: str
    locale: str
    timezone: str
    manager_id: int | None
    active: bool

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> User:
        return cls(
            row["id"],
            row["name"],
            row["email"],
            row["slack_id"],
            row["role"],
            row["locale"],
            row["timezone"],
            row["manager_id"],
            bool(row["active"]),
        )


@dataclass(frozen=True, slots=True)
class Organisation:
    id: int
    name: str
    domain: str | None
    phone: str | None
    address: str | None
    version: int

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Organisation:
        return cls(
            row["id"], row["name"], row["domain"], row["phone"], row["address"], row["version"]
        )


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """Where a letter reaches a person: street (lines), postcode, city, country.

    A French envelope's order; ``country`` empty for one in the seller's own country.
    Every part is optional: a city alone is still worth printing on a devis.
    """

    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""

    def lines(self) -> list[str]:
        """The address as printed: the street's lines, "postcode city", the country."""
        town = " ".join(part for part in (self.postcode, self.city) if part)
        return [line for line in (*self.street.splitlines(), town, self.country) if line]

    def text(self) -> str:
        return "\n".join(self.lines())

    def __bool__(self) -> bool:
        return bool(self.lines())


@dataclass(frozen=True, slots=True)
class Contact:
    id: int
    name: str
    email: str | None
    phone: str | None
    organisation_id: int | None
    version: int
    address: PostalAddress = field(default_factory=PostalAddress)  # empty when none

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Contact:
        return cls(
            row["id"],
            row["name"],
            row["email"],
            row["phone"],
            row["organisation_id"],
            row["version"],
            PostalAddress(*(row[part] or "" for part in ADDRESS_PARTS)),
        )


# The contacts columns of a postal address (migration 15), in PostalAddress's order.
ADDRESS_PARTS = ("street", "postcode", "city", "country")


@dataclass(frozen=True, slots=True)
class Stage:
    id: int
    pipeline_id: int
    key: str
    name: str
    position: int
    probability: int
    folded: bool
    outcome: str | None
    description: str

    @property
    def is_final(self) -> bool:
        return self.outcome is not None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Stage:
        return cls(
            row["id"],
            row["pipeline_id"],
            row["key"],
            row["name"],
            row["position"],
            row["probability"],
            bool(row["folded"]),
            row["outcome"],
            row["description"],
        )


@dataclass(frozen=True, slots=True)
class Pipeline:
    id: int
    key: str
    name: str
    currency: str
    is_default: bool
    stages: tuple[Stage, ...] = ()

    def stage(self, key_or_name: str) -> Stage | None:
        wanted = key_or_name.casefold()
        for stage in self.stages:
            if wanted in (stage.key.casefold(), stage.name.casefold()):
                return stage
        return None


@dataclass(frozen=True, slots=True)
class Lead:
    id: int
    title: str
    contact_id: int | None
    organisation_id: int | None
    owner_id: int | None
    status: str
    disqualify_reason: str | None
    note: str
    origin: str | None
    campaign: str | None
    deal_id: int | None
    custom: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Lead:
        return cls(
            row["id"],
            row["title"],
            row["contact_id"],
            row["organisation_id"],
            row["owner_id"],
            row["status"],
            row["disqualify_reason"],
            row["note"],
            row["origin"],
            row["campaign"],
            row["deal_id"],
            json.loads(row["custom"]),
            clock.from_db(row["created_at"]),
            clock.from_db(row["updated_at"]),
            row["version"],
        )


@dataclass(frozen=True, slots=True)
class Deal:
    id: int
    pipeline_id: int
    stage_id: int
    title: str
    contact_id: int | None
    organisation_id: int | None
    owner_id: int | None
    currency: str
    expected_revenue: Decimal | None
    budget: Decimal | None
    priority: int
    probability: int
    probability_manual: bool
    expected_close: date | None
    status: str
    lost_reason: str | None
    archived: bool
    origin: str | None
    campaign: str | None
    referred_by_id: int | None
    project_template_id: int | None
    lead_id: int | None
    custom: dict[str, Any]
    stage_entered_at: datetime
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    answers: dict[str, str] = field(default_factory=dict)

    @property
    def weighted_revenue(self) -> Decimal | None:
        if self.expected_revenue is None:
            return None
        from engine.money import quantize

        return quantize(self.expected_revenue * self.probability / 100)

    @classmethod
    def from_row(cls, row: sqlite3.Row, answers: dict[str, str] | None = None) -> Deal:
        return cls(
            id=row["id"],
            pipeline_id=row["pipeline_id"],
            stage_id=row["stage_id"],
            title=row["title"],
            contact_id=row["contact_id"],
            organisation_id=row["organisation_id"],
            owner_id=row["owner_id"],
            currency=row["currency"],
            expected_revenue=from_cents(row["expected_revenue_cents"]),
            budget=from_cents(row["budget_cents"]),
            priority=row["priority"],
            probability=row["probability"],
            probability_manual=bool(row["probability_manual"]),
            expected_close=_day(row["expected_close"]),
            status=row["status"],
            lost_reason=row["lost_reason"],
            archived=bool(row["archived"]),
            origin=row["origin"],
            campaign=row["campaign"],
            referred_by_id=row["referred_by_id"],
            project_template_id=row["project_template_id"],
            lead_id=row["lead_id"],
            custom=json.loads(row["custom"]),
            stage_entered_at=clock.from_db(row["stage_entered_at"]),
            closed_at=_when(row["closed_at"]),
            created_at=clock.from_db(row["created_at"]),
            updated_at=clock.from_db(row["updated_at"]),
            version=row["version"],
            answers=answers or {},
        )


@dataclass(frozen=True, slots=True)
class Activity:
    id: int
    kind: str
    subject: str
    note: str
    due_at: datetime | None
    done: bool
    done_at: datetime | None
    owner_id: int | None
    deal_id: int | None
    lead_id: int | None
    contact_id: int | None
    version: int

    def overdue(self, now: datetime) -> bool:
        return not self.done and self.due_at is not None and self.due_at < now

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Activity:
        return cls(
            row["id"],
            row["kind"],
            row["subject"],
            row["note"],
            _when(row["due_at"]),
            bool(row["done"]),
            _when(row["done_at"]),
            row["owner_id"],
            row["deal_id"],
            row["lead_id"],
            row["contact_id"],
            row["version"],
        )


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    id: int
    at: datetime
    actor_kind: str
    actor_user_id: int | None
    actor_label: str
    channel: str
    entity: str
    entity_id: int
    action: str
    changes: dict[str, list[Any]]
    version: int | None
    xact: int = 0  # the transaction that wrote it (engine/crm/marks.py)

    @property
    def mark(self) -> Mark:
        """Where a feed that has read this entry stands."""
        return Mark(self.xact, self.id)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> TimelineEntry:
        return cls(
            row["id"],
            clock.from_db(row["at"]),
            row["actor_kind"],
            row["actor_user_id"],
            row["actor_label"],
            row["channel"],
            row["entity"],
            row["entity_id"],
            row["action"],
            json.loads(row["changes"]),
            row["version"],
            int(row["xact"]),
        )


@dataclass(frozen=True, slots=True)
class StageSummary:
    """One column of a board: how many open deals, how much, how much weighted."""

    stage_id: int
    stage: str
    position: int
    folded: bool
    count: int
    revenue: Decimal
    weighted: Decimal


def as_dict(record: Any) -> dict[str, Any]:
    return asdict(record)
