"""Stage administration: the stages in order, each with its quick actions, in pages.

A message holds at most 50 blocks and each stage takes one, so a long
pipeline is shown ``PAGE`` stages at a time with Previous / Next buttons:
every stage stays reachable. Buttons and menus carry the stage's id, never
its key (a key made from a long name would not fit an option's 150
characters).
"""

from __future__ import annotations

from bot.blocks.common import (
    Block,
    Message,
    actions,
    button,
    context,
    escape,
    header,
    overflow,
    section,
)
from bot.blocks.values import pack
from bot.i18n import t
from engine.api.crm import Pipeline, Stage

PAGE = 40  # stages per message: with the header, a notice, the pages and help, 44 blocks
PAGE_ACTIONS = ("stages_previous", "stages_next")


def stage_ref(stage: Stage) -> str:
    """How a button names a stage: ``#<id>`` (a key is never written with ``#``)."""
    return f"#{stage.id}"


def find_stage(pipeline: Pipeline, ref: str) -> Stage | None:
    """The stage a button names: ``#<id>``, or a key or name (buttons of older versions)."""
    if ref.startswith("#"):
        return next((s for s in pipeline.stages if f"#{s.id}" == ref), None)
    return pipeline.stage(ref)


def pages(pipeline: Pipeline) -> int:
    """How many pages the stages take (at least one)."""
    return max(1, -(-len(pipeline.stages) // PAGE))


def page_of(pipeline: Pipeline, key: str | None) -> int:
    """The page showing stage ``key`` (the first page if there is none)."""
    keys = [s.key for s in pipeline.stages]
    return keys.index(key) // PAGE if key in keys else 0


def _flags(stage: Stage, locale: str) -> str:
    flags = []
    if stage.outcome:
        flags.append(t(locale, f"stage_{stage.outcome}"))
    if stage.folded:
        flags.append(t(locale, "stage_folded"))
    return f" · _{', '.join(flags)}_" if flags else ""


def _menu(pipeline: Pipeline, stage: Stage, locale: str) -> Block:
    fold = ("stage_unfold", "unfold") if stage.folded else ("stage_fold", "fold")
    ref = stage_ref(stage)
    choices = [
        (t(locale, fold[0]), pack(pipeline.key, ref, fold[1])),
        (t(locale, "stage_up"), pack(pipeline.key, ref, "up")),
        (t(locale, "stage_down"), pack(pipeline.key, ref, "down")),
        (t(locale, "stage_delete"), pack(pipeline.key, ref, "delete")),
    ]
    return overflow("stage_menu", choices)


def _line(stage: Stage, locale: str) -> str:
    return t(
        locale, "stage_line", position=stage.position, name=escape(stage.name),
        key=stage.key, probability=stage.probability, flags=_flags(stage, locale),
    )  # fmt: skip


def _pager(pipeline: Pipeline, page: int, locale: str) -> list[Block]:
    count = len(pipeline.stages)
    first, last = page * PAGE + 1, min((page + 1) * PAGE, count)
    buttons = []
    if page > 0:
        buttons.append(
            button(PAGE_ACTIONS[0], t(locale, "page_previous"), pack(pipeline.key, page - 1))
        )
    if last < count:
        buttons.append(
            button(PAGE_ACTIONS[1], t(locale, "page_next"), pack(pipeline.key, page + 1))
        )
    shown = context(t(locale, "stages_page", first=first, last=last, count=count))
    return [shown, actions(buttons, block_id="stages_pages")]


def stage_list(pipeline: Pipeline, locale: str, page: int = 0) -> Message:
    """Page ``page`` (from 0; clamped) of the pipeline's stages."""
    title = t(locale, "stages_title", pipeline=pipeline.name)
    page = min(max(page, 0), pages(pipeline) - 1)
    shown = pipeline.stages[page * PAGE : (page + 1) * PAGE]
    blocks: list[Block] = [header(title)]
    blocks += [section(_line(s, locale), _menu(pipeline, s, locale)) for s in shown]
    if pages(pipeline) > 1:
        blocks += _pager(pipeline, page, locale)
    blocks.append(context(t(locale, "stages_help")))
    return Message(title, blocks)
