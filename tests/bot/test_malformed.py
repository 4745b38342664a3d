"""Signed but malformed requests get 400 and one log line; bad timestamps get 401.

Each request is really signed with the app's secret and POSTed to the running
service: the signature holds, the content does not. Nothing may be journaled,
no listener may run, and neither the answer nor the log carries a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import pytest

from bot.app import SlackBot
from engine.core import Engine
from service.app import Service
from tests.bot.helpers import shown_view
from tests.fakes.slack import SECRET, TEAM, FakeSlack, SlackClient

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
USER = {"id": "U_ALICE"}


def payload(data: Any) -> str:
    return urlencode({"payload": json.dumps(data)})


def submission(view: dict[str, Any], **changes: Any) -> str:
    body = {"type": "view_submission", "user": USER, "team": {"id": TEAM}, "view": view}
    return payload({**body, **changes})


async def refused(
    slack: SlackClient, caplog: pytest.LogCaptureFixture, body: str | bytes, content_type: str
) -> tuple[int, str]:
    """POST a properly signed ``body``; its status, its text, after one log line and no more."""
    caplog.clear()
    raw = body.encode() if isinstance(body, str) else body
    stamp = str(int(time.time()))
    signature = sign_bytes(stamp, raw)
    headers = {
        "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature,
        "Content-Type": content_type,
    }  # fmt: skip
    assert slack.http is not None
    async with slack.http.post(slack.url, data=raw, headers=headers) as response:
        status, text = response.status, await response.text()
    lines = [r for r in caplog.records if r.name == "relais.slack" and r.levelno >= logging.INFO]
    assert [r.getMessage().split()[0] for r in lines] == ["event=slack_request_refused"], lines
    assert all(r.exc_info is None for r in caplog.records)
    assert "Traceback" not in text
    return status, text


def sign_bytes(stamp: str, raw: bytes) -> str:
    """Sign the very bytes, as Slack does (slack_sdk's signer decodes them as UTF-8 first)."""
    base = b"v0:" + stamp.encode() + b":" + raw
    return "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()


async def nothing_done(bot: SlackBot, relais: Engine, fake: FakeSlack, calls: int = 0) -> None:
    await bot.runtime.settle()
    jobs = await relais.db.read(
        lambda c: c.execute("SELECT count(*) FROM slack_jobs").fetchone()[0]
    )
    assert jobs == calls
    assert fake.of("response_url") == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("payload=" + quote("{not json"), FORM),
        ("payload=null", FORM),
        ("payload=" + quote("[1, 2]"), FORM),
        ("[]", JSON),
        ("null", JSON),
        ("{not json", JSON),
        ("text=deal+new+Sans+utilisateur&command=%2Fcrm", FORM),
        (payload({"type": "view_submission", "view": {"callback_id": "deal_new"}}), FORM),
        (payload({"type": "view_submission", "user": USER}), FORM),
        (payload({"type": "block_actions", "user": USER, "actions": []}), FORM),
        (payload({"type": "block_actions", "user": USER, "actions": ["deal_show"]}), FORM),
        (payload({"type": "block_actions", "actions": [{"action_id": "deal_show"}]}), FORM),
        (payload({"type": "event_callback", "event": "app_home_opened"}), FORM),
        (payload({"kind": "untyped"}), FORM),
    ],
    ids=[
        "bad-json-payload", "null-payload", "array-payload", "array-body", "null-body",
        "bad-json-body", "command-without-user", "view-without-user", "view-without-view",
        "empty-actions", "action-not-object", "action-without-user", "event-not-object",
        "untyped",
    ],
)  # fmt: skip
async def test_a_malformed_signed_payload_is_a_400(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine,
    caplog: pytest.LogCaptureFixture, body: str, content_type: str,
) -> None:  # fmt: skip
    status, _ = await refused(slack, caplog, body, content_type)
    assert status == 400
    await nothing_done(bot, relais, fake)


async def test_invalid_utf8_is_a_400_when_signed_and_a_401_when_not(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    raw = b"command=%2Fcrm&user_id=U_ALICE&text=\xff\xfe"
    assert (await refused(slack, caplog, raw, FORM))[0] == 400
    headers = slack.headers("command=%2Fcrm&user_id=U_ALICE&text=")  # signed for other bytes
    assert slack.http is not None
    async with slack.http.post(slack.url, data=raw, headers=headers) as response:
        assert response.status == 401
    await nothing_done(bot, relais, fake)


@pytest.mark.parametrize(
    "breakage",
    [
        {"state": {"values": []}},
        {"state": {"values": {"title": "Poêle"}}},
        {"state": {"values": {"title": {"value": "not a state"}}}},
        {"private_metadata": "{broken"},
        {"private_metadata": "[1, 2]"},
        {"callback_id": None},
        {"blocks": "none"},
    ],
    ids=[
        "values-array", "block-not-object", "state-not-object", "metadata-bad-json",
        "metadata-array", "no-callback-id", "blocks-not-list",
    ],
)  # fmt: skip
async def test_a_submitted_view_that_slack_never_sends_is_a_400(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine,
    caplog: pytest.LogCaptureFixture, breakage: dict[str, Any],
) -> None:  # fmt: skip
    await slack.command("deal new")
    await bot.runtime.settle()
    view = {**shown_view(fake), **breakage}
    opened = len(fake.calls)
    status, _ = await refused(slack, caplog, submission(view), FORM)
    assert status == 400
    await bot.runtime.settle()
    assert (
        await relais.db.read(lambda c: c.execute("SELECT count(*) FROM deals").fetchone()[0]) == 0
    )
    assert len(fake.calls) == opened


async def test_metadata_a_form_needs_but_lacks_is_a_400_with_one_line(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    view = {"type": "modal", "callback_id": "deal_move", "blocks": [], "private_metadata": "{}"}
    caplog.clear()
    status, text = await slack.interact(
        {"type": "view_submission", "user": USER, "team": {"id": TEAM}, "view": view}
    )
    assert status == 400 and "Traceback" not in text
    lines = [r for r in caplog.records if r.name == "relais.slack" and r.levelno >= logging.INFO]
    assert [r.getMessage().split()[0] for r in lines] == ["event=slack_request_malformed"]
    assert all(r.exc_info is None for r in caplog.records)


@pytest.mark.parametrize("stamp", ["abc", "", "1e9", " 1700000000", "9" * 40, "-1"])
async def test_a_timestamp_that_is_not_a_number_is_a_401(
    slack: SlackClient, fake: FakeSlack, bot: SlackBot, relais: Engine, stamp: str
) -> None:
    body = "command=%2Fcrm&text=deal+new+Horodatage&user_id=U_ALICE"
    headers = slack.headers(body)
    headers["X-Slack-Request-Timestamp"] = stamp
    status, text = await slack.post(body, headers)
    assert status == 401 and "Traceback" not in text
    await nothing_done(bot, relais, fake)


async def test_a_non_ascii_signature_is_a_401(service: Service, slack: SlackClient) -> None:
    body = "command=%2Fcrm&text=help&user_id=U_ALICE"
    headers = slack.headers(body)
    async with aiohttp.ClientSession() as http:
        raw_headers = {**headers, "X-Slack-Signature": "v0=é"}
        async with http.post(slack.url, data=body.encode(), headers=raw_headers) as response:
            assert response.status == 401
