"""``run.py quote price|new|show|status|pdf|send`` and ``run.py products import|search``.

Quantities typed with ``--line``/``--manual`` are checked against the quote
bounds (:mod:`engine.cpq.lines`) before anything is priced; what is printed
lives in :mod:`cli.quote_view`. A quote's PDF is written 0600.

``quote price`` prices without saving anything: admins use it to test their
rules (``config/pricing.yaml``), with every line's trace. ``quote send``
queues the e-mail with its PDF; the service delivers it through the SMTP
relay, so the command says whether one is configured.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cli import admin_lang
from cli.context import Context
from cli.listing import fail_file
from cli.quote_view import heading, queued_json, queued_lines, render, saved_json, stage_text
from config.cpq_cache import cache_folder, load_cpq_cached
from config.cpq_errors import CpqConfigError
from engine.api import Engine, Phrase, ValidationFailed, formats
from engine.api import text as catalogue_text
from engine.api.cpq import (
    STATUSES,
    CsvError,
    LineInput,
    Product,
    QuoteDraft,
    parse_decimal,
    parse_products_csv,
    quantity_problem,
    word,
)
from engine.api.store import write_private

LANGS = ("fr", "en")


def register(sub: Any) -> None:
    quote = sub.add_parser("quote", help="price, save, show and print quotes (CPQ)")
    commands = quote.add_subparsers(dest="quote_command", metavar="ACTION", required=True)
    price = _command(commands, "price", "price lines without saving (test the rules)", price_cmd)
    _lines(price)
    price.add_argument("--deal", type=int, metavar="ID", help="price for this deal's context")
    new = _command(commands, "new", "save a quote on a deal", new_cmd)
    new.add_argument("deal_id", type=int, metavar="DEAL")
    _lines(new)
    new.add_argument("--notes", default="", help="notes printed on the quote")
    new.add_argument("--as", dest="as_user", metavar="USER", help="e-mail or Slack id")
    edit = _command(commands, "edit", "a new version of a saved quote: lines, notes", edit_cmd)
    edit.add_argument("quote", metavar="QUOTE", help="id or number (D-2026-0001)")
    _lines(edit)
    edit.add_argument("--notes", help="notes printed on the quote (replace them)")
    _saving(edit)
    reprice = _command(
        commands, "reprice", "price a saved quote again with today's rules (a new version if "
        "a price changed)", reprice_cmd,
    )  # fmt: skip
    reprice.add_argument("quote", metavar="QUOTE", help="id or number (D-2026-0001)")
    reprice.add_argument("--date", type=date.fromisoformat, metavar="YYYY-MM-DD")
    _saving(reprice)
    show = _command(commands, "show", "a saved quote", show_cmd)
    show.add_argument("quote", metavar="QUOTE", help="id or number (D-2026-0001)")
    show.add_argument("--trace", action="store_true", help="each line's price trace")
    status = _command(commands, "status", "draft → sent → accepted | rejected", status_cmd)
    status.add_argument("quote", metavar="QUOTE", help="id or number")
    status.add_argument("status", choices=STATUSES)
    status.add_argument("--as", dest="as_user", metavar="USER", help="e-mail or Slack id")
    pdf = _command(commands, "pdf", "write the quote document (PDF)", pdf_cmd)
    pdf.add_argument("quote", metavar="QUOTE", help="id or number")
    pdf.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    send = _command(
        commands, "send", "e-mail the quote's PDF to the client", send_cmd,
        lang="the contact's, else RELAIS_LOCALE",
    )  # fmt: skip
    send.add_argument("quote", metavar="QUOTE", help="id or number")
    send.add_argument("--to", metavar="ADDR", help="recipient (default: the deal's contact)")
    send.add_argument("--note", help="a paragraph added to the e-mail")
    send.add_argument("--as", dest="as_user", metavar="USER", help="e-mail or Slack id")
    _products(sub)


def _products(sub: Any) -> None:
    products = sub.add_parser("products", help="the product catalogue")
    commands = products.add_subparsers(dest="products_command", metavar="ACTION", required=True)
    load = commands.add_parser("import", help="create or update products from CSV or YAML")
    load.add_argument("file", type=Path, metavar="FILE", help="a .csv file or a catalogue.yaml")
    load.add_argument("--as", dest="as_user", metavar="USER", help="an admin's e-mail")
    admin_lang.option(load).set_defaults(handler=import_cmd)
    search = commands.add_parser("search", help="active products whose code or name matches")
    search.add_argument("text", nargs="?", default="")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument("--lang", choices=LANGS, help="language (default: RELAIS_LOCALE)")
    search.set_defaults(handler=search_cmd)


def _command(
    commands: Any, name: str, text: str, handler: Any, lang: str = "RELAIS_LOCALE"
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(name, help=text)
    parser.add_argument("--lang", choices=LANGS, help=f"language (default: {lang})")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=handler)
    return parser


def _lines(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--line", dest="lines", action="append", default=[], metavar="CODE=QTY",
        help="a catalogue product and its quantity (repeat)",
    )  # fmt: skip
    parser.add_argument(
        "--manual", action="append", default=[], metavar="NAME=QTY@PRICE[@TAX]",
        help="a line typed by hand: name, quantity, unit price excl. tax, tax rate %% (20)",
    )  # fmt: skip
    parser.add_argument("--date", type=date.fromisoformat, metavar="YYYY-MM-DD")


def _saving(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", type=int, metavar="N", help="refuse if the quote moved past N")
    parser.add_argument("--as", dest="as_user", metavar="USER", help="e-mail or Slack id")


# -- input --------------------------------------------------------------------------


def parse_lines(lines: list[str], manual: list[str]) -> QuoteDraft:
    """``CODE=QTY`` and ``NAME=QTY@PRICE[@TAX]`` into a draft; every error at once."""
    errors: dict[str, str] = {}
    parsed: list[LineInput] = []
    for text in lines:
        try:
            code, quantity = text.rsplit("=", 1)
            parsed.append(LineInput(code.strip(), parse_decimal(quantity)))
        except ValueError:
            errors[f"--line {text}"] = Phrase("cli.write_code_quantity")
            continue
        if (problem := quantity_problem(parsed[-1].quantity)) is not None:
            errors[f"--line {text}"] = problem
    for text in manual:
        try:
            parsed.append(_manual(text))
        except ValueError:
            errors[f"--manual {text}"] = Phrase("cli.write_manual_line")
            continue
        if (problem := quantity_problem(parsed[-1].quantity)) is not None:
            errors[f"--manual {text}"] = problem
    if errors:
        raise ValidationFailed(errors)
    return QuoteDraft(tuple(parsed))


def _manual(text: str) -> LineInput:
    name, rest = text.rsplit("=", 1)
    parts = rest.split("@")
    if len(parts) not in (2, 3) or not name.strip():
        raise ValueError(text)
    tax = parse_decimal(parts[2]) if len(parts) == 3 else Decimal(20)
    return LineInput.manual(name.strip(), parse_decimal(parts[0]), parse_decimal(parts[1]), tax)


async def _engine(ctx: Context, lang: str) -> Engine | None:
    """The engine with the CPQ rules of the configuration folder in use."""
    try:
        # Compiled once per version of pricing.yaml: a 10,000-rule book is not parsed again.
        setup = load_cpq_cached(ctx.settings.config_path, cache_folder(ctx.settings))
    except CpqConfigError as exc:
        for problem in exc.problems:
            ctx.fail(problem)
        ctx.fail(catalogue_text(lang, "cli.config_invalid", count=len(exc.problems)))
        return None
    engine = await ctx.engine()
    engine.quotes.use(setup)
    return engine


def _today(ctx: Context, given: date | None) -> date:
    from zoneinfo import ZoneInfo

    return given or datetime.now(ZoneInfo(ctx.settings.timezone)).date()


def _lang(ctx: Context, args: argparse.Namespace) -> str:
    return admin_lang.of(args, ctx.settings.locale)


# -- commands -----------------------------------------------------------------------


async def price_cmd(args: argparse.Namespace, ctx: Context) -> int:
    engine = await _engine(ctx, _lang(ctx, args))
    if engine is None:
        return 1
    draft = parse_lines(args.lines, args.manual)
    priced = await engine.quotes.price(draft, args.deal, _today(ctx, args.date))
    if args.json:
        ctx.print(json.dumps(priced.to_json(), indent=2, ensure_ascii=False))
        return 0
    for line in render(priced, _lang(ctx, args), trace=True):
        ctx.print(line)
    return 0


async def new_cmd(args: argparse.Namespace, ctx: Context) -> int:
    engine = await _engine(ctx, _lang(ctx, args))
    if engine is None:
        return 1
    draft = parse_lines(args.lines, args.manual)
    draft = QuoteDraft(draft.lines, args.notes)
    actor = await ctx.actor(args.as_user)
    saved = await engine.quotes.save(args.deal_id, draft, actor, on=_today(ctx, args.date))
    if args.json:
        ctx.print(json.dumps(saved_json(saved), indent=2, ensure_ascii=False))
        return 0
    lang = _lang(ctx, args)
    ctx.print(f"{word('title', lang)} {saved.quote.number} (id {saved.quote.id})")
    for line in render(saved.quote.priced, lang, trace=False):
        ctx.print(line)
    ctx.print(stage_text(saved.stage, lang))
    return 0


async def edit_cmd(args: argparse.Namespace, ctx: Context) -> int:
    """New lines (``--line``/``--manual`` replace them all) or notes: a new version."""
    engine = await _engine(ctx, _lang(ctx, args))
    if engine is None:
        return 1
    quote = await engine.quotes.get(args.quote)
    kept = quote.priced.draft()
    lines = parse_lines(args.lines, args.manual).lines if args.lines or args.manual else kept.lines
    notes = kept.notes if args.notes is None else args.notes
    return await _save_version(engine, ctx, args, quote.id, QuoteDraft(lines, notes))


async def reprice_cmd(args: argparse.Namespace, ctx: Context) -> int:
    """The same lines priced again with the rules in force: a new version if a price moved."""
    engine = await _engine(ctx, _lang(ctx, args))
    if engine is None:
        return 1
    quote = await engine.quotes.get(args.quote)
    return await _save_version(engine, ctx, args, quote.id, quote.priced.draft())


async def _save_version(
    engine: Engine, ctx: Context, args: argparse.Namespace, quote_id: int, draft: QuoteDraft
) -> int:
    actor = await ctx.actor(args.as_user)
    saved = await engine.quotes.save(
        None, draft, actor, quote_id=quote_id, expected_version=args.version,
        on=_today(ctx, args.date),
    )  # fmt: skip
    if args.json:
        ctx.print(json.dumps(saved_json(saved), indent=2, ensure_ascii=False))
        return 0
    lang = _lang(ctx, args)
    quote = saved.quote
    key = "cli.quote_new_version" if saved.changed else "cli.quote_unchanged"
    ctx.print(catalogue_text(lang, key, number=quote.number, version=quote.version))
    for line in render(quote.priced, lang, trace=False):
        ctx.print(line)
    return 0


async def show_cmd(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    quote = await engine.quotes.get(args.quote)
    if args.json:
        ctx.print(json.dumps(quote.to_json(), indent=2, ensure_ascii=False))
        return 0
    for line in heading(quote, _lang(ctx, args)):
        ctx.print(line)
    for line in render(quote.priced, _lang(ctx, args), trace=args.trace):
        ctx.print(line)
    return 0


async def status_cmd(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    quote = await engine.quotes.set_status(args.quote, args.status, await ctx.actor(args.as_user))
    if args.json:
        ctx.print(json.dumps(quote.to_json(), indent=2, ensure_ascii=False))
    else:
        ctx.print(f"{quote.number}: {word(quote.status, _lang(ctx, args))}")
    return 0


async def pdf_cmd(args: argparse.Namespace, ctx: Context) -> int:
    engine = await _engine(ctx, _lang(ctx, args))
    if engine is None:
        return 1
    document = await engine.quotes.pdf(args.quote, _lang(ctx, args))
    try:
        write_private(args.output, document)  # a customer's quote: 0600
    except OSError as exc:
        fail_file(ctx, exc, _lang(ctx, args))  # one line in the reader's language
        return 1
    size = formats.number(len(document), _lang(ctx, args))
    ctx.print(catalogue_text(_lang(ctx, args), "cli.wrote_bytes", path=args.output, size=size))
    return 0


async def send_cmd(args: argparse.Namespace, ctx: Context) -> int:
    engine = await _engine(ctx, _lang(ctx, args))
    if engine is None:
        return 1
    actor = await ctx.actor(args.as_user)
    queued = await engine.quotes.send(
        args.quote, actor, to=args.to, locale=args.lang, note=args.note,
        default_locale=ctx.settings.locale,
    )  # fmt: skip
    relay = _relay(ctx)
    if args.json:
        ctx.print(json.dumps(queued_json(queued, relay), indent=2, ensure_ascii=False))
        return 0
    for line in queued_lines(queued, relay, _lang(ctx, args)):
        ctx.print(line)
    return 0


def _relay(ctx: Context) -> str | None:
    settings = ctx.settings
    if not settings.smtp_relay_enabled:
        return None
    return f"{settings.smtp_relay_host}:{settings.smtp_relay_port}"


async def import_cmd(args: argparse.Namespace, ctx: Context) -> int:
    try:
        items = _read_products(args.file)
    except (CpqConfigError, CsvError) as exc:
        problems = exc.problems if isinstance(exc, CpqConfigError) else _csv_lines(exc)
        lang = admin_lang.of(args)
        for problem in problems:
            ctx.fail(problem)
        ctx.fail(catalogue_text(lang, "cli.products_nothing_imported", file=args.file))
        return 1
    engine = await ctx.engine()
    result = await engine.products.import_all(items, await ctx.actor(args.as_user))
    ctx.print(catalogue_text(
        admin_lang.of(args), "cli.products_imported", file=args.file,
        created=len(result.created), updated=len(result.updated),
        unchanged=len(result.unchanged),
    ))  # fmt: skip
    return 0


def _read_products(path: Path) -> list[Product]:
    if path.suffix.lower() in (".yaml", ".yml"):
        from config.cpq_schema import load_catalogue_file  # pydantic: only when validating

        return load_catalogue_file(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CsvError([(0, "file", str(exc))]) from None
    return parse_products_csv(text)


def _csv_lines(exc: CsvError) -> list[str]:
    return [f"row {row}, {column}: {reason}" for row, column, reason in exc.errors]


async def search_cmd(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    found = await engine.products.search(args.text, limit=100)
    if args.json:
        ctx.print(json.dumps([_product_json(p) for p in found], indent=2, ensure_ascii=False))
        return 0
    for product in found:
        price = formats.money(product.unit_price, product.currency, _lang(ctx, args))
        ctx.print(f"{product.code:<20} {product.name:<50} {price:>14}")
    return 0


def _product_json(product: Product) -> dict[str, Any]:
    return {
        "code": product.code, "name": product.name, "unit_price": str(product.unit_price),
        "currency": product.currency, "tax_rate": str(product.tax_rate),
        "description": product.description, "active": product.active,
    }  # fmt: skip
