"""Mail bodies as text a rep reads: HTML made readable, quoted replies and signatures trimmed.

Every step takes time in proportion to its input, whatever the input: the
HTML is read by :mod:`ingest.html_scan` (one pass), quote marks stop at
``MAX_QUOTE`` levels, a table row starts a new row of its own table (unclosed
rows do not nest) and tables nest at most ``MAX_TABLES`` deep. A mail of
100,000 nested ``<blockquote>`` once filled gigabytes with ``> > > …``.
"""

from __future__ import annotations

import re

from ingest.html_scan import Attrs, scan

_SKIP = frozenset(("script", "style", "head", "title", "noscript", "template"))
_BLOCK = frozenset(
    (
        "p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section",
        "article", "header", "footer", "pre", "hr", "blockquote", "form", "fieldset", "dl",
        "dt", "dd", "address", "center",
    )
)  # fmt: skip
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_RUNS = re.compile(r"\n{3,}")
MAX_LABEL = 60
MAX_QUOTE = 8  # quote marks shown at most; deeper quotes get as many
MAX_TABLES = 8  # tables nested deeper are read as part of their parent


class _Row:
    def __init__(self, table: int) -> None:
        self.table = table  # the depth of the table it belongs to
        self.cells: list[list[str]] = []

    def text(self) -> str:
        cells = [_clean("".join(cell)) for cell in self.cells]
        label = cells[0].rstrip(" :") if len(cells) == 2 else ""
        if label and len(label) <= MAX_LABEL and "\n" not in label:
            return f"\n{label}: {cells[1]}\n"  # a form's field, even an empty one
        return "\n" + "\n".join(c for c in cells if c) + "\n"


class _TextExtractor:
    """HTML to plain text; a two-cell table row becomes ``Label: value``."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.rows: list[_Row] = []
        self.tables = 0
        self.skip = 0
        self.quote = 0
        self.href: str | None = None
        self.link_text: list[str] = []

    def _emit(self, text: str) -> None:
        row = self.rows[-1] if self.rows else None
        if row is not None and row.cells:
            row.cells[-1].append(text)
        else:
            self.out.append(text)

    def _newline(self) -> None:
        self._emit("\n" + "> " * min(self.quote, MAX_QUOTE))

    def handle_starttag(self, tag: str, attrs: Attrs) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "tr":
            self._end_rows(self.tables)  # an open row of this table ends where the next starts
            self.rows.append(_Row(self.tables))
        elif tag in ("td", "th") and self.rows:
            self.rows[-1].cells.append([])
        elif tag == "br":
            self._newline()
        elif tag == "li":
            self._newline()
            self._emit("- ")
        elif tag == "a":
            self.href = dict(attrs).get("href")
            self.link_text = []
        self._open(tag)

    def _open(self, tag: str) -> None:
        if tag == "table":
            self.tables = min(self.tables + 1, MAX_TABLES)
        if tag == "blockquote":
            self.quote += 1
        if tag in _BLOCK:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "tr":
            self._end_rows(self.tables)
        elif tag == "table":
            self._end_rows(self.tables)
            self.tables = max(0, self.tables - 1)
        elif tag == "a":
            self._end_link()
        if tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        if tag in _BLOCK:
            self._newline()

    def _end_rows(self, table: int) -> None:
        """End the open rows of table depth ``table`` and deeper."""
        while self.rows and self.rows[-1].table >= table:
            self._emit(self.rows.pop().text())

    def _end_link(self) -> None:
        if self.href is None:
            return
        href, shown = self.href, "".join(self.link_text).strip()
        if href.startswith(("http://", "https://")) and href not in shown:
            self._emit(f" ({href})")
        self.href, self.link_text = None, []

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = _SPACES.sub(" ", data.replace("\n", " "))
        if self.href is not None:
            self.link_text.append(text)
        self._emit(text)

    def text(self) -> str:
        self._end_rows(0)
        return _clean("".join(self.out))


def _clean(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Readable text of an HTML body, in time linear in its length."""
    extractor = _TextExtractor()
    scan(html, extractor)
    return extractor.text()


# -- trimming quoted replies and signatures ------------------------------------------------

_ATTRIBUTION = (
    re.compile(r"^\s*On\b.{0,300}\bwrote\s*:\s*$", re.I | re.S),
    re.compile(r"^\s*Le\b.{0,300}\ba\s+écrit\s*:\s*$", re.I | re.S),
    re.compile(r"^\s*Am\b.{0,300}\bschrieb\b.{0,100}:\s*$", re.I | re.S),
    re.compile(r"^\s*-{2,}\s*(original message|message d'origine|urspr[üu]ngliche)", re.I),
    re.compile(r"^\s*_{20,}\s*$"),
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(from|de)\s*\*?\s*:\s*\S", re.I)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(sent|envoyé|date|gesendet)\s*\*?\s*:", re.I)
_SIGNATURE = re.compile(r"^(--|__)\s*$")
_MOBILE = re.compile(
    r"^\s*(sent from my|envoyé de mon|envoyé depuis|get outlook for|télécharger outlook)", re.I
)


def trim_reply(text: str) -> str:
    """The new part of a message: no quoted reply, no signature (never empty)."""
    lines = text.splitlines()
    body = lines[: _quote_start(lines)]
    body = body[: _signature_start(body)]
    while body and (not body[-1].strip() or body[-1].lstrip().startswith(">")):
        body.pop()
    trimmed = "\n".join(body).strip()
    return trimmed or text.strip()


def _quote_start(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        pair = line + " " + (lines[index + 1] if index + 1 < len(lines) else "")
        if any(p.match(line) or p.match(pair) for p in _ATTRIBUTION):
            return index
        if _OUTLOOK_FROM.match(line) and any(
            _OUTLOOK_NEXT.match(nxt) for nxt in lines[index + 1 : index + 4]
        ):
            return index
    return len(lines)


def _signature_start(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        if index and (_SIGNATURE.match(line) or _MOBILE.match(line)):
            return index
    return len(lines)
