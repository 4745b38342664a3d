"""The pipelines part: pipelines and their stages (admins change the stages)."""

from __future__ import annotations

from typing import Any

from engine.actors import Actor
from engine.crm import pipelines
from engine.crm.records import Pipeline
from engine.facade.base import Part, require_admin
from engine.store.db import Tx

ADMIN_ONLY = "admin_only.pipeline"  # a catalogue key: what only an admin can do


class Pipelines(Part):
    """Owns pipelines and stages: read them; add, change, reorder, delete a stage."""

    async def get(self, ref: str | int | None = None) -> Pipeline:
        """A pipeline by key or id; ``None``: the default one."""
        return await self._read(lambda c: pipelines.load_pipeline(c, ref))

    async def all(self) -> list[Pipeline]:
        return await self._read(pipelines.list_pipelines)

    async def add_stage(
        self,
        pipeline: str | None,
        spec: pipelines.StageSpec,
        actor: Actor,
        position: int | None = None,
    ) -> Pipeline:
        require_admin(actor, ADMIN_ONLY)

        def add(tx: Tx) -> None:
            pipelines.add_stage(tx, pipelines.pipeline_row(tx, pipeline)["id"], spec, position)

        await self._write(add, actor)
        return await self.get(pipeline)

    async def change_stage(
        self, pipeline: str | None, stage: str, actor: Actor, **changes: Any
    ) -> pipelines.StageChanges:
        require_admin(actor, ADMIN_ONLY)
        return await self._write(
            lambda tx: pipelines.change_stage(
                tx, pipelines.pipeline_row(tx, pipeline)["id"], stage, **changes
            ),
            actor,
        )

    async def reorder_stages(self, pipeline: str | None, keys: list[str], actor: Actor) -> None:
        require_admin(actor, ADMIN_ONLY)
        await self._write(
            lambda tx: pipelines.reorder_stages(
                tx, pipelines.pipeline_row(tx, pipeline)["id"], keys
            ),
            actor,
        )

    async def delete_stage(self, pipeline: str | None, stage: str, actor: Actor) -> None:
        require_admin(actor, ADMIN_ONLY)
        await self._write(
            lambda tx: pipelines.delete_stage(
                tx, pipelines.pipeline_row(tx, pipeline)["id"], stage
            ),
            actor,
        )
