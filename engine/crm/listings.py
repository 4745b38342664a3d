"""Deal and lead lists for the command line (``run.py deal list``, ``lead list``).

Filters name pipelines, stages and owners the way a person types them; they
become one WHERE clause of fixed fragments and named parameters (never text
pasted into SQL), and an unknown name is a field error listing the choices.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.crm.records import Deal, Lead
from engine.crm.users import find_user_row
from engine.errors import ValidationFailed
from engine.i18n import LEAD_STATUS_NAMES as STATUSES  # engine.crm.leads' (light)
from engine.money import quantize
from engine.store.db import like_escaped
from engine.text.catalogue import Phrase

OPEN_LEAD_STATUSES = ("new", "contacted", "qualified")
LEAD_STATUS_CHOICES = (*STATUSES, "open", "all")
UNASSIGNED = "none"  # ``--owner none``: records nobody owns


# A deal search looks in the title, the contact's name and e-mail and the organisation's
# name; ``:like`` is built by ``like_escaped``, so "100%" or "a_b" match only themselves.
SEARCH_MATCHES = " OR ".join(
    f"{column} LIKE :like ESCAPE '\\'" for column in ("d.title", "c.name", "c.email", "o.name")
)


@dataclass(frozen=True, slots=True)
class Named:
    """A person as a list shows them: a name and, when known, an e-mail."""

    name: str
    email: str | None

    @classmethod
    def of(cls, name: str | None, email: str | None) -> Named | None:
        return None if name is None and email is None else cls(name or "", email)


@dataclass(frozen=True, slots=True)
class DealFilters:
    """What a deal list asks for. ``owner``: an id, e-mail or Slack id, or ``none``."""

    pipeline: str | None = None
    stage: str | None = None
    owner: str | None = None
    search: str | None = None
    include_closed: bool = False
    limit: int = 50


@dataclass(frozen=True, slots=True)
class ListedDeal:
    deal: Deal
    pipeline: str
    stage_key: str
    stage: str
    owner: Named | None
    contact: Named | None


@dataclass(frozen=True, slots=True)
class Amounts:
    """The deals of one currency: how many, their amounts, and weighted by probability."""

    currency: str
    count: int
    amount: Decimal
    weighted: Decimal


@dataclass(frozen=True, slots=True)
class DealListing:
    """The deals shown (the latest changed first) and the totals of every deal that matches."""

    deals: tuple[ListedDeal, ...]
    count: int
    totals: tuple[Amounts, ...]


@dataclass(frozen=True, slots=True)
class LeadFilters:
    """What a lead list asks for: a status, ``open`` (the default) or ``all``."""

    status: str = "open"
    owner: str | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class ListedLead:
    lead: Lead
    owner: Named | None
    contact: Named | None
    source: str | None  # the channel it came in by (mail, slack, cli…)


@dataclass(frozen=True, slots=True)
class LeadListing:
    leads: tuple[ListedLead, ...]
    count: int


class _Scope:
    """A WHERE clause built from fixed fragments, its named parameters and the errors met."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: dict[str, Any] = {}
        self.errors: dict[str, str] = {}

    def add(self, clause: str, **params: Any) -> None:
        self.clauses.append(clause)
        self.params.update(params)

    def among(self, column: str, name: str, values: Sequence[object]) -> None:
        marks = ", ".join(f":{name}{i}" for i in range(len(values)))
        self.add(f"{column} IN ({marks})", **{f"{name}{i}": v for i, v in enumerate(values)})

    def where(self) -> str:
        if self.errors:
            raise ValidationFailed(self.errors)
        return " AND ".join(self.clauses) or "1"


