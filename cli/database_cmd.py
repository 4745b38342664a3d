"""``run.py migrate`` brings the schema up to date; ``run.py backup`` copies the database;
``run.py database copy --to postgresql://…`` moves a SQLite database up to PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from cli.context import Context
from engine.api.data import CopyRefused, CopyReport, take
from engine.api.store import MIGRATIONS, apply_migrations, current_version, open_sync


def register(sub: Any) -> None:
    parser = sub.add_parser("migrate", help="apply pending database migrations (idempotent)")
    parser.set_defaults(handler=migrate)
    parser = sub.add_parser(
        "backup",
        help="copy the whole database to FILE, consistent, while the service runs",
    )
    parser.add_argument("file", type=Path, help="the copy to write (a SQLite file)")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
    parser.set_defaults(handler=backup)
    database = sub.add_parser("database", help="the database as a whole: moving it up")
    actions = database.add_subparsers(dest="action", required=True)
    parser = actions.add_parser(
        "copy",
        help="copy this SQLite database (live) into an empty PostgreSQL database",
    )
    parser.add_argument(
        "--to", required=True, metavar="URL", help="the target: postgresql://user@host:port/dbname"
    )
    parser.set_defaults(handler=copy)


async def migrate(args: argparse.Namespace, ctx: Context) -> int:
    conn = open_sync(ctx.settings.database_target)  # SQLite: creates the file 0600, folders 0700
    try:
        applied = apply_migrations(conn)
        version = current_version(conn)
    finally:
        conn.close()
    if applied:
        ctx.print(f"applied migrations {', '.join(map(str, applied))}; schema at {version}")
    else:
        ctx.print(f"schema up to date at {version} ({len(MIGRATIONS)} migrations)")
    return 0


async def backup(args: argparse.Namespace, ctx: Context) -> int:
    if ctx.settings.database_url is not None:
        ctx.print("backup copies a SQLite database; on PostgreSQL use pg_dump or the server's own")
        return 2
    source = ctx.settings.database_path
    done = await asyncio.to_thread(take, source, args.file, replace=args.force)
    ctx.print(
        f"{source} → {done.path}: {done.size / 1_000_000:.1f} MB, schema {done.schema_version},"
        f" integrity ok ({done.seconds:.2f} s)"
    )
    return 0


async def copy(args: argparse.Namespace, ctx: Context) -> int:
    if ctx.settings.database_url is not None:
        ctx.fail("database copy reads a SQLite database; RELAIS_DATABASE is already PostgreSQL")
        return 2
    engine = await ctx.engine()
    try:
        report = await engine.data.copy_to(args.to)
    except CopyRefused as exc:
        ctx.fail(f"relais: nothing copied: {exc.message}")
        return 1
    _print_copy(ctx, report)
    return 0


def _print_copy(ctx: Context, report: CopyReport) -> None:
    ctx.print(f"{report.source} → {report.target} (schema {report.schema_version})")
    ctx.print(f"{'table':<28} {'source':>10} {'copied':>10}  money (cents, both sides)")
    for table in report.tables:
        money = ", ".join(f"{c}={a}/{b}" for c, (a, b) in table.sums.items())
        ctx.print(f"{table.name:<28} {table.source_rows:>10} {table.target_rows:>10}  {money}")
    ctx.print(
        f"{len(report.tables)} tables, {report.rows} rows, counts and money sums equal"
        f" ({report.seconds:.2f} s), in one transaction."
    )
    ctx.print("Now stop the service and point every instance at the copy:")
    ctx.print(f"  RELAIS_DATABASE={report.target}")
    ctx.print(
        "(with the password, if any: in the URL, ~/.pgpass or PGPASSWORD; see docs/scaling.md)"
    )
    ctx.print(
        "Mail and Slack that arrive between this copy and the switch are in the old file only:"
    )
    ctx.print("stop the service first, then copy, for a copy that misses nothing.")
