"""The text of an uncompressed fpdf2 PDF, read without poppler (tests only).

fpdf2 writes an embedded TrueType font's text as two-byte glyph ids in
``(…) Tj`` strings (``[(…) -84 (…)] TJ`` for justified lines) and gives each
font a ``ToUnicode`` map: this reads both, so a test can look for words in
any machine's CI. Each text run becomes one line of the result.
"""

from __future__ import annotations

import re

_STRING = rb"\(((?:\\.|[^\\)])*)\)"
_ANY = rb"\((?:\\.|[^\\)])*\)"  # a string, uncaptured
_RUN = rb"/(F\d+) [\d.]+ Tf|(%s) Tj|\[((?:%s|[^\]()])*)\] TJ" % (_ANY, _ANY)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _object(pdf: bytes, number: int) -> bytes:
    found = re.search(rb"(?m)^%d 0 obj\n(.*?)\nendobj" % number, pdf, re.S)
    assert found, f"object {number} not found (is the PDF compressed?)"
    return found.group(1)


def _to_unicode(pdf: bytes, font: int) -> dict[int, str]:
    reference = re.search(rb"/ToUnicode (\d+) 0 R", _object(pdf, font))
    if reference is None:  # a core font: Windows-1252 bytes
        return {}
    cmap = _object(pdf, int(reference.group(1)))
    return {
        int(glyph, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
        for glyph, text in re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>", cmap)
    }


def _unescape(raw: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8)])
        return _ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, raw, flags=re.S)


def pdf_text(pdf: bytes) -> str:
    """Every text run of the document, one per line, in drawing order."""
    fonts: dict[bytes, dict[int, str]] = {}
    for name, number in re.findall(rb"/(F\d+) (\d+) 0 R", pdf):
        fonts.setdefault(name, _to_unicode(pdf, int(number)))
    runs: list[str] = []
    current: dict[int, str] = {}
    for match in re.finditer(_RUN, pdf, re.S):
        if match.group(1):
            current = fonts.get(match.group(1), {})
            continue
        shown = match.group(2) or match.group(3)  # a string, or an array of strings and gaps
        data = b"".join(_unescape(part) for part in re.findall(_STRING, shown, re.S))
        if not current:
            runs.append(data.decode("cp1252", "replace"))
            continue
        glyphs = [int.from_bytes(data[n : n + 2], "big") for n in range(0, len(data) - 1, 2)]
        runs.append("".join(current.get(g, "\ufffd") for g in glyphs))
    return "\n".join(runs).replace("\xa0", " ")
