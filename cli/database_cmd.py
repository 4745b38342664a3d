"""``run.py migrate`` brings the schema up to date; ``run.py backup`` copies the database."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from cli.context import Context
from engine.api.data import take
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


async def migrate(args: argparse.Namespace, ctx: Context) -> int:
    path = ctx.settings.database_path
    conn = open_sync(path)  # creates the file 0600 and its folders 0700
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
    source = ctx.settings.database_path
    done = await asyncio.to_thread(take, source, args.file, replace=args.force)
    ctx.print(
        f"{source} → {done.path}: {done.size / 1_000_000:.1f} MB, schema {done.schema_version},"
        f" integrity ok ({done.seconds:.2f} s)"
    )
    return 0
