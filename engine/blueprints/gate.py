"""The gate: a governed deal changes stage only through its blueprint's transitions.

:func:`engine.crm.deals.move_stage` calls :func:`refuse_free_move` for every plain
stage change, whatever the channel (Slack, command line, mail, CPQ,
workflows). A pipeline without a blueprint in force keeps free movement.
"""

from __future__ import annotations

import sqlite3

from engine.blueprints import store as blueprint_store
from engine.blueprints.model import leading_to
from engine.blueprints.refusals import StageGoverned
from engine.store.db import Tx


def refuse_free_move(tx: Tx, deal: sqlite3.Row, target: sqlite3.Row) -> None:
    """Raise :class:`StageGoverned`, naming the transitions that lead to ``target``."""
    if target["id"] == deal["stage_id"]:
        return
    version = blueprint_store.governs(tx.conn, deal, tx.now)
    if version is None:
        return
    source = tx.one("SELECT key, outcome FROM stages WHERE id = ?", (deal["stage_id"],))
    assert source is not None
    is_open = source["outcome"] is None
    leading = leading_to(version.blueprint, source["key"], is_open, target["key"])
    raise StageGoverned(deal["id"], version.blueprint.name, target["name"], leading)
