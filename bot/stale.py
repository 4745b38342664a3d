"""Out-of-date clicks and forms: who changed what, and the record as it is now.

A button carries the version of the card it sits on (``42|3``). When the
record moved on since, the engine refuses with a :class:`~engine.api.Conflict`;
when it was deleted, with :class:`~engine.api.NotFound`. Neither is an error
for the person who clicked: they get, privately and in their language, what
happened — who changed which fields (their labels, not column names), or
"you did", from another window —, and the current card of the deal, lead or
quote; a deleted record is said to be gone. The "Edit" form's conflict
(:mod:`bot.listeners.edit`) says the same with :func:`changed_by`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import cards, screens
from bot.blocks.common import Block, Message, escape, section
from bot.i18n import field_label, t
from bot.people import Who
from engine.api import Conflict, Engine, NotFound, RelaisError

KINDS = ("deal", "lead", "quote")
CUSTOM = "custom."


@dataclass(frozen=True, slots=True)
class Change:
    """Who changed a record past a version: names, or the reader themselves."""

    names: list[str]  # the other people, as named in Relais
    by_reader: bool  # the reader made (some of) the changes
    fields: str  # the changed fields' labels, in the reader's language


def labels(changed: list[str], locale: str) -> str:
    shown: list[str] = []
    for name in changed:
        label = name.removeprefix(CUSTOM) if name.startswith(CUSTOM) else field_label(locale, name)
        if label not in shown:
            shown.append(label)
    return ", ".join(shown) or "—"


async def change_of(engine: Engine, who: Who, exc: Conflict) -> Change:
    """Who changed the record past the version the person saw, as the engine tells it."""
    edits = await engine.timeline.changes_since(exc.entity, exc.entity_id, exc.expected)
    names: list[str] = []
    by_reader = False
    for edit in edits:  # the last change first
        if edit.user_id is not None and edit.user_id == who.user.id:
            by_reader = True
        elif edit.name and edit.name not in names:
            names.append(edit.name)
    changed = exc.changed or [f for edit in edits for f in edit.fields]
    return Change(names, by_reader, labels(changed, who.locale))


def changed_text(change: Change, exc: Conflict, locale: str, *, form: bool = False) -> str:
    """The sentence: someone named, or the reader, changed these fields; a form says so."""
    entity = t(locale, f"entity_{exc.entity}")
    common = {"entity": entity, "id": exc.entity_id, "fields": change.fields}
    suffix = "_form" if form else ""
    if change.names:
        return t(locale, f"stale_changed_by{suffix}", who=", ".join(change.names), **common)
    if change.by_reader:
        return t(locale, f"stale_changed_by_you{suffix}", **common)
    if form:
        return t(locale, "stale_changed_form", **common)
    return t(locale, "err_conflict", **common)


async def current_blocks(engine: Engine, who: Who, kind: str, record_id: int) -> list[Block]:
    """The record's current card: a deal's full card, a lead's or a quote's compact one."""
    if kind == "deal":
        return (await screens.deal_card(engine, who, record_id)).blocks
    found = await cards.blocks_of(engine, kind, record_id, who.locale)
    return found or []


async def answer(
    engine: Engine, who: Who, exc: RelaisError, *, clicked: bool = True
) -> Message | None:
    """What a click refused as out of date is answered with; None: not an old button.

    A record not found is "gone" only for a click (a button names a record that was);
    a command naming one that never was keeps its plain "not found".
    """
    if isinstance(exc, Conflict) and exc.entity in KINDS:
        text = changed_text(await change_of(engine, who, exc), exc, who.locale)
        try:
            card = await current_blocks(engine, who, exc.entity, exc.entity_id)
        except NotFound:
            card = []
        return Message(text, [section(f"🔄 {escape(text)}"), *card])
    if clicked and isinstance(exc, NotFound) and exc.entity in KINDS:
        entity = t(who.locale, f"entity_{exc.entity}")
        text = t(who.locale, "stale_gone", entity=entity, ref=str(exc.ref))
        return Message(text, [section(f"🗑️ {escape(text)}")])
    return None
