"""``run.py export``, ``run.py import`` and ``run.py restore``: data in and out.

* ``export`` writes contacts, organisations, leads, deals and activities as one
  JSON object (also the backup format) or as CSV, to stdout or to files. CSV
  cells never start a spreadsheet formula (:mod:`engine.data.csv_cells`);
  ``--excel`` writes the variant Excel opens directly. Files are made 0600.
* ``import`` reads a CSV file of contacts or deals, imports the good rows and
  reports each refused one with its line, field and reason.
* ``restore`` loads a JSON backup into an empty database, keeping the ids.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from cli import admin_lang
from cli.context import Context
from engine.api import phrase_text, plural, text
from engine.api.data import (
    ENTITIES,
    EXCEL,
    PLAIN,
    Backup,
    CsvStyle,
    Entity,
    ImportReport,
    write_csv,
    write_csv_folder,
)
from engine.api.store import open_private


def register(sub: Any) -> None:
    _register_export(sub)
    _register_import(sub)
    _register_restore(sub)


def _register_export(sub: Any) -> None:
    parser = sub.add_parser(
        "export",
        help="export contacts, organisations, leads, deals and activities (JSON or CSV)",
        description="Export every record with all its fields. JSON (the default) is one "
        f"object whose keys are {', '.join(ENTITIES)}; it is also the backup format that "
        "'run.py restore' loads. CSV is one file per entity: choose one with --entity "
        "(to stdout or --output FILE) or write them all into --output DIR. A CSV cell that "
        "would start a spreadsheet formula (=, +, -, @, tab, CR) gets a ' in front; plain "
        "numbers such as -69.00 stay numbers. Files and folders written are private "
        "(0600, 0700).",
    )
    parser.add_argument("--format", choices=("json", "csv"), help="json (default) or csv")
    parser.add_argument(
        "--excel", action="store_true",
        help="CSV for Excel (French and other comma-decimal locales): UTF-8 with BOM, ';' "
        "between cells, decimal comma, CRLF line ends; implies --format csv",
    )  # fmt: skip
    parser.add_argument("--entity", choices=ENTITIES, help="only this entity")
    parser.add_argument(
        "--output", type=Path, metavar="PATH", help="a file (a folder for CSV without --entity)"
    )
    admin_lang.option(parser).set_defaults(handler=export)


def _register_import(sub: Any) -> None:
    parser = sub.add_parser(
        "import",
        help="import a CSV file of contacts or deals, reporting each refused row",
        description="Import a CSV file (comma, semicolon or tab separated; UTF-8). Headers "
        "are matched case-insensitively, in English or French. Contacts: name/nom, "
        "email/e-mail/courriel, phone/téléphone, organisation/société. Deals: title/titre, "
        "contact_email, contact_name, organisation, expected_revenue/revenu, budget, "
        "priority, stage (key or name), pipeline, owner (e-mail), expected_close, origin, "
        "campaign. A contact whose e-mail already exists is reused, not duplicated. Each "
        "refused row is reported (line, field, reason) and the others are imported. "
        "Exit status: 0 when every row was imported, 1 when any row was refused.",
    )
    parser.add_argument("entity", choices=("contacts", "deals"))
    parser.add_argument("file", help="the CSV file ('-' reads stdin)")
    parser.add_argument("--as", dest="as_user", metavar="USER", help="act as this user")
    parser.add_argument(
        "--dry-run", action="store_true", help="check every row and report, writing nothing"
    )
    admin_lang.option(parser).set_defaults(handler=import_file)


def _register_restore(sub: Any) -> None:
    parser = sub.add_parser(
        "restore",
        help="load a JSON backup (run.py export) into an empty database",
        description="Load the JSON written by 'run.py export --format json' into an empty "
        "database, keeping every record's id. Users, pipelines and project templates are "
        "not in a backup: configure them first; they are matched by e-mail and key.",
    )
    parser.add_argument("file", help="the JSON backup ('-' reads stdin)")
    parser.add_argument("--as", dest="as_user", metavar="USER", help="act as this (admin) user")
    admin_lang.option(parser).set_defaults(handler=restore)


# -- export -------------------------------------------------------------------


async def export(args: argparse.Namespace, ctx: Context) -> int:
    format_ = _format(args, ctx)
    if format_ is None:
        return 2
    engine = await ctx.engine()
    data: Backup = await engine.data.export()
    if args.entity is not None:
        data = {args.entity: data[args.entity]}
    style = EXCEL if args.excel else PLAIN
    if args.output is None:
        _write(format_, data, ctx.out, style)
        return 0
    try:
        written = _write_files(format_, data, args.output, style)
    except OSError as exc:
        lang = admin_lang.of(args)
        reason = exc.strerror or str(exc)
        ctx.fail(text(lang, "cli.error", message=text(lang, "cli.cannot_write", path=args.output,
                                                      reason=reason)))  # fmt: skip
        return 1
    shown = ", ".join(map(str, written))
    ctx.print(text(admin_lang.of(args), "cli.exported", counts=_counts(data), files=shown))
    return 0


def _format(args: argparse.Namespace, ctx: Context) -> str | None:
    """The format asked for, or ``None`` after saying why the options do not fit."""
    lang = admin_lang.of(args)
    if args.excel and args.format == "json":
        ctx.fail(text(lang, "cli.error", message=text(lang, "cli.export_excel_json")))
        return None
    format_: str = "csv" if args.excel else args.format or "json"
    if format_ == "csv" and args.entity is None and args.output is None:
        ctx.fail(text(lang, "cli.error", message=text(lang, "cli.export_csv_target")))
        return None
    return format_


def _write_files(format_: str, data: Backup, output: Path, style: CsvStyle) -> list[Path]:
    if format_ == "csv" and len(data) > 1:
        return write_csv_folder(data, output, style)
    with open_private(output) as stream:
        _write(format_, data, stream, style)
    return [output]


def _write(format_: str, data: Backup, stream: TextIO, style: CsvStyle) -> None:
    if format_ == "json":
        json.dump(data, stream, ensure_ascii=False, indent=2)
        stream.write("\n")
        return
    ((entity, records),) = data.items()
    write_csv(entity, records, stream, style)


def _counts(data: Backup) -> str:
    return ", ".join(f"{len(records)} {entity}" for entity, records in data.items())


# -- import -------------------------------------------------------------------


async def import_file(args: argparse.Namespace, ctx: Context) -> int:
    try:
        content = _read_text(args.file)
    except OSError as exc:
        _cannot_read(ctx, args, exc)
        return 1
    engine = await ctx.engine()
    actor = await ctx.actor(args.as_user)
    entity: Entity = args.entity
    report = await engine.data.import_csv(entity, io.StringIO(content), actor, dry_run=args.dry_run)
    _print_report(report, ctx, admin_lang.of(args))
    return 1 if report.rejected else 0


def _read_text(name: str) -> str:
    """The file's text: UTF-8 (with or without BOM), else Windows-1252 as old Excel saves."""
    raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _cannot_read(ctx: Context, args: argparse.Namespace, exc: OSError) -> None:
    lang = admin_lang.of(args)
    reason = exc.strerror or str(exc)
    ctx.fail(text(lang, "cli.error", message=text(lang, "cli.cannot_read", path=args.file,
                                                  reason=reason)))  # fmt: skip


