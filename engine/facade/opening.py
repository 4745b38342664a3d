"""What opening the database asks before any facade part is built: one cheap read each.

Every command opens the engine; most use one or two parts. Whether the default pipeline
exists, and whether a first start already applied the configuration, are asked on every
open, so they are answered here without importing the set-up part (blueprints,
workflows, the catalogue), which only a fresh database needs.
"""

from __future__ import annotations

import sqlite3

# The timeline entry that says a first start applied (or declined to apply) the
# configuration: engine.facade.setup writes it (tests/engine/test_opening.py holds the
# two equal).
FIRST_RUN = ("setup", 0, "first_run")


def has_pipeline(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM pipelines LIMIT 1").fetchone() is not None


def first_run_done(conn: sqlite3.Connection) -> bool:
    entity, entity_id, action = FIRST_RUN
    found = conn.execute(
        "SELECT 1 FROM timeline WHERE entity = ? AND entity_id = ? AND action = ? LIMIT 1",
        (entity, entity_id, action),
    ).fetchone()
    return found is not None
