"""Every text a person reads, in French and English: one gettext catalogue per language.

The catalogue is ``locale/<lang>/LC_MESSAGES/relais.po`` (compiled to ``relais.mo``
beside it, both in the repository; docs/translations.md says how to add a message
and run Babel's extract, update and compile). A message id is a stable key
(``slack.deal_created``, ``field.expected_close``, ``deal.title_required``); its
text in each language has ``{name}`` placeholders (``python-brace-format``).

* :func:`text` ``(locale, key, **params)`` — the message in the reader's language;
  a plural message picks its form by the ``count`` parameter.
* :func:`plural` ``(locale, key, n, **params)`` — a plural message by ``n``:
  ``1 affaire``, ``2 affaires``.
* :func:`label` ``(locale, field)`` — a field's label (``field.<name>``), the field's
  own name when it has none.
* :class:`Phrase` — a message kept as its key and parameters (an engine reason, an
  error's detail): it reads as its English text, and :meth:`Phrase.text` renders it
  in any language.
* :func:`stored` / :func:`revive` — a :class:`Phrase` as a database column holds it
  (a run's reason, an outbox message's last error) and back, so a text written
  today is read tomorrow in the reader's language; an older row's plain text
  stays as it was.

A key missing in one language falls back to English, then to the key itself, so a
gap shows rather than breaks (tests/test_catalogue.py fails on any gap). A parameter
is shown by its own ``text(locale)`` when it has one (a nested :class:`Phrase`, a
refusal reason, a lead status), a list is joined with commas. The compiled
catalogues are read lazily, once per language (a few milliseconds, no Babel
import).
"""

from __future__ import annotations

import gettext
import json
import string
import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LOCALES = ("fr", "en")
DEFAULT = "en"
DOMAIN = "relais"
LOCALE_DIR = Path(__file__).with_name("locale")


@dataclass(frozen=True, slots=True)
class Catalogue:
    """One language's messages: a key's text, or a plural key's forms."""

    locale: str
    messages: Mapping[str, str | tuple[str, ...]]
    plural_form: Callable[[int], int]


def mo_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


@cache
def catalogue(locale: str) -> Catalogue:
    """The compiled catalogue of ``locale`` (``fr``, ``en``), read once."""
    return read_mo(mo_path(locale), locale)


def read_mo(path: Path, locale: str) -> Catalogue:
    """A GNU ``.mo`` file as a :class:`Catalogue` (the format Babel's compile writes)."""
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _, count, ids_at, strs_at = struct.unpack(order + "4I", data[4:20])
    messages: dict[str, str | tuple[str, ...]] = {}
    header = ""
    for n in range(count):
        id_len, id_off = struct.unpack(order + "2I", data[ids_at + 8 * n : ids_at + 8 * n + 8])
        s_len, s_off = struct.unpack(order + "2I", data[strs_at + 8 * n : strs_at + 8 * n + 8])
        msgid = data[id_off : id_off + id_len].decode("utf-8")
        msgstr = data[s_off : s_off + s_len].decode("utf-8")
        if not msgid:
            header = msgstr
        elif "\x00" in msgid:
            messages[msgid.split("\x00")[0]] = tuple(msgstr.split("\x00"))
        else:
            messages[msgid] = msgstr
    return Catalogue(locale, messages, _plural_rule(header))


def _plural_rule(header: str) -> Callable[[int], int]:
    for line in header.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "plural-forms" and "plural=" in value:
            expression = value.split("plural=", 1)[1].strip().rstrip(";")
            rule: Callable[[int], int] = gettext.c2py(expression)
            return rule
    return lambda n: 0 if n == 1 else 1


def _language(locale: str | None) -> str:
    short = (locale or DEFAULT).replace("-", "_").split("_")[0].lower()
    return short if short in LOCALES else DEFAULT


def has(key: str, locale: str = DEFAULT) -> bool:
    """Whether ``key`` is a message of the catalogue (of ``locale``)."""
    return key in catalogue(_language(locale)).messages


def _lookup(locale: str, key: str) -> tuple[Catalogue, str | tuple[str, ...]] | None:
    for language in dict.fromkeys((_language(locale), DEFAULT)):
        found = catalogue(language)
        message = found.messages.get(key)
        if message:
            return found, message
    return None


def text(locale: str, key: str, /, **params: Any) -> str:
    """The message ``key`` in ``locale`` with its ``params`` filled in.

    A plural message takes its form from ``params["count"]`` (see :func:`plural`).
    """
    count = params.get("count")
    n = count if isinstance(count, int) and not isinstance(count, bool) else None
    return _render(locale, key, n, params)


def plural(locale: str, key: str, n: int, /, **params: Any) -> str:
    """The plural message ``key`` in its form for ``n``: ``1 affaire``, ``2 affaires``."""
    return _render(locale, key, n, params)


def _render(locale: str, key: str, n: int | None, params: Mapping[str, Any]) -> str:
    found = _lookup(locale, key)
    if found is None:
        return key
    table, message = found
    if isinstance(message, tuple):
        index = table.plural_form(2 if n is None else n)
        message = message[min(index, len(message) - 1)] or message[-1]
    if not params:
        return message
    return message.format_map(_Params({k: shown(v, locale) for k, v in params.items()}))


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def shown(value: Any, locale: str) -> str:
    """A parameter as text in ``locale``: its own ``text(locale)``, a list joined."""
    if isinstance(value, Phrase):
        return value.text(locale)
    if isinstance(value, str):
        return value
    render = getattr(value, "text", None)
    if callable(render):
        return str(render(locale))
    if isinstance(getattr(value, "params", None), Mapping) and hasattr(value, "code"):
        return text(locale, engine_key(str(value.code)), **value.params)
    if isinstance(value, Iterable) and not isinstance(value, Mapping | bytes):
        return ", ".join(shown(v, locale) for v in value)
    return str(value)


