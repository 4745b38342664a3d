"""Runtime settings, from the environment and an optional ``.env`` file.

One table (``SETTINGS``) holds every setting's name, type, default and help;
the README's settings table is checked against it by a test. A bad value stops
start-up with a message naming the variable. Domain configuration (pipelines,
users, routing…) lives in YAML files instead: see :mod:`config.loader`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise ValueError("a port is between 0 and 65535")
    return value


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("use true or false")


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"use one of {', '.join(allowed)}")
        return text

    return parse


def _timezone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("not an IANA time zone such as Europe/Paris") from exc
    return text


def _url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return text if text.endswith("/") else text + "/"


def _text(text: str) -> str:
    return text


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be a positive whole number")
    return value


@dataclass(frozen=True, slots=True)
class Setting:
    env: str
    attr: str
    parse: Callable[[str], Any]
    default: str
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("RELAIS_DATABASE", "database", _text, "var/relais.db", "SQLite database file"),
    Setting("RELAIS_CONFIG_DIR", "config_dir", _text, "config", "folder of the YAML configuration"),
    Setting("RELAIS_SMTP_HOST", "smtp_host", _text, "127.0.0.1", "address the SMTP listener binds"),
    Setting("RELAIS_SMTP_PORT", "smtp_port", _port, "2525", "port of the SMTP listener"),
    Setting("RELAIS_SMTP_ENABLED", "smtp_enabled", _bool, "true", "start the SMTP listener"),
    Setting("RELAIS_HTTP_HOST", "http_host", _text, "127.0.0.1", "address the web server binds"),
    Setting(
        "RELAIS_HTTP_PORT", "http_port", _port, "3000", "port of /slack/events, /healthz, /metrics"
    ),
    Setting("RELAIS_LOCALE", "locale", _choice("fr", "en"), "fr", "default language: fr or en"),
    Setting("RELAIS_TIMEZONE", "timezone", _timezone, "Europe/Paris", "default time zone"),
    Setting(
        "RELAIS_LOG_FORMAT", "log_format", _choice("kv", "json"), "kv", "log lines: kv or json"
    ),
    Setting(
        "RELAIS_LOG_LEVEL",
        "log_level",
        _choice("DEBUG", "INFO", "WARNING", "ERROR"),
        "INFO",
        "minimum level logged",
    ),
    Setting(
        "RELAIS_SCHEDULER_TICK",
        "scheduler_tick",
        _positive,
        "15",
        "seconds between two scheduler ticks (timed work is kept in the database)",
    ),
    Setting("SLACK_BOT_TOKEN", "slack_bot_token", _text, "", "bot token (xoxb-…)", secret=True),
    Setting(
        "SLACK_SIGNING_SECRET", "slack_signing_secret", _text, "", "app signing secret", secret=True
    ),
    Setting(
        "SLACK_APP_TOKEN",
        "slack_app_token",
        _text,
        "",
        "app-level token for Socket Mode (xapp-…)",
        secret=True,
    ),
    Setting(
        "SLACK_API_URL", "slack_api_url", _url, "https://slack.com/api/", "Slack Web API base URL"
    ),
)


@dataclass(frozen=True)
class Settings:
    database: str
    config_dir: str
    smtp_host: str
    smtp_port: int
    smtp_enabled: bool
    http_host: str
    http_port: int
    locale: str
    timezone: str
    log_format: str
    log_level: str
    scheduler_tick: int
    slack_bot_token: str
    slack_signing_secret: str
    slack_app_token: str
    slack_api_url: str

    @property
    def database_path(self) -> Path:
        return Path(self.database)

    @property
    def config_path(self) -> Path:
        return Path(self.config_dir)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

    def secrets(self) -> list[str]:
        """Values that must never reach a log line."""
        return [getattr(self, s.attr) for s in SETTINGS if s.secret and getattr(self, s.attr)]

    def redacted(self) -> dict[str, Any]:
        return {
            s.env: ("***" if s.secret and getattr(self, s.attr) else getattr(self, s.attr))
            for s in SETTINGS
        }


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Read settings: the process environment wins over the ``.env`` file."""
    values: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    parsed: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = values.get(setting.env, setting.default)
        try:
            parsed[setting.attr] = setting.parse(raw.strip())
        except ValueError as exc:
            shown = "***" if setting.secret else repr(raw)
            raise SettingsError(f"{setting.env}={shown} is invalid: {exc}") from exc
    return Settings(**parsed)