def deal_listing(conn: sqlite3.Connection, filters: DealFilters) -> DealListing:
    """Deals by filters, the latest changed first, with their totals in integer cents."""
    scope = _deal_scope(conn, filters)
    source = "deals d" + (_SEARCH_JOINS if filters.search else "")
    picked = f"SELECT d.* FROM {source} WHERE {scope.where()}"
    rows = conn.execute(
        DEAL_LIST_SQL.format(picked=picked), {**scope.params, "limit": filters.limit}
    ).fetchall()
    sums = conn.execute(DEAL_TOTALS_SQL.format(source=source, where=scope.where()), scope.params)
    totals = tuple(
        Amounts(
            r["currency"],
            r["n"],
            quantize(Decimal(r["revenue"]) / 100),
            quantize(Decimal(r["weighted"]) / 10_000),
        )
        for r in sums
    )
    return DealListing(tuple(_listed_deal(r) for r in rows), sum(t.count for t in totals), totals)


_SEARCH_JOINS = (
    " LEFT JOIN contacts c ON c.id = d.contact_id"
    " LEFT JOIN organisations o ON o.id = d.organisation_id"
)

# The deals are picked and cut to the limit first, then named: the joins run
# for the rows shown only.
DEAL_LIST_SQL = """
SELECT d.*, p.key AS pipeline_key, s.key AS stage_key, s.name AS stage_name,
       u.name AS owner_name, u.email AS owner_email,
       c.name AS contact_name, c.email AS contact_email
FROM ({picked} ORDER BY d.updated_at DESC, d.id DESC LIMIT :limit) AS d
JOIN pipelines p ON p.id = d.pipeline_id
JOIN stages s ON s.id = d.stage_id
LEFT JOIN users u ON u.id = d.owner_id
LEFT JOIN contacts c ON c.id = d.contact_id
ORDER BY d.updated_at DESC, d.id DESC
"""

# As on the board: revenue * probability is cents × percent, exact until the last step.
DEAL_TOTALS_SQL = """
SELECT d.currency, count(*) AS n,
       coalesce(sum(d.expected_revenue_cents), 0) AS revenue,
       coalesce(sum(d.expected_revenue_cents * d.probability), 0) AS weighted
FROM {source} WHERE {where}
GROUP BY d.currency ORDER BY d.currency
"""


def _listed_deal(row: sqlite3.Row) -> ListedDeal:
    return ListedDeal(
        Deal.from_row(row),
        row["pipeline_key"],
        row["stage_key"],
        row["stage_name"],
        Named.of(row["owner_name"], row["owner_email"]),
        Named.of(row["contact_name"], row["contact_email"]),
    )


def _deal_scope(conn: sqlite3.Connection, filters: DealFilters) -> _Scope:
    scope = _Scope()
    _check_limit(scope, filters.limit)
    pipelines = _pipeline_ids(conn, filters.pipeline, scope)
    # Open deals of every pipeline are read through deals_board, one's through deals_owner_open.
    everywhere = not filters.include_closed and filters.owner is None
    if pipelines and (filters.pipeline is not None or everywhere):
        scope.among("d.pipeline_id", "pipeline", pipelines)
    if not filters.include_closed:
        scope.add("d.status = 'open' AND d.archived = 0")
    if filters.stage is not None and pipelines:
        stages = _stage_ids(conn, filters.stage, pipelines, filters.pipeline, scope)
        scope.among("d.stage_id", "stage", stages)
    if filters.owner is not None:
        _owner(conn, "d.owner_id", filters.owner, scope)
    if filters.search:
        _search(filters.search, scope)
    return scope


def _check_limit(scope: _Scope, limit: int) -> None:
    if limit < 1:
        scope.errors["limit"] = Phrase("listing.limit", limit=limit)


def _pipeline_ids(conn: sqlite3.Connection, ref: str | None, scope: _Scope) -> list[int]:
    rows = conn.execute("SELECT id, key, name FROM pipelines ORDER BY id").fetchall()
    if ref is None:
        return [r["id"] for r in rows]
    wanted = ref.casefold()
    found = [r["id"] for r in rows if wanted in (r["key"].casefold(), r["name"].casefold())]
    if not found:
        keys = [r["key"] for r in rows]
        scope.errors["pipeline"] = Phrase("listing.no_pipeline", ref=ref, keys=keys)
    return found[:1]


