"""Modals: new deal, new lead, disqualify, log an activity, move a deal, and the
loading and result views that frame them."""

from __future__ import annotations

from bot.blocks.common import Block, context, escape, option, plain, section
from bot.blocks.forms import (
    NOTE,
    MoveForm,
    checklist_blocks,
    form_blocks,
    input_block,
    text_element,
)
from bot.forms_fit import FORM_BLOCKS
from bot.i18n import t
from engine.api.crm import KINDS

# The block ids of the fixed modals, keyed by the engine field they feed.
DEAL_INPUTS = {
    "title": "title", "contact.email": "contact_email", "contact.name": "contact_name",
    "organisation": "organisation", "expected_revenue": "amount", "expected_close": "close",
}  # fmt: skip
LEAD_INPUTS = {
    "title": "title", "contact.email": "contact_email", "contact.name": "contact_name",
    "organisation": "organisation", "note": "note",
}  # fmt: skip
LOG_INPUTS = {"kind": "kind", "subject": "subject", "note": "note", "due_at": "due"}


def modal(
    callback_id: str, title: str, blocks: list[Block], locale: str, *,
    submit: str | None = None, metadata: str = "",
) -> Block:  # fmt: skip
    view: Block = {
        "type": "modal", "callback_id": callback_id, "title": plain(title, 24),
        "close": plain(t(locale, "close" if submit is None else "cancel"), 24),
        "blocks": blocks[:100], "private_metadata": metadata,
    }  # fmt: skip
    if submit is not None:
        view["submit"] = plain(submit, 24)
    return view


def loading(title: str, locale: str, metadata: str = "") -> Block:
    """Opened at once (a trigger lives three seconds), filled in with ``views.update``."""
    return modal(
        "loading", title, [section(f"⏳ {t(locale, 'loading')}")], locale, metadata=metadata
    )


def result(title: str, blocks: list[Block], locale: str) -> Block:
    return modal("result", title, blocks, locale)


def _email(current: str = "") -> Block:
    element: Block = {"type": "email_text_input"}
    if current:
        element["initial_value"] = current
    return element


def new_deal(locale: str, metadata: str) -> Block:
    blocks = [
        input_block("title", t(locale, "field_title"), text_element()),
        input_block("contact_email", t(locale, "field_contact_email"), _email(), optional=True),
        input_block("contact_name", t(locale, "field_contact_name"), text_element(), optional=True),
        input_block("organisation", t(locale, "field_organisation"), text_element(), optional=True),
        input_block(
            "amount", t(locale, "field_amount"),
            {"type": "number_input", "is_decimal_allowed": True, "min_value": "0"}, optional=True,
        ),
        input_block("close", t(locale, "field_close"), {"type": "datepicker"}, optional=True),
    ]  # fmt: skip
    title = t(locale, "new_deal_title")
    return modal("deal_new", title, blocks, locale, submit=t(locale, "save"), metadata=metadata)


def new_lead(locale: str, metadata: str) -> Block:
    blocks = [
        input_block("title", t(locale, "field_title"), text_element()),
        input_block("contact_email", t(locale, "field_contact_email"), _email(), optional=True),
        input_block("contact_name", t(locale, "field_contact_name"), text_element(), optional=True),
        input_block("organisation", t(locale, "field_organisation"), text_element(), optional=True),
        input_block("note", t(locale, "field_note"), text_element(multiline=True), optional=True),
    ]  # fmt: skip
    title = t(locale, "new_lead_title")
    return modal("lead_new", title, blocks, locale, submit=t(locale, "save"), metadata=metadata)


def disqualify(lead_title: str, locale: str, metadata: str) -> Block:
    blocks = [
        section(f"*{escape(lead_title)}*"),
        input_block("reason", t(locale, "field_reason"), text_element(multiline=True)),
    ]
    return modal(
        "lead_disqualify", t(locale, "lead_disqualify_title"), blocks, locale,
        submit=t(locale, "lead_disqualify"), metadata=metadata,
    )  # fmt: skip


def log_activity(deal_title: str, locale: str, metadata: str) -> Block:
    kinds: Block = {
        "type": "static_select",
        "options": [option(t(locale, f"kind_{k}"), k) for k in KINDS],
    }
    kinds["initial_option"] = option(t(locale, "kind_note"), "note")
    blocks = [
        section(f"*{escape(deal_title)}*"),
        input_block("kind", t(locale, "field_kind"), kinds),
        input_block("subject", t(locale, "field_subject"), text_element()),
        input_block("note", t(locale, "field_note"), text_element(multiline=True), optional=True),
        input_block("due", t(locale, "field_due"), {"type": "datepicker"}, optional=True),
    ]
    return modal(
        "deal_log", t(locale, "deal_log"), blocks, locale, submit=t(locale, "save"),
        metadata=metadata,
    )  # fmt: skip


def move(form: MoveForm, locale: str, metadata: str) -> Block:
    """The blueprint's *During* part as a form: message, fields, checklist, note.

    A form Slack cannot hold (``blueprint apply --check`` refuses it; an older
    version may still be in force) says so instead of losing its last inputs.
    """
    heading = section(f"*{escape(form.heading)}*")
    title = t(locale, "move_title")
    if not form.available:
        why = "\n".join(f"• {escape(r)}" for r in form.reasons)
        blocks = [heading, section(f"{t(locale, 'deal_unavailable')}\n{why}")]
        return modal("deal_move", title, blocks, locale, metadata=metadata)
    blocks = [heading, *_move_inputs(form, locale)]
    if len(blocks) > FORM_BLOCKS:
        blocks = [heading, section(f"⚠️ {t(locale, 'move_too_big')}")]
        return modal("deal_move", title, blocks, locale, metadata=metadata)
    return modal(
        "deal_move", title, blocks, locale, submit=t(locale, "move_submit"), metadata=metadata
    )


def _move_inputs(form: MoveForm, locale: str) -> list[Block]:
    blocks: list[Block] = [context(escape(form.message))] if form.message else []
    blocks.extend(form_blocks(form.fields, form.current))
    blocks.extend(checklist_blocks(form.checklist, t(locale, "move_checklist")))
    if form.note in ("optional", "required"):
        element = text_element(multiline=True)
        optional = form.note == "optional"
        blocks.append(input_block(NOTE, t(locale, "field_note"), element, optional=optional))
    return blocks
