"""Waking the workers of other instances after a commit (PostgreSQL's LISTEN/NOTIFY).

A write that leaves work for a worker (a message queued in the outbox) says so
with :func:`send`, in its own transaction: PostgreSQL delivers the
notification to every listening connection only when that transaction
commits, and drops it when the write (its savepoint) is rolled back. Each
instance holds one :class:`Listener` connection that turns notifications into
the same local wake-up calls the wiring table makes after a local commit
(``service/wake.py``). Polling stays the safety net: a notification sent while
an instance was not listening is not kept, so the listener wakes every worker
once each time it (re)connects.

On SQLite there is one instance: :func:`send` does nothing, and no listener
is started.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from engine.store.claims import is_postgres
from engine.store.db import Tx

log = logging.getLogger("relais.notify")

OUTBOX = "relais_outbox"  # payload: the lane ('slack', 'email', 'webhook')
CHANNELS = (OUTBOX,)


def send(tx: Tx, channel: str, payload: str = "") -> None:
    """Notify ``channel`` when this write commits (PostgreSQL; once per job and payload)."""
    if not is_postgres(tx.conn):
        return
    sent: set[tuple[str, str]] = tx.__dict__.setdefault("_notified", set())
    if (channel, payload) in sent:
        return
    sent.add((channel, payload))
    tx.execute("SELECT pg_notify(?, ?)", (channel, payload))


Handler = Callable[[str], object]


class Listener:
    """One connection per instance, LISTENing on ``handlers``' channels.

    ``handlers[channel](payload)`` runs in the event loop for each notification
    (a plain call: it should only wake something). ``ready`` is set once the
    connection listens.
    """

    def __init__(self, url: str, handlers: Mapping[str, Handler], *, retry: float = 2.0) -> None:
        self.url = url
        self.handlers = dict(handlers)
        self.retry = retry
        self.ready = asyncio.Event()
        self.received = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="relais-listen")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        import psycopg  # the driver only where PostgreSQL runs: SQLite commands never load it

        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, application_name="relais-listen"
                ) as conn:
                    for channel in self.handlers:
                        await conn.execute(f"LISTEN {channel}")
                    self.ready.set()
                    self._call_all()  # what was sent while not listening
                    async for note in conn.notifies():
                        self.received += 1
                        self._call(note.channel, note.payload)
            except Exception as exc:  # the server went away, a fail-over: listen again
                log.warning("event=listen_lost error=%r retry_in=%.0fs", exc, self.retry)
            self.ready.clear()
            await asyncio.sleep(self.retry)

    def _call_all(self) -> None:
        for channel in self.handlers:
            self._call(channel, "")

    def _call(self, channel: str, payload: str) -> None:
        handler = self.handlers.get(channel)
        if handler is None:
            return
        try:
            handler(payload)
        except Exception:
            log.exception("event=wake_failed channel=%s", channel)
