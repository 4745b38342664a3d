"""Engine errors as a rep reads them, in one place.

``ValidationFailed`` becomes one message per field (and, in a modal, errors
keyed by the input blocks' ids); ``Conflict`` says someone else changed the
record (the caller shows the fresh card); ``Forbidden`` and
``TransitionRefused`` give their reason; the rest say what happened.

Slack refuses a ``response_action: errors`` that names a block which is not
an input of the open view (the person then sees a generic failure). An error
for a field the open form does not show — the blueprint changed while it was
open, or a field only the engine knows — is therefore never keyed there:
:func:`place_errors` sets it apart, and :func:`with_notice` shows every
error in a block at the top of the same form instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.blocks.common import Block, Message, escape, section
from bot.i18n import field_label, reason, t
from engine.api import (
    Conflict,
    Forbidden,
    NotFound,
    RelaisError,
    StageNotEmpty,
    StorageError,
    TransitionRefused,
    ValidationFailed,
    translate,
)
from engine.api.blueprints import InputsRejected, StageInBlueprint, TransitionUnavailable


def field_reasons(exc: ValidationFailed, locale: str) -> dict[str, str]:
    """Each refused field's reason in the reader's language."""
    if isinstance(exc, InputsRejected):
        return exc.text(locale)
    return {name: reason(locale, why) for name, why in exc.errors.items()}


def _label(locale: str, field: str, text: str) -> str:
    return t(locale, "field_reason", field=field_label(locale, field), reason=text)


def describe(exc: RelaisError, locale: str) -> str:
    if isinstance(exc, ValidationFailed):
        lines = [f"• {_label(locale, f, r)}" for f, r in field_reasons(exc, locale).items()]
        return "\n".join([t(locale, "err_validation"), *lines])
    if isinstance(exc, Conflict):
        fields = ", ".join(field_label(locale, f) for f in exc.changed) or "—"
        entity = t(locale, f"entity_{exc.entity}")
        return t(locale, "err_conflict", entity=entity, id=exc.entity_id, fields=fields)
    if isinstance(exc, TransitionUnavailable):
        return exc.text(locale)
    if isinstance(exc, TransitionRefused):
        known = translate(exc.code, locale, **exc.params)
        return known if known != exc.code else t(locale, "err_transition", reason=exc.reason)
    if isinstance(exc, Forbidden):
        return t(locale, "err_forbidden", reason=reason(locale, exc.reason))
    if isinstance(exc, StageNotEmpty):
        return t(locale, "err_stage_not_empty", stage=exc.stage, count=exc.count)
    if isinstance(exc, StageInBlueprint):
        return exc.text(locale)
    if isinstance(exc, NotFound):
        return t(locale, "err_not_found", entity=t(locale, f"entity_{exc.entity}"), ref=exc.ref)
    if isinstance(exc, StorageError):
        return t(locale, "storage_busy")
    return reason(locale, exc.message)


def error_message(exc: RelaisError, locale: str) -> Message:
    text = describe(exc, locale)
    icon = "🔄" if isinstance(exc, Conflict) else "⚠️"
    return Message(text, [section(f"{icon} {escape(text)}")])


def modal_errors(
    exc: ValidationFailed, blocks: Mapping[str, str], present: Sequence[str], locale: str
) -> dict[str, str]:
    """``{block_id: message}`` for ``response_action: errors``.

    ``blocks`` maps engine field names to block ids; a field with no input of
    its own is reported on the first input (Slack refuses unknown block ids).
    """
    errors: dict[str, str] = {}
    for field, text in field_reasons(exc, locale).items():
        block = blocks.get(field) or blocks.get(field.split(".")[0])
        if block is None or block not in present:
            block = present[0] if present else ""
            text = _label(locale, field, text)
        errors[block] = f"{errors[block]} — {text}" if block in errors else text
    return {k: v[:2000] for k, v in errors.items() if k}


def place_errors(
    exc: ValidationFailed, blocks: Mapping[str, str], present: Sequence[str], locale: str
) -> tuple[dict[str, str], list[str]]:
    """``({block_id: message}, [lines])``: errors the open form can show on an input,
    and the others (each line names its field)."""
    placed: dict[str, str] = {}
    stray: list[str] = []
    for field, text in field_reasons(exc, locale).items():
        block = blocks.get(field) or blocks.get(field.split(".")[0])
        if block is None or block not in present:
            stray.append(_label(locale, field, text))
        else:
            placed[block] = f"{placed[block]} — {text}" if block in placed else text
    return {k: v[:2000] for k, v in placed.items()}, stray


NOTICE = "relais_notice"  # the block_id of the notice at the top of a form shown again
VIEW_KEYS = (
    "type", "callback_id", "title", "submit", "close", "private_metadata", "clear_on_close",
    "notify_on_close", "external_id",
)  # fmt: skip
MODAL_BLOCKS = 100


def with_notice(view: Mapping[str, object], text: str) -> Block:
    """``view`` again, for ``response_action: update``, with ``text`` in a block at its top.

    Inputs keep their block and action ids, so Slack keeps what was typed in them.
    """
    blocks = [b for b in _blocks(view) if b.get("block_id") != NOTICE]
    if len(blocks) >= MODAL_BLOCKS:  # full: the notice takes the place of a non-input
        spare = next((n for n, b in enumerate(blocks) if b.get("type") != "input"), 0)
        del blocks[spare]
    fresh: Block = {key: view[key] for key in VIEW_KEYS if key in view}
    fresh["blocks"] = [section(f"⚠️ {escape(text)}", block_id=NOTICE), *blocks]
    return fresh


def _blocks(view: Mapping[str, object]) -> list[Block]:
    found = view.get("blocks")
    return [b for b in found if isinstance(b, dict)] if isinstance(found, list) else []


def input_ids(view_blocks: Sequence[Block]) -> list[str]:
    return [b["block_id"] for b in view_blocks if b.get("type") == "input" and "block_id" in b]
