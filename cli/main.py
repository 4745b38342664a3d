"""``run.py``: argument parsing, error mapping and exit codes."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from cli import (
    blueprint_cmd,
    config_cmd,
    data_cmd,
    database_cmd,
    deal_cmd,
    lead_cmd,
    mail_cmd,
    outbox_cmd,
    quote_cmd,
    serve_cmd,
    workflow_cmd,
)
from cli.context import Context
from config.cpq_schema import CpqConfigError
from config.loader import ConfigError
from config.routing import RoutingError
from config.settings import SettingsError, load_settings
from engine.api import NotFound, RelaisError, ValidationFailed
from service.logs import configure_logging

MODULES = (
    serve_cmd,
    database_cmd,
    data_cmd,
    config_cmd,
    mail_cmd,
    deal_cmd,
    lead_cmd,
    blueprint_cmd,
    quote_cmd,
    workflow_cmd,
    outbox_cmd,
)

# A configuration file that does not validate stops a command with its message, not a traceback.
CONFIG_ERRORS = (ConfigError, RoutingError, CpqConfigError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="Relais: a chat-ops CRM. Without a command, runs the service (serve).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`run.py products search | head`): not an error of ours.
        # Later writes to the closed pipe, at exit, must not raise either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # what a shell reports for a command killed by SIGPIPE


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv) or ["serve"])
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"relais: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    return asyncio.run(_run(args, Context(settings)))


async def _run(args: argparse.Namespace, ctx: Context) -> int:
    try:
        code: int = await args.handler(args, ctx)
        return code
    except ValidationFailed as exc:
        ctx.fail("error: invalid input")
        for name, reason in exc.errors.items():
            ctx.fail(f"  {name}: {reason}")
        return 1
    except NotFound as exc:
        ctx.fail(f"error: {exc.message}")
        return 1
    except RelaisError as exc:
        ctx.fail(f"error: {exc.message}")
        return 1
    except CONFIG_ERRORS as exc:
        ctx.fail(
            f"relais: configuration error (fix the file, then run `run.py config check`):\n{exc}"
        )
        return 2
    finally:
        await ctx.close()
