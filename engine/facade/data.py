"""The data part: the records exported, restored from a backup, imported from CSV."""

from __future__ import annotations

import asyncio
from typing import Any, TextIO

from engine.actors import Actor
from engine.data import csv_import
from engine.data.export import Backup, export_all
from engine.data.restore import restore_all
from engine.errors import ValidationFailed
from engine.facade.base import Part
from engine.store.copy import CopyReport, copy_database
from engine.text.catalogue import Phrase


class Data(Part):
    """Owns data in and out: the JSON backup (export, restore), the CSV import, and
    the copy of a SQLite database into PostgreSQL (moving up)."""

    async def export(self) -> Backup:
        """Contacts, organisations, leads, deals and activities, in one snapshot."""
        return await self._read(export_all)

    async def restore(self, data: Any, actor: Actor) -> dict[str, int]:
        """Load a backup into an empty database, keeping the ids (one write)."""
        return await self._write(lambda tx: restore_all(tx, data), actor)

    async def import_csv(
        self, entity: csv_import.Entity, stream: TextIO, actor: Actor, *,
        dry_run: bool = False, batch_size: int = csv_import.BATCH_SIZE,
    ) -> csv_import.ImportReport:  # fmt: skip
        """Import a CSV file of ``entity``: one write per batch; refused rows are reported."""
        return await csv_import.import_csv(
            self._db, entity, stream, actor, dry_run=dry_run, batch_size=batch_size
        )

    async def copy_to(self, url: str) -> CopyReport:
        """Copy this SQLite database, as one snapshot, into the empty PostgreSQL ``url``.

        Every table in one transaction, counts and money sums checked on both sides.
        """
        if self._db.url is not None:
            raise ValidationFailed({"database": Phrase("restore.copy_sqlite")})
        return await asyncio.to_thread(copy_database, self._db.path, url)
