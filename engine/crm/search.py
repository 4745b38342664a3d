"""One search across deals, leads, contacts and organisations (``/crm search dupont``).

What people type is matched as a contained text, case-insensitively, with
``%``, ``_`` and ``\\`` matching only themselves (:func:`like_escaped`). The SQL
is the one both databases read: ``lower(column) LIKE lower(:like) ESCAPE '\\'``
(no SQLite-only function). The typed text is lowered by Python first, so
``DUPONT`` finds ``Dupont`` and ``POÊLE`` finds ``poêle`` on both; SQLite's
``lower`` only folds ASCII, so a stored ``É`` is found by ``é`` on PostgreSQL
only (``É`` typed as is finds it everywhere).

Each kind brings at most ``limit`` records, most relevant first, and the count
of all its matches, so a screen can say how many more there are.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from engine.crm.records import Contact, Deal, Lead, Organisation
from engine.store.db import like_escaped

KINDS = ("deal", "lead", "contact", "organisation")


def _matches(*columns: str) -> str:
    return "(" + " OR ".join(f"lower({c}) LIKE lower(:like) ESCAPE '\\'" for c in columns) + ")"


DEAL_FROM = (
    " FROM deals d LEFT JOIN contacts c ON c.id = d.contact_id"
    " LEFT JOIN organisations o ON o.id = d.organisation_id"
    f" WHERE (d.id = :id OR {_matches('d.title', 'c.name', 'c.email', 'o.name')})"
)
DEAL_ORDER = " ORDER BY d.archived, d.status != 'open', d.updated_at DESC, d.id DESC"
LEAD_FROM = (
    " FROM leads l LEFT JOIN contacts c ON c.id = l.contact_id"
    " LEFT JOIN organisations o ON o.id = l.organisation_id"
    f" WHERE (l.id = :id OR {_matches('l.title', 'c.name', 'c.email', 'o.name')})"
)
LEAD_ORDER = (
    " ORDER BY l.status NOT IN ('new', 'contacted', 'qualified'), l.updated_at DESC, l.id DESC"
)
CONTACT_FROM = f" FROM contacts c WHERE {_matches('c.name', 'c.email')}"
CONTACT_ORDER = " ORDER BY c.name, c.id"
ORGANISATION_FROM = f" FROM organisations o WHERE {_matches('o.name', 'o.domain')}"
ORGANISATION_ORDER = " ORDER BY o.name, o.id"


@dataclass(frozen=True, slots=True)
class SearchHits:
    """What a search found: up to ``limit`` records of each kind, and each kind's total."""

    text: str
    deals: list[Deal] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)  # kind → every match

    @property
    def count(self) -> int:
        return sum(self.totals.values())

    def more(self, kind: str) -> int:
        """How many matches of ``kind`` are not in the lists (past the limit)."""
        shown = len(getattr(self, KIND_LISTS[kind]))
        return max(0, self.totals.get(kind, 0) - shown)


KIND_LISTS = {
    "deal": "deals",
    "lead": "leads",
    "contact": "contacts",
    "organisation": "organisations",
}


def search(conn: sqlite3.Connection, text: str, limit: int = 5) -> SearchHits:
    """Records of every kind matching ``text``; an id (``42``, ``#42``) finds that deal and lead."""
    term = " ".join(text.split())
    if not term:
        return SearchHits(text, totals=dict.fromkeys(KINDS, 0))
    number = term.lstrip("#")
    params: dict[str, Any] = {
        "like": f"%{like_escaped(term.lower())}%",
        "id": int(number) if number.isdigit() and len(number) < 18 else -1,
        "limit": max(1, limit),
    }
    deals = _rows(conn, "d", DEAL_FROM, DEAL_ORDER, params)
    leads = _rows(conn, "l", LEAD_FROM, LEAD_ORDER, params)
    contacts = _rows(conn, "c", CONTACT_FROM, CONTACT_ORDER, params)
    organisations = _rows(conn, "o", ORGANISATION_FROM, ORGANISATION_ORDER, params)
    totals = {
        "deal": _count(conn, DEAL_FROM, params), "lead": _count(conn, LEAD_FROM, params),
        "contact": _count(conn, CONTACT_FROM, params),
        "organisation": _count(conn, ORGANISATION_FROM, params),
    }  # fmt: skip
    return SearchHits(
        term,
        [Deal.from_row(r) for r in deals],
        [Lead.from_row(r) for r in leads],
        [Contact.from_row(r) for r in contacts],
        [Organisation.from_row(r) for r in organisations],
        totals,
    )


def _rows(
    conn: sqlite3.Connection, alias: str, where: str, order: str, params: dict[str, Any]
) -> list[sqlite3.Row]:
    rows: list[sqlite3.Row] = conn.execute(
        f"SELECT {alias}.*{where}{order} LIMIT :limit", params
    ).fetchall()
    return rows


def _count(conn: sqlite3.Connection, where: str, params: dict[str, Any]) -> int:
    row = conn.execute(f"SELECT count(*){where}", params).fetchone()
    return int(row[0]) if row is not None else 0
