"""Events API: the App Home tab, published each time someone opens it."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.jobs import JobContext, JobSpec
from bot.listeners import deferred_event
from bot.runtime import runtime_of
from engine.api import Engine


def register(app: AsyncApp, engine: Engine) -> None:
    app.event("app_home_opened")(deferred_event(runtime_of(app), "home_opened"))


async def home_opened(ctx: JobContext) -> None:
    if (ctx.body.get("event") or {}).get("tab", "home") == "home":
        await ctx.rt.home.publish(await ctx.who())


JOBS: dict[str, JobSpec] = {"home_opened": JobSpec(home_opened)}
