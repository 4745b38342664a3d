"""``/crm workflows`` and ``/crm runs``: admins see automation at work and switch it.

Why did (or didn't) my automation run? Each run shows its outcome, the
condition that was not met, and every step with its timing.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot import screens
from bot.blocks import automation as blocks
from bot.blocks.values import number, unpack
from bot.jobs import JobContext, JobSpec
from bot.listeners import deferred
from bot.listeners.stages import admin_only
from bot.people import Who
from bot.runtime import runtime_of
from engine.api import Engine, ValidationFailed

FAILED = ("failed", "échecs", "echecs")


def register(app: AsyncApp, engine: Engine) -> None:
    runtime = runtime_of(app)
    app.action("run_show")(deferred(runtime, "run_show", reads=True))
    app.action("workflow_toggle")(deferred(runtime, "workflow_toggle"))


async def runs(ctx: JobContext, who: Who, rest: str) -> None:
    """``runs [failed] [workflow name]``: the latest runs first."""
    admin_only(who)
    words = rest.split()
    failed = bool(words) and words[0].lower() in FAILED
    name = " ".join(words[1:] if failed else words) or None
    found = await ctx.engine.workflows.runs(name, failed=failed, limit=blocks.MAX_RUNS)
    await ctx.say(blocks.run_list(found, who.locale, who.tz))


async def workflows(ctx: JobContext, who: Who, rest: str) -> None:
    admin_only(who)
    await ctx.say(await screens.workflow_list(ctx.engine, who))


async def run_show(ctx: JobContext) -> None:
    who = await ctx.who()
    admin_only(who)
    (run_id,) = unpack(ctx.action_value, 1)
    found = number(run_id)
    if found is None:
        raise ValidationFailed({"record": f"not a run: {run_id!r}"})
    run = await ctx.engine.workflows.run_record(found)
    await ctx.say(blocks.run_detail(run, who.locale, who.tz))


async def workflow_toggle(ctx: JobContext) -> None:
    who = await ctx.who()
    name, state = unpack(ctx.action_value, 2)
    await ctx.engine.workflows.set_active(name, state == "on", who.actor)
    await ctx.say(await screens.workflow_list(ctx.engine, who), replace=True)


JOBS: dict[str, JobSpec] = {
    "run_show": JobSpec(run_show), "workflow_toggle": JobSpec(workflow_toggle),
}  # fmt: skip
