"""Delivering the outbox after commit: webhooks over HTTP, retried with backoff.

The engine writes a transition's webhook in the same transaction as the
transition; this worker, run on every scheduler tick and right after each
transition that queued something, claims the due messages, POSTs them and
records each attempt. A 2xx delivers; a timeout, a connection error, a 408,
a 429 or a 5xx is retried later (10 s, 20 s, 40 s … up to an hour, 8
attempts); any other 4xx fails for good. Receivers can de-duplicate on the
``X-Relais-Message-Id`` header (delivery is at least once).

E-mails go through the SMTP relay when one is configured
(``RELAIS_SMTP_RELAY_HOST``, :mod:`service.mailer`), with the same retries;
without one they stay pending. Slack notifications are the Slack bot's.

Each message is settled as soon as its own attempt ends, whatever happens to
the others of its batch: a message that cannot be built or sent fails alone
with its reason (an error of ours is retried like a connection problem), and
one already handed to the relay is recorded as delivered, so it is never sent
again when the batch's lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

import aiohttp

from engine.api import Engine, Phrase
from engine.api.outbox import Message, Outcome
from engine.api.outbox import queue as outbox
from service.mailer import Mailer

log = logging.getLogger("relais.outbox")
RETRIED_STATUSES = frozenset({408, 425, 429})


class OutboxWorker:
    kinds: tuple[str, ...] = ("webhook",)

    def __init__(
        self, engine: Engine, *, timeout: float = 10.0, batch: int = 20,
        mailer: Mailer | None = None,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.mailer = mailer
        if mailer is not None:
            self.kinds = ("webhook", "email")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.batch = batch
        self._session: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def run_once(self, now: datetime | None = None) -> int:
        """Deliver every due message (a batch at a time); returns how many were delivered."""
        delivered = 0
        async with self._lock:
            while True:
                claimed = await self.engine.outbox.claim(self.kinds, now, self.batch)
                if not claimed:
                    return delivered
                statuses = await asyncio.gather(*(self._attempt(m, now) for m in claimed))
                delivered += statuses.count("delivered")
                if len(claimed) < self.batch:
                    return delivered

    async def _attempt(self, message: Message, now: datetime | None) -> str:
        """Deliver one message and settle it at once; never raises for its batch."""
        try:
            outcome = await self.deliver(message)
        except Exception as exc:  # an error of ours: this message alone is retried
            log.exception("event=outbox_error id=%d", message.id)
            error = f"{type(exc).__name__}: {exc}"
            outcome = Outcome(False, Phrase("outbox.error.internal", error=error).stored())
        try:
            status = await self.engine.outbox.settle(message.id, outcome, now)
        except Exception:  # the lease brings it back; nothing else is held up
            log.exception("event=outbox_settle_failed id=%d", message.id)
            return "unsettled"
        _log(message, outcome, status)
        return status

    async def deliver(self, message: Message) -> Outcome:
        if message.kind == "email" and self.mailer is not None:
            return await self._email(message, self.mailer)
        return await self._webhook(message)

    async def _email(self, message: Message, mailer: Mailer) -> Outcome:
        sent = await mailer.send(message)
        if sent.mail is not None:
            try:
                await self.engine.mail.record_sent(sent.mail)
            except Exception:  # the relay has it: still delivered, never sent twice
                log.exception("event=sent_mail_not_recorded id=%d", message.id)
        return sent.outcome

    async def _webhook(self, message: Message) -> Outcome:
        started = time.perf_counter()
        headers = {
            **message.payload.get("headers", {}),
            "User-Agent": "Relais-webhook/1",
            "X-Relais-Message-Id": str(message.id),
            "X-Relais-Attempt": str(message.attempts + 1),
        }
        try:
            async with self.session().post(
                message.recipient, json=message.payload.get("body"), headers=headers
            ) as response:
                text = (await response.text())[:200]
                return _outcome(response.status, text, _ms(started))
        except (ValueError, aiohttp.NonHttpUrlClientError) as exc:  # the same at every attempt
            said = Phrase("outbox.error.invalid_request", error=f"{type(exc).__name__}: {exc}")
            return Outcome(False, said.stored(), None, _ms(started), retry=False)
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}".strip(": ")
            said = Phrase("outbox.error.connection", error=error)
            return Outcome(False, said.stored(), None, _ms(started))


def _outcome(status: int, text: str, duration_ms: int) -> Outcome:
    if 200 <= status < 300:
        return Outcome(True, f"HTTP {status}", status, duration_ms)
    retry = status >= 500 or status in RETRIED_STATUSES
    said = Phrase("outbox.error.http", status=status, body=text)  # the receiver's words as sent
    return Outcome(False, said.stored(), status, duration_ms, retry=retry)


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _log(message: Message, outcome: Outcome, status: str) -> None:
    level = logging.INFO if outcome.ok else logging.WARNING
    retry = ""
    if status == "pending":
        retry = f" retry_in={outbox.backoff(message.attempts + 1):.0f}s"
    log.log(
        level,
        "event=%s_%s id=%d deal=%s attempt=%d detail=%r%s",
        message.kind, status, message.id, message.deal_id, message.attempts + 1,
        Phrase.from_stored(outcome.detail), retry,
    )  # fmt: skip
