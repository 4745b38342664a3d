"""Who parses which waiting mail, when several instances share one database.

Every instance's processor scans the mail still ``received`` (a restart's
backlog, a crash's leftovers). Without a claim each would parse the whole
backlog: the records would still be made once (the write of a mail already
processed skips it), but the parsing would be done once per instance. So a
processor *claims* what it parses, under a lease (``claimed_by``,
``claimed_until``, migration 0014):

* :func:`claim_waiting` takes the first waiting mails nobody holds (or whose
  lease ran out: the instance holding them died) — what a scan queues;
* :func:`claim_these` takes, just before parsing, the mails of one batch that
  no other processor holds, renewing this processor's own lease — so a mail
  the listener handed over is not parsed by another instance's scan as well;
* :func:`release` gives back what a processor that stops still holds, and what a
  starting one's name held before it (a restart after a crash: one live process
  per name, so those claims are a dead predecessor's, taken back at once).

Owners are instance names (``ingest.listener.claims_owner``), on both backends:
a claim another name holds is respected until its lease runs out.

On PostgreSQL the rows another instance is claiming right now are passed over
(``SKIP LOCKED``); one it claimed after this transaction's snapshot makes the
write fail and the store runs it again in a fresh snapshot. SQLite has one
writer: a read and an update in the same write are already one claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from engine import clock
from engine.store import claims
from engine.store.db import Tx

LEASE = 120.0  # seconds a claim holds; renewed when the batch is parsed


def claim_waiting(tx: Tx, owner: str, limit: int, now: datetime, lease: float) -> list[int]:
    """The first ``limit`` waiting mails no other processor holds, now held by ``owner``."""
    at = clock.to_db(now)
    rows = tx.all(
        "SELECT id FROM mails WHERE status = 'received'"
        " AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)"
        f" ORDER BY id LIMIT ?{claims.skip_locked(tx.conn)}",
        (at, owner, limit),
    )
    ids = [int(row[0]) for row in rows]
    _hold(tx, ids, owner, now, lease)
    return ids


def claim_these(tx: Tx, ids: Sequence[int], owner: str, now: datetime, lease: float) -> list[int]:
    """Those of ``ids`` no other processor holds, in their order; the waiting ones now held.

    A mail no longer waiting (processed, failed) is returned as it is: processing
    it again is a no-op the intake reports as skipped.
    """
    if not ids:
        return []
    waiting, elsewhere = _waiting(tx, ids, owner, clock.to_db(now))
    free = [mail_id for mail_id in waiting if mail_id not in elsewhere]
    if claims.is_postgres(tx.conn) and free:  # rows another instance is claiming now
        free = _unlocked(tx, free)
    _hold(tx, free, owner, now, lease)
    taken = set(free)
    return [mail_id for mail_id in ids if mail_id in taken or mail_id not in waiting]


def _waiting(tx: Tx, ids: Sequence[int], owner: str, at: str) -> tuple[set[int], set[int]]:
    """Which of ``ids`` wait, and which of those another processor's lease holds."""
    marks = ", ".join("?" for _ in ids)
    rows = tx.all(
        "SELECT id, CASE WHEN claimed_until > ? AND claimed_by <> ? THEN 1 ELSE 0 END"
        f" FROM mails WHERE id IN ({marks}) AND status = 'received'",
        (at, owner, *ids),
    )
    return {int(row[0]) for row in rows}, {int(row[0]) for row in rows if row[1]}


def _unlocked(tx: Tx, ids: list[int]) -> list[int]:
    marks = ", ".join("?" for _ in ids)
    rows = tx.all(
        f"SELECT id FROM mails WHERE id IN ({marks}) ORDER BY id{claims.skip_locked(tx.conn)}",
        ids,
    )
    return [int(row[0]) for row in rows]


def _hold(tx: Tx, ids: list[int], owner: str, now: datetime, lease: float) -> None:
    if not ids:
        return
    until = clock.to_db(now + timedelta(seconds=lease))
    marks = ", ".join("?" for _ in ids)
    tx.execute(
        f"UPDATE mails SET claimed_by = ?, claimed_until = ? WHERE id IN ({marks})",
        (owner, until, *ids),
    )


def release(tx: Tx, owner: str) -> int:
    """Give back every waiting mail ``owner`` holds (it stops, or starts again); how many."""
    cursor = tx.execute(
        "UPDATE mails SET claimed_by = NULL, claimed_until = NULL"
        " WHERE status = 'received' AND claimed_by = ?",
        (owner,),
    )
    return int(cursor.rowcount or 0)
