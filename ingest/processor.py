"""After the 250: parse stored mail off the accept path and hand it to the engine.

Fed by the listener (the raw bytes it just stored), by the engine's
``mail.received`` event (published after the commit; whoever runs the
processor subscribes :meth:`MailProcessor.on_received` to it through the
wiring table, ``service.wiring`` — it never subscribes itself), and at start-up and
every ``rescan`` seconds by a scan of messages still ``received`` — so a crash
between storing and processing loses nothing. A scan takes ``scan_limit``
messages; when it finds that many it scans again as soon as the queue runs
low, so a backlog left by a restart drains without pause (it used to wait
``rescan`` seconds between two thousands). Messages are taken in batches: one
call parses a whole batch in a worker process (:mod:`ingest.parsing`; the loop
keeps serving SMTP on one core while another parses), each message under a
``deadline``; then the engine decides and creates each message's records in
its own write; the writes of a batch share one commit. While mail streams in,
processing is paced so that accepting keeps priority; the backlog drains at
full speed once the stream pauses. A message that cannot be processed (past
its deadline, say) is marked ``failed`` with its reason, never dropped.

:meth:`MailProcessor.backlog_probe` tells ``/healthz`` when the oldest mail
waiting is older than a threshold, and keeps the metric of its age.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from engine.api import DomainEvent, Engine, clock
from engine.api.mail import (
    Address,
    AttachmentData,
    IncomingMail,
    IntakePolicy,
    Outcome,
)
from ingest.parser import ParsedMail
from ingest.parsing import Parser, ThreadParser, WorkerParser
from telemetry.mail import MailMetrics

log = logging.getLogger("relais.mail")
WARM_UP = b"Subject: warm-up\r\n\r\n.\r\n"
DEADLINE = 10.0  # seconds to parse one message (RELAIS_MAIL_PARSE_DEADLINE)
SCAN = 1000  # messages queued by one scan of the waiting ones
Probe = Callable[[], Awaitable[dict[str, float] | None]]


class ParseFailed(Exception):
    pass


def _error(result: ParsedMail | str) -> ParsedMail | Exception:
    return ParseFailed(result) if isinstance(result, str) else result


def to_incoming(mail_id: int, parsed: ParsedMail) -> IncomingMail:
    """The parser's view of a message, as the engine's plain dataclass."""
    return IncomingMail(
        mail_id=mail_id,
        subject=parsed.subject,
        sender=_address(parsed.from_email, parsed.from_name),
        reply_to=_address(parsed.reply_to_email, parsed.reply_to_name),
        references=parsed.references,
        text=parsed.text,
        note=parsed.note,
        attachments=tuple(
            AttachmentData(a.filename, a.content_type, a.content) for a in parsed.attachments
        ),
        automated=parsed.automated,
        form=parsed.form,
        spam_score=parsed.spam_score,
        has_from=parsed.has_from,
        unreadable=parsed.unreadable,
        too_deep=parsed.too_deep,
    )


def _address(email: str, name: str) -> Address | None:
    return Address(email, name) if email else None


BATCH = 32  # messages parsed in one call to the worker and committed together
# While mail streams in, accepting it comes first (the 250 is the promise made to
# senders): processing is paced to one small batch per PACE seconds, and drains the
# backlog at full speed as soon as the stream pauses.
BUSY_BATCH = 8
PACE = 0.1
# ... and to a share of the time: a batch that took t seconds (parse and writes) is
# followed by a pause of t * (1 - BUSY_SHARE) / BUSY_SHARE. Its writes take the one
# writer's turns the SMTP 250s wait for: on PostgreSQL a mail's records are some twenty
# round trips, its storing two, so an unpaced intake would take most of the turns.
BUSY_SHARE = 0.25


async def _wait(event: asyncio.Event, seconds: float) -> None:
    """Until ``event`` is set, or ``seconds`` have passed."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


