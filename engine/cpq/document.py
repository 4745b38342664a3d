"""The quote document: a PDF in the reader's language, returned as bytes.

Made with fpdf2 (pure Python, maintained, no system dependency). Its core
fonts are used with the Windows-1252 encoding, which covers French (é, à, œ,
«», €); a character outside it is printed as ``?`` rather than failing.
Amounts are written the French way (``1 234,50 €``) or the English way
(``€1,234.50``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from engine.cpq.lines import PricedLine, Totals
from engine.cpq.quotes import Quote, QuoteSettings
from engine.cpq.rounding import show_number
from engine.cpq.text import word

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
GREY = (90, 90, 90)
LIGHT = (235, 238, 242)


def money_text(amount: Decimal, currency: str, locale: str) -> str:
    """``1 234,50 €`` (fr) or ``€1,234.50`` (en); other currencies by their code."""
    digits = f"{amount:,.2f}" if currency not in ("JPY", "KRW") else f"{amount:,.0f}"
    symbol = SYMBOLS.get(currency)
    if locale == "fr":
        digits = digits.replace(",", "\xa0").replace(".", ",")
        return f"{digits}\xa0{symbol or currency}"
    return f"{symbol}{digits}" if symbol else f"{digits} {currency}"


def date_text(day: date, locale: str) -> str:
    return day.strftime("%d/%m/%Y") if locale == "fr" else day.isoformat()


def number_text(value: Decimal, locale: str) -> str:
    text = show_number(value)
    return text.replace(".", ",") if locale == "fr" else text


def _plain(text: str) -> str:
    """What the core fonts can print (Windows-1252), the rest as ``?``."""
    text = text.replace("\u202f", "\xa0").replace("\u2212", "-")
    return text.encode("cp1252", "replace").decode("cp1252")


class _Document(FPDF):
    def __init__(self, locale: str, footer_text: str, number: str) -> None:
        super().__init__(format="A4")
        self.locale = locale
        self.footer_text = footer_text
        self.number = number
        self.core_fonts_encoding = "windows-1252"
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(15, 15, 15)

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font("helvetica", size=8)
            self.set_text_color(*GREY)
            self.cell(0, 5, _plain(f"{word('title', self.locale)} {self.number}"), align="R")
            self.set_text_color(0, 0, 0)
            self.ln(8)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("helvetica", size=7)
        self.set_text_color(*GREY)
        text = _plain(self.footer_text)
        self.cell(0, 4, text, align="L")
        self.set_x(-40)
        page = word("page", self.locale, page=f"{self.page_no()}/{{nb}}")
        self.cell(25, 4, page, align="R")


def render(
    quote: Quote, locale: str = "fr", settings: QuoteSettings | None = None, compress: bool = True
) -> bytes:
    """The PDF of ``quote`` in ``locale`` (``fr`` or ``en``)."""
    locale = locale if locale in ("fr", "en") else "en"
    settings = settings or QuoteSettings()
    pdf = _Document(locale, settings.footer, quote.number)
    pdf.set_compression(compress)
    pdf.set_title(_plain(f"{word('title', locale)} {quote.number}"))
    pdf.set_creator("Relais")
    pdf.add_page()
    _header(pdf, quote, settings, locale)
    _lines(pdf, quote.lines, quote.currency, locale)
    _totals(pdf, quote.priced.totals, quote.currency, locale)
    _closing(pdf, quote, locale)
    return bytes(pdf.output())


def _text(pdf: FPDF, text: str, size: float = 9, style: str = "", height: float = 4.5) -> None:
    pdf.set_font("helvetica", style, size)
    pdf.multi_cell(0, height, _plain(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _header(pdf: _Document, quote: Quote, settings: QuoteSettings, locale: str) -> None:
    top = pdf.get_y()
    pdf.set_text_color(*GREY)
    for number, line in enumerate(settings.company):
        _text(pdf, line, 10 if number == 0 else 8.5, "B" if number == 0 else "")
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(120, top)
    pdf.set_font("helvetica", "B", 18)
    pdf.cell(75, 9, _plain(word("title", locale).upper()), align="R")
    rows = [
        (word("number", locale), quote.number),
        (word("date", locale), date_text(quote.quote_date, locale)),
    ]
    if quote.valid_until is not None:
        rows.append((word("valid_until", locale), date_text(quote.valid_until, locale)))
    if quote.status != "draft":
        rows.append((word("status", locale), word(quote.status, locale)))
    pdf.set_font("helvetica", size=9)
    for number, (label, value) in enumerate(rows):
        pdf.set_xy(120, top + 10 + 5 * number)
        pdf.cell(75, 5, _plain(f"{label} : {value}" if locale == "fr" else f"{label}: {value}"),
                 align="R")  # fmt: skip
    pdf.set_y(max(pdf.get_y() + 8, top + 34))
    _customer(pdf, quote, locale)


def _customer(pdf: _Document, quote: Quote, locale: str) -> None:
    """The customer's block, on the right, as a window envelope expects it."""
    lines = (quote.organisation, quote.contact_name, quote.address, quote.contact_email)
    for number, text in enumerate(t for t in lines if t):
        pdf.set_x(110)
        pdf.set_font("helvetica", "B" if number == 0 else "", 10 if number == 0 else 9)
        pdf.multi_cell(85, 5, _plain(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    _text(pdf, f"{word('deal', locale)} : {quote.deal_title}", 10, "B")
    pdf.ln(2)


COLUMNS = ("code", "item", "quantity", "list_price", "discount", "net", "tax_rate")
WIDTHS = (31, 58, 12, 24, 20, 24, 11)
ALIGN = ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")


def _lines(pdf: _Document, lines: tuple[PricedLine, ...], currency: str, locale: str) -> None:
    pdf.set_font("helvetica", size=8)
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
        discount = money_text(line.discount, currency, locale)
    else:
        discount = ""
    return [
        line.code or "",
        item,
        number_text(line.quantity, locale),
        money_text(line.list_price, currency, locale),
        discount,
        money_text(line.net, currency, locale),
        f"{number_text(line.tax_rate, locale)} %",
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
            rate=number_text(tax.rate, locale),
            base=money_text(tax.base, currency, locale),
        )
        rows.append((label, tax.tax, False))
    rows.append((word("total", locale), totals.total, True))
    for label, amount, bold in rows:
        _total_row(pdf, label, money_text(amount, currency, locale), bold)


def _total_row(pdf: _Document, label: str, amount: str, bold: bool) -> None:
    pdf.set_font("helvetica", "B" if bold else "", 10 if bold else 9)
    pdf.set_x(95)
    fill: dict[str, Any] = {"fill": bold}
    if bold:
        pdf.set_fill_color(*LIGHT)
    pdf.cell(65, 6, _plain(label), align="R", **fill)
    pdf.cell(35, 6, _plain(amount), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT, **fill)


def _closing(pdf: _Document, quote: Quote, locale: str) -> None:
    pdf.ln(6)
    if quote.priced.notes:
        _text(pdf, word("notes", locale), 9, "B")
        _text(pdf, quote.priced.notes, 9)
        pdf.ln(4)
    _text(pdf, word("signature", locale), 9)
