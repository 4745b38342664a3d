"""Slack's side of ``/slack/events``: signed commands, clicks, submissions, events.

Kept apart from the fake Web API (:mod:`tests.fakes.slack`): this is what
Slack sends *to* the bot. Every ack the bot answers an interaction with is
checked against Block Kit's limits (a submission's ``errors`` must name
input blocks of the view, an ``update`` must be a valid view, an external
select's options must fit, a command answered in place is a valid message),
and a problem is recorded on the fake, so the test that caused it fails.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from tests.fakes import block_limits

if TYPE_CHECKING:
    from tests.fakes.slack import FakeSlack

SECRET = "test-signing-secret"
TEAM = "T0TEST"


class SlackClient:
    """Slack's side of ``/slack/events``: signed commands, clicks, submissions, events."""

    def __init__(self, url: str, fake: FakeSlack, secret: str = SECRET) -> None:
        self.url = url
        self.fake = fake
        self.signer = SignatureVerifier(secret)
        self.http: aiohttp.ClientSession | None = None
        self._triggers = itertools.count(1)

    async def __aenter__(self) -> SlackClient:
        self.http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.http is not None:
            await self.http.close()

    def headers(
        self, body: str, *, timestamp: int | None = None, signature: str | None = None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> dict[str, str]:  # fmt: skip
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signed = signature or str(self.signer.generate_signature(timestamp=stamp, body=body))
        return {
            "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signed,
            "Content-Type": content_type,
        }  # fmt: skip

    async def post(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        assert self.http is not None
        async with self.http.post(self.url, data=body.encode(), headers=headers) as response:
            return response.status, await response.text()

    def trigger(self) -> str:
        return f"trigger-{next(self._triggers)}"

    async def command(
        self, text: str, user: str = "U_ALICE", channel: str = "C_SALES", **sign: Any
    ) -> tuple[int, str]:
        body = urlencode({
            "command": "/crm", "text": text, "user_id": user, "user_name": user.lower(),
            "team_id": TEAM, "channel_id": channel, "response_url": self.fake.response_url("cmd"),
            "trigger_id": self.trigger(),
        })  # fmt: skip
        status, answer = await self.post(body, self.headers(body, **sign))
        if status == 200:
            self.fake.violate("ack of a command", ack_problems({"type": "command"}, answer))
        return status, answer

    async def interact(self, payload: dict[str, Any], **sign: Any) -> tuple[int, str]:
        """Post an interaction; the bot's ack is checked against Block Kit's limits."""
        body = urlencode({"payload": json.dumps(payload)})
        status, text = await self.post(body, self.headers(body, **sign))
        if status == 200:
            self.fake.violate(f"ack of {payload.get('type')}", ack_problems(payload, text))
        return status, text

    async def suggest(
        self, view: dict[str, Any], block_id: str, typed: str = "", user: str = "U_ALICE"
    ) -> list[dict[str, Any]]:
        """What Slack asks an external select for as someone types: the options offered."""
        block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
        payload = {
            "type": "block_suggestion", "user": {"id": user}, "team": {"id": TEAM},
            "action_id": block["element"]["action_id"], "block_id": block_id, "value": typed,
            "view": view,
        }  # fmt: skip
        status, text = await self.interact(payload)
        assert status == 200, (status, text)
        options: list[dict[str, Any]] = json.loads(text).get("options") or []
        return options

    async def click(
        self, action_id: str, value: str, user: str = "U_ALICE", *, channel: str = "C_SALES",
        container: str = "message", selected: bool = False,
    ) -> tuple[int, str]:  # fmt: skip
        action: dict[str, Any] = {"action_id": action_id, "block_id": "b", "type": "button"}
        if selected:
            action.update(type="overflow", selected_option={"value": value})
        else:
            action["value"] = value
        payload: dict[str, Any] = {
            "type": "block_actions", "user": {"id": user}, "team": {"id": TEAM},
            "trigger_id": self.trigger(), "actions": [action],
            "container": {"type": container},
        }  # fmt: skip
        if container == "view":
            payload["view"] = {"type": "home", "id": "VHOME"}
        else:
            payload.update(channel={"id": channel}, response_url=self.fake.response_url("act"))
        return await self.interact(payload)

    async def submit(
        self, view: dict[str, Any], values: dict[str, Any], user: str = "U_ALICE"
    ) -> tuple[int, str]:
        """Submit ``view`` (as the bot opened it) with ``{block_id: value}`` typed in."""
        state = {block: _element_state(view, block, value) for block, value in values.items()}
        payload = {
            "type": "view_submission", "user": {"id": user}, "team": {"id": TEAM},
            "view": {**view, "state": {"values": state}},
        }  # fmt: skip
        return await self.interact(payload)

    async def event(
        self, event: dict[str, Any], event_id: str, retry: int | None = None
    ) -> tuple[int, str]:
        body = json.dumps({
            "type": "event_callback", "team_id": TEAM, "api_app_id": "A0TEST",
            "event": event, "event_id": event_id, "event_time": int(time.time()),
        })  # fmt: skip
        headers = self.headers(body, content_type="application/json")
        if retry is not None:
            headers.update(
                {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            )
        return await self.post(body, headers)


def ack_problems(payload: dict[str, Any], text: str) -> list[str]:
    """What is wrong, for Slack, with the bot's ack ``text`` of an interaction ``payload``."""
    try:
        answer = json.loads(text) if text.strip() else None
    except ValueError:
        return []
    kind = payload.get("type")
    view = payload.get("view")
    if (
        kind == "view_submission"
        and isinstance(view, dict)
        and isinstance(view.get("blocks"), list)
    ):
        return block_limits.submission_answer_problems(view, answer)
    if kind == "block_suggestion":
        return block_limits.options_problems(answer)
    if isinstance(answer, dict) and "blocks" in answer:  # a command or action answered in place
        return block_limits.message_problems(answer)
    return []


def _element_state(view: dict[str, Any], block_id: str, value: Any) -> dict[str, Any]:
    """What Slack puts in ``view.state`` for the element of input ``block_id``."""
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element = block["element"]
    kind = element["type"]
    state: dict[str, Any] = {"type": kind}
    if kind in ("static_select", "external_select", "radio_buttons"):
        state["selected_option"] = None if value is None else {"value": value}
    elif kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        state["selected_options"] = [{"value": v} for v in value]
    elif kind == "datepicker":
        state["selected_date"] = value
    elif kind == "users_select":
        state["selected_user"] = value
    elif kind == "datetimepicker":
        state["selected_date_time"] = value
    elif kind == "file_input":
        state["files"] = value
    else:
        state["value"] = value
    return {element["action_id"]: state}
