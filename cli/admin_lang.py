"""The language of the administrators' commands: English unless ``--lang`` asks otherwise.

``config``, ``migrate``, ``backup``, ``database``, ``export``/``import``/``restore``,
``mail`` (but ``list``), ``blueprint`` (but ``stuck``) and ``workflows`` print what
scripts and runbooks read: their default stays English whatever ``RELAIS_LOCALE`` says,
and ``--lang fr`` prints the same texts, from the same catalogue, in French.
"""

from __future__ import annotations

import argparse

from engine.api import LOCALES

HELP = "language (default: English, which scripts read)"


def option(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Give an administrators' command ``--lang``; its errors, too, default to English."""
    parser.add_argument("--lang", choices=LOCALES, help=HELP)
    parser.set_defaults(default_lang="en")
    return parser


def of(args: argparse.Namespace) -> str:
    """The language an administrators' command speaks: ``--lang``, else English."""
    return str(getattr(args, "lang", None) or getattr(args, "default_lang", None) or "en")
