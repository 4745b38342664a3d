"""A fake Slack: the Web API methods Relais calls, and response_url hooks.

An aiohttp server on a loopback port chosen by the system, in the test's own
event loop. It records every call (method, decoded parameters) so tests
assert on what the bot actually said and showed, keeps just enough state to
answer like Slack (message timestamps, view ids, single-use trigger ids),
and can be told to fail: ``ratelimited`` with ``Retry-After``, or down.

Like Slack, it refuses a payload past Block Kit's limits (``invalid_blocks``,
see :mod:`tests.fakes.block_limits`); unlike Slack, it also keeps each
refusal in ``violations``, and ``stop()`` fails the test that caused one. The
acks the bot sends back (a submission's errors or new view, an external
select's options) are checked the same way by ``SlackClient``.

``SlackClient`` (:mod:`tests.fakes.slack_client`, re-exported here) is the
other side: it signs requests the way Slack does and POSTs them to the bot's
``/slack/events``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

from tests.fakes import block_limits
from tests.fakes.slack_client import SECRET, TEAM, SlackClient, ack_problems

TOKEN = "xoxb-test-token"
# A trigger id ending in ``@<unix ms>`` says when Slack issued it: it works for 3 s.
TRIGGER_TIME = re.compile(r"@(\d{13})$")
TRIGGER_LIFE = 3.0
APP_TOKEN = "xapp-test-token"
BOT_USER = "U0BOT"
MESSAGES = ("chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage")
VIEWS = ("views.open", "views.update", "views.push", "views.publish")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    def text(self) -> str:
        """Every text the call shows: its ``text`` and all strings inside its blocks/view."""
        found: list[str] = [str(self.params.get("text", ""))]
        _strings(self.params.get("blocks"), found)
        _strings(self.params.get("view"), found)
        return "\n".join(found)


def _strings(value: Any, found: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                found.append(item)
            else:
                _strings(item, found)
    elif isinstance(value, list):
        for item in value:
            _strings(item, found)


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}  # file id → the bytes sent to its upload URL
        self.files: dict[str, dict[str, Any]] = {}  # completed uploads: id → title, channel
        self.failures: dict[str, deque[Failure]] = {}
        self._used_triggers: set[str] = set()
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self.violations: list[str] = []  # payloads real Slack would have refused
        self.port = 0

    # -- set-up -------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/hooks/{hook}", self._hook)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/link", self._link)
        app.router.add_get("/calls/{method}", self._count)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Shut down; then fail if any payload broke Block Kit's limits."""
        for socket in self._sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
        self.assert_valid()

    def assert_valid(self) -> None:
        """Raise if real Slack would have refused something the bot sent or answered."""
        found, self.violations = self.violations, []
        assert not found, "payloads real Slack refuses:\n" + "\n".join(found)

    def take_violations(self) -> list[str]:
        """The violations so far, forgotten (for tests that send invalid payloads on purpose)."""
        found, self.violations = self.violations, []
        return found

    def violate(self, where: str, problems: list[str]) -> None:
        self.violations += [f"{where}: {p}" for p in problems]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r") -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{name}-{next(self._ids)}"

    def user(
        self, user_id: str, name: str, email: str | None = None, locale: str = "fr-FR",
        tz: str = "Europe/Paris",
    ) -> None:  # fmt: skip
        profile = {"real_name": name, "email": email} if email else {"real_name": name}
        self.users[user_id] = {
            "id": user_id, "name": name.split()[0].lower(), "real_name": name, "tz": tz,
            "locale": locale, "profile": profile,
        }  # fmt: skip

    def fail(self, method: str, times: int = 1, *, status: int = 429, retry_after: int = 1) -> None:
        """The next ``times`` calls of ``method`` fail: rate-limited, or down (5xx)."""
        if status == 429:
            failure = Failure(
                429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
            )
        else:
            failure = Failure(status, {"ok": False, "error": "service_unavailable"})
        self.failures.setdefault(method, deque()).extend([failure] * times)

    # -- what was said --------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, seconds: float = 5.0) -> list[Call]:
        async with asyncio.timeout(seconds), self._changed:
            await self._changed.wait_for(lambda: len(self.of(method)) >= count)
        return self.of(method)

    def said(self) -> str:
        """All text shown to anyone so far, for loose assertions."""
        return "\n".join(c.text() for c in self.calls)

    # -- the API ----------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        raw = await request.text()
        if raw.startswith("{"):
            params.update(json.loads(raw))
        elif raw:
            params.update(parse_qsl(raw))
        return {k: _decode(v) for k, v in params.items()}

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        if method == "apps.connections.open" and request.headers.get("Authorization") == (
            f"Bearer {APP_TOKEN}"
        ):
            await self._record(Call(method, params))
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"})
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"ok": False, "error": "not_authed"})
        queued = self.failures.get(method)
        if queued:
            failure = queued.popleft()
            await self._record(Call(f"{method}!{failure.status}", params))
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        refused = self._refusal(method, params)
        if refused is not None:
            await self._record(Call(f"{method}!invalid", params))
            return web.json_response(refused)
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        body = answer(params) if answer else {"ok": False, "error": "unknown_method"}
        await self._record(Call(method, params))
        return web.json_response(body)

    def _refusal(self, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """Slack's answer to a payload past Block Kit's limits (None: it is within them)."""
        if method in MESSAGES:
            problems, error = block_limits.message_problems(params), "invalid_blocks"
        elif method == "chat.unfurl":
            problems, error = _unfurl_problems(params), "invalid_unfurls"
        elif method in VIEWS:
            problems, error = block_limits.view_problems(params.get("view")), "invalid_arguments"
        else:
            return None
        if not problems:
            return None
        self.violate(method, problems)
        return {"ok": False, "error": error, "response_metadata": {"messages": problems}}

    async def _count(self, request: web.Request) -> web.Response:
        """How many calls of a method so far (for a fake running in another process)."""
        return web.json_response(len(self.of(request.match_info["method"])))

    async def _hook(self, request: web.Request) -> web.Response:
        params = json.loads(await request.text())
        params["hook"] = request.match_info["hook"]
        problems = block_limits.message_problems(params)
        if problems:
            self.violate("response_url", problems)
            await self._record(Call("response_url!invalid", params))
            return web.json_response({"ok": False, "error": "invalid_blocks"}, status=400)
        await self._record(Call("response_url", params))
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        """Step 2 of ``files_upload_v2``: the bytes, POSTed to the URL step 1 handed out.

        A URL Slack never handed out is a 404, as it would be for a forged one.
        """
        file_id = request.match_info["file_id"]
        if file_id not in self.files:
            self.violate("file_upload", [f"no upload URL was issued for {file_id}"])
            return web.Response(status=404, text="not found")
        data = await request.read()
        self.uploads[file_id] = data
        await self._record(Call("file_upload", {"file_id": file_id, "size": len(data)}))
        return web.Response(text=f"OK - {len(data)}")

    # -- Socket Mode --------------------------------------------------------------------

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        await self._record(Call("socket_connected", {}))
        async for message in socket:
            if message.type == aiohttp.WSMsgType.TEXT:
                await self._record(Call("socket_ack", json.loads(message.data)))
        return socket

    async def push(self, envelope: dict[str, Any]) -> None:
        """Send an envelope down every open Socket Mode connection."""
        for socket in self._sockets:
            if not socket.closed:
                await socket.send_json(envelope)

    @property
    def connected(self) -> bool:
        return any(not s.closed for s in self._sockets)

    def _ts(self) -> str:
        return f"{1_700_000_000 + next(self._ids)}.000100"

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True, "url": "https://relais-test.slack.com/", "team": "Relais Test",
            "user": "relais", "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0BOT",
        }  # fmt: skip

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user"))
        if user_id not in self.users:
            self.user(user_id, f"Member {user_id}", f"{user_id.lower()}@example.com")
        return {"ok": True, "user": self.users[user_id]}

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": params.get("channel"), "ts": self._ts(), "message": params}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}

    def _chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._ts()}

    def _chat_unfurl(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def _chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params.get("channel"), str(params.get("message_ts") or "")
        if not channel or not ts:
            return {"ok": False, "error": "invalid_arguments"}
        link = f"https://relais-test.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": "D" + str(params.get("users"))}}

    def _files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        """Step 1: a file id and the URL to POST its bytes to (``filename``, ``length`` needed)."""
        length = str(params.get("length", ""))
        if not params.get("filename") or not length.isdigit() or int(length) < 1:
            self.violate("files.getUploadURLExternal", [f"filename and length: {params}"])
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids):05d}"
        self.files[file_id] = {"name": params.get("filename"), "length": int(length)}
        url = f"http://127.0.0.1:{self.port}/upload/{file_id}"
        return {"ok": True, "upload_url": url, "file_id": file_id}

    def _files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        """Step 3: share what was uploaded. An id step 1 never gave, a file whose bytes never
        came, or came at another size than announced, is refused (the exact error code Slack
        gives for a size mismatch is not documented: the fake says ``invalid_arguments``)."""
        done = []
        items = params.get("files") or []
        if not items:
            self.violate("files.completeUploadExternal", ["no files"])
            return {"ok": False, "error": "invalid_arguments"}
        for item in items:
            file_id = str(item.get("id"))
            known = self.files.get(file_id)
            if known is None or file_id not in self.uploads or known.get("done"):
                self.violate("files.completeUploadExternal", [f"unknown or completed {file_id}"])
                return {"ok": False, "error": "file_not_found"}
            if len(self.uploads[file_id]) != known["length"]:
                sizes = f"{len(self.uploads[file_id])} bytes sent, {known['length']} announced"
                self.violate("files.completeUploadExternal", [f"{file_id}: {sizes}"])
                return {"ok": False, "error": "invalid_arguments"}
            known.update(title=item.get("title"), channel=params.get("channel_id"), done=True)
            done.append({"id": item.get("id"), "title": item.get("title"), **known})
        return {"ok": True, "files": done}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = str(params.get("trigger_id"))
        if trigger in self._used_triggers:
            return {"ok": False, "error": "exchanged_trigger_id"}
        issued = TRIGGER_TIME.search(trigger)
        if issued and time.time() - int(issued.group(1)) / 1000 > TRIGGER_LIFE:
            return {"ok": False, "error": "expired_trigger_id"}
        self._used_triggers.add(trigger)
        return self._store_view(f"V{next(self._ids):05d}", params["view"])

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = str(params.get("view_id"))
        if view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        return self._store_view(view_id, params["view"])

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "VHOME", **params["view"]}}

    def _store_view(self, view_id: str, view: dict[str, Any]) -> dict[str, Any]:
        stored = {**view, "id": view_id, "hash": f"h{next(self._ids)}"}
        self.views[view_id] = stored
        return {"ok": True, "view": stored}


def _unfurl_problems(params: dict[str, Any]) -> list[str]:
    """``chat.unfurl``: where (channel + ts, or unfurl_id + source), and each URL's blocks."""
    problems: list[str] = []
    if not (params.get("channel") and params.get("ts")) and not (
        params.get("unfurl_id") and params.get("source")
    ):
        problems.append("chat.unfurl: neither channel + ts nor unfurl_id + source")
    unfurls = params.get("unfurls")
    if not isinstance(unfurls, dict) or not unfurls:
        return [*problems, "unfurls: an object of at least one URL → attachment"]
    for url, unfurl in unfurls.items():
        if not isinstance(unfurl, dict) or not unfurl.get("blocks"):
            problems.append(f"unfurls[{url!r}]: no blocks")
            continue
        problems += [f"unfurls[{url!r}]: {p}" for p in block_limits.message_problems(unfurl)]
    return problems


__all__ = [
    "APP_TOKEN", "BOT_USER", "SECRET", "TEAM", "TOKEN", "Call", "FakeSlack", "SlackClient",
    "ack_problems",
]  # fmt: skip