def _stage_ids(
    conn: sqlite3.Connection, ref: str, pipelines: list[int], pipeline: str | None, scope: _Scope
) -> list[int]:
    """The stages named ``ref`` (key or name, any case) in ``pipelines``."""
    marks = ", ".join("?" for _ in pipelines)
    rows = conn.execute(
        f"SELECT id, key, name FROM stages WHERE pipeline_id IN ({marks})"
        " ORDER BY pipeline_id, position",
        pipelines,
    ).fetchall()
    wanted = ref.casefold()
    found = [r["id"] for r in rows if wanted in (r["key"].casefold(), r["name"].casefold())]
    if not found:
        keys = list(dict.fromkeys(r["key"] for r in rows))
        scope.errors["stage"] = (
            Phrase("listing.no_stage_in", ref=ref, pipeline=pipeline, keys=keys)
            if pipeline
            else Phrase("listing.no_stage", ref=ref, keys=keys)
        )
    return found


def _owner(conn: sqlite3.Connection, column: str, ref: str, scope: _Scope) -> None:
    if ref.strip().casefold() == UNASSIGNED:
        scope.add(f"{column} IS NULL")
        return
    user = find_user_row(conn, ref)
    if user is None:
        scope.errors["owner"] = Phrase("listing.no_user", ref=ref, nobody=UNASSIGNED)
        return
    scope.add(f"{column} = :owner", owner=user["id"])


def _search(text: str, scope: _Scope) -> None:
    """Title, contact name or e-mail, organisation name (or the deal's id, ``#12``)."""
    term = text.strip().lstrip("#")
    matches = SEARCH_MATCHES
    if term.isdigit():
        matches += " OR d.id = :search_id"
        scope.params["search_id"] = int(term)
    scope.add(f"({matches})", like=f"%{like_escaped(term)}%")


def lead_listing(conn: sqlite3.Connection, filters: LeadFilters) -> LeadListing:
    """Leads by status and owner, the newest first, with how many match in all."""
    scope = _Scope()
    _check_limit(scope, filters.limit)
    statuses = _lead_statuses(filters.status, scope)
    if statuses:
        scope.among("status", "status", statuses)
    if filters.owner is not None:
        _owner(conn, "owner_id", filters.owner, scope)
    where = scope.where()
    rows = conn.execute(LEAD_LIST_SQL.format(where=where), {**scope.params, "limit": filters.limit})
    count = conn.execute(f"SELECT count(*) FROM leads WHERE {where}", scope.params).fetchone()[0]
    return LeadListing(tuple(_listed_lead(r) for r in rows), int(count))


def _lead_statuses(status: str, scope: _Scope) -> tuple[str, ...]:
    """The statuses ``status`` stands for; none for ``all`` (no filter)."""
    if status == "open":
        return OPEN_LEAD_STATUSES
    if status not in LEAD_STATUS_CHOICES:
        scope.errors["status"] = Phrase(
            "listing.status", choices=LEAD_STATUS_CHOICES, status=status
        )
    return () if status == "all" else (status,)


# The channel a lead came in by is the one its creation was recorded with
# (index timeline_record), looked up for the rows shown only.
LEAD_LIST_SQL = """
SELECT l.*, u.name AS owner_name, u.email AS owner_email,
       c.name AS contact_name, c.email AS contact_email,
       (SELECT t.channel FROM timeline t
        WHERE t.entity = 'lead' AND t.entity_id = l.id AND t.action = 'created'
        ORDER BY t.id LIMIT 1) AS source
FROM (SELECT * FROM leads WHERE {where} ORDER BY created_at DESC, id DESC LIMIT :limit) AS l
LEFT JOIN users u ON u.id = l.owner_id
LEFT JOIN contacts c ON c.id = l.contact_id
ORDER BY l.created_at DESC, l.id DESC
"""


def _listed_lead(row: sqlite3.Row) -> ListedLead:
    return ListedLead(
        Lead.from_row(row),
        Named.of(row["owner_name"], row["owner_email"]),
        Named.of(row["contact_name"], row["contact_email"]),
        row["source"],
    )
