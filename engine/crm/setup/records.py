"""The set-up as it stands, read in one snapshot (``run.py config export``).

Plain records, not a :class:`~engine.crm.setup.model.CrmSetup`: an export must
show what the database holds even when no file could express it (a user
without an e-mail address, say), so the adapter decides what to write.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from engine.crm.pipelines import list_pipelines
from engine.crm.projects import ProjectTemplate, list_templates
from engine.crm.records import Pipeline, User
from engine.crm.users import list_users


@dataclass(frozen=True, slots=True)
class SetupRecords:
    """Every pipeline, user and project template, as one reader snapshot saw them."""

    pipelines: tuple[Pipeline, ...]
    users: tuple[User, ...]
    projects: tuple[ProjectTemplate, ...]


def read_setup(conn: sqlite3.Connection) -> SetupRecords:
    """Runs on the reader connection, in one snapshot."""
    return SetupRecords(
        tuple(list_pipelines(conn)), tuple(list_users(conn)), tuple(list_templates(conn))
    )
