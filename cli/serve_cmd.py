"""``run.py serve``: run the service until interrupted."""

from __future__ import annotations

import argparse
from typing import Any

from cli.context import Context
from service.app import serve


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "serve", help="run the service: web server, scheduler, and SMTP and Slack when configured"
    )
    parser.set_defaults(handler=run_serve)


async def run_serve(args: argparse.Namespace, ctx: Context) -> int:
    await serve(ctx.settings)
    return 0
