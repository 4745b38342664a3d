"""``run.py migrate`` brings the schema up to date; ``run.py backup`` copies the database;
``run.py database copy --to postgresql://…`` moves a SQLite database up to PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

from cli import admin_lang
from cli.context import Context
from engine.api import formats, phrase_text, text
from engine.api.data import CopyRefused, CopyReport, take
from engine.api.store import MIGRATIONS, apply_migrations, current_version, open_sync


def register(sub: Any) -> None:
    parser = sub.add_parser("migrate", help="apply pending database migrations (idempotent)")
    admin_lang.option(parser).set_defaults(handler=migrate)
    parser = sub.add_parser(
        "backup",
        help="copy the whole database to FILE, consistent, while the service runs",
    )
    parser.add_argument("file", type=Path, help="the copy to write (a SQLite file)")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
    admin_lang.option(parser).set_defaults(handler=backup)
    database = sub.add_parser("database", help="the database as a whole: moving it up")
    actions = database.add_subparsers(dest="action", required=True)
    parser = actions.add_parser(
        "copy",
        help="copy this SQLite database (live) into an empty PostgreSQL database",
    )
    parser.add_argument(
        "--to", required=True, metavar="URL", help="the target: postgresql://user@host:port/dbname"
    )
    admin_lang.option(parser).set_defaults(handler=copy)


async def migrate(args: argparse.Namespace, ctx: Context) -> int:
    conn = open_sync(ctx.settings.database_target)  # SQLite: creates the file 0600, folders 0700
    try:
        applied = apply_migrations(conn)
        version = current_version(conn)
    finally:
        conn.close()
    lang = admin_lang.of(args)
    if applied:
        shown = ", ".join(map(str, applied))
        ctx.print(text(lang, "cli.migrations_applied", applied=shown, version=version))
    else:
        ctx.print(text(lang, "cli.schema_up_to_date", version=version, count=len(MIGRATIONS)))
    return 0


async def backup(args: argparse.Namespace, ctx: Context) -> int:
    lang = admin_lang.of(args)
    if ctx.settings.database_url is not None:
        ctx.print(text(lang, "cli.backup_sqlite_only"))
        return 2
    source = ctx.settings.database_path
    done = await asyncio.to_thread(take, source, args.file, replace=args.force)
    ctx.print(text(
        lang, "cli.backup_done", source=source, path=done.path,
        size=formats.number(Decimal(done.size) / 1_000_000, lang, 1),
        version=done.schema_version, seconds=formats.number(Decimal(done.seconds), lang, 2),
    ))  # fmt: skip
    return 0


async def copy(args: argparse.Namespace, ctx: Context) -> int:
    lang = admin_lang.of(args)
    if ctx.settings.database_url is not None:
        ctx.fail(text(lang, "cli.copy_sqlite_only"))
        return 2
    engine = await ctx.engine()
    try:
        report = await engine.data.copy_to(args.to)
    except CopyRefused as exc:
        ctx.fail(text(lang, "cli.copy_refused", reason=phrase_text(exc.message, lang)))
        return 1
    _print_copy(ctx, report, lang)
    return 0


def _print_copy(ctx: Context, report: CopyReport, lang: str) -> None:
    """The tables copied with their counts and money sums, then what to do next."""
    ctx.print(text(lang, "cli.copy_heading", source=report.source, target=report.target,
                   version=report.schema_version))  # fmt: skip
    heads = [text(lang, f"cli.copy_head_{c}") for c in ("table", "source", "copied", "money")]
    ctx.print(f"{heads[0]:<28} {heads[1]:>10} {heads[2]:>10}  {heads[3]}")
    for table in report.tables:
        money = ", ".join(f"{c}={a}/{b}" for c, (a, b) in table.sums.items())
        ctx.print(f"{table.name:<28} {table.source_rows:>10} {table.target_rows:>10}  {money}")
    seconds = formats.number(Decimal(report.seconds), lang, 2)
    ctx.print(text(lang, "cli.copy_done", tables=len(report.tables), rows=report.rows,
                   seconds=seconds))  # fmt: skip
    ctx.print(text(lang, "cli.copy_next", target=report.target))
