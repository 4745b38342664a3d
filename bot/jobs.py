"""The journal: every Slack request is written down before its ack, then done.

A listener records the request (one short write, shared with concurrent
ones), acks, and starts the job as a task. The job does the engine work and
answers through ``response_url``, a modal or a message. If the process dies
in between, the job is still ``pending`` and runs when the service comes
back (within 30 minutes, while Slack's ``response_url`` still works). A job
marked ``once`` (it creates something) is marked ``running`` before it
starts; found ``running`` after a restart, it is not done twice: the person
is told to check instead.

An Events API delivery carries its ``event_id`` as the journal's dedupe key,
so Slack's retries (``X-Slack-Retry-Num``) find it already there and do
nothing. A command or a click carries its request's claim (signature,
trigger_id: :mod:`bot.replays`), written with the job: the same request sent
again finds it and journals nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import hooks, stale
from bot.blocks.common import Message
from bot.blocks.values import read_metadata
from bot.errors import error_message
from bot.form_opening import FormOpening, FormTooLate, reopen
from bot.home import Home
from bot.i18n import t
from bot.people import People, Who
from bot.priority import MODAL_BUDGET, MODAL_PATIENCE, AckFirst
from bot.replays import Claim
from bot.screens import deal_card
from bot.tasks import Tasks
from config.settings import Settings
from engine.api import Conflict, Engine, RelaisError, clock
from engine.api.chat import store

log = logging.getLogger("relais.slack")

REPLAY_WINDOW = timedelta(minutes=30)  # response_url works this long
UNJOURNALED = 0  # the id of a read-only job, run without a journal row (nothing to lose)
JobHandler = Callable[["JobContext"], Awaitable[None]]


def _never(body: Mapping[str, Any]) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class JobSpec:
    handler: JobHandler
    # True when running the job twice would do its work twice (it creates something).
    once: Callable[[Mapping[str, Any]], bool] = _never
    # True when the job shows a modal: one opens at once, before the job waits its turn.
    modal: Callable[[Mapping[str, Any]], bool] = _never


class Runtime(Protocol):
    """What jobs reach at run time: :class:`bot.runtime.Runtime` has it all.

    Named here, as a protocol, so the journal needs nothing above it.
    """

    @property
    def engine(self) -> Engine: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def client(self) -> AsyncWebClient: ...
    @property
    def http(self) -> aiohttp.ClientSession | None: ...
    @property
    def people(self) -> People: ...
    @property
    def home(self) -> Home: ...
    @property
    def tasks(self) -> Tasks: ...
    @property
    def acks(self) -> AckFirst: ...


class JobContext(FormOpening):
    """One job's view: the request, who sent it, and how to answer them."""

    rt: Runtime

    def __init__(self, rt: Runtime, job: store.JobRow) -> None:
        self.rt = rt
        self.engine = rt.engine
        self.job = job
        self.body: dict[str, Any] = job.payload
        self.since = time.monotonic()  # when the job was queued, right after the ack
        self._who: Who | None = None
        self.view_id = None
        self._late, self._loading, self._lost = None, None, None

    @property
    def task_name(self) -> str:
        return f"slack-loading-{self.job.id}"

    @property
    def slack_user(self) -> str:
        user = self.body.get("user")
        if isinstance(user, dict):
            return str(user.get("id", ""))
        event = self.body.get("event") or {}
        return str(self.body.get("user_id") or event.get("user") or "")

    @property
    def meta(self) -> dict[str, Any]:
        return read_metadata((self.body.get("view") or {}).get("private_metadata"))

    @property
    def action(self) -> dict[str, Any]:
        found = self.body.get("actions") or [{}]
        return dict(found[0])

    @property
    def action_value(self) -> str:
        action = self.action
        chosen = action.get("selected_option") or {}
        return str(action.get("value") or chosen.get("value") or "")

    @property
    def response_url(self) -> str | None:
        url = self.body.get("response_url") or self.meta.get("ru")
        return str(url) if url else None

    @property
    def channel(self) -> str | None:
        channel = self.body.get("channel_id") or (self.body.get("channel") or {}).get("id")
        return str(channel or self.meta.get("ch") or "") or None

    @property
    def from_home(self) -> bool:
        view = self.body.get("view") or {}
        return self.body.get("type") == "block_actions" and view.get("type") == "home"

    async def who(self) -> Who:
        if self._who is None:
            self._who = await self.rt.people.who(self.slack_user)
        return self._who

    async def say(self, message: Message, *, replace: bool = False) -> None:
        """Answer the person: through ``response_url``, else privately in the channel or DM."""
        url = self.response_url
        if url and await self._respond(url, message, replace):
            return
        await self._post(message)

    async def _respond(self, url: str, message: Message, replace: bool) -> bool:
        status = await hooks.send(self.rt.http, url, message, replace=replace)
        if status != 200:
            log.warning("event=slack_response_url_refused status=%s", status)
        return status == 200

    async def _post(self, message: Message) -> None:
        channel, user = self.channel, self.slack_user
        if channel and not channel.startswith("D"):
            try:
                await self.rt.client.chat_postEphemeral(
                    channel=channel, user=user, text=message.text, blocks=message.blocks
                )
                return
            except SlackApiError as exc:
                log.info("event=slack_ephemeral_refused error=%s", exc.response.get("error"))
        opened = await self.rt.client.conversations_open(users=user)
        dm = str((opened.get("channel") or {}).get("id"))
        await self.rt.client.chat_postMessage(channel=dm, text=message.text, blocks=message.blocks)

    async def fail(self, exc: RelaisError) -> None:
        who = await self.who()
        clicked = self.body.get("type") == "block_actions"
        old_button = await stale.answer(self.engine, who, exc, clicked=clicked)  # or deleted
        if old_button is not None:
            await self.say(old_button)
            return
        message = error_message(exc, who.locale)
        if isinstance(exc, Conflict) and exc.entity == "deal":
            fresh = await deal_card(self.engine, who, exc.entity_id)
            message = Message(message.text, message.blocks + fresh.blocks)
        await self.say(message)


