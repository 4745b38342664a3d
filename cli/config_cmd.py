"""``run.py config check|apply|export``: the declarative YAML configuration."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot import forms_fit
from cli import admin_lang
from cli.context import Context
from cli.listing import explain
from config.apply import ApplyRefused, apply_folder, read_folder
from config.check import check_folder
from config.cpq_cache import cache_folder
from config.export import comment, export_config
from config.loader import FILES, ConfigError
from engine.api import StageNotEmpty, phrase_text, plural, text


def register(sub: Any) -> None:
    parser = sub.add_parser("config", help="check, apply or export the YAML configuration")
    commands = parser.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = commands.add_parser(
        "check",
        help="validate every file the service reads (pipelines, users, projects, pricing, "
        "catalogue, routing, workflows, blueprints); change nothing",
    )
    admin_lang.option(check).set_defaults(handler=check_config)
    apply = commands.add_parser(
        "apply",
        help="make the database match every configuration file: pipelines, users, projects, "
        "blueprints, workflows, catalogue (one transaction: all or nothing)",
    )
    admin_lang.option(apply).set_defaults(handler=apply_command)
    export = commands.add_parser("export", help="write the live configuration as YAML")
    export.add_argument("--output", type=Path, metavar="DIR", help="write the files into DIR")
    admin_lang.option(export).set_defaults(handler=export_command)


async def check_config(args: argparse.Namespace, ctx: Context) -> int:
    """Every file the service reads (see :mod:`config.check`); exit 1 on any problem."""
    lang = admin_lang.of(args)
    report = check_folder(ctx.settings.config_path, forms_fit.fits)  # forms as Slack shows them
    if report.problems or report.config is None:
        return _invalid(ctx, report.problems, lang)
    config = report.config
    counts = (
        plural(lang, "cli.count_pipelines", len(config.pipelines or ()),
               count=len(config.pipelines or ())),
        plural(lang, "cli.count_users", len(config.users or ()), count=len(config.users or ())),
        plural(lang, "cli.count_projects", len(config.projects or ()),
               count=len(config.projects or ())),
    )  # fmt: skip
    ctx.print(text(lang, "cli.config_ok", counts=", ".join(counts)))
    folder = ctx.settings.config_path
    for spec in FILES:
        if not (folder / spec.name).is_file():
            ctx.print(text(lang, "cli.config_file_missing", path=folder / spec.name))
    for line in report.found:
        ctx.print(f"  {phrase_text(line, lang)}")
    return 0


def _invalid(ctx: Context, problems: Sequence[str], lang: str) -> int:
    """Every problem, ``file: path: reason``, in the reader's language; exit 1."""
    for problem in problems:
        ctx.fail(phrase_text(problem, lang))
    ctx.fail(text(lang, "cli.config_invalid", count=len(problems)))
    return 1


async def apply_command(args: argparse.Namespace, ctx: Context) -> int:
    lang = admin_lang.of(args)
    try:
        cache = cache_folder(ctx.settings)  # the quotes then read the book compiled here
        folder = read_folder(ctx.settings.config_path, forms_fit.fits, cache)
    except ConfigError as exc:
        return _invalid(ctx, exc.problems, lang)
    engine = await ctx.engine()
    try:
        changes = await apply_folder(engine, folder, await ctx.actor(None))
    except StageNotEmpty as exc:
        ctx.fail(text(lang, "cli.refused", reason=explain(exc, lang)))
        ctx.fail(text(lang, "cli.nothing_changed"))
        return 1
    except ApplyRefused as exc:
        for line in exc.lines(ctx.settings.config_path):
            ctx.fail(phrase_text(line, lang))
        ctx.fail(text(lang, "cli.nothing_changed"))
        return 1
    for line in changes:
        ctx.print(phrase_text(line, lang))
    if not changes:
        ctx.print(text(lang, "cli.nothing_to_change"))
    for note in folder.notes:  # pricing and routing: in force from the files themselves
        ctx.print(f"  ({phrase_text(note, lang)})")
    return 0


async def export_command(args: argparse.Namespace, ctx: Context) -> int:
    lang = admin_lang.of(args)
    files = await export_config(await ctx.engine(), lang)
    output: Path | None = args.output
    if output is None:
        ctx.print("\n".join(
            comment(lang, "config.export.file", name=name) + content
            for name, content in files.items()
        ))  # fmt: skip
        return 0
    for path in write_files(output, files):
        ctx.print(text(lang, "cli.wrote", path=path))
    return 0


def write_files(folder: Path, files: dict[str, str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return [folder / name for name in files]
