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

from cli.context import Context
from cli.quote_view import heading, queued_json, queued_lines, render, saved_json, stage_text
from config.cpq_schema import CpqConfigError, load_catalogue_file, load_cpq
from engine.api import Engine, ValidationFailed
from engine.api.cpq import (
    STATUSES,
    CsvError,
    LineInput,
    Product,
    QuoteDraft,
    money_text,
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
    load.set_defaults(handler=import_cmd)
    search = commands.add_parser("search", help="active products whose code or name matches")
    search.add_argument("text", nargs="?", default="")
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
            errors[f"--line {text}"] = "write CODE=QUANTITY, e.g. PG-ECO8=1"
            continue
        if (problem := quantity_problem(parsed[-1].quantity)) is not None:
            errors[f"--line {text}"] = problem
    for text in manual:
        try:
            parsed.append(_manual(text))
        except ValueError:
            errors[f"--manual {text}"] = "write NAME=QUANTITY@PRICE or NAME=QUANTITY@PRICE@TAX"
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


async def _engine(ctx: Context) -> Engine | None:
    """The engine with the CPQ rules of the configuration folder in use."""
    try:
        setup = load_cpq(ctx.settings.config_path)
    except CpqConfigError as exc:
        for problem in exc.problems:
            ctx.fail(problem)
        ctx.fail(f"configuration invalid: {len(exc.problems)} problem(s)")
        return None
    engine = await ctx.engine()
    engine.use_cpq(setup)
    return engine


def _today(ctx: Context, given: date | None) -> date:
    from zoneinfo import ZoneInfo

    return given or datetime.now(ZoneInfo(ctx.settings.timezone)).date()


def _lang(ctx: Context, args: argparse.Namespace) -> str:
    return str(args.lang or ctx.settings.locale)


# -- commands -----------------------------------------------------------------------


async def price_cmd(args: argparse.Namespace, ctx: Context) -> int:
    engine = await _engine(ctx)
    if engine is None:
        return 1
    draft = parse_lines(args.lines, args.manual)
    priced = await engine.price_quote(draft, args.deal, _today(ctx, args.date))
    if args.json:
        ctx.print(json.dumps(priced.to_json(), indent=2, ensure_ascii=False))
        return 0
    for line in render(priced, _lang(ctx, args), trace=True):
        ctx.print(line)
    return 0


async def new_cmd(args: argparse.Namespace, ctx: Context) -> int:
    engine = await _engine(ctx)
    if engine is None:
        return 1
    draft = parse_lines(args.lines, args.manual)
    draft = QuoteDraft(draft.lines, args.notes)
    actor = await ctx.actor(args.as_user)
    saved = await engine.save_quote(args.deal_id, draft, actor, on=_today(ctx, args.date))
    if args.json:
        ctx.print(json.dumps(saved_json(saved), indent=2, ensure_ascii=False))
        return 0
    lang = _lang(ctx, args)
    ctx.print(f"{word('title', lang)} {saved.quote.number} (id {saved.quote.id})")
    for line in render(saved.quote.priced, lang, trace=False):
        ctx.print(line)
    ctx.print(stage_text(saved.stage))
    return 0


async def show_cmd(args: argparse.Namespace, ctx: Context) -> int:
    engine = await ctx.engine()
    quote = await engine.quote(args.quote)
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
    quote = await engine.set_quote_status(args.quote, args.status, await ctx.actor(args.as_user))
    if args.json:
        ctx.print(json.dumps(quote.to_json(), indent=2, ensure_ascii=False))
    else:
        ctx.print(f"{quote.number}: {word(quote.status, _lang(ctx, args))}")
    return 0


async def pdf_cmd(args: argparse.Namespace, ctx: Context) -> int:
    engine = await _engine(ctx)
    if engine is None:
        return 1
    document = await engine.quote_pdf(args.quote, _lang(ctx, args))
    try:
        write_private(args.output, document)  # a customer's quote: 0600
    except OSError as exc:
        ctx.fail(f"error: cannot write {args.output}: {exc.strerror or exc}")
        return 1
    ctx.print(f"wrote {args.output} ({len(document):,} bytes)")
    return 0


async def send_cmd(args: argparse.Namespace, ctx: Context) -> int:
    engine = await _engine(ctx)
    if engine is None:
        return 1
    actor = await ctx.actor(args.as_user)
    queued = await engine.send_quote(
        args.quote, actor, to=args.to, locale=args.lang, note=args.note,
        default_locale=ctx.settings.locale,
    )  # fmt: skip
    relay = _relay(ctx)
    if args.json:
        ctx.print(json.dumps(queued_json(queued, relay), indent=2, ensure_ascii=False))
        return 0
    for line in queued_lines(queued, relay):
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
        for problem in problems:
            ctx.fail(problem)
        ctx.fail(f"{args.file}: nothing imported")
        return 1
    engine = await ctx.engine()
    result = await engine.import_products(items, await ctx.actor(args.as_user))
    ctx.print(
        f"{args.file}: {len(result.created)} created, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged"
    )
    return 0


def _read_products(path: Path) -> list[Product]:
    if path.suffix.lower() in (".yaml", ".yml"):
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
    for product in await engine.search_products(args.text, limit=100):
        price = money_text(product.unit_price, product.currency, ctx.settings.locale)
        ctx.print(f"{product.code:<20} {product.name:<50} {price:>14}")
    return 0
