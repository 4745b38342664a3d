"""The fields a blueprint protects: what only its transitions may write.

A governed deal's field that a transition records — an input saved into it
(``during.fields[].field``) or an after-action ``set_field`` — is the
transition's to set: the signed amount of *Devis signé*, the visit date of
*Planifier la visite technique*. A person editing the deal's fields
(:meth:`engine.facade.deals.Deals.edit`, the Slack "Edit" form) is refused
such a field with the transitions to use, as a stage change is refused with
the transitions that lead there (:mod:`engine.blueprints.gate`). A deal no
blueprint governs has no protected field.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine.blueprints import store as blueprint_store
from engine.blueprints.model import Blueprint, SetField
from engine.errors import ValidationFailed
from engine.text.catalogue import Phrase

CUSTOM = "custom."


def protecting(blueprint: Blueprint) -> dict[str, list[str]]:
    """``{field: [transition names]}``: each field the blueprint's transitions write."""
    found: dict[str, list[str]] = {}
    for transition in blueprint.transitions:
        written = [f.field for f in transition.during.fields if f.field]
        written += [a.field for a in transition.after if isinstance(a, SetField)]
        for name in written:
            names = found.setdefault(name, [])
            if transition.name not in names:
                names.append(transition.name)
    return found


def protected_fields(
    conn: sqlite3.Connection, deal: sqlite3.Row, now: datetime | str
) -> dict[str, list[str]]:
    """The deal's protected fields and the transitions that write each (none: ungoverned)."""
    version = blueprint_store.governs(conn, deal, now)
    return {} if version is None else protecting(version.blueprint)


def named(values: Mapping[str, Any]) -> list[str]:
    """The fields ``values`` changes, custom ones as ``custom.<name>``."""
    names = [name for name in values if name != "custom"]
    custom = values.get("custom")
    if isinstance(custom, Mapping):
        names += [CUSTOM + str(key) for key in custom]
    return names


class FieldsProtected(ValidationFailed):
    """Fields only a transition may write; ``transitions`` names them per field."""

    def __init__(self, transitions: Mapping[str, list[str]]) -> None:
        super().__init__(
            {
                field: Phrase("deal.field_protected", transitions=", ".join(names))
                for field, names in transitions.items()
            }
        )
        self.transitions = {field: list(names) for field, names in transitions.items()}


def refuse_protected(
    conn: sqlite3.Connection, deal: sqlite3.Row, values: Mapping[str, Any], now: datetime | str
) -> None:
    """Raise :class:`FieldsProtected` when ``values`` writes a field the blueprint protects."""
    guarded = protected_fields(conn, deal, now)
    hits = {name: guarded[name] for name in named(values) if name in guarded}
    if hits:
        raise FieldsProtected(hits)
