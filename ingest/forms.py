"""Website contact forms: the visitor's fields, read from the mail the website sends.

Form plug-ins send the same few shapes: ``Label: value`` lines, a label on its
own line with the value under it, or an HTML table (which
:func:`ingest.text.html_to_text` turns into ``Label: value`` lines). Labels
are matched in French and English, accents, case, ``*`` and ``your-`` /
``votre`` prefixes ignored; any other labelled field is kept as a custom field.
Only the first ``MAX_TEXT`` characters are read: a form is short, and a long
text (100,000 table rows of a hostile mail) would otherwise be read line by
line for nothing.
"""

from __future__ import annotations

import re
import unicodedata
from email.utils import parseaddr

from engine.api.mail import FormData

FIELDS = ("name", "first_name", "email", "phone", "company", "message", "subject")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "nom", "name", "nom complet", "full name", "fullname", "nom et prenom", "nom prenom",
        "prenom et nom", "prenom nom", "last name", "lastname", "surname", "nom de famille",
        "contact name", "nom du contact", "identite",
    ),
    "first_name": ("prenom", "first name", "firstname", "given name", "prenoms"),
    "email": (
        "email", "e mail", "courriel", "mail", "adresse email", "adresse e mail", "adresse mail",
        "adresse electronique", "email address", "e mail address", "adresse courriel",
    ),
    "phone": (
        "telephone", "tel", "phone", "phone number", "numero de telephone", "mobile",
        "portable", "gsm", "telephone mobile", "tel portable", "mobile phone",
    ),
    "company": (
        "societe", "entreprise", "company", "organisation", "organization", "raison sociale",
        "company name", "nom de l entreprise", "nom de la societe", "structure",
        "etablissement", "business",
    ),
    "message": (
        "message", "comments", "comment", "commentaire", "commentaires", "demande",
        "question", "message body", "details", "description", "precisions", "texte",
        "votre projet", "projet", "enquiry", "inquiry", "comment or message",
    ),
    "subject": ("sujet", "objet", "subject", "motif", "objet de la demande"),
    "from": ("from", "de", "expediteur", "sender"),
}  # fmt: skip
_BY_LABEL = {label: name for name, labels in SYNONYMS.items() for label in labels}
_PREFIXES = ("your ", "votre ", "vos ", "ton ", "le ", "la ", "l ")
_LABELLED = re.compile(r"^\s*[*_]*(?P<label>[^\W\d_][^:\n]{0,58}?)[*_]*\s*:\s*(?P<value>.*)$")
_FIELD_KEY = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)+$")
_LABEL_LIKE = re.compile(r"^[^\W\d_][\w .'’()/&-]{0,58}$")
MIN_KNOWN = 2
MAX_EXTRA = 40
MAX_TEXT = 50_000


def normalize_label(label: str) -> str:
    decomposed = unicodedata.normalize("NFKD", label)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[*_\-'’.:()\[\]]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    for prefix in _PREFIXES:
        if text.startswith(prefix) and text[len(prefix) :] in _BY_LABEL:
            return text[len(prefix) :]
    return text


def field_for(label: str) -> str | None:
    return _BY_LABEL.get(normalize_label(label))


def extract(text: str) -> FormData | None:
    """The form's fields, or ``None`` when the text does not look like a form."""
    reader = _Reader()
    for line in text[:MAX_TEXT].splitlines():
        reader.feed(line)
    return reader.result()


class _Reader:
    def __init__(self) -> None:
        self.known: dict[str, list[str]] = {}
        self.extra: dict[str, str] = {}
        self.current: str | None = None  # the known field whose value continues

    def feed(self, line: str) -> None:
        match = _LABELLED.match(line)
        if match is not None and self._known(field_for(match.group("label"))):
            self._start(field_for(match.group("label")) or "", match.group("value").strip())
        elif match is not None and _FIELD_KEY.match(match.group("label").strip()):
            self.current = None  # a plug-in's field key (website_url:) ends the message
            self._extra(match.group("label"), match.group("value"))
        elif self.current == "message":
            self._continue(line)
        elif len(line.strip()) <= MAX_EXTRA and self._known(field_for(line.strip())):
            self._start(field_for(line.strip()) or "", "")
        elif self.current is not None:
            self._continue(line)
        elif match is not None:
            self._extra(match.group("label"), match.group("value"))

    def _known(self, name: str | None) -> bool:
        return name is not None and name not in self.known

    def _start(self, name: str, value: str) -> None:
        self.known[name] = [value] if value else []
        self.current = name if (name == "message" or not value) else None

    def _continue(self, line: str) -> None:
        assert self.current is not None
        values = self.known[self.current]
        if self.current == "message":
            values.append(line.rstrip())
        elif line.strip():
            values.append(line.strip())
            self.current = None

    def _extra(self, label: str, value: str) -> None:
        label = label.strip(" *_")
        if _LABEL_LIKE.match(label) and not value.startswith("//") and len(self.extra) < MAX_EXTRA:
            self.extra.setdefault(label, value.strip())

    def result(self) -> FormData | None:
        values = {name: "\n".join(lines).strip() for name, lines in self.known.items()}
        _split_from(values)
        found = {name: values[name] for name in FIELDS if values.get(name)}
        if len(found) < MIN_KNOWN or not ({"email", "name", "first_name", "phone"} & set(found)):
            return None
        return FormData(**found, extra=self.extra)


def _split_from(values: dict[str, str]) -> None:
    """``From: Jeanne Roux <jeanne@x.fr>`` (Contact Form 7's default) gives name and e-mail."""
    sender = values.pop("from", "")
    if not sender:
        return
    name, address = parseaddr(sender)
    if "@" in address:
        values.setdefault("email", address)
    if name:
        values.setdefault("name", name)