def _print_report(report: ImportReport, ctx: Context, lang: str) -> None:
    """``deals: imported 2 of 3 rows, 1 rejected``, then each rejected row and why."""
    key = "cli.import_would" if report.dry_run else "cli.import_done"
    counts = {"imported": report.imported, "rows": report.rows, "count": report.rows}
    summary = text(lang, key, entity=report.entity, **counts)
    if report.existing:
        summary += plural(lang, "cli.import_reused", report.existing, count=report.existing)
    summary += text(lang, "cli.import_rejected", count=len(report.rejected))
    if report.dry_run:
        summary = text(lang, "cli.import_dry_run", summary=summary)
    ctx.print(summary)
    if report.ignored_columns:
        ctx.print(text(lang, "cli.import_ignored", columns=", ".join(report.ignored_columns)))
    for rejection in report.rejected:
        for name, reason in rejection.errors.items():
            why = phrase_text(reason, lang)
            ctx.print(text(lang, "cli.import_line", line=rejection.line, field=name, reason=why))


# -- restore ------------------------------------------------------------------


async def restore(args: argparse.Namespace, ctx: Context) -> int:
    lang = admin_lang.of(args)
    try:
        data = json.loads(_read_text(args.file))
    except OSError as exc:
        _cannot_read(ctx, args, exc)
        return 1
    except json.JSONDecodeError as exc:
        message = text(lang, "cli.not_json", file=args.file, reason=exc)
        ctx.fail(text(lang, "cli.error", message=message))
        return 1
    engine = await ctx.engine()
    actor = await ctx.actor(args.as_user)
    counts = await engine.data.restore(data, actor)
    shown = ", ".join(f"{n} {entity}" for entity, n in counts.items())
    ctx.print(text(lang, "cli.restored", counts=shown))
    return 0
