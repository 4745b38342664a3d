"""The quote document: a PDF in the reader's language, returned as bytes.

Made with fpdf2 (pure Python, maintained, no system dependency), in DejaVu
Sans embedded as a subset (:mod:`engine.cpq.pdf_fonts`): accents, ``€``,
``≥``, ``Ł``, ``ő`` print as themselves, a character the font lacks as ``□``.
Amounts, dates, quantities and rates are written by :mod:`engine.text.formats`,
as everywhere else: ``1 234,50 €`` / ``€1,234.50``, ``-69,00 €`` / ``-€69.00``,
``31/12/2026`` / ``Dec 31, 2026``. A French devis carries the legal mentions of
:mod:`engine.cpq.pdf_mentions`: the seller's identity in the footer of every
page, the work's start and duration under the project, the terms (validity,
payment, penalties, the 40 € indemnity, the décennale insurance) before the
signature.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from engine.cpq.lines import PricedLine, Totals
from engine.cpq.pdf_fonts import install, printable
from engine.cpq.pdf_mentions import (
    client_address,
    conditions,
    identity,
    legal_mention,
    percent_text,
    seller_lines,
    work_lines,
)
from engine.cpq.quotes import Quote, QuoteSettings
from engine.cpq.text import word
from engine.text import formats

__all__ = ["date_text", "money_text", "number_text", "render"]

# The names engine.api.cpq gives adapters: the one formatting module's functions.
money_text = formats.money
date_text = formats.day
number_text = formats.number

GREY = (90, 90, 90)
LIGHT = (235, 238, 242)
MARGIN = 15
PAGE_COLUMN = 22  # the footer's right column, "Page 12/30", apart from the footer text
FOOTER_LINE = 3.4
FOOTER_SIZE = 7


def _plain(text: str) -> str:
    return printable(text)


class _Document(FPDF):
    def __init__(self, locale: str, footer_text: str, number: str) -> None:
        super().__init__(format="A4")
        self.locale = locale
        self.number = number
        self.family = install(self)
        self.footer_text = _plain(footer_text)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.footer_height = FOOTER_LINE * 2

    def fit_footer(self) -> None:
        """Measure the footer (on the first page) and keep the body above it."""
        self.footer_height = self._footer_height()
        self.set_auto_page_break(auto=True, margin=self.footer_height + 10)

    def _footer_width(self) -> float:
        return self.w - 2 * MARGIN - PAGE_COLUMN - 3

    def _footer_height(self) -> float:
        if not self.footer_text:
            return FOOTER_LINE
        self.set_font(self.family, size=FOOTER_SIZE)
        lines = self.multi_cell(
            self._footer_width(), FOOTER_LINE, self.footer_text, dry_run=True, output="LINES"
        )
        assert isinstance(lines, list)
        return FOOTER_LINE * max(1, len(lines))

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(self.family, size=8)
            self.set_text_color(*GREY)
            self.cell(0, 5, _plain(f"{word('title', self.locale)} {self.number}"), align="R")
            self.set_text_color(0, 0, 0)
            self.ln(8)

    def footer(self) -> None:
        """The footer text on the left, the page number in its own column on the right."""
        top = self.h - MARGIN + 5 - self.footer_height
        self.set_draw_color(*LIGHT)
        self.line(MARGIN, top - 2, self.w - MARGIN, top - 2)
        self.set_font(self.family, size=FOOTER_SIZE)
        self.set_text_color(*GREY)
        if self.footer_text:
            self.set_xy(MARGIN, top)
            self.multi_cell(self._footer_width(), FOOTER_LINE, self.footer_text, align="L")
        self.set_xy(self.w - MARGIN - PAGE_COLUMN, top)
        page = word("page", self.locale, page=f"{self.page_no()}/{{nb}}")
        self.cell(PAGE_COLUMN, FOOTER_LINE, page, align="R")
        self.set_text_color(0, 0, 0)


def render(
    quote: Quote, locale: str = "fr", settings: QuoteSettings | None = None, compress: bool = True
) -> bytes:
    """The PDF of ``quote`` in ``locale`` (``fr`` or ``en``)."""
    locale = locale if locale in ("fr", "en") else "en"
    settings = settings or QuoteSettings()
    legal = identity(settings.seller, quote.currency, locale)
    footer = "\n".join(text for text in (legal, settings.footer) if text)
    pdf = _Document(locale, footer, quote.number)
    pdf.set_compression(compress)
    pdf.set_title(_plain(f"{word('title', locale)} {quote.number}"))
    pdf.set_creator("Relais")
    pdf.add_page()
    pdf.fit_footer()
    _header(pdf, quote, settings, locale)
    _lines(pdf, quote.lines, quote.currency, locale)
    _totals(pdf, quote.priced.totals, quote.currency, locale)
    _closing(pdf, quote, settings, locale)
    return bytes(pdf.output())


def _text(
    pdf: _Document, text: str, size: float = 9, style: str = "", height: float = 4.5,
    width: float = 0,
) -> None:  # fmt: skip
    pdf.set_font(pdf.family, style, size)
    pdf.multi_cell(width, height, _plain(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _header(pdf: _Document, quote: Quote, settings: QuoteSettings, locale: str) -> None:
    top = pdf.get_y()
    pdf.set_text_color(*GREY)
    for number, line in enumerate(seller_lines(settings)):
        _text(pdf, line, 10 if number == 0 else 8.5, "B" if number == 0 else "", width=95)
    pdf.set_text_color(0, 0, 0)
    left_bottom = pdf.get_y()
    pdf.set_xy(120, top)
    pdf.set_font(pdf.family, "B", 18)
    pdf.cell(75, 9, _plain(word("title", locale).upper()), align="R")
    rows = [
        (word("number", locale), quote.number),
        (word("date", locale), formats.day(quote.quote_date, locale)),
    ]
    if quote.valid_until is not None:
        rows.append((word("valid_until", locale), formats.day(quote.valid_until, locale)))
    if quote.status != "draft":
        rows.append((word("status", locale), word(quote.status, locale)))
    pdf.set_font(pdf.family, size=9)
    for number, (label, value) in enumerate(rows):
        pdf.set_xy(120, top + 10 + 5 * number)
        pdf.cell(75, 5, _plain(f"{label} : {value}" if locale == "fr" else f"{label}: {value}"),
                 align="R")  # fmt: skip
    pdf.set_y(max(pdf.get_y() + 8, left_bottom + 4, top + 34))
    _customer(pdf, quote, settings, locale)


def _customer(pdf: _Document, quote: Quote, settings: QuoteSettings, locale: str) -> None:
    """The customer's block, on the right, as a window envelope expects it."""
    lines = (quote.organisation, quote.contact_name, client_address(quote, settings),
             quote.contact_email)  # fmt: skip
    for number, text in enumerate(t for t in lines if t):
        pdf.set_x(110)
        pdf.set_font(pdf.family, "B" if number == 0 else "", 10 if number == 0 else 9)
        pdf.multi_cell(85, 5, _plain(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    _text(pdf, f"{word('deal', locale)} : {quote.deal_title}", 10, "B")
    for line in work_lines(quote, settings, locale):
        _text(pdf, line, 9)
    pdf.ln(2)


COLUMNS = ("code", "item", "quantity", "list_price", "discount", "net", "tax_rate")
WIDTHS = (31, 58, 12, 24, 20, 24, 11)
ALIGN = ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")


def _lines(pdf: _Document, lines: tuple[PricedLine, ...], currency: str, locale: str) -> None:
    pdf.set_font(pdf.family, size=8)
    heading = FontFace(emphasis="BOLD", fill_color=LIGHT)
    with pdf.table(
        col_widths=WIDTHS,
        text_align=ALIGN,
        headings_style=heading,
        line_height=4.2,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        row = table.row()
        for column in COLUMNS:
            row.cell(_plain(word(column, locale)))
        for line in lines:
            row = table.row()
            for cell in _line_cells(line, currency, locale):
                row.cell(_plain(cell))
    pdf.ln(3)


def _line_cells(line: PricedLine, currency: str, locale: str) -> list[str]:
    item = line.name if not line.description else f"{line.name}\n{line.description}"
    if line.free:
        discount = word("free", locale)
    elif line.discount:
        discount = formats.money(line.discount, currency, locale)
    else:
        discount = ""
    return [
        line.code or "",
        item,
        formats.number(line.quantity, locale),
        formats.money(line.list_price, currency, locale),
        discount,
        formats.money(line.net, currency, locale),
        percent_text(line.tax_rate, locale),
    ]


def _totals(pdf: _Document, totals: Totals, currency: str, locale: str) -> None:
    rows: list[tuple[str, Decimal, bool]] = [
        (word("subtotal", locale), totals.subtotal, False),
    ]
    if totals.discounts:
        rows.append((word("discounts", locale), -totals.discounts, False))
    rows.append((word("net_total", locale), totals.net, True))
    for tax in (t for t in totals.by_rate if t.base or t.tax):
        label = word(
            "tax_at",
            locale,
            rate=formats.number(tax.rate, locale),
            base=formats.money(tax.base, currency, locale),
        )
        rows.append((label, tax.tax, False))
    rows.append((word("total", locale), totals.total, True))
    for label, amount, bold in rows:
        _total_row(pdf, label, formats.money(amount, currency, locale), bold)


def _total_row(pdf: _Document, label: str, amount: str, bold: bool) -> None:
    pdf.set_font(pdf.family, "B" if bold else "", 10 if bold else 9)
    pdf.set_x(95)
    fill: dict[str, Any] = {"fill": bold}
    if bold:
        pdf.set_fill_color(*LIGHT)
    pdf.cell(65, 6, _plain(label), align="R", **fill)
    pdf.cell(35, 6, _plain(amount), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT, **fill)


def _closing(pdf: _Document, quote: Quote, settings: QuoteSettings, locale: str) -> None:
    pdf.ln(6)
    if quote.priced.notes:
        _text(pdf, word("notes", locale), 9, "B")
        _text(pdf, quote.priced.notes, 9)
        pdf.ln(4)
    terms = conditions(quote, settings, locale)
    if terms:
        _text(pdf, legal_mention("conditions", locale), 9, "B")
        for line in terms:
            _text(pdf, line, 8.5, height=4.2)
        pdf.ln(4)
    _text(pdf, word("signature", locale), 9)
