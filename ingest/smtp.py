"""The SMTP listener: one aiosmtpd handler, served in the service's own event loop.

``handle_RCPT`` refuses every address that is not a capture address (never an
open relay); ``handle_MAIL`` checks the sender's syntax (no DNS) and the
client's message rate; ``handle_DATA`` stores the raw message through the
engine and answers ``250`` only once it is committed. Parsing and routing
happen after the answer (:mod:`ingest.processor`). Every reply is a named
constant below, and every error becomes a reply in :func:`reply_for`: a
failure is always transient (``451``) so that the sender retries instead of
bouncing the mail, never aiosmtpd's default ``500``. What can never succeed
is refused for good, with its reason: an address naming a record that cannot
exist (``deals+99999999999999999999999@``) is a ``550``, and a line longer
than ``Limits.max_line_length`` (1 MiB by default; RFC 5321's 1,000 bytes are
far exceeded by real webmail and HTML generators) is a ``552``.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import ssl
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, AnyStr

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from engine.api import Engine, wait_at_most
from engine.api.crm import normalize_email
from engine.api.mail import IntakePolicy, RawMail, RecipientMatch, address_key
from ingest.auth import verify
from ingest.limits import ConnectionLimiter, RateLimiter
from telemetry.mail import MailMetrics

log = logging.getLogger("relais.smtp")

SENDER_OK = "250 2.1.0 Sender OK"
RECIPIENT_OK = "250 2.1.5 Recipient OK"
QUEUED = "250 2.0.0 OK: queued as {mail_id}"
NOT_OURS = "550 5.1.1 <{address}>: Recipient address rejected: not a capture address here"
NO_SUCH_RECORD = "550 5.1.1 <{address}>: Recipient address rejected: no such {kind}"
BAD_SENDER = "553 5.1.7 <{address}>: Sender address rejected: {reason}"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
RATE_LIMITED = "451 4.7.1 Too many messages from {client}; try again later"
TOO_MANY_CONNECTIONS = "421 4.7.0 Too many connections from {client}; try again later"
TRY_AGAIN = "451 4.3.0 Temporary failure; try again later"
LINE_TOO_LONG = "552 5.3.4 Line too long: lines of up to {limit} bytes (CRLF included) are accepted"
NULL_SENDER = "<>"
RFC_LINE_LENGTH = 1001  # RFC 5321 §4.5.3.1.6: 998 octets, CRLF, a transparent dot


def reply_for(error: BaseException) -> str:
    """The one place an error becomes a reply: always transient, so nothing bounces."""
    log.error("event=smtp_error error=%r", error)
    return TRY_AGAIN


@dataclass(frozen=True, slots=True)
class Limits:
    max_message_size: int = 25 * 1024 * 1024
    max_recipients: int = 50
    messages_per_minute: int = 300
    connections_per_client: int = 20
    timeout: float = 300.0
    max_line_length: int = 1024 * 1024


def capture_key(match: RecipientMatch) -> str:
    """A route's address, plus the record it names (``deals+42@`` is not ``deals@``)."""
    if match.record is None:
        return match.route.address
    kind, record_id = match.record
    return f"{match.route.address}#{kind}:{record_id}"


def client_of(peer: Any) -> str:
    """The client's address from aiosmtpd's ``session.peer`` (a tuple for TCP)."""
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return str(peer or "")


