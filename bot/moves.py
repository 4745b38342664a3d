"""Moving a deal: the ways out of its stage, what each asks for, and doing it.

The engine decides everything: a pipeline with a blueprint moves only
through its transitions (``deal_transitions`` says which are open to this
user now and why the others are not, ``describe_transition`` what one asks
for, ``perform_transition`` does it or refuses field by field). A pipeline
without a blueprint moves freely: every other stage is a way out, and the
engine's own rule that a lost deal needs a reason becomes the one field of
that form. This module only reshapes those answers for buttons and modals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.blocks.deal import MoveOption
from bot.blocks.forms import CHECKLIST, NOTE, MoveForm, block_id
from bot.i18n import t
from bot.people import Who
from engine.api import DealView, Engine
from engine.api.blueprints import During, InputField, Option, Version
from engine.api.crm import Deal

FREE = "stage:"  # a free move (no blueprint): ``stage:<key>``


def asks(during: During | None) -> bool:
    """Whether a transition shows a form (fields, checklist, note or a message)."""
    if during is None:
        return True  # the admin override: stage and note
    return bool(during.fields or during.checklist or during.note != "none" or during.message)


def _option(option: Option, version: Version, locale: str) -> MoveOption:
    transition = version.blueprint.transition(option.key)
    label = option.name
    if option.target and option.target_name.casefold() not in option.name.casefold():
        label = f"{option.name} → {option.target_name}"
    return MoveOption(
        option.key, label, option.available, tuple(r.text(locale) for r in option.reasons),
        asks(None if transition is None else transition.during),
    )  # fmt: skip


async def options(engine: Engine, who: Who | None, deal: Deal) -> list[MoveOption]:
    if who is None or deal.archived:
        return []
    return options_in(await engine.deals.view(deal.id, who.actor), who)


def options_in(view: DealView, who: Who) -> list[MoveOption]:
    """The ways out of the deal's stage for ``who``, from a view read for them."""
    deal = view.deal
    if deal.archived:
        return []
    if view.blueprint is not None:
        return [_option(o, view.blueprint, who.locale) for o in view.transitions if not o.automatic]
    return [
        MoveOption(f"{FREE}{s.key}", s.name, asks=s.outcome == "lost")
        for s in view.pipeline.stages
        if s.id != deal.stage_id
    ]


async def form(engine: Engine, who: Who, deal: Deal, key: str) -> MoveForm:
    if key.startswith(FREE):
        return await _free_form(engine, who, deal, key.removeprefix(FREE))
    described = await engine.blueprints.describe(deal.id, key, who.actor)
    return MoveForm(
        heading=f"#{deal.id} {deal.title} — {described.name}",
        message=described.message,
        fields=tuple(f.spec for f in described.fields),
        checklist=described.checklist,
        note=described.note,
        current={f.spec.key: f.current for f in described.fields},
        available=described.available,
        reasons=tuple(r.text(who.locale) for r in described.reasons),
    )


async def _free_form(engine: Engine, who: Who, deal: Deal, stage_key: str) -> MoveForm:
    pipeline = await engine.pipelines.get(deal.pipeline_id)
    stage = pipeline.stage(stage_key)
    heading = f"#{deal.id} {deal.title} → {stage.name if stage else stage_key}"
    if stage is None or stage.outcome != "lost":
        return MoveForm(heading)
    reason = InputField("lost_reason", t(who.locale, "move_lost_reason"), "long_text")
    return MoveForm(heading, fields=(reason,), current={"lost_reason": deal.lost_reason})


async def perform(
    engine: Engine, who: Who, deal_id: int, key: str, values: Mapping[str, Any],
    version: int | None,
) -> Deal:  # fmt: skip
    if key.startswith(FREE):
        reason = values.get("lost_reason")
        return await engine.deals.move(
            deal_id, key.removeprefix(FREE), who.actor, expected_version=version,
            lost_reason=str(reason) if reason else None,
        )  # fmt: skip
    await engine.blueprints.perform(deal_id, key, dict(values), who.actor, version)
    return await engine.deals.get(deal_id)


def error_blocks(move: MoveForm) -> dict[str, str]:
    """Input keys (and the deal fields they feed) → the move modal's block ids."""
    blocks = {f.key: block_id(f.key) for f in move.fields}
    blocks.update({f.field: block_id(f.key) for f in move.fields if f.field})
    blocks.update({CHECKLIST: CHECKLIST, NOTE: NOTE})
    return blocks
