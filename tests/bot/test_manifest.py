"""manifest.yaml says what the bot does: its command, events, URLs and the scopes it uses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.app import PATH
from bot.listeners.commands import COMMAND

ROOT = Path(__file__).resolve().parents[2]
# Every Web API method the bot calls, and the bot scope it needs (None: no scope).
SCOPES = {
    "chat_postMessage": "chat:write", "chat_update": "chat:write",
    "chat_postEphemeral": "chat:write", "conversations_open": "im:write",
    "users_info": "users:read", "views_open": None, "views_update": None,
    "views_publish": None, "auth_test": None, "files_upload_v2": "files:write",
}  # fmt: skip


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
    return data


def methods_called() -> set[str]:
    calls: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        calls.update(
            re.findall(r"\bclient\.([a-z_]+[A-Z]?[a-zA-Z0-9_]*)\(", path.read_text("utf-8"))
        )
    return calls - {"is_connected"}  # the Socket Mode client's own state


def test_every_method_the_bot_calls_has_its_scope_and_no_scope_is_unused() -> None:
    called = methods_called()
    assert called <= set(SCOPES), called - set(SCOPES)
    needed = {SCOPES[m] for m in called if SCOPES[m]} | {"commands", "chat:write.public"}
    needed.add("users:read.email")  # the e-mail in users.info matches config/users.yaml
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed


def test_the_command_events_and_urls_match_the_app() -> None:
    data = manifest()
    (command,) = data["features"]["slash_commands"]
    assert command["command"] == COMMAND
    settings = data["settings"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    urls = [
        command["url"], settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        settings["interactivity"]["message_menu_options_url"],
    ]  # fmt: skip
    assert all(url.endswith(PATH) for url in urls)
    assert settings["interactivity"]["is_enabled"] is True
    assert data["features"]["app_home"]["home_tab_enabled"] is True
