"""One set-up applied in one transaction: pipelines, then users, then projects.

Raising anywhere rolls all of it back, the caller's write transaction being
the unit of work.
"""

from __future__ import annotations

from engine.crm.setup import pipelines, projects, users
from engine.crm.setup.model import CrmSetup
from engine.store.db import Tx


def apply_setup(tx: Tx, setup: CrmSetup) -> list[str]:
    """Runs inside the write transaction; returns the changes made (empty: none)."""
    lines: list[str] = []
    if setup.pipelines is not None:
        lines += pipelines.sync_pipelines(tx, setup.pipelines)
    if setup.users is not None:
        lines += users.sync_users(tx, setup.users)
    if setup.projects is not None:
        lines += projects.sync_projects(tx, setup.projects)
    return lines