class CaptureHandler:
    """What to do with each SMTP command; the protocol itself is aiosmtpd's."""

    def __init__(
        self,
        engine: Engine,
        policy: IntakePolicy,
        limits: Limits = Limits(),
        metrics: MailMetrics | None = None,
        users: dict[str, str] | None = None,
        on_stored: Callable[[int, bytes], None] | None = None,
    ) -> None:
        self.engine = engine
        self.policy = policy
        self.limits = limits
        self.metrics = metrics or MailMetrics()
        self.rates = RateLimiter(limits.messages_per_minute)
        self.users = users or {}
        self.sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()
        self.on_stored: Callable[[int, bytes], None] = on_stored or (lambda mail_id, raw: None)
        self.storing = 0  # DATA commands waiting for their commit
        self._stored_at: collections.deque[float] = collections.deque(maxlen=2)
        self._stored_all = asyncio.Event()

    def busy(self, within: float = 0.05) -> bool:
        """Whether mail is streaming in: one being stored, or two stored just now."""
        if self.storing:
            return True
        stamps = self._stored_at
        return len(stamps) == 2 and time.monotonic() - stamps[0] < within

    @property
    def auth_enabled(self) -> bool:
        return bool(self.users)

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, lines: list[str]
    ) -> list[str]:
        session.host_name = hostname
        if self.auth_enabled:
            return lines
        return [line for line in lines if not line[4:].startswith("AUTH")]

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        client = client_of(session.peer)
        if not session.authenticated and not self.rates.allow(client):
            return self._reply(RATE_LIMITED.format(client=client))
        if address != NULL_SENDER:
            try:
                normalize_email(address)
            except ValueError as exc:
                return self._reply(BAD_SENDER.format(address=address, reason=exc))
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return self._reply(SENDER_OK)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= self.limits.max_recipients:
            return self._reply(TOO_MANY_RECIPIENTS)
        refusal = await self._refusal(address)
        if refusal is not None:
            return self._reply(refusal)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return self._reply(RECIPIENT_OK)

    async def _refusal(self, address: str) -> str | None:
        """Why a recipient is refused for good (550), or ``None`` to accept it."""
        try:
            match = self.policy.match(address)
        except ValueError:  # a tag of digits int() cannot read (``deals+²@``)
            return NO_SUCH_RECORD.format(address=address, kind="record")
        if match is None:
            return NOT_OURS.format(address=address)
        if match.record is not None and not await self.engine.mail.record_exists(*match.record):
            return NO_SUCH_RECORD.format(address=address, kind=match.record[0])
        return None

    def capture_of(self, address: str) -> str:
        """The capture address a recipient belongs to: ``leads+salon@`` is ``leads@``."""
        try:
            match = self.policy.match(address)
        except ValueError:
            match = None
        return address_key(address) if match is None else capture_key(match)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        started = time.perf_counter()
        raw = envelope.original_content or b""
        sender = "" if envelope.mail_from in (None, NULL_SENDER) else str(envelope.mail_from)
        peer = client_of(session.peer)
        mail = RawMail(raw, sender, tuple(envelope.rcpt_tos), peer, self.capture_of)
        self.storing += 1
        self._stored_all.clear()
        try:
            stored = await self.engine.mail.store(mail)
        except Exception as exc:
            return self._reply(reply_for(exc))
        finally:
            self.storing -= 1
            self._stored_at.append(time.monotonic())
            if not self.storing:
                self._stored_all.set()
        self.metrics.accept_seconds.observe(time.perf_counter() - started)
        self.metrics.received_bytes.inc(len(raw))
        self.metrics.mails.labels(outcome="stored" if stored.created else "duplicate").inc()
        if stored.created:
            self.on_stored(stored.mail_id, raw)
        return self._reply(QUEUED.format(mail_id=stored.mail_id))

    async def handle_exception(self, error: Exception) -> str:
        return self._reply(reply_for(error))

    async def close_sessions(self, grace: float = 10.0) -> None:
        """Let messages being stored get their answer, then hang up on every session."""
        if self.storing:
            await wait_at_most(self._stored_all, grace)
        for session in list(self.sessions):
            if session.transport is not None:
                session.transport.close()

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            login = data.login.decode("utf-8", "replace")
            stored = self.users.get(login)
            if stored is not None and verify(stored, data.password):
                return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)

    def _reply(self, line: str) -> str:
        return self.metrics.reply(line)


class RelaisSMTP(SMTP):
    """aiosmtpd's protocol, a cap on sessions per client address, and long lines.

    aiosmtpd reads with a buffer limit of ``line_length_limit`` (RFC 5321's 1,001
    bytes) and answers a longer DATA line with a permanent ``500 Line too long``.
    The limit is raised to ``Limits.max_line_length`` (read in ``SMTP.__init__``,
    hence set first), and past it the reply says what happened, as a ``552``.
    """

    def __init__(self, handler: CaptureHandler, connections: ConnectionLimiter, **kwargs: Any):
        self.line_length_limit = max(handler.limits.max_line_length, RFC_LINE_LENGTH)
        super().__init__(handler, **kwargs)
        handler.sessions.add(self)
        self._connections = connections
        self._counted: str | None = None
        self._metrics = handler.metrics

    async def _handle_client(self) -> None:
        assert self.session is not None and self.transport is not None
        client = client_of(self.session.peer)
        if not self._connections.acquire(client):
            await self.push(self._metrics.reply(TOO_MANY_CONNECTIONS.format(client=client)))
            self.transport.close()
            return
        self._counted = client
        self._metrics.sessions.inc()
        await super()._handle_client()

    async def push(self, status: AnyStr) -> None:
        """Every reply goes out here: aiosmtpd's line-length ``500`` becomes ours."""
        if isinstance(status, str) and status.startswith("500 Line too long"):
            await super().push(self._metrics.reply(self._line_too_long()))
            return
        await super().push(status)

    def _line_too_long(self) -> str:
        return LINE_TOO_LONG.format(limit=self.line_length_limit)

    def connection_lost(self, error: Exception | None) -> None:
        if self._counted is not None:
            self._connections.release(self._counted)
            self._metrics.sessions.dec()
            self._counted = None
        super().connection_lost(error)


@dataclass(frozen=True, slots=True)
class ServerOptions:
    host: str = "127.0.0.1"
    port: int = 2525
    hostname: str = "localhost"
    tls: ssl.SSLContext | None = None


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def protocol_factory(
    handler: CaptureHandler, options: ServerOptions, loop: asyncio.AbstractEventLoop
) -> Callable[[], RelaisSMTP]:
    connections = ConnectionLimiter(handler.limits.connections_per_client)
    loopback = options.host in ("127.0.0.1", "::1", "localhost")

    def factory() -> RelaisSMTP:
        return RelaisSMTP(
            handler,
            connections,
            data_size_limit=handler.limits.max_message_size,
            enable_SMTPUTF8=True,
            hostname=options.hostname,
            timeout=handler.limits.timeout,
            tls_context=options.tls,
            authenticator=handler.authenticate if handler.auth_enabled else None,
            auth_require_tls=not loopback,
            loop=loop,
        )

    return factory


async def start_server(handler: CaptureHandler, options: ServerOptions) -> asyncio.Server:
    """Listen in the running loop (not aiosmtpd's threaded Controller)."""
    loop = asyncio.get_running_loop()
    factory = protocol_factory(handler, options, loop)
    return await loop.create_server(factory, host=options.host, port=options.port)