@dataclass(slots=True)
class _Queued:
    ctx: JobContext
    since: float  # when the request came in (monotonic): patience counts from there


class Journal:
    """Jobs run after the acks, by a few workers that take them in turn.

    During a burst of requests journaled work waits (see :mod:`bot.priority`),
    and ``concurrency`` jobs run at once, so a burst keeps its acks fast instead
    of sharing the loop with all its work. A job waiting its turn is an entry
    in a queue, not a task: a burst of thousands costs the acks nothing more.
    A modal still opens at once (its trigger lives three seconds): jobs that
    show one go through ``concurrency`` openers first, which wait for calm at
    most :data:`~bot.priority.MODAL_PATIENCE`.
    """

    def __init__(self, rt: Runtime, specs: Mapping[str, JobSpec], concurrency: int = 4) -> None:
        self.rt = rt
        self.specs = dict(specs)
        self.concurrency = concurrency
        self._ready: asyncio.Queue[_Queued] = asyncio.Queue()
        self._opening: asyncio.Queue[_Queued] = asyncio.Queue()
        self._active = 0  # jobs taken from a queue and not finished yet
        self._workers: list[asyncio.Task[None]] = []

    @property
    def busy(self) -> bool:
        """Some journaled work is waiting or running."""
        return bool(self._active or self._ready.qsize() or self._opening.qsize())

    async def record(
        self, kind: str, body: dict[str, Any], dedupe_key: str | None = None,
        claim: Claim | None = None,
    ) -> store.JobRow | None:  # fmt: skip
        """Write the request down (``None``: this event or request was already received).

        ``claim`` (see :mod:`bot.replays`) is claimed in the same write.
        """
        keys = None if claim is None else claim.keys
        job_id = await self.rt.engine.chat.record_job(kind, body, dedupe_key, keys)
        if claim is not None:
            claim.taken, claim.replayed = job_id is not None, job_id is None
        if job_id is None:
            return None
        return store.JobRow(job_id, kind, body, "pending", 0, clock.utcnow())

    def start(self, job: store.JobRow, *, replayed: bool = False) -> None:
        """Queue the job; it runs when a worker takes it and the acks allow."""
        if not self._workers or self._workers[0].done():  # none yet, or stopped
            self._hire()
        entry = _Queued(JobContext(self.rt, job), time.monotonic())
        modal = not replayed and self.specs[job.kind].modal(job.payload)
        if modal:  # the form opens in one views.open if ready within the budget
            entry.ctx.open_late(entry.since + MODAL_BUDGET)
        (self._opening if modal else self._ready).put_nowait(entry)
        self.rt.acks.queued()  # in the backlog until a worker is done with it

    def _hire(self) -> None:
        self._workers.clear()
        for number in range(self.concurrency):
            for name, queue, patience in (
                ("opener", self._opening, MODAL_PATIENCE), ("worker", self._ready, None)
            ):  # fmt: skip
                work = self._loop(queue, patience)
                self._workers.append(
                    self.rt.tasks.spawn(work, f"slack-job-{name}-{number}", service=True)
                )

    async def replay(self) -> int:
        """Run what a previous process acknowledged but did not finish."""
        jobs = await self.rt.engine.chat.unfinished_jobs()
        cutoff = clock.utcnow() - REPLAY_WINDOW
        stale = [j.id for j in jobs if j.created_at < cutoff]
        if stale:
            await self.rt.engine.chat.expire_jobs(stale)
        fresh = [j for j in jobs if j.created_at >= cutoff]
        for job in fresh:
            self.start(job, replayed=True)
        if jobs:
            log.info("event=slack_jobs_replayed replayed=%d expired=%d", len(fresh), len(stale))
        return len(fresh)

    async def _loop(self, queue: asyncio.Queue[_Queued], patience: float | None) -> None:
        """Take jobs in turn; each waits for calm at most ``patience`` (None: the default)."""
        while True:
            entry = await queue.get()
            self._active += 1
            try:
                await self.rt.acks.wait(entry.since, patience)
                await self._run(entry.ctx)
            finally:
                entry.ctx.disarm()
                self._active -= 1
                self.rt.acks.done()

    async def _run(self, ctx: JobContext) -> None:
        """Do the job now and record how it ended."""
        spec = self.specs[ctx.job.kind]
        error = await self._guarded(ctx, lambda: self._execute(ctx, spec))
        await self._finish(ctx, error)

    async def _finish(self, ctx: JobContext, error: str | None) -> None:
        job_id = ctx.job.id
        if job_id == UNJOURNALED:
            return
        await self.rt.engine.chat.finish_job(job_id, error)

    async def _guarded(self, ctx: JobContext, step: Callable[[], Awaitable[None]]) -> str | None:
        """Do a step of the job; what went wrong, or None (an engine refusal is told)."""
        try:
            await step()
        except RelaisError as exc:
            await self._quietly(ctx.fail(exc))
        except FormTooLate as exc:
            return await self._too_late(ctx, exc)
        except SlackApiError as exc:
            return await self._slack_refused(ctx, exc)
        except Exception as exc:
            log.exception("event=slack_job_crashed job=%s kind=%s", ctx.job.id, ctx.job.kind)
            text = t(await _locale(ctx), "unexpected", ref=ctx.job.id)
            await self._quietly(ctx.say(Message(text)))
            return f"{type(exc).__name__}: {exc}"
        return None

    async def _execute(self, ctx: JobContext, spec: JobSpec) -> None:
        if not await self._started_twice(ctx, spec):
            await spec.handler(ctx)

    async def _started_twice(self, ctx: JobContext, spec: JobSpec) -> bool:
        """A ``once`` job is marked running first; found running, it is not done again."""
        if not spec.once(ctx.body):
            return False
        if ctx.job.status == "running":
            what = str(ctx.body.get("command", "")) + " " + str(ctx.body.get("text", ""))
            locale = await _locale(ctx)
            await ctx.say(Message(t(locale, "restarted", what=what.strip() or ctx.job.kind)))
            return True
        await self.rt.engine.chat.start_job(ctx.job.id)
        return False

    async def _slack_refused(self, ctx: JobContext, exc: SlackApiError) -> str:
        error = str(exc.response.get("error"))
        log.warning(
            "event=slack_job_failed job=%s kind=%s error=%s", ctx.job.id, ctx.job.kind, error
        )
        return f"slack: {error}"

    async def _too_late(self, ctx: JobContext, exc: FormTooLate) -> str:
        """Under load the trigger died before the form: expected, told, and one warning."""
        late = round((time.monotonic() - ctx.since) * 1000)
        log.warning(
            "event=slack_form_too_late job=%s kind=%s error=%s after_ms=%d",
            ctx.job.id, ctx.job.kind, exc.error, late,
        )  # fmt: skip
        await self._quietly(ctx.say(reopen(ctx.body, await _locale(ctx))))
        return f"slack: {exc.error}"

    async def _quietly(self, work: Awaitable[None]) -> None:
        try:
            await work
        except (SlackApiError, aiohttp.ClientError, RelaisError, TimeoutError) as exc:
            log.warning("event=slack_reply_failed error=%r", exc)


async def _locale(ctx: JobContext) -> str:
    try:
        return (await ctx.who()).locale
    except Exception:
        return ctx.rt.settings.locale
