"""The language of every command: ``--lang``, else ``RELAIS_LOCALE``, else French.

One rule for the whole command line, the administrators' commands (``config``,
``migrate``, ``backup``, ``workflows``…) as the reps' (``deal``, ``quote``…): a French
team that sets ``RELAIS_LOCALE=fr`` reads French from every command, and an English
one sets ``RELAIS_LOCALE=en``. Scripts do not parse the sentences: they read ``--json``,
which has no language, and the logs, which stay English ``key=value``.

``cli.main`` calls :func:`settle` before it runs a command, with the settings it read;
a command then asks :func:`of` (``args.lang or ctx.settings.locale`` says the same). A
test that calls a handler itself settles first, as ``run.py`` does. The module keeps its
historical name (other modules import it): it once gave the administrators' commands an
English default.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path

from config.settings import SETTINGS
from engine.api import LOCALES

_SETTING = next(setting for setting in SETTINGS if setting.env == "RELAIS_LOCALE")
DEFAULT = _SETTING.default  # the product's language when nothing says otherwise: French
HELP = "language (default: RELAIS_LOCALE, else French)"


def option(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Give a command ``--lang``; without it, the command follows ``RELAIS_LOCALE``."""
    parser.add_argument("--lang", choices=LOCALES, help=HELP)
    return parser


def settle(args: argparse.Namespace, locale: str) -> None:
    """Record ``RELAIS_LOCALE`` (``locale``, read once with the settings) on ``args``."""
    args.default_lang = locale


def of(args: argparse.Namespace, locale: str | None = None) -> str:
    """The language a command speaks: ``--lang``, else ``RELAIS_LOCALE``, else French.

    ``locale`` is ``RELAIS_LOCALE`` for a caller that has the settings at hand
    (``ctx.settings.locale``), in case ``args`` was never settled.
    """
    settled = getattr(args, "default_lang", None) or locale
    return str(getattr(args, "lang", None) or settled or DEFAULT)


def unsettled(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None, env_file: str = ".env"
) -> str:
    """The language of the error saying the settings are invalid, when none could be read.

    ``RELAIS_LOCALE`` is then read alone, as the settings read it (the environment over
    the ``.env`` file): the invalid setting may be another one. A value that is no
    language falls back to French, as everywhere else.
    """
    if getattr(args, "lang", None):
        return str(args.lang)
    values = dict(os.environ if environ is None else environ)
    raw = values.get(_SETTING.env) or _from_file(env_file) or DEFAULT
    try:
        return str(_SETTING.parse(raw.strip()))
    except ValueError:
        return DEFAULT


def _from_file(env_file: str) -> str | None:
    """``RELAIS_LOCALE`` in the ``.env`` file, if there is one that says it."""
    if not Path(env_file).is_file():
        return None
    from dotenv import dotenv_values

    return dotenv_values(env_file).get(_SETTING.env)
