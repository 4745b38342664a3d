"""Small builders shared by the configuration tests."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from cli import admin_lang
from cli.context import Context
from cli.main import build_parser
from config.loader import validation_lines
from config.settings import load_settings
from tests.conftest import database_for

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "config"


def stage(key: str, probability: int = 10, **extra: Any) -> dict[str, Any]:
    return {"key": key, "name": key.capitalize(), "probability": probability, **extra}


def pipeline(key: str = "default", default: bool = True, **extra: Any) -> dict[str, Any]:
    stages = [stage("new"), stage("won", 100, outcome="won"), stage("lost", 0, outcome="lost")]
    return {"key": key, "name": key.capitalize(), "default": default, "stages": stages, **extra}


def user(email: str, **extra: Any) -> dict[str, Any]:
    return {"name": email.split("@")[0].capitalize(), "email": email, **extra}


def question(key: str, kind: str = "text", **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": key.capitalize(), "kind": kind, **extra}


def problems(model: type[BaseModel], data: Any) -> list[str]:
    """The lines the loader would print for ``data``, with ``f`` as the file name."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [line.removeprefix("f: ") for line in validation_lines("f", exc)]
    return []


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def copy_shipped(folder: Path) -> Path:
    """A private copy of the shipped pipelines, users and projects files, to edit."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("pipelines.yaml", "users.yaml", "projects.yaml"):
        write(folder, name, (SHIPPED / name).read_text(encoding="utf-8"))
    return folder


def read_data(folder: Path, name: str) -> Any:
    return yaml.safe_load((folder / name).read_text(encoding="utf-8"))


def write_data(folder: Path, name: str, data: Any) -> None:
    write(folder, name, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


async def run_cli(tmp_path: Path, *argv: str, locale: str = "en") -> tuple[int, str, str]:
    """``run.py argv`` in process, on ``tmp_path``'s database and config: code, out, err.

    ``locale`` is ``RELAIS_LOCALE`` (English unless a test reads another language)."""
    settings = load_settings(
        {
            "RELAIS_DATABASE": database_for(tmp_path),
            "RELAIS_CONFIG_DIR": str(tmp_path / "config"),
            "RELAIS_LOCALE": locale,
        },
        env_file=None,
    )
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(settings, out=out, err=err)
    args = build_parser().parse_args(list(argv))
    admin_lang.settle(args, settings.locale)  # as run.py does once the settings are read
    try:
        code: int = await args.handler(args, ctx)
    finally:
        await ctx.close()
    return code, out.getvalue(), err.getvalue()
