"""Runtime settings, from the environment and an optional ``.env`` file.

One table (``SETTINGS``) holds every setting's name, type, default and help;
the settings table of ``docs/settings.md`` is checked against it by a test
(``tests/test_docs.py``). A bad value stops
start-up with a message naming the variable (the parsers are
:mod:`config.setting_values`). Domain configuration (pipelines, users,
routing…) lives in YAML files instead: see :mod:`config.loader`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from config.setting_values import (
    boolean,
    choice,
    count,
    database,
    hour,
    lead_time,
    optional_url,
    port,
    positive,
    sender,
    text,
    timezone,
    url,
)
from engine.api import Phrase


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Setting:
    env: str
    attr: str
    parse: Callable[[str], Any]
    default: str
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "RELAIS_DATABASE",
        "database",
        database,
        "var/relais.db",
        "SQLite database file, or postgresql://user@host:port/dbname",
    ),
    Setting(
        "RELAIS_DB_READERS",
        "db_readers",
        count,
        "4",
        "PostgreSQL: read connections per instance (SQLite: always 1)",
    ),
    Setting(
        "RELAIS_DB_WRITERS",
        "db_writers",
        count,
        "4",
        "PostgreSQL: write connections per instance (SQLite: always 1)",
    ),
    Setting("RELAIS_CONFIG_DIR", "config_dir", text, "config", "folder of the YAML configuration"),
    Setting("RELAIS_SMTP_HOST", "smtp_host", text, "127.0.0.1", "address the SMTP listener binds"),
    Setting("RELAIS_SMTP_PORT", "smtp_port", port, "2525", "port of the SMTP listener"),
    Setting("RELAIS_SMTP_ENABLED", "smtp_enabled", boolean, "true", "start the SMTP listener"),
    Setting(
        "RELAIS_SMTP_HOSTNAME",
        "smtp_hostname",
        text,
        "",
        "name the SMTP listener greets with (default: this machine's host name)",
    ),
    Setting(
        "RELAIS_SMTP_MAX_MESSAGE_SIZE",
        "smtp_max_message_size",
        positive,
        "26214400",
        "largest message accepted, in bytes (advertised as SIZE; 552 past it)",
    ),
    Setting(
        "RELAIS_SMTP_MAX_RECIPIENTS",
        "smtp_max_recipients",
        positive,
        "50",
        "recipients accepted per message (452 past it)",
    ),
    Setting(
        "RELAIS_SMTP_MAX_LINE_LENGTH",
        "smtp_max_line_length",
        positive,
        "1048576",
        "longest line accepted in a message, in bytes (at least 1001; 552 past it)",
    ),
    Setting(
        "RELAIS_SMTP_TIMEOUT", "smtp_timeout", positive, "300", "seconds an idle session is kept"
    ),
    Setting(
        "RELAIS_SMTP_RATE_LIMIT",
        "smtp_rate_limit",
        count,
        "300",
        "messages per minute from one client address, 451 past it (0: no limit)",
    ),
    Setting(
        "RELAIS_SMTP_MAX_CONNECTIONS",
        "smtp_max_connections",
        count,
        "20",
        "simultaneous sessions from one client address, 421 past it (0: no limit)",
    ),
    Setting(
        "RELAIS_SMTP_TLS_CERT",
        "smtp_tls_cert",
        text,
        "",
        "PEM certificate chain: with the key, the listener offers STARTTLS",
    ),
    Setting("RELAIS_SMTP_TLS_KEY", "smtp_tls_key", text, "", "PEM private key for STARTTLS"),
    Setting(
        "RELAIS_SMTP_AUTH_FILE",
        "smtp_auth_file",
        text,
        "",
        "users file for SMTP AUTH (lines from run.py mail hash-password); empty: no AUTH",
    ),
    Setting(
        "RELAIS_MAIL_PARSE_WORKERS",
        "mail_parse_workers",
        count,
        "1",
        "processes parsing received mail off the accept path (0: a thread)",
    ),
    Setting(
        "RELAIS_MAIL_PARSE_DEADLINE",
        "mail_parse_deadline",
        positive,
        "10",
        "seconds to parse one mail; past it the mail is marked failed (mail retry)",
    ),
    Setting(
        "RELAIS_MAIL_BACKLOG_THRESHOLD",
        "mail_backlog_threshold",
        positive,
        "300",
        "/healthz says degraded when a mail has waited this many seconds to be processed",
    ),
    Setting("RELAIS_HTTP_HOST", "http_host", text, "127.0.0.1", "address the web server binds"),
    Setting(
        "RELAIS_HTTP_PORT", "http_port", port, "3000", "port of /slack/events, /healthz, /metrics"
    ),
    Setting("RELAIS_LOCALE", "locale", choice("fr", "en"), "fr", "default language: fr or en"),
    Setting("RELAIS_TIMEZONE", "timezone", timezone, "Europe/Paris", "default time zone"),
    Setting("RELAIS_LOG_FORMAT", "log_format", choice("kv", "json"), "kv", "log lines: kv or json"),
    Setting(
        "RELAIS_LOG_LEVEL",
        "log_level",
        choice("DEBUG", "INFO", "WARNING", "ERROR"),
        "INFO",
        "minimum level logged",
    ),
    Setting(
        "RELAIS_SCHEDULER_TICK",
        "scheduler_tick",
        positive,
        "15",
        "seconds between two scheduler ticks (timed work is kept in the database)",
    ),
    Setting("SLACK_BOT_TOKEN", "slack_bot_token", text, "", "bot token (xoxb-…)", secret=True),
    Setting(
        "SLACK_SIGNING_SECRET", "slack_signing_secret", text, "", "app signing secret", secret=True
    ),
    Setting(
        "SLACK_APP_TOKEN",
        "slack_app_token",
        text,
        "",
        "app-level token for Socket Mode (xapp-…)",
        secret=True,
    ),
    Setting(
        "SLACK_API_URL", "slack_api_url", url, "https://slack.com/api/", "Slack Web API base URL"
    ),
    Setting(
        "RELAIS_SLACK_LEADS_CHANNEL",
        "slack_leads_channel",
        text,
        "",
        "Slack channel id (C…) where leads and deals from mail are announced; empty: none",
    ),
    Setting(
        "RELAIS_PUBLIC_URL",
        "public_url",
        optional_url,
        "",
        "public address of Relais (https://…): deal and lead links, unfurled in Slack; empty: none",
    ),
    Setting(
        "RELAIS_SLACK_TEAM_CHANNEL",
        "slack_team_channel",
        text,
        "",
        "Slack channel id (C…) of the team, named `team` in workflows; empty: none",
    ),
    Setting(
        "RELAIS_SMTP_RELAY_HOST",
        "smtp_relay_host",
        text,
        "",
        "SMTP relay for outbound e-mail (workflows); empty: e-mails wait in the outbox",
    ),
    Setting("RELAIS_SMTP_RELAY_PORT", "smtp_relay_port", port, "587", "port of the SMTP relay"),
    Setting(
        "RELAIS_SMTP_RELAY_TLS",
        "smtp_relay_tls",
        choice("starttls", "ssl", "none"),
        "starttls",
        "how to secure the relay connection: starttls, ssl or none",
    ),
    Setting("RELAIS_SMTP_RELAY_USER", "smtp_relay_user", text, "", "relay login (empty: no AUTH)"),
    Setting(
        "RELAIS_SMTP_RELAY_PASSWORD",
        "smtp_relay_password",
        text,
        "",
        "relay password",
        secret=True,
    ),
    Setting(
        "RELAIS_SMTP_RELAY_FROM",
        "smtp_relay_from",
        sender,
        "Relais <relais@localhost>",
        "From address of outbound e-mail",
    ),
    Setting(
        "RELAIS_WORKFLOW_RETENTION_DAYS",
        "workflow_retention_days",
        positive,
        "90",
        "days a finished workflow run is kept in the history",
    ),
    Setting(
        "RELAIS_WORKFLOW_MAX_DEPTH",
        "workflow_max_depth",
        positive,
        "5",
        "workflows triggered by workflows are cut at this depth (the cut is recorded)",
    ),
    Setting(
        "RELAIS_REMINDER_BEFORE",
        "reminder_before",
        lead_time,
        "15m",
        "activity reminders also this long before the due time (15m, 1h; 0: only when due)",
    ),
    Setting(
        "RELAIS_DIGEST_HOUR",
        "digest_hour",
        hour,
        "8",
        "hour (in each user's time zone) of the morning digest",
    ),
    Setting(
        "RELAIS_DIGEST_IDLE_DAYS",
        "digest_idle_days",
        positive,
        "14",
        "an open deal untouched this many days is listed as idle in the digest",
    ),
)


@dataclass(frozen=True)
class Settings:
    database: str
    db_readers: int
    db_writers: int
    config_dir: str
    smtp_host: str
    smtp_port: int
    smtp_enabled: bool
    smtp_hostname: str
    smtp_max_message_size: int
    smtp_max_recipients: int
    smtp_max_line_length: int
    smtp_timeout: int
    smtp_rate_limit: int
    smtp_max_connections: int
    smtp_tls_cert: str
    smtp_tls_key: str
    smtp_auth_file: str
    mail_parse_workers: int
    mail_parse_deadline: int
    mail_backlog_threshold: int
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
    slack_leads_channel: str
    slack_team_channel: str
    public_url: str
    smtp_relay_host: str
    smtp_relay_port: int
    smtp_relay_tls: str
    smtp_relay_user: str
    smtp_relay_password: str
    smtp_relay_from: str
    workflow_retention_days: int
    workflow_max_depth: int
    reminder_before: int
    digest_hour: int
    digest_idle_days: int

    @property
    def database_path(self) -> Path:
        """The SQLite file (see ``database_target`` for either backend)."""
        return Path(self.database)

    @property
    def database_url(self) -> str | None:
        """The PostgreSQL URL, when RELAIS_DATABASE is one."""
        return self.database if self.database.startswith(("postgresql://", "postgres://")) else None

    @property
    def database_target(self) -> str | Path:
        """What ``Engine.open`` takes: the PostgreSQL URL or the SQLite file."""
        return self.database_url or self.database_path

    @property
    def config_path(self) -> Path:
        return Path(self.config_dir)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

    @property
    def smtp_relay_enabled(self) -> bool:
        return bool(self.smtp_relay_host)

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
            why = exc.args[0] if len(exc.args) == 1 else str(exc)
            key = "config.problem.setting_invalid"
            raise SettingsError(Phrase(key, env=setting.env, value=shown, reason=why)) from exc
    return Settings(**parsed)
