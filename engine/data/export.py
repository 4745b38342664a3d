"""Export and restore: every record with all its fields, in readable values.

``export_all`` (a read) returns one object whose keys are ``contacts``,
``organisations``, ``leads``, ``deals`` and ``activities``; it is both the JSON
export and the backup format. Values are readable and exact: money as decimal
strings (``"8000.00"``) beside the deal's currency, times as ISO-8601 UTC text,
dates as ``YYYY-MM-DD``, booleans as ``true``/``false``, custom fields and a
deal's questionnaire ``answers`` as objects.

Records refer to each other by id. They refer to the configuration (users,
pipelines, stages, project templates) by id *and* by a readable key (``owner``
e-mail, ``pipeline`` and ``stage`` keys, ``project_template`` key): users and
pipelines are not part of a backup, so ``restore_all`` resolves those keys in
the target database and keeps every record's own id, version and timestamps.
Export → restore → export gives the same JSON when the target database holds
the same configuration (the same YAML applied).

``write_csv`` writes one entity as CSV: the record fields as columns, nested
objects JSON-encoded, no cell ever a spreadsheet formula (:mod:`engine.data.csv_cells`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from engine import money
from engine.data.csv_cells import PLAIN, CsvStyle, write_table
from engine.data.export_specs import ENTITIES, SPECS, Backup, Kind, field_names, fields_of
from engine.data.restore import RestoreRefused, restore_all
from engine.store.private_files import open_private

__all__ = [
    "ENTITIES",
    "SPECS",
    "Backup",
    "RestoreRefused",
    "export_all",
    "export_entity",
    "restore_all",
    "write_csv",
    "write_csv_folder",
]


# -- export -------------------------------------------------------------------


def export_all(conn: sqlite3.Connection) -> Backup:
    """Every record of every entity; ``engine.data.export()`` runs it as one read."""
    return {entity: export_entity(conn, entity) for entity in ENTITIES}


def export_entity(conn: sqlite3.Connection, entity: str) -> list[dict[str, Any]]:
    fields = fields_of(conn, entity)
    return [
        {f.name: _readable(f.kind, row[f.source]) for f in fields}
        for row in conn.execute(SPECS[entity].sql)
    ]


def _readable(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "bool":
        return bool(value)
    if kind == "money":
        return str(money.from_cents(value))
    if kind == "json":
        return json.loads(value)
    return value  # plain values; times and dates are stored as ISO-8601 text


# -- CSV ----------------------------------------------------------------------


def write_csv(
    entity: str, records: Sequence[Mapping[str, Any]], stream: TextIO, style: CsvStyle = PLAIN
) -> None:
    """One entity as CSV (:mod:`engine.data.csv_cells`): a header of its fields, then records."""
    names = list(records[0]) if records else field_names(entity)
    write_table(names, records, stream, style)


def write_csv_folder(data: Backup, folder: Path, style: CsvStyle = PLAIN) -> list[Path]:
    """Every entity of ``data`` into ``folder/<entity>.csv`` (0600, folder 0700)."""
    written = []
    for entity, records in data.items():
        path = folder / f"{entity}.csv"
        with open_private(path) as stream:
            write_csv(entity, records, stream, style)
        written.append(path)
    return written
