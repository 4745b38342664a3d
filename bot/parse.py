"""Reading ``/crm …`` text: which sub-command, with what (pure functions).

Sub-commands are English words, with the French a rep may type first
(``affaire``, ``pistes``, ``étapes``…). Quick lines keep the order a person
writes in: ``deal new Poêle Dupont jean@dupont.fr 8000``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from engine.api import typed

ALIASES = {
    "": "help", "help": "help", "aide": "help", "?": "help",
    "deal": "deal", "deals": "deal", "affaire": "deal", "affaires": "deal", "d": "deal",
    "pipeline": "pipeline", "pipe": "pipeline", "p": "pipeline",
    "forecast": "forecast", "prévisions": "forecast", "previsions": "forecast",
    "activities": "activities", "activity": "activities", "activités": "activities",
    "activites": "activities", "a": "activities",
    "log": "log", "note": "log", "noter": "log",
    "todo": "todo", "tâche": "todo", "tache": "todo", "rappel": "todo",
    "leads": "leads", "pistes": "leads",
    "lead": "lead", "piste": "lead",
    "stages": "stages", "étapes": "stages", "etapes": "stages",
    "runs": "runs", "exécutions": "runs", "executions": "runs",
    "workflows": "workflows", "automatisations": "workflows",
    "quote": "quote", "devis": "quote", "q": "quote",
    "search": "search", "find": "search", "recherche": "search", "rechercher": "search",
    "chercher": "search",
}  # fmt: skip
NEW = ("new", "nouveau", "nouvelle", "+", "create", "créer", "creer")
KIND_WORDS = {
    "call": "call", "appel": "call", "meeting": "meeting", "rdv": "meeting",
    "réunion": "meeting", "reunion": "meeting", "email": "email", "mail": "email",
    "e-mail": "email", "note": "note", "task": "task", "tâche": "task", "tache": "task",
}  # fmt: skip
_EMAIL = re.compile(r"^<?[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+>?$")
AMOUNT_WORDS = 4  # "7 500 000 €": an amount is at most four words, at the end


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    rest: str = ""


def parse(text: str) -> Command:
    words = text.strip().split(maxsplit=1)
    head = words[0].lower() if words else ""
    rest = words[1].strip() if len(words) > 1 else ""
    name = ALIASES.get(head)
    if name is None:
        return Command("unknown", text.strip())
    if name in ("deal", "lead"):
        return _new_or_show(name, rest)
    return Command(name, rest)


def _new_or_show(name: str, rest: str) -> Command:
    words = rest.split(maxsplit=1)
    if words and words[0].lower() in NEW:
        return Command(f"{name}_new", words[1].strip() if len(words) > 1 else "")
    return Command(f"{name}_show" if name == "deal" else "leads", rest)


@dataclass(frozen=True, slots=True)
class QuickRecord:
    title: str
    email: str | None = None
    amount: Decimal | None = None
    currency: str | None = None


def quick_record(text: str, with_amount: bool = True, locale: str = "fr") -> QuickRecord:
    """``<title> [e-mail] [amount]``: the e-mail anywhere, the amount last.

    The amount is read as people type it (``7 500``, ``7 500 €``, ``7,5 k€``): the
    longest end of up to four words that is one, leaving a title before it. An
    ambiguous one (``7,500`` in French) is raised (:class:`typed.Unreadable`).
    """
    tokens = text.split()
    email = next((tok.strip("<>") for tok in tokens if _EMAIL.match(tok)), None)
    tokens = [tok for tok in tokens if not _EMAIL.match(tok)]
    if with_amount:
        for count in range(min(AMOUNT_WORDS, len(tokens) - 1), 0, -1):
            try:
                found = typed.amount(" ".join(tokens[-count:]), locale)
            except typed.Unreadable as exc:
                if exc.code == "amount.unreadable":
                    continue
                raise
            return QuickRecord(" ".join(tokens[:-count]), email, found.value, found.currency)
    return QuickRecord(" ".join(tokens), email)


def record_id(text: str) -> int | None:
    token = text.strip().lstrip("#")
    return int(token) if token.isdigit() else None


@dataclass(frozen=True, slots=True)
class LogLine:
    deal_id: int
    kind: str
    text: str


def log_line(text: str) -> LogLine | None:
    """``<deal id> [call|meeting|email|note] <text>``."""
    words = text.split(maxsplit=2)
    if len(words) < 2 or record_id(words[0]) is None:
        return None
    deal_id = record_id(words[0])
    assert deal_id is not None
    kind = KIND_WORDS.get(words[1].lower())
    if kind is not None and len(words) == 3:
        return LogLine(deal_id, kind, words[2])
    return LogLine(deal_id, "note", " ".join(words[1:]))


@dataclass(frozen=True, slots=True)
class TodoLine:
    deal_id: int
    due: datetime
    subject: str


def todo_line(text: str, tz: str, now: datetime, locale: str = "fr") -> TodoLine | None:
    """``<deal id> <when> <subject>``; ``when`` as people type it, in their zone.

    ``demain 9h``, ``demain à 9h``, ``lundi``, ``20/06/2027 14:30``, ``dans 3 jours``,
    ``tomorrow 9am`` (:func:`typed.moment`). ``None`` when the line is not one; an
    ambiguous or impossible moment is raised (:class:`typed.Unreadable`).
    """
    words = text.split(maxsplit=1)
    deal_id = record_id(words[0]) if words else None
    if deal_id is None or len(words) < 2:
        return None
    found = typed.split_moment(words[1], tz, now, locale)
    if found is None or not found[1]:
        return None
    return TodoLine(deal_id, found[0].at, found[1])


def split_quoted(text: str) -> list[str]:
    """Words, where ``"Visite technique"`` in double quotes is one."""
    return [a or b for a, b in re.findall(r'"([^"]*)"|(\S+)', text)]
