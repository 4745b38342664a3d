"""Pictures in Slack: ``/crm forecast`` and the weekly team forecast, as a PNG chart.

The chart (:mod:`charts.forecast`) is drawn from one engine read
(``engine.reports.forecast``) in a thread, off the event loop, in the reader's
language and currency format, then uploaded with ``files_upload_v2`` — Slack's
three steps: ``files.getUploadURLExternal``, the POST of the bytes to the URL it
hands out, ``files.completeUploadExternal`` to share the file.

* ``/crm forecast [pipeline]`` sends the chart to the person's direct messages
  (a channel may not have the bot in it; the answer says where it went).
* The weekly forecast goes to the team channel (``RELAIS_SLACK_TEAM_CHANNEL``) on
  Mondays from the digest hour, in the team's language, once a week: the week is
  the job's dedupe key in the journal, so a restart or a second instance does not
  queue it twice; and the job claims the week before it uploads, so a job replayed
  after a crash (uploaded, not yet marked done) does not post it twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.common import Message
from bot.i18n import t
from bot.jobs import JobContext, JobSpec
from bot.people import Who
from bot.runtime import Runtime
from charts.forecast import forecast_png
from engine.api import Engine, clock, formats
from engine.api.reports import Forecast

WEEKLY = "weekly_forecast"

log = logging.getLogger("relais.slack")


def register(app: AsyncApp, engine: Engine) -> None:
    """No listener: ``/crm forecast`` is a sub-command; the weekly post is a tick."""


async def draw(engine: Engine, locale: str, pipeline: str | None) -> tuple[Forecast, bytes]:
    found = await engine.reports.forecast(pipeline, clock.utcnow())
    return found, await asyncio.to_thread(forecast_png, found, locale)


async def upload(
    client: AsyncWebClient, channel: str, found: Forecast, png: bytes, locale: str, comment: str
) -> None:
    await client.files_upload_v2(
        channel=channel, file=png, filename="forecast.png",
        title=t(locale, "forecast_title", pipeline=found.pipeline), initial_comment=comment,
    )  # fmt: skip


async def forecast_command(ctx: JobContext, who: Who, rest: str) -> None:
    found, png = await draw(ctx.engine, who.locale, rest.strip() or None)
    opened = await ctx.rt.client.conversations_open(users=ctx.slack_user)
    dm = str((opened.get("channel") or {}).get("id"))
    amount = formats.money(found.total, found.currency, who.locale)
    comment = t(who.locale, "forecast_comment", pipeline=found.pipeline, amount=amount)
    await upload(ctx.rt.client, dm, found, png, who.locale, comment)
    await ctx.say(Message(t(who.locale, "forecast_sent")))


def week_key(now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"weekly-forecast:{year}-W{week:02d}"


async def weekly(runtime: Runtime, now: datetime) -> bool:
    """Queue this week's team forecast once its moment has come; True when queued now."""
    settings = runtime.settings
    channel = settings.slack_team_channel
    local = now.astimezone(clock.zone(settings.timezone))
    if not channel or local.weekday() != 0 or local.hour < settings.digest_hour:
        return False
    key = week_key(local)
    body: dict[str, Any] = {"team_channel": channel, "week": key}
    job = await runtime.journal.record(WEEKLY, body, dedupe_key=key)
    if job is None:
        return False
    runtime.journal.start(job)
    return True


async def weekly_forecast(ctx: JobContext) -> None:
    """Draw the chart, claim the week's post, then upload: a replayed job uploads nothing.

    The journal runs a job again when the process died before it was marked done —
    after the upload, say. The claim, written before the upload, is what the replay
    finds: at most one chart a week (one lost to a crash mid-upload is not re-sent).
    """
    locale = ctx.rt.settings.locale
    found, png = await draw(ctx.engine, locale, None)
    amount = formats.money(found.total, found.currency, locale)
    comment = t(locale, "weekly_digest", pipeline=found.pipeline, amount=amount)
    if not await claim_week(ctx.engine, str(ctx.body.get("week") or "")):
        log.info(
            "event=weekly_forecast_skipped week=%s reason=already_posted", ctx.body.get("week")
        )
        return
    await upload(ctx.rt.client, str(ctx.body["team_channel"]), found, png, locale, comment)


async def claim_week(engine: Engine, week: str) -> bool:
    """Mark the week's chart as posted (True), or find it was already (False)."""
    if not week:
        return True  # a job journaled before weeks were named: nothing to claim by
    return await engine.chat.claim_request((f"{week}:posted", None), None)


JOBS: dict[str, JobSpec] = {WEEKLY: JobSpec(weekly_forecast)}
