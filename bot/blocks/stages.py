"""Stage administration: the stages in order, each with its quick actions."""

from __future__ import annotations

from bot.blocks.common import Block, Message, context, escape, header, overflow, section
from bot.blocks.values import pack
from bot.i18n import t
from engine.records import Pipeline, Stage


def _flags(stage: Stage, locale: str) -> str:
    flags = []
    if stage.outcome:
        flags.append(t(locale, f"stage_{stage.outcome}"))
    if stage.folded:
        flags.append(t(locale, "stage_folded"))
    return f" · _{', '.join(flags)}_" if flags else ""


def _menu(pipeline: Pipeline, stage: Stage, locale: str) -> Block:
    fold = ("stage_unfold", "unfold") if stage.folded else ("stage_fold", "fold")
    choices = [
        (t(locale, fold[0]), pack(pipeline.key, stage.key, fold[1])),
        (t(locale, "stage_up"), pack(pipeline.key, stage.key, "up")),
        (t(locale, "stage_down"), pack(pipeline.key, stage.key, "down")),
        (t(locale, "stage_delete"), pack(pipeline.key, stage.key, "delete")),
    ]
    return overflow("stage_menu", choices)


def stage_list(pipeline: Pipeline, locale: str) -> Message:
    title = t(locale, "stages_title", pipeline=pipeline.name)
    blocks: list[Block] = [header(title)]
    for stage in pipeline.stages:
        line = t(
            locale, "stage_line", position=stage.position, name=escape(stage.name),
            key=stage.key, probability=stage.probability, flags=_flags(stage, locale),
        )  # fmt: skip
        blocks.append(section(line, _menu(pipeline, stage, locale)))
    blocks.append(context(t(locale, "stages_help")))
    return Message(title, blocks[:50])
