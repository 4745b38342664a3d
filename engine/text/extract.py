"""Which message keys the code uses: Babel's extraction method for Relais' lookups.

``babel.cfg`` names :func:`extract` (``pybabel extract -F babel.cfg``); the catalogue's
test uses :func:`keys_in` to fail on a key the code uses and the catalogue lacks.

A lookup is a call whose key is a string literal: the catalogue's own API
(``text(locale, "deal.created")``, ``plural(locale, "cli.deals", n)``,
``Phrase("deal.title_required")``, the marker ``N_("…")``) and the thin helpers
that add a prefix (``t(locale, "deal_created")`` in ``bot/`` is ``slack.deal_created``,
``say("total", locale)`` in ``cli/`` is ``cli.total``, ``translate("not_found", …)``
is ``engine.not_found``, ``word("title", locale)`` is ``cpq.document.title``,
``legal_mention("vat", locale)`` is ``cpq.mention.vat``). A key built at run time
(``t(locale, f"kind_{kind}")``) is not seen here; the messages it reaches stay in the
catalogue (``scripts/i18n extract`` keeps every message of the English catalogue in the
template).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

# function name → (position of the key, prefix of the catalogue key); the engine's
# message codes ("engine") become ``engine.<code>`` unless they are keys already
CALLS: dict[str, tuple[int, str]] = {
    "text": (1, ""),
    "catalogue_text": (1, ""),
    "plural": (1, ""),
    "Phrase": (0, ""),
    "N_": (0, ""),
    "t": (1, "slack."),
    "say": (0, "cli."),
    "_say": (0, "quote_mail."),
    "words": (0, "cli.outbox."),
    "word": (0, "cpq.document."),
    "legal_mention": (0, "cpq.mention."),
    "require_admin": (1, ""),
    "translate": (0, "engine"),
    "_refuse": (0, "engine"),
}
PLURAL = frozenset({"plural"})


@dataclass(frozen=True, slots=True)
class Use:
    """A key the code uses: where, through which function, and whether it is plural."""

    line: int
    function: str
    key: str
    plural: bool


def keys_in(source: str) -> Iterator[Use]:
    """Every literal message key of ``source`` (Python), in the order of the file."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name not in CALLS:
            continue
        position, prefix = CALLS[name]
        if len(node.args) <= position:
            continue
        argument = node.args[position]
        if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
            continue
        key = _key(argument.value, prefix)
        if key is not None:
            yield Use(node.lineno, name, key, name in PLURAL)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _key(value: str, prefix: str) -> str | None:
    if not value or " " in value:  # a sentence is not a key (another function's argument)
        return None
    if prefix == "engine":
        return value if "." in value else f"engine.{value}"
    return prefix + value


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, str | tuple[str, str], list[str]]]:
    """Babel's extraction method: ``(line, function, message id(s), comments)``.

    A plural key is given as ``(key, key)``: its ``msgid_plural`` is the key too. The
    function is named as gettext's own (``gettext``, ``ngettext``), which Babel knows.
    """
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    for use in keys_in(source):
        if use.plural:
            yield use.line, "ngettext", (use.key, use.key), []
        else:
            yield use.line, "gettext", use.key, []


def keep_english(template: str, english: str) -> int:
    """Add to the ``template`` (.pot) every message of the ``english`` catalogue it lacks.

    The messages reached only through keys built at run time stay in the catalogue so; a
    message is removed by deleting it from the English catalogue; a plural message stays
    plural. Returns how many were added. (Babel is imported here: a tool, not the service.)
    """
    from babel.messages.pofile import read_po, write_po

    with open(template, "rb") as file:
        pot = read_po(file)
    with open(english, "rb") as file:
        source = read_po(file)
    added = 0
    for message in source:
        if not message.id:
            continue
        if message.id not in pot:
            added += 1
        elif message.pluralizable == pot[message.id].pluralizable:
            continue
        # a plural message stays plural, even where text() picks its form by ``count``
        pot.delete(message.id)
        pot.add(message.id)
    with open(template, "wb") as file:
        write_po(file, pot, width=100, sort_output=True, omit_header=False)
    return added


if __name__ == "__main__":  # python -m engine.text.extract keep TEMPLATE ENGLISH_PO
    import sys

    if len(sys.argv) != 4 or sys.argv[1] != "keep":
        raise SystemExit("usage: python -m engine.text.extract keep TEMPLATE ENGLISH_PO")
    print(f"{keep_english(sys.argv[2], sys.argv[3])} messages kept from the English catalogue")
