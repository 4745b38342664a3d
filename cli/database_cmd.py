"""``run.py migrate``: bring the database schema up to date."""

from __future__ import annotations

import argparse
from typing import Any

from cli.context import Context
from engine.db import open_sync
from engine.migrations import MIGRATIONS, apply_migrations, current_version


def register(sub: Any) -> None:
    parser = sub.add_parser("migrate", help="apply pending database migrations (idempotent)")
    parser.set_defaults(handler=migrate)


async def migrate(args: argparse.Namespace, ctx: Context) -> int:
    path = ctx.settings.database_path
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = open_sync(path)
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