class MailProcessor:
    """Background processing in batches; ``workers`` parsing processes (0: a thread)."""

    def __init__(
        self,
        engine: Engine,
        policy: IntakePolicy,
        *,
        workers: int = 1,
        rescan: float = 30.0,
        metrics: MailMetrics | None = None,
        busy: Callable[[], bool] = lambda: False,
        deadline: float = DEADLINE,
        scan_limit: int = SCAN,
        owner: str | None = None,
    ) -> None:
        self.engine = engine
        self.policy = policy
        self.workers = workers
        self.rescan = rescan
        self.deadline = deadline
        self.scan_limit = scan_limit
        self.metrics = metrics or MailMetrics()
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._known: set[int] = set()
        self._raw: dict[int, bytes] = {}  # handed over by the listener: no read-back
        self._busy = busy
        self._tasks: list[asyncio.Task[None]] = []
        self._parser: Parser = ThreadParser(deadline)
        self._room = asyncio.Event()  # the queue ran low: a full scan may look again
        self._passed = asyncio.Event()  # a batch passed over mail held elsewhere: look again
        self._spent = 0.0  # seconds the last batch took: the pause after it while busy
        self.running = False
        # Whose lease a claimed mail is (engine/mail/leases.py): the instance's name when
        # it runs as one (``ingest.listener.claims_owner``); else this object's alone.
        self.owner = owner or uuid.uuid4().hex

    async def start(self) -> None:
        """Start the parser and the work, and queue what waits.

        What this owner's name still holds was held by its predecessor (a crash, a
        restart: one live process per name): given back first, so that the scan takes
        it at once instead of after the lease.
        """
        self._parser = self._new_parser()
        self.running = True
        loop = asyncio.get_running_loop()
        taken_back = await self.engine.mail.release_claims(self.owner)
        if taken_back:
            log.info("event=mail_claims_taken_back owner=%s mails=%d", self.owner, taken_back)
        self._tasks = [loop.create_task(self._work())]
        found = await self.scan()  # what a crash or a stop left unprocessed
        self._tasks.append(loop.create_task(self._rescan_forever(found)))
        await self._parse_safely([WARM_UP])  # start the worker now, not on the first mail

    async def stop(self) -> None:
        """Stop the work and the parser (unprocessed mail stays ``received``)."""
        self.running = False
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        try:  # what it still held goes back to the other instances at once
            await self.engine.mail.release_claims(self.owner)
        except Exception as exc:  # the database may be closing: the lease runs out
            log.warning("event=mail_release_failed error=%r", exc)
        await self._parser.close()
        self._parser = ThreadParser(self.deadline)

    def submit(self, mail_id: int, raw: bytes | None = None) -> None:
        """Queue a stored mail (with its bytes when the listener has them)."""
        if self.running and mail_id not in self._known:
            self._known.add(mail_id)
            if raw is not None:
                self._raw[mail_id] = raw
            self._queue.put_nowait(mail_id)
            self.metrics.backlog.set(len(self._known))

    async def idle(self) -> None:
        """Wait until every message stored so far is processed (tests, benchmarks)."""
        await self.engine.bus.drain()
        await self._queue.join()

    async def scan(self) -> int:
        """Claim and queue the first ``scan_limit`` messages still waiting; returns how many.

        Claimed (a lease): another instance's scan passes them over.
        """
        waiting = await self.engine.mail.claim(self.owner, self.scan_limit)
        for mail_id in waiting:
            self.submit(mail_id)
        return len(waiting)

    async def on_received(self, event: DomainEvent) -> None:
        """The listener of ``mail.received`` (wired by the caller): queue the new mail."""
        self.submit(event.entity_id)

    async def _rescan_forever(self, found: int) -> None:
        """A full scan may have left more: look again once the queue runs low.

        Otherwise look again every ``rescan`` seconds, or as soon as a batch passed over
        mail another claim held at that moment: on PostgreSQL that can be this
        processor's own scan, locking the rows while it claims them and queuing them
        before the batch had let them go; the batch then drops them, and only a scan
        takes them again. (The events are cleared before anything else runs once the
        scan has queued its mail, so a batch that ends after it is not missed.)
        """
        while True:
            if found < self.scan_limit:
                self._passed.clear()
                await _wait(self._passed, self.rescan)
            else:
                self._room.clear()
                await self._room.wait()
            found = await self._scan_safely()

    async def _scan_safely(self) -> int:
        try:
            return await self.scan()
        except Exception as exc:  # the database may be briefly unavailable
            log.warning("event=mail_rescan_failed error=%r", exc)
            return 0

    async def _next_batch(self) -> list[int]:
        batch = [await self._queue.get()]
        if self._busy():
            await asyncio.sleep(max(PACE, self._spent * (1 - BUSY_SHARE) / BUSY_SHARE))
        limit = BUSY_BATCH if self._busy() else BATCH
        while len(batch) < limit and not self._queue.empty():
            batch.append(self._queue.get_nowait())
        return batch

    async def _work(self) -> None:
        while True:
            batch = await self._next_batch()
            started = time.perf_counter()
            try:
                await self.process_batch(batch)
            finally:
                self._spent = time.perf_counter() - started
                for mail_id in batch:
                    self._known.discard(mail_id)
                    self._raw.pop(mail_id, None)
                    self._queue.task_done()
                self.metrics.backlog.set(len(self._known))
                if self._queue.qsize() <= self.scan_limit // 2:
                    self._room.set()

    async def process(self, mail_id: int) -> Outcome | None:
        """Parse and route one stored message; on error it is marked failed, not lost."""
        [outcome] = await self.process_batch([mail_id])
        return outcome

    async def process_batch(self, ids: list[int]) -> list[Outcome | None]:
        """One parse call for all, then one write each (they share the next commit).

        Only the messages no other instance holds are parsed (``None`` for the others).
        """
        mine = set(await self.engine.mail.claim_these(ids, self.owner))
        if len(mine) < len(set(ids)):
            self._passed.set()
        outcomes = iter(await self._process_claimed([i for i in ids if i in mine]))
        return [next(outcomes) if i in mine else None for i in ids]

    async def _process_claimed(self, ids: list[int]) -> list[Outcome | None]:
        if not ids:
            return []
        raws = [await self._raw_of(mail_id) for mail_id in ids]
        parsed = await self._parse_all(raws)
        if self._busy():  # one write at a time: no commit holds a whole batch's records
            return [await self._route(i, one) for i, one in zip(ids, parsed, strict=True)]
        return list(await asyncio.gather(*map(self._route, ids, parsed)))

    async def _raw_of(self, mail_id: int) -> bytes | Exception:
        raw = self._raw.pop(mail_id, None)
        if raw is not None:
            return raw
        try:
            return await self.engine.mail.raw(mail_id)
        except Exception as exc:
            return exc

    async def _route(self, mail_id: int, parsed: ParsedMail | Exception) -> Outcome | None:
        try:
            if isinstance(parsed, Exception):
                raise parsed
            outcome = await self.engine.mail.process(to_incoming(mail_id, parsed), self.policy)
        except Exception as exc:
            await self._fail(mail_id, exc)
            return None
        if not outcome.skipped:
            self._count(mail_id, outcome)
        return outcome

    async def _parse_all(self, raws: list[bytes | Exception]) -> list[ParsedMail | Exception]:
        data = [raw for raw in raws if isinstance(raw, bytes)]
        results = iter(await self._parse_safely(data))
        return [raw if isinstance(raw, Exception) else _error(next(results)) for raw in raws]

    async def _parse_safely(self, data: list[bytes]) -> list[ParsedMail | str]:
        try:
            return await self._parser.parse(data)
        except Exception as exc:  # no worker could be started (a broken installation)
            log.error("event=mail_parser_unavailable error=%r", exc)
            return [f"the parser is unavailable: {type(exc).__name__}: {exc}"] * len(data)

    def _new_parser(self) -> Parser:
        if self.workers <= 0:
            return ThreadParser(self.deadline)
        return WorkerParser(self.workers, self.deadline, self._replaced)

    def _replaced(self, reason: str) -> None:
        log.warning("event=mail_parser_replaced reason=%s", reason)
        self.metrics.parser_restarts.labels(reason=reason).inc()

    async def backlog_age(self) -> float:
        """Seconds the oldest mail still waiting has waited (0: none waits); kept as a metric."""
        oldest = await self.engine.mail.oldest_waiting()
        age = 0.0 if oldest is None else max(0.0, (clock.utcnow() - oldest).total_seconds())
        self.metrics.oldest_waiting.set(age)
        return age

    def backlog_probe(self, threshold: float) -> Probe:
        """For ``/healthz``: details when the oldest waiting mail is older than ``threshold``."""

        async def probe() -> dict[str, float] | None:
            age = await self.backlog_age()
            if age <= threshold:
                return None
            return {"oldest_waiting_seconds": round(age, 1), "threshold_seconds": threshold}

        return probe

    async def _fail(self, mail_id: int, exc: Exception) -> None:
        log.warning("event=mail_failed mail=%s error=%r", mail_id, exc)
        self.metrics.processing.labels(status="failed", outcome="error").inc()
        try:
            await self.engine.mail.mark_failed(mail_id, f"{type(exc).__name__}: {exc}")
        except Exception as again:  # still 'received': the next scan retries it
            log.error("event=mail_mark_failed_failed mail=%s error=%r", mail_id, again)

    def _count(self, mail_id: int, outcome: Outcome) -> None:
        self.metrics.processing.labels(status=outcome.status, outcome=outcome.outcome or "").inc()
        self.metrics.mails.labels(outcome=outcome.outcome or outcome.status).inc()
        if outcome.outcome == "lead":
            self.metrics.leads.labels(channel="mail").inc()
        if outcome.received_at is not None:
            delay = (clock.utcnow() - outcome.received_at).total_seconds()
            self.metrics.to_record_seconds.observe(delay)
        log.info(
            "event=mail_processed mail=%s status=%s outcome=%s lead=%s deal=%s",
            mail_id, outcome.status, outcome.outcome, outcome.lead_id, outcome.deal_id,
        )  # fmt: skip
