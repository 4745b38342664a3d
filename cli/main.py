"""``run.py``: argument parsing, error mapping and exit codes."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cli.context import Context

# The command modules, registered in this order. Each imports the engine, the
# configuration and what its commands use, so `run.py` imports only the one that owns
# the command it runs (see COMMANDS), and `run.py --help` none.
MODULES = (
    "cli.serve_cmd",
    "cli.database_cmd",
    "cli.data_cmd",
    "cli.config_cmd",
    "cli.mail_cmd",
    "cli.deal_cmd",
    "cli.lead_cmd",
    "cli.blueprint_cmd",
    "cli.quote_cmd",
    "cli.workflow_cmd",
    "cli.outbox_cmd",
    "cli.activity_cmd",
    "cli.report_cmd",
)

# Every top-level command: its module and its one-line help, as the module registers them
# (tests/cli/test_startup.py checks the two agree: a command added to a module goes here).
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": (
        "cli.serve_cmd",
        "run the service: web server, scheduler, and SMTP and Slack when configured",
    ),
    "migrate": ("cli.database_cmd", "apply pending database migrations (idempotent)"),
    "backup": (
        "cli.database_cmd",
        "copy the whole database to FILE, consistent, while the service runs",
    ),
    "database": ("cli.database_cmd", "the database as a whole: moving it up"),
    "export": (
        "cli.data_cmd",
        "export contacts, organisations, leads, deals and activities (JSON or CSV)",
    ),
    "import": (
        "cli.data_cmd",
        "import a CSV file of contacts or deals, reporting each refused row",
    ),
    "restore": ("cli.data_cmd", "load a JSON backup (run.py export) into an empty database"),
    "config": ("cli.config_cmd", "check, apply or export the YAML configuration"),
    "smtp": ("cli.mail_cmd", "run the SMTP listener alone (serve runs it too)"),
    "mail": ("cli.mail_cmd", "received mail: list, show, retry, release, send-test"),
    "deal": ("cli.deal_cmd", "create, show and move deals (through their blueprint)"),
    "board": ("cli.deal_cmd", "open deals per stage: count, amount, weighted"),
    "lead": ("cli.lead_cmd", "create, show and move leads (through their blueprint)"),
    "blueprint": ("cli.blueprint_cmd", "the governed transitions of pipelines and leads"),
    "quote": ("cli.quote_cmd", "price, save, show and print quotes (CPQ)"),
    "products": ("cli.quote_cmd", "the product catalogue"),
    "workflows": ("cli.workflow_cmd", "workflow automations and their runs"),
    "outbox": (
        "cli.outbox_cmd",
        "outgoing messages (Slack, e-mail, webhooks): list, show, retry a dead letter",
    ),
    "activity": ("cli.activity_cmd", "calls, visits and tasks: add, list, done, snooze"),
    "report": (
        "cli.report_cmd",
        "the forecast chart (weighted pipeline, won and lost) as a PNG file",
    ),
}


# Commands that never apply the configuration folder to a new database on their own
# (cli.context.first_start): serve does it itself; the others move, copy, restore into or
# configure the database, which must stay as they find it.
NO_FIRST_RUN = frozenset({"serve", "migrate", "backup", "database", "restore", "config"})


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Every command's parser; given ``command``, only that command's module is imported.

    The other commands are then placeholders with their help line (enough for
    ``run.py --help``); ``""`` imports no module. A word COMMANDS does not know
    imports every module (a command just added, or a typo for argparse to refuse).
    """
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="Relais: a chat-ops CRM. Without a command, runs the service (serve).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted: Sequence[str | ModuleType] = MODULES
    if command == "":
        wanted = []
    elif command is not None and command in COMMANDS:
        wanted = [COMMANDS[command][0]]
    for name in wanted:
        _register(name, sub)
    for name, (_, text) in COMMANDS.items():
        if name not in sub.choices:
            sub.add_parser(name, help=text)
    return parser


def _register(module: str | ModuleType, sub: Any) -> None:
    """A module of MODULES registers its commands (a name is imported first)."""
    loaded = importlib.import_module(module) if isinstance(module, str) else module
    loaded.register(sub)


def _command_word(argv: Sequence[str]) -> str:
    """The command ``argv`` names: its first word that is not an option ("" for none)."""
    return next((word for word in argv if not word.startswith("-")), "")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`run.py products search | head`): not an error of ours.
        # Later writes to the closed pipe, at exit, must not raise either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # what a shell reports for a command killed by SIGPIPE


def _main(argv: Sequence[str] | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv) or ["serve"]
    parser = build_parser(_command_word(words))
    args = parser.parse_args(words)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    import asyncio

    from cli import admin_lang
    from cli.context import Context
    from config.settings import SettingsError, load_settings
    from service.logs import configure_logging

    try:
        settings = load_settings()
    except SettingsError as exc:  # RELAIS_LOCALE read alone: another setting may be wrong
        from engine.api import text

        lang = admin_lang.unsettled(args)
        print(text(lang, "cli.settings_error", error=exc.args[0]), file=sys.stderr)
        return 2
    configure_logging(settings)
    # A check (``--check``) reads the folder and leaves the database as it is.
    first_run = args.command not in NO_FIRST_RUN and not getattr(args, "check", False)
    context = Context(settings, first_run=first_run, lang=admin_lang.of(args, settings.locale))
    return asyncio.run(_run(args, context))


async def _run(args: argparse.Namespace, ctx: Context) -> int:
    from cli import admin_lang, listing
    from cli.context import config_errors
    from engine.api import RelaisError, text

    admin_lang.settle(args, ctx.settings.locale)  # the command's language: admin_lang.of(args)
    try:
        code: int = await args.handler(args, ctx)
        return code
    except RelaisError as exc:
        locale = admin_lang.of(args)
        listing.fail(ctx, exc, locale)
        return 1
    except config_errors() as exc:
        ctx.fail(text(admin_lang.of(args), "cli.config_file_error", error=exc))
        return 2
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise  # main() says the reader went away
        # A file the command reads or writes (`quote pdf -o /no/such/dir/x.pdf`, `backup`
        # into a folder it may not write): one line in the reader's language, no traceback.
        listing.fail_file(ctx, exc, admin_lang.of(args))
        return 1
    finally:
        await ctx.close()
