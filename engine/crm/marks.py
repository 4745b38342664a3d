"""A place in the timeline's feed: the transaction that wrote an entry, then its id.

The workflow runner and the Slack notifier read the timeline past a cursor, on
every instance. Ids are drawn when a row is inserted but become visible when their
transaction commits, so with several writers id 11 can be seen before id 10: a
cursor kept as an id would pass 10 for ever (a workflow not run, a notice not sent).
Each entry therefore records its transaction (``xact``, migration 18), a cursor is a
:class:`Mark`, and a feed reads in ``(xact, id)`` order only the entries of settled
transactions, those older than every transaction still running
(``relais_settled()``, the snapshot's xmin on PostgreSQL). A transaction still
running or not yet begun gets a larger ``xact``, so no entry can ever appear behind
a mark. On SQLite one writer commits in id order; ``xact`` is 0 and the order is the
ids'.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

# The WHERE and ORDER BY of a feed's read past a mark; its parameters: ``mark.params``.
PAST = "(xact, id) > (?, ?) AND xact < relais_settled()"
IN_ORDER = "ORDER BY xact, id"
# Entries past a mark that are committed but not settled yet: an older transaction is
# still running. The feed reads again after ``HELD_PAUSE`` seconds rather than waiting
# for a wake-up that the older transaction may never send (it may write no entry).
HELD = "SELECT 1 FROM timeline WHERE (xact, id) > (?, ?) AND xact >= relais_settled() LIMIT 1"
HELD_PAUSE = 0.05


@dataclass(frozen=True, order=True, slots=True)
class Mark:
    """How far a feed has read: the entry ``id`` of transaction ``xact``, and all before."""

    xact: int
    id: int

    @property
    def params(self) -> tuple[int, int]:
        return (self.xact, self.id)


START = Mark(0, 0)


def held_back(conn: sqlite3.Connection, after: Mark) -> bool:
    """Whether committed entries past ``after`` wait for an older transaction to end."""
    return conn.execute(HELD, after.params).fetchone() is not None
