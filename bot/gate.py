"""The door of ``/slack/events``: signature, age, encoding and shape, before Bolt.

Bolt checks signatures too, but a timestamp that is not a number made its
check raise (500), and it parses the body before any listener runs, so a
signed body of broken JSON, an array or invalid UTF-8 raised out of its
parser with a traceback. Here the request is read once, as bytes: a missing,
wrong or stale signature and a timestamp that is not a number are 401; a
body that is not UTF-8, cannot be parsed or is not shaped as Slack sends it
(:mod:`bot.shapes`) is 400. Each refusal is one log line, and no listener
ever sees such a request.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest

from bot import shapes

MAX_AGE = 60 * 5  # seconds, as Slack documents and Bolt checks
TIMESTAMP = "X-Slack-Request-Timestamp"
SIGNATURE = "X-Slack-Signature"
UNREADABLE = (ValueError, TypeError, AttributeError, KeyError, IndexError)


class Refused(Exception):
    """A request turned away at the door: its HTTP status and, for the log, why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def response(self) -> web.Response:
        """What the sender gets: the status and a word, never the reason's detail."""
        error = "invalid_request" if self.status == 401 else "malformed_request"
        return web.json_response({"error": error}, status=self.status)


async def admit(request: web.Request, secret: str) -> AsyncBoltRequest:
    """The request as Bolt reads it, once signed, fresh and well formed; else ``Refused``."""
    raw = await request.read()
    why = unsigned(secret, request.headers.get(TIMESTAMP), request.headers.get(SIGNATURE), raw)
    if why is not None:
        raise Refused(401, why)
    return parsed(raw, request)


def unsigned(
    secret: str, timestamp: str | None, signature: str | None, raw: bytes, now: float | None = None
) -> str | None:
    """Why the signature does not hold for ``raw``, or None when it does."""
    if not timestamp or not signature:
        return "missing signature headers"
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return "the timestamp is not a number"
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_AGE:
        return "the timestamp is more than five minutes away"
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    given = signature.encode("utf-8", "surrogateescape")
    return None if hmac.compare_digest(expected.encode(), given) else "the signature does not match"


def parsed(raw: bytes, request: web.Request) -> AsyncBoltRequest:
    """Decode and parse the body as Bolt does; 400 when it cannot, or its shape is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(400, "the body is not UTF-8") from exc
    try:
        headers: dict[str, str | Sequence[str]] = {
            name: request.headers.getall(name) for name in request.headers
        }
        bolt_request = AsyncBoltRequest(body=text, query=request.query_string, headers=headers)
    except UNREADABLE as exc:
        raise Refused(400, f"the body cannot be parsed ({type(exc).__name__})") from exc
    why = shapes.problem(bolt_request.body)
    if why is not None:
        raise Refused(400, why)
    return bolt_request
