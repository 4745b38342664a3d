"""The quote document's font: DejaVu Sans, embedded, so that any script prints.

DejaVu Sans and DejaVu Sans Bold ship with Relais (``engine/cpq/fonts/``,
licence in ``LICENSE.txt`` beside them) and are embedded in each PDF as a
subset: ≥, Ł, ő, Greek, Cyrillic and many symbols print as themselves. A
character the font lacks (most emoji, Chinese) is printed as a visible
``□`` instead of vanishing or becoming ``?``. Without the font files (a broken
install) the document falls back to the PDF core font Helvetica, whose
Windows-1252 encoding covers French and ``€``: other characters become ``?``,
and the document is still made.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"
FAMILY = "dejavu"
CORE = "helvetica"
MISSING = "□"  # U+25A1, in both faces: what a character without a glyph becomes


@lru_cache(maxsize=1)
def covered() -> frozenset[int] | None:
    """Code points both faces draw; ``None`` when the font files are not there."""
    try:
        with TTFont(REGULAR, lazy=True) as regular, TTFont(BOLD, lazy=True) as bold:
            return frozenset(regular.getBestCmap()) & frozenset(bold.getBestCmap())
    except (OSError, ValueError):
        return None


def install(pdf: FPDF) -> str:
    """Add the font to ``pdf``; the family to use (the core font without the files)."""
    if covered() is None:
        pdf.core_fonts_encoding = "windows-1252"
        return CORE
    pdf.add_font(FAMILY, "", REGULAR)
    pdf.add_font(FAMILY, "B", BOLD)
    return FAMILY


def printable(text: str) -> str:
    """``text`` as the document's font can print it: a missing glyph becomes ``□``."""
    text = text.replace("\u2212", "-").replace("\r", "")
    glyphs = covered()
    if glyphs is None:
        text = text.replace("\u202f", "\xa0")
        return text.encode("cp1252", "replace").decode("cp1252")
    return "".join(_glyph(c, glyphs) for c in text.replace("\t", " "))


def _glyph(char: str, glyphs: frozenset[int]) -> str:
    if char == "\n" or ord(char) in glyphs:
        return char
    # an emoji's variation selector or joiner has no glyph of its own: dropped
    return "" if unicodedata.category(char) in ("Mn", "Me", "Cf") else MISSING