def placeholders(key: str, locale: str = DEFAULT) -> set[str]:
    """The ``{names}`` the message ``key`` uses in ``locale`` (every form of a plural)."""
    found = _lookup(locale, key)
    forms = () if found is None else found[1]
    names: set[str] = set()
    for form in (forms,) if isinstance(forms, str) else forms:
        names.update(name for _, name, _, _ in string.Formatter().parse(form) if name)
    return names


def label(locale: str, field: str) -> str:
    """A field's label in ``locale`` (``field.<name>``); an unknown field as it is.

    A numbered field (``line 2``: a quote's second line) is ``field.<name>_numbered``
    with its ``number``: ``ligne 2``, ``line 2``.
    """
    key = f"field.{field}"
    if has(key):
        return text(locale, key)
    name, _, number = field.rpartition(" ")
    numbered = f"field.{name}_numbered"
    if number.isdigit() and has(numbered):
        return text(locale, numbered, number=number)
    return field


def engine_key(code: str) -> str:
    """The catalogue key of an engine message code: ``not_found`` → ``engine.not_found``."""
    return code if "." in code else f"engine.{code}"


class Phrase(str):
    """A message kept as its key and parameters.

    It is a ``str`` — its English text — so that logs, ``str()`` and existing
    comparisons read it; an adapter renders it in the reader's language with
    :meth:`text`.
    """

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, /, **params: Any) -> Phrase:
        made = super().__new__(cls, text(DEFAULT, key, **params))
        made.key = key
        made.params = params
        return made

    def text(self, locale: str) -> str:
        return text(locale, self.key, **self.params)

    def stored(self, limit: int | None = None) -> str:
        """The phrase as a database column keeps it (:func:`stored`): adapters hand this
        to the engine where it records what they said (an outbox attempt's detail)."""
        return stored(self, STORED_LIMIT if limit is None else limit) or ""

    @staticmethod
    def from_stored(value: str | None) -> str | None:
        """A column's text back as the phrase it was (:func:`revive`), else as it is."""
        return revive(value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_phrase, (self.key, self.params))


def _phrase(key: str, params: dict[str, Any]) -> Phrase:
    return Phrase(key, **params)


def rendered(value: object, locale: str) -> str:
    """An engine reason in ``locale``: a :class:`Phrase` translated, any other text as it is."""
    return value.text(locale) if isinstance(value, Phrase) else str(value)


def reason_of(exc: BaseException) -> str:
    """The reason an exception carries: its :class:`Phrase` kept, else its text."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, Phrase) else str(exc)


def labelled(values: Iterable[str], prefix: str) -> list[str]:
    """Choices as the reader reads them: each value's label (``prefix`` + value, a
    :class:`Phrase`) where the catalogue has one, the value itself otherwise."""
    return [Phrase(prefix + value) if has(prefix + value) else value for value in values]


# -- a Phrase in a database column --------------------------------------------------------

# Begins every stored Phrase; no English sentence, SMTP reply or HTTP body starts so.
STORED = "relais-phrase:"
STORED_LIMIT = 500  # the outbox's columns keep at most this many characters


def stored(value: str | None, limit: int = STORED_LIMIT) -> str | None:
    """``value`` as a column keeps it: a :class:`Phrase` as its key and parameters (JSON
    after :data:`STORED`), any other text as it is.

    Within ``limit`` characters: the longest texts among the parameters (a remote
    server's reply, say) are clipped, never the key, so the row still revives.
    """
    if not isinstance(value, Phrase):
        return value
    cut = limit
    while True:
        written = STORED + json.dumps(_encoded(value, cut), ensure_ascii=False, default=str)
        if len(written) <= limit or cut <= 8:
            return written
        cut //= 2


def revive(value: str | None) -> str | None:
    """A column's text as written: the :class:`Phrase` back, else the text itself (a row
    written before phrases were stored, free text, a stored form that does not read)."""
    if value is None or not value.startswith(STORED):
        return value
    try:
        found = _decoded(json.loads(value[len(STORED) :]))
    except (ValueError, TypeError, KeyError, AttributeError):
        return value
    return found if isinstance(found, Phrase) else value


def _encoded(value: Any, cut: int) -> Any:
    if isinstance(value, Phrase):
        params = {name: _encoded(v, cut) for name, v in value.params.items()}
        return {"$phrase": value.key, "params": params}
    if isinstance(value, str):
        return value if len(value) <= cut else value[: max(cut - 1, 1)] + "…"
    if isinstance(value, Mapping):
        return {str(k): _encoded(v, cut) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encoded(v, cut) for v in value]
    return value


def _decoded(value: Any) -> Any:
    if isinstance(value, dict) and isinstance(value.get("$phrase"), str):
        params = {str(k): _decoded(v) for k, v in value["params"].items()}
        return Phrase(value["$phrase"], **params)
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value
