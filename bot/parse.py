"""Reading ``/crm …`` text: which sub-command, with what (pure functions).

Sub-commands are English words, with the French a rep may type first
(``affaire``, ``pistes``, ``étapes``…). Quick lines keep the order a person
writes in: ``deal new Poêle Dupont jean@dupont.fr 8000``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ALIASES = {
    "": "help", "help": "help", "aide": "help", "?": "help",
    "deal": "deal", "deals": "deal", "affaire": "deal", "affaires": "deal", "d": "deal",
    "pipeline": "pipeline", "pipe": "pipeline", "p": "pipeline",
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
}  # fmt: skip
NEW = ("new", "nouveau", "nouvelle", "+", "create", "créer", "creer")
KIND_WORDS = {
    "call": "call", "appel": "call", "meeting": "meeting", "rdv": "meeting",
    "réunion": "meeting", "reunion": "meeting", "email": "email", "mail": "email",
    "e-mail": "email", "note": "note", "task": "task", "tâche": "task", "tache": "task",
}  # fmt: skip
_EMAIL = re.compile(r"^<?[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+>?$")
_AMOUNT = re.compile(r"^(\d[\d\u202f\u00a0.,]*)(k|K)?(€|eur|EUR)?$")
_TIME = re.compile(r"^\d{1,2}:\d{2}$")


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
    amount: str | None = None


def quick_record(text: str, with_amount: bool = True) -> QuickRecord:
    """``<title> [e-mail] [amount]``: the e-mail anywhere, the amount last."""
    tokens = text.split()
    email = next((tok.strip("<>") for tok in tokens if _EMAIL.match(tok)), None)
    tokens = [tok for tok in tokens if not _EMAIL.match(tok)]
    amount = None
    if with_amount and len(tokens) > 1 and (match := _AMOUNT.match(tokens[-1])):
        amount = _amount(match)
        tokens = tokens[:-1]
    return QuickRecord(" ".join(tokens), email, amount)


def _amount(match: re.Match[str]) -> str:
    number = match.group(1)
    if match.group(2):
        return str(float(number.replace(",", ".")) * 1000).removesuffix(".0")
    return number


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
    when: str
    subject: str


def todo_line(text: str) -> TodoLine | None:
    """``<deal id> <when> <subject>``; ``when`` may be ``2025-06-12 14:30``."""
    words = text.split()
    if len(words) < 3 or record_id(words[0]) is None:
        return None
    deal_id = record_id(words[0])
    assert deal_id is not None
    when, subject = words[1], words[2:]
    if subject and _TIME.match(subject[0]) and len(subject) > 1:
        when, subject = f"{when} {subject[0]}", subject[1:]
    return TodoLine(deal_id, when, " ".join(subject))


def split_quoted(text: str) -> list[str]:
    """Words, where ``"Visite technique"`` in double quotes is one."""
    return [a or b for a, b in re.findall(r'"([^"]*)"|(\S+)', text)]
