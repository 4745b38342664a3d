"""``/crm stages``: admins add, rename, reorder, fold, weight and delete stages.

The engine enforces who may change stages and refuses to delete a stage
that still holds deals; this module only reads the words and shows the list
(in pages: see :mod:`bot.blocks.stages`), opened on the page of the stage
just changed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp

from bot import screens
from bot.blocks.common import Message, section
from bot.blocks.stages import PAGE_ACTIONS, find_stage
from bot.blocks.values import number, unpack
from bot.i18n import t
from bot.jobs import JobContext, JobSpec
from bot.listeners import deferred
from bot.parse import split_quoted
from bot.people import Who
from bot.runtime import runtime_of
from engine.api import Engine, Forbidden, ValidationFailed
from engine.api.crm import Pipeline, StageSpec

# A change returns the key of the stage it touched, to show the page holding it.
Change = Callable[[Engine, Who, Pipeline, list[str]], Awaitable[str | None]]
KEY_LENGTH = 64  # as a key in pipelines.yaml


def register(app: AsyncApp, engine: Engine) -> None:
    runtime = runtime_of(app)
    app.action("stage_menu")(deferred(runtime, "stage_menu"))
    for action_id in PAGE_ACTIONS:
        app.action(action_id)(deferred(runtime, "stages_page", reads=True))


def slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:KEY_LENGTH]
    return key.strip("_") or "stage"


def stage_key(pipeline: Pipeline, ref: str) -> str:
    stage = pipeline.stage(ref)
    if stage is None:
        raise ValidationFailed({"stage": f"no stage {ref!r} in {pipeline.name}"})
    return stage.key


def _number(text: str, field: str) -> int:
    if not text.strip().rstrip("%").isdigit():
        raise ValidationFailed({field: f"not a whole number: {text!r}"})
    return int(text.strip().rstrip("%"))


async def add(engine: Engine, who: Who, pipeline: Pipeline, args: list[str]) -> str | None:
    if len(args) < 2:
        raise ValidationFailed({"stages": "add <name> <probability>"})
    name = " ".join(args[:-1])
    spec = StageSpec(slug(name), name, _number(args[-1], "probability"))
    await engine.pipelines.add_stage(pipeline.key, spec, who.actor)
    return spec.key


async def rename(engine: Engine, who: Who, pipeline: Pipeline, args: list[str]) -> str | None:
    if len(args) < 2:
        raise ValidationFailed({"stages": "rename <stage> <new name>"})
    key = stage_key(pipeline, args[0])
    await engine.pipelines.change_stage(pipeline.key, key, who.actor, name=" ".join(args[1:]))
    return key


async def probability(engine: Engine, who: Who, pipeline: Pipeline, args: list[str]) -> str | None:
    if len(args) != 2:
        raise ValidationFailed({"stages": "probability <stage> <0-100>"})
    value = _number(args[1], "probability")
    key = stage_key(pipeline, args[0])
    await engine.pipelines.change_stage(pipeline.key, key, who.actor, probability=value)
    return key


async def fold(engine: Engine, who: Who, pipeline: Pipeline, args: list[str]) -> str | None:
    return await _set_folded(engine, who, pipeline, args, True)


async def unfold(engine: Engine, who: Who, pipeline: Pipeline, args: list[str]) -> str | None:
    return await _set_folded(engine, who, pipeline, args, False)


async def _set_folded(
    engine: Engine, who: Who, pipeline: Pipeline, args: list[str], folded: bool
) -> str | None:
    if len(args) != 1:
        raise ValidationFailed({"stages": "fold|unfold <stage>"})
    key = stage_key(pipeline, args[0])
    await engine.pipelines.change_stage(pipeline.key, key, who.actor, folded=folded)
    return key


def reordered(pipeline: Pipeline, key: str, position: int) -> list[str]:
    keys = [s.key for s in pipeline.stages if s.key != key]
    index = min(max(position, 1), len(keys) + 1) - 1
    return [*keys[:index], key, *keys[index:]]


async def move(engine: Engine, who: Who, pipeline: Pipeline, args: list[str]) -> str | None:
    if len(args) != 2:
        raise ValidationFailed({"stages": "move <stage> <position>"})
    key = stage_key(pipeline, args[0])
    order = reordered(pipeline, key, _number(args[1], "position"))
    await engine.pipelines.reorder_stages(pipeline.key, order, who.actor)
    return key


async def delete(engine: Engine, who: Who, pipeline: Pipeline, args: list[str]) -> str | None:
    if len(args) != 1:
        raise ValidationFailed({"stages": "delete <stage>"})
    key = stage_key(pipeline, args[0])
    await engine.pipelines.delete_stage(pipeline.key, key, who.actor)
    neighbours = [s.key for s in pipeline.stages]
    index = neighbours.index(key)
    return neighbours[index - 1] if index else None


CHANGES: dict[str, Change] = {
    "add": add, "rename": rename, "probability": probability, "proba": probability,
    "fold": fold, "unfold": unfold, "move": move, "delete": delete,
}  # fmt: skip


def admin_only(who: Who) -> None:
    if not who.actor.is_admin:
        raise Forbidden(t(who.locale, "err_admin_only"))


async def command(ctx: JobContext, who: Who, rest: str) -> None:
    admin_only(who)
    words = split_quoted(rest)
    if not words:
        await ctx.say(await screens.stage_list(ctx.engine, who))
        return
    change = CHANGES.get(words[0].lower())
    if change is None:
        await ctx.say(Message(t(who.locale, "stages_usage", usage=t(who.locale, "stages_help"))))
        return
    pipeline = await ctx.engine.pipelines.get()
    touched = await change(ctx.engine, who, pipeline, words[1:])
    await _show(ctx, who, pipeline.key, replace=False, stage=touched)


async def _show(
    ctx: JobContext, who: Who, pipeline: str, *, replace: bool, stage: str | None
) -> None:
    listing = await screens.stage_list(ctx.engine, who, pipeline, near=stage)
    done = section(f"✅ {t(who.locale, 'stages_changed')}")
    await ctx.say(Message(listing.text, [done, *listing.blocks]), replace=replace)


async def menu(ctx: JobContext) -> None:
    """The overflow next to a stage: fold / unfold / up / down / delete."""
    who = await ctx.who()
    admin_only(who)
    pipeline_key, ref, choice = unpack(ctx.action_value, 3)
    pipeline = await ctx.engine.pipelines.get(pipeline_key)
    stage = find_stage(pipeline, ref)
    if stage is None:
        raise ValidationFailed({"stage": f"no stage {ref!r} in {pipeline.name}"})
    touched: str | None = stage.key
    if choice in ("up", "down"):
        position = stage.position - 1 if choice == "up" else stage.position + 1
        await move(ctx.engine, who, pipeline, [stage.key, str(position)])
    elif choice in CHANGES:
        touched = await CHANGES[choice](ctx.engine, who, pipeline, [stage.key])
    await _show(ctx, who, pipeline.key, replace=True, stage=touched)


async def page(ctx: JobContext) -> None:
    """Previous / Next under a long list of stages: the list replaced by that page."""
    who = await ctx.who()
    admin_only(who)
    pipeline_key, wanted = unpack(ctx.action_value, 2)
    listing = await screens.stage_list(ctx.engine, who, pipeline_key, number(wanted) or 0)
    await ctx.say(listing, replace=True)


JOBS: dict[str, JobSpec] = {"stage_menu": JobSpec(menu), "stages_page": JobSpec(page)}
