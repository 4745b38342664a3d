"""Parsing received mail off the event loop, with a deadline for each message.

One mail once stalled intake: a 2.5 MB HTML mail was still being parsed
after 400 s while every later mail, plain ones included, waited. Now each
message has ``deadline`` seconds. Past it, the message gets a reason instead
of a parse (the processor marks it failed, kept for ``run.py mail retry``),
and parsing goes on with the next one:

* :class:`WorkerParser` — ``workers`` child processes (:mod:`ingest.worker`),
  each fed part of a batch over a pipe. A worker past the deadline is killed
  by its pid and replaced: the stop is certain and its memory is given back.
  A worker that dies is replaced too; the message it was reading is tried
  once more in the new worker (the old one may have died before it), then
  failed;
* :class:`ThreadParser` — ``RELAIS_MAIL_PARSE_WORKERS=0``, and the command
  line: a thread. Past the deadline the message fails the same way, but a
  thread cannot be stopped: its parse runs on in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from engine.api import within
from ingest.parser import ParsedMail, parse_one
from ingest.worker import FRAME

Result = ParsedMail | str  # a text: why the message could not be parsed
ROOT = Path(__file__).resolve().parent.parent
OVERDUE = "deadline"
CRASHED = "crash"
CLOSE_SECONDS = 2.0
START_SECONDS = 60.0  # a worker not ready by then is not starting
READ_LIMIT = 1 << 20


class Parser(Protocol):
    """What the processor parses with: a thread, or worker processes."""

    async def start(self) -> None:
        """Be ready before the first mail (a worker process starts)."""

    async def parse(self, raws: list[bytes]) -> list[Result]:
        """Each message's parse, in order, or why it has none (past its deadline…)."""
        ...

    async def close(self) -> None:
        """Stop what runs (worker processes end)."""


def overdue(deadline: float) -> str:
    """The reason a mail past its deadline is failed with."""
    return f"parsing took longer than the {deadline:g} s deadline"


class ThreadParser:
    """Parse in a thread, one message at a time, each under the deadline."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    async def start(self) -> None:
        return None

    async def parse(self, raws: list[bytes]) -> list[Result]:
        return [await self._one(raw) for raw in raws]

    async def _one(self, raw: bytes) -> Result:
        try:
            return await within(asyncio.to_thread(parse_one, raw), self.deadline)
        except TimeoutError:
            return overdue(self.deadline)

    async def close(self) -> None:
        return None


class WorkerParser:
    """``count`` worker processes; a batch is split between them."""

    def __init__(
        self, count: int, deadline: float, replaced: Callable[[str], None] | None = None
    ) -> None:
        self.workers = [Worker(deadline, replaced) for _ in range(max(1, count))]

    async def start(self) -> None:
        await asyncio.gather(*(worker.start() for worker in self.workers))

    async def parse(self, raws: list[bytes]) -> list[Result]:
        if not raws:
            return []
        size = -(-len(raws) // len(self.workers))  # ceiling: contiguous shares, order kept
        shares = [raws[i : i + size] for i in range(0, len(raws), size)]
        parsed = await asyncio.gather(*map(Worker.parse, self.workers, shares))
        return [result for share in parsed for result in share]

    async def close(self) -> None:
        await asyncio.gather(*(worker.close() for worker in self.workers))


class Worker:
    """One ``python -m ingest.worker`` child; replaced when it dies or overruns."""

    def __init__(self, deadline: float, replaced: Callable[[str], None] | None = None) -> None:
        self.deadline = deadline
        self._replaced = replaced or (lambda reason: None)
        self._process: asyncio.subprocess.Process | None = None
        self._turn = asyncio.Lock()  # one exchange at a time over the pipe

    @property
    def pid(self) -> int | None:
        """The running worker process's id (``None``: none runs yet)."""
        return None if self._process is None else self._process.pid

    async def start(self) -> None:
        """Start the worker if none runs, and wait until it is ready."""
        if self._process is not None:
            return
        self._process = process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ingest.worker", str(os.getpid()),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            env=_child_env(), limit=READ_LIMIT,
        )  # fmt: skip
        assert process.stdout is not None
        with contextlib.suppress(TimeoutError, asyncio.IncompleteReadError):
            await within(process.stdout.readexactly(FRAME.size), START_SECONDS)

    async def parse(self, raws: list[bytes]) -> list[Result]:
        """Each message's parse, or why there is none; the worker is replaced as needed."""
        async with self._turn:
            return await self._parse(raws)

    async def _parse(self, raws: list[bytes]) -> list[Result]:
        results: list[Result] = []
        crashed_at: int | None = None
        while len(results) < len(raws):
            done, trouble = await self._exchange(raws[len(results) :])
            results.extend(done)
            if trouble is None:
                break
            await self._replace(trouble)
            if trouble == CRASHED and crashed_at != len(results):
                crashed_at = len(results)  # once more, in the new worker
                continue
            results.append(overdue(self.deadline) if trouble == OVERDUE else _crash_reason())
        return results

    async def _exchange(self, raws: list[bytes]) -> tuple[list[Result], str | None]:
        """Send the batch, read results until one is late or the worker is gone."""
        await self.start()
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        try:
            await within(_send(process.stdin, raws), self.deadline)
        except (TimeoutError, ConnectionError):
            return [], CRASHED  # it does not even read: gone, or stuck before this batch
        done: list[Result] = []
        try:
            await self._receive_all(process.stdout, len(raws), done)
        except TimeoutError:
            return done, OVERDUE
        except (ConnectionError, asyncio.IncompleteReadError, pickle.UnpicklingError, EOFError):
            return done, CRASHED
        return done, None

    async def _receive_all(
        self, stdout: asyncio.StreamReader, count: int, done: list[Result]
    ) -> None:
        """Each result within ``deadline`` of the one before (one timer, moved each time)."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(None) as timer:
            while len(done) < count:
                timer.reschedule(loop.time() + self.deadline)
                done.append(await _receive(stdout))

    async def _replace(self, reason: str) -> None:
        self._replaced(reason)
        await self._kill()
        await self.start()

    async def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        if process.stdin is not None:
            process.stdin.close()
        await process.wait()

    async def close(self) -> None:
        """Let the worker end on its own (end of its input), or kill it."""
        process = self._process
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        # asyncio.timeout, not wait_for, which on Python 3.11 can swallow a cancel arriving as
        # the worker ends (engine.waiting says why; wait_at_most waits on events, not processes)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_SECONDS):
                await process.wait()
        await self._kill()


async def _send(stdin: asyncio.StreamWriter, raws: list[bytes]) -> None:
    data = pickle.dumps(raws, pickle.HIGHEST_PROTOCOL)
    stdin.write(FRAME.pack(len(data)))
    stdin.write(data)
    await stdin.drain()


async def _receive(stdout: asyncio.StreamReader) -> Result:
    (size,) = FRAME.unpack(await stdout.readexactly(FRAME.size))
    result: Result = pickle.loads(await stdout.readexactly(size))
    return result


def _crash_reason() -> str:
    return "the parse worker died on this message"


def _child_env() -> dict[str, str]:
    """The worker imports this checkout's code, wherever the service was started from."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env
