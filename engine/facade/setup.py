"""The set-up part: the configuration applied to the database, and read back."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from engine.actors import Actor
from engine.blueprints import lead_model as lead_blueprints
from engine.blueprints import store as blueprint_store
from engine.blueprints.model import Blueprint
from engine.cpq import products as catalogue
from engine.cpq.catalogue import Product
from engine.crm import pipelines
from engine.crm import setup as crm_setup
from engine.errors import ValidationFailed
from engine.facade.base import Part, require_admin
from engine.store.claims import CONFIGURATION, exclusively
from engine.store.db import Tx
from engine.text.catalogue import Phrase
from engine.workflows import store as workflow_store
from engine.workflows.model import Workflow

# The timeline entry that says the shipped configuration was applied on a first start.
FIRST_RUN = ("setup", 0, "first_run")
# A database holding any of these is in use: a first start never writes over it.
IN_USE = ("users", "contacts", "leads", "deals", "products", "workflows", "blueprints",
          "lead_blueprints", "mails")  # fmt: skip


@dataclass(frozen=True, slots=True)
class FullSetup:
    """Everything a configuration folder makes the database say, for one write.

    ``None`` (or empty, for blueprints) leaves that part as it is.
    """

    crm: crm_setup.CrmSetup = field(default_factory=crm_setup.CrmSetup)
    blueprints: tuple[Blueprint, ...] = ()
    workflows: tuple[Workflow, ...] | None = None
    products: tuple[Product, ...] | None = None


class Setup(Part):
    """Owns what ``config/`` applies as a whole: pipelines, users, project templates, and
    (``apply_all``, the first start) blueprints, workflows and the catalogue with them."""

    async def ensure_defaults(self) -> None:
        """A fresh database gets the default pipeline so the product works at once."""

        def create_if_missing(tx: Tx) -> None:
            if tx.scalar("SELECT count(*) FROM pipelines") == 0:
                pipelines.create_pipeline(tx, "default", "Pipeline", is_default=True)

        if not await self._read(lambda c: c.execute("SELECT 1 FROM pipelines").fetchone()):
            try:
                await self._write(create_if_missing, Actor.system("setup"))
            except sqlite3.IntegrityError:
                # Several instances starting together (PostgreSQL): another one created it
                # at the same moment; once more, in a new transaction, finds it.
                if self._db.url is None:
                    raise
                await self._write(create_if_missing, Actor.system("setup"))

    async def apply(self, setup: crm_setup.CrmSetup, actor: Actor) -> list[str]:
        """Make the database say what ``setup`` says, all or nothing; one line per change."""
        require_admin(actor, "only an admin can apply the configuration")
        return await self._write(
            exclusively(CONFIGURATION, lambda tx: crm_setup.apply_setup(tx, setup)), actor
        )

    async def apply_all(self, setup: FullSetup, actor: Actor) -> list[str]:
        """Pipelines, users, projects, blueprints, workflows and the catalogue in one write:
        every change or none; one line per change (none when the database already matches).

        A refused blueprint, workflow or product raises ``ValidationFailed`` keyed
        ``blueprints[i]…``, ``workflows[i]…`` or ``products…``; a refused stage change
        ``SetupRefused``.
        """
        require_admin(actor, "only an admin can apply the configuration")
        return await self._write(
            exclusively(CONFIGURATION, lambda tx: _apply_all(tx, setup)), actor
        )

    async def first_run_done(self) -> bool:
        """Whether a start already applied (or declined to apply) the configuration."""
        return await self._read(_first_run_done)

    async def first_run(self, setup: FullSetup) -> list[str] | None:
        """On a database never started with a configuration, apply ``setup`` (one write).

        Returns the changes made; ``None`` when a first start already happened. A database
        already in use (users, records, mail… from before this marker existed) is marked
        and left untouched (``[]``): later starts never overwrite live changes.
        """
        if await self._read(_first_run_done):
            return None
        write = exclusively(CONFIGURATION, lambda tx: _first_run(tx, setup))
        try:
            return await self._write(write, Actor.system("setup"))
        except sqlite3.IntegrityError:
            # Several instances starting together (PostgreSQL): the one that waited for the
            # lock read the empty database before the first committed; once more, in a new
            # transaction, it finds the first start's marker and applies nothing.
            if self._db.url is None:
                raise
            return await self._write(write, Actor.system("setup"))

    async def records(self) -> crm_setup.SetupRecords:
        """Every pipeline, user and project template, in one snapshot (an export)."""
        return await self._read(crm_setup.read_setup)


def _apply_all(tx: Tx, setup: FullSetup) -> list[str]:
    lines = crm_setup.apply_setup(tx, setup.crm)
    problems: dict[str, str] = {}
    for index, blueprint in enumerate(setup.blueprints):
        try:
            lines += _blueprint_line(tx, blueprint)
        except ValidationFailed as exc:
            problems.update({f"blueprints[{index}].{k}": v for k, v in exc.errors.items()})
    for index, workflow in enumerate(setup.workflows or ()):
        try:
            saved = workflow_store.save(tx, workflow)
        except ValidationFailed as exc:
            problems.update({f"workflows[{index}].{k}": v for k, v in exc.errors.items()})
            continue
        if saved.created:
            lines.append(Phrase("config.change.workflow_created", name=saved.name))
        elif saved.changed:
            fields = ", ".join(saved.changed)
            lines.append(Phrase("config.change.workflow_changed", name=saved.name, fields=fields))
    if setup.products is not None and not problems:
        try:
            result = catalogue.import_products(tx, setup.products)
        except ValidationFailed as exc:
            problems.update({f"products.{k}": v for k, v in exc.errors.items()})
        else:
            lines += [Phrase("config.change.product_created", code=c) for c in result.created]
            lines += [Phrase("config.change.product_updated", code=c) for c in result.updated]
    if problems:
        raise ValidationFailed(problems)
    return lines


def _blueprint_line(tx: Tx, blueprint: Blueprint) -> list[str]:
    if blueprint.record == "lead":
        saved = lead_blueprints.save(tx, blueprint)
    else:
        saved = blueprint_store.save(tx, blueprint)
    if not saved.created:
        return []
    kept = Phrase("config.change.blueprint_pinned", count=saved.pinned) if saved.pinned else ""
    return [
        Phrase(
            "config.change.blueprint", pipeline=saved.pipeline, name=blueprint.name,
            version=saved.version, kept=kept,
        )
    ]  # fmt: skip


def _first_run_done(conn: sqlite3.Connection) -> bool:
    entity, entity_id, action = FIRST_RUN
    found = conn.execute(
        "SELECT 1 FROM timeline WHERE entity = ? AND entity_id = ? AND action = ? LIMIT 1",
        (entity, entity_id, action),
    ).fetchone()
    return found is not None


def _first_run(tx: Tx, setup: FullSetup) -> list[str] | None:
    if _first_run_done(tx.conn):  # another process started first
        return None
    in_use = [table for table in IN_USE if tx.scalar(f"SELECT count(*) FROM {table}")]
    lines = [] if in_use else _apply_all(tx, setup)
    entity, entity_id, action = FIRST_RUN
    tx.record(
        entity, entity_id, action, {"applied": (None, not in_use), "changes": (None, len(lines))}
    )
    return lines
