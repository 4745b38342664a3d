"""What a list prints on the command line: its words, columns, people and dates.

``deal list``, ``board`` and ``lead list`` share these: texts in French and
English (:func:`say`, from the catalogue), counts that say when the limit cut a list, columns
aligned two spaces apart, and the JSON of a person.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from cli.context import Context
from engine.api import (
    LEAD_STATUS_NAMES,
    Conflict,
    NotFound,
    RelaisError,
    ValidationFailed,
    engine_key,
    formats,
    has_text,
    label,
    lead_status_name,
    phrase_text,
    plural,
    text,
)
from engine.api.crm import Named


def say(code: str, locale: str, **params: object) -> str:
    """A list's text in ``locale``: the catalogue's ``cli.<code>``; a lead status by its name."""
    if code in LEAD_STATUS_NAMES:
        return lead_status_name(code, locale).lower()
    return text(locale, f"cli.{code}", **params)


def counted(kind: str, count: int, shown: int, locale: str) -> str:
    """``3 affaires`` / ``1 deal``, with how many are shown when the limit cut the list."""
    if shown < count:
        return plural(locale, f"cli.{kind}_shown", shown, count=count, shown=shown)
    return plural(locale, f"cli.{kind}", count, count=count)


def table(rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()) -> list[str]:
    """Rows as aligned columns two spaces apart; the columns in ``right`` aligned right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def person(who: Named | None) -> str:
    """``Name <e-mail>``, or whichever of the two is known."""
    if who is None:
        return "—"
    if who.name and who.email:
        return f"{who.name} <{who.email}>"
    return who.name or who.email or "—"


def day(moment: datetime, ctx: Context, locale: str) -> str:
    """The date of ``moment`` in the configured time zone (RELAIS_TIMEZONE)."""
    return formats.day(moment, locale, ctx.settings.timezone)


def moment(at: datetime, ctx: Context, locale: str) -> str:
    """``03/12/2026 14:30 CET``: in the configured zone (RELAIS_TIMEZONE), named.

    The command line printed UTC without saying so; the zone's name now says which.
    """
    return formats.when(at, ctx.settings.timezone, locale, zone=True)


def named_json(who: Named | None) -> dict[str, str | None] | None:
    return None if who is None else {"name": who.name, "email": who.email}


def print_json(ctx: Context, data: object) -> None:
    ctx.print(json.dumps(data, indent=2, ensure_ascii=False))


def explain(exc: RelaisError, locale: str) -> str:
    """An engine error in ``locale``: its code's message, else its own (English) text."""
    if isinstance(exc, ValidationFailed):
        return "; ".join(
            f"{label(locale, name)}: {why}" for name, why in _reasons(exc, locale).items()
        )
    if isinstance(exc, Conflict):
        fields = ", ".join(label(locale, f) for f in exc.changed) or text(locale, "conflict.record")
        entity = _entity(exc.entity, locale)
        return text(locale, "cli.conflict", entity=entity, id=exc.entity_id, fields=fields)
    if isinstance(exc, NotFound):
        return text(locale, "engine.not_found", entity=_entity(exc.entity, locale), ref=exc.ref)
    key = engine_key(exc.code)
    if has_text(key):
        return text(locale, key, **exc.params)
    return phrase_text(exc.args[0] if exc.args else exc.message, locale)


def _entity(entity: str, locale: str) -> str:
    key = f"slack.entity_{entity}"
    return text(locale, key) if has_text(key) else entity


def fail(ctx: Context, exc: RelaisError, locale: str) -> None:
    """An engine error on stderr in ``locale``: ``erreur : …``, a refused field a line each."""
    if isinstance(exc, ValidationFailed):
        ctx.fail(text(locale, "cli.invalid_input"))
        for name, reason in _reasons(exc, locale).items():
            ctx.fail(text(locale, "cli.field_error", field=label(locale, name), reason=reason))
        return
    ctx.fail(text(locale, "cli.error", message=explain(exc, locale)))


def fail_file(ctx: Context, exc: OSError, locale: str) -> None:
    """A file that could not be read or written, on one line: which, and why."""
    reason = exc.strerror or str(exc)
    path = exc.filename if exc.filename is not None else "—"
    ctx.fail(text(locale, "cli.error", message=text(locale, "cli.file_error", path=path,
                                                    reason=reason)))  # fmt: skip


def _reasons(exc: ValidationFailed, locale: str) -> dict[str, str]:
    said = getattr(exc, "text", None)
    if callable(said):  # refused transition inputs: each reason a code of its own
        return dict(said(locale))
    return {name: phrase_text(why, locale) for name, why in exc.errors.items()}


def option_errors(ctx: Context, exc: ValidationFailed, locale: str) -> int:
    """A refused filter, named as the option the user typed, in ``locale``."""
    for name, reason in exc.errors.items():
        ctx.fail(option_error(f"--{name}", phrase_text(reason, locale), locale))
    return 1


def option_error(option: str, reason: str, locale: str) -> str:
    """``error: --pipeline: no pipeline 'pro'`` / ``erreur : --pipeline : …``."""
    return text(locale, "cli.option_error", option=option, reason=reason)
