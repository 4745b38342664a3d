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
    "chat_unfurl": "links:write", "chat_getPermalink": None,
}  # fmt: skip
# Every event the bot subscribes to, and the bot scope it needs.
EVENTS = {
    "app_home_opened": None, "link_shared": "links:read", "message.channels": "channels:history",
    "message.groups": "groups:history",
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
    needed |= {scope for scope in EVENTS.values() if scope}
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed


def test_the_command_events_and_urls_match_the_app() -> None:
    data = manifest()
    (command,) = data["features"]["slash_commands"]
    assert command["command"] == COMMAND
    settings = data["settings"]
    assert settings["event_subscriptions"]["bot_events"] == list(EVENTS)
    urls = [
        command["url"], settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        settings["interactivity"]["message_menu_options_url"],
    ]  # fmt: skip
    assert all(url.endswith(PATH) for url in urls)
    assert settings["interactivity"]["is_enabled"] is True
    assert data["features"]["app_home"]["home_tab_enabled"] is True


def test_the_shortcuts_and_the_unfurl_domain_match_the_app() -> None:
    from urllib.parse import urlsplit

    from bot.listeners import shortcuts

    data = manifest()
    kinds = {s["callback_id"]: s["type"] for s in data["features"]["shortcuts"]}
    assert kinds == {shortcuts.LEAD_FROM_MESSAGE: "message", shortcuts.NEW_DEAL: "global"}
    assert all(len(s["name"]) <= 24 for s in data["features"]["shortcuts"])
    host = urlsplit(data["settings"]["event_subscriptions"]["request_url"]).hostname
    assert data["features"]["unfurl_domains"] == [host]
