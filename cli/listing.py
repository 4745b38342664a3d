"""What a list prints on the command line: its words, columns, people and dates.

``deal list``, ``board`` and ``lead list`` share these: texts in French and
English (:func:`say`), counts that say when the limit cut a list, columns
aligned two spaces apart, and the JSON of a person.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from cli.context import Context
from engine.api import LEAD_STATUS_NAMES, ValidationFailed, clock
from engine.api.cpq import date_text
from engine.api.crm import Named

TEXTS: dict[str, dict[str, str]] = {
    "no_open_deal": {"fr": "Aucune affaire ouverte ne correspond.", "en": "No open deal matches."},
    "no_deal": {"fr": "Aucune affaire ne correspond.", "en": "No deal matches."},
    "deals_one": {"fr": "1 affaire", "en": "1 deal"},
    "deals_many": {"fr": "{count} affaires", "en": "{count} deals"},
    "deals_shown": {
        "fr": "{count} affaires, {shown} affichées",
        "en": "{count} deals, {shown} shown",
    },
    "deals_shown_one": {"fr": "{count} affaires, 1 affichée", "en": "{count} deals, 1 shown"},
    "total": {"fr": "total {amount}", "en": "total {amount}"},
    "weighted": {"fr": "pondéré {amount}", "en": "weighted {amount}"},
    "archived": {"fr": "archivée", "en": "archived"},
    "unassigned": {"fr": "non attribué", "en": "unassigned"},
    "head_title": {"fr": "titre", "en": "title"},
    "head_stage": {"fr": "étape", "en": "stage"},
    "head_amount": {"fr": "montant", "en": "amount"},
    "head_owner": {"fr": "propriétaire", "en": "owner"},
    "head_contact": {"fr": "contact", "en": "contact"},
    "head_changed": {"fr": "modifiée le", "en": "changed"},
    "head_deals": {"fr": "affaires", "en": "deals"},
    "head_weighted": {"fr": "pondéré", "en": "weighted"},
    "board": {"fr": "{pipeline} : affaires ouvertes", "en": "{pipeline}: open deals"},
    # run.py lead list
    "no_lead": {"fr": "Aucun prospect ne correspond.", "en": "No lead matches."},
    "leads_one": {"fr": "1 prospect", "en": "1 lead"},
    "leads_many": {"fr": "{count} prospects", "en": "{count} leads"},
    "leads_shown": {
        "fr": "{count} prospects, {shown} affichés",
        "en": "{count} leads, {shown} shown",
    },
    "leads_shown_one": {"fr": "{count} prospects, 1 affiché", "en": "{count} leads, 1 shown"},
    # the lead statuses, in lower case in a list
    **{
        status: {locale: name.lower() for locale, name in names.items()}
        for status, names in LEAD_STATUS_NAMES.items()
    },
    "head_status": {"fr": "statut", "en": "status"},
    "head_source": {"fr": "source", "en": "source"},
    "head_created": {"fr": "créé le", "en": "created"},
}


def say(code: str, locale: str, **params: object) -> str:
    """A list's text in ``locale`` (French or English)."""
    texts = TEXTS[code]
    return (texts.get(locale) or texts["en"]).format(**params)


def counted(kind: str, count: int, shown: int, locale: str) -> str:
    """``3 affaires`` / ``1 deal``, with how many are shown when the limit cut the list."""
    if shown < count:
        code = f"{kind}_shown_one" if shown == 1 else f"{kind}_shown"
        return say(code, locale, count=count, shown=shown)
    return say(f"{kind}_one" if count == 1 else f"{kind}_many", locale, count=count)


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
    return date_text(moment.astimezone(clock.zone(ctx.settings.timezone)).date(), locale)


def named_json(who: Named | None) -> dict[str, str | None] | None:
    return None if who is None else {"name": who.name, "email": who.email}


def print_json(ctx: Context, data: object) -> None:
    ctx.print(json.dumps(data, indent=2, ensure_ascii=False))


def option_errors(ctx: Context, exc: ValidationFailed) -> int:
    """A refused filter, named as the option the user typed."""
    for name, reason in exc.errors.items():
        ctx.fail(f"error: --{name}: {reason}")
    return 1
