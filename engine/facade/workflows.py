"""The workflows part: automations on records, their definitions and their runs."""

from __future__ import annotations

from collections.abc import Sequence

from engine.actors import Actor
from engine.errors import ValidationFailed
from engine.facade.base import Part, require_admin
from engine.store.db import Tx
from engine.workflows import execute as workflow_exec
from engine.workflows import history as workflow_history
from engine.workflows import model
from engine.workflows import store as workflow_store
from engine.workflows.runner import WorkflowRunner

ADMIN_ONLY = "admin_only.workflows"  # a catalogue key: what only an admin can do


class Workflows(Part):
    """Owns workflows: defined (apply, activate, delete), read, run (the runner), and the
    history of their runs."""

    def runner(
        self, setup: workflow_exec.Setup | None = None, *, retention_days: int = 90
    ) -> WorkflowRunner:
        """The runner of this database's workflows; ``start()`` it to follow the bus."""
        return WorkflowRunner(self._db, setup, retention_days=retention_days)

    async def apply(
        self, items: Sequence[model.Workflow], actor: Actor
    ) -> list[workflow_store.Saved]:
        """Create or update workflows in one write: all of them, or none and every problem."""
        require_admin(actor, ADMIN_ONLY)
        chosen = list(items)
        return await self._write(lambda tx: _save_all(tx, chosen), actor)

    async def all(self) -> list[workflow_store.Stored]:
        return await self._read(workflow_store.list_all)

    async def get(self, name: str) -> workflow_store.Stored:
        """A workflow by name (any case) or id."""
        return await self._read(lambda c: workflow_store.get(c, name))

    async def set_active(self, name: str, active: bool, actor: Actor) -> bool:
        """Activate or deactivate; returns whether it changed. Waiting runs of an
        inactive workflow stop when they come due."""
        require_admin(actor, ADMIN_ONLY)
        return await self._write(lambda tx: workflow_store.set_active(tx, name, active), actor)

    async def delete(self, name: str, actor: Actor) -> None:
        require_admin(actor, ADMIN_ONLY)
        await self._write(lambda tx: workflow_store.delete(tx, name), actor)

    async def runs(
        self, name: str | None = None, *, failed: bool = False, limit: int = 50
    ) -> list[workflow_history.RunRecord]:
        """Latest runs first (all workflows, or one); ``failed``: failed and stopped only."""
        return await self._read(
            lambda c: workflow_history.runs(c, name, failed=failed, limit=limit)
        )

    async def run_record(self, run_id: int) -> workflow_history.RunRecord:
        """One run with each of its steps."""
        return await self._read(lambda c: workflow_history.run(c, run_id))

    async def runs_on(self, entity: str, entity_id: int) -> list[workflow_history.RunRecord]:
        """The runs that acted on one record."""
        return await self._read(lambda c: workflow_history.runs_on(c, entity, entity_id))

    async def summaries(self) -> dict[int, workflow_history.Summary]:
        return await self._read(workflow_history.summaries)


def _save_all(tx: Tx, items: list[model.Workflow]) -> list[workflow_store.Saved]:
    """Save each workflow; any refused, none is kept and every problem is told."""
    saved, errors = [], {}
    for index, item in enumerate(items):
        try:
            saved.append(workflow_store.save(tx, item))
        except ValidationFailed as exc:
            errors.update({f"workflows[{index}].{k}": v for k, v in exc.errors.items()})
    if errors:
        raise ValidationFailed(errors)
    return saved
