"""CSV cells that a spreadsheet shows as text, never runs as a formula.

A deal's title is often a prospect's mail subject, so anybody can write a
cell of an export. Spreadsheets (Excel, LibreOffice, Google Sheets) run a
cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula, and one
beginning with a tab or a carriage return can hide such a start ("CSV
injection", also called formula injection). Following the OWASP
recommendation, such a cell is written with a single quote ``'`` in front:
the spreadsheet shows the text, with the quote. ``run.py import`` removes
that quote again, so an export imports back unchanged.

One exception keeps amounts usable: a cell that is exactly a decimal number
as Relais writes it (``-69.00``, ``-3``: an optional minus, digits, an
optional dot and digits) is a number to every spreadsheet, never a formula,
and is written as it is.

Two styles: :data:`PLAIN` (RFC 4180: comma, UTF-8, dot decimals) for
programs, and :data:`EXCEL` for Excel in comma-decimal locales such as
French: a UTF-8 byte order mark (so accents show right), ``;`` between
cells, a decimal comma in numbers (``-69,00``) and CRLF line ends.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


@dataclass(frozen=True, slots=True)
class CsvStyle:
    """How a CSV file is written: separator, byte order mark, decimal mark, line end."""

    delimiter: str = ","
    bom: bool = False
    decimal_comma: bool = False
    line_end: str = "\n"


PLAIN = CsvStyle()
EXCEL = CsvStyle(delimiter=";", bom=True, decimal_comma=True, line_end="\r\n")


def neutralised(text: str) -> str:
    """``text`` safe to open in a spreadsheet: a formula start gets a ``'`` in front."""
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return QUOTE + text
    return text


def restored(text: str) -> str:
    """The cell as it was before :func:`neutralised` (what ``run.py import`` reads)."""
    if text.startswith(QUOTE) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def cell(value: Any, style: CsvStyle = PLAIN) -> str:
    """One value as a CSV cell: readable, exact, and never a formula."""
    text = _text(value)
    if not _NUMBER.fullmatch(text):
        return neutralised(text)
    return text.replace(".", ",") if style.decimal_comma else text


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def write_table(
    names: Sequence[str],
    records: Iterable[Mapping[str, Any]],
    stream: TextIO,
    style: CsvStyle = PLAIN,
) -> None:
    """A header of ``names``, then one line per record (missing fields left empty)."""
    if style.bom:
        stream.write("\ufeff")
    writer = csv.writer(stream, delimiter=style.delimiter, lineterminator=style.line_end)
    # csv quotes a cell holding a line end's characters only: with "\n" lines, a bare
    # CR would go out unquoted and split the row for readers. Such rows quote every cell.
    careful = csv.writer(
        stream, delimiter=style.delimiter, lineterminator=style.line_end, quoting=csv.QUOTE_ALL
    )
    writer.writerow([neutralised(name) for name in names])
    for record in records:
        cells = [cell(record.get(name), style) for name in names]
        (careful if any("\r" in text for text in cells) else writer).writerow(cells)
