"""Workflows and reminders in the running service: settings in, runner and tick tasks out."""

from __future__ import annotations

from collections.abc import Callable

from config.settings import Settings
from engine.api import Engine
from engine.api.timers import ReminderReport, ReminderSettings
from engine.api.workflows import Setup, WorkflowRunner


def workflow_setup(settings: Settings) -> Setup:
    """Named channels ``leads`` and ``team`` come from the Slack settings."""
    channels = {"leads": settings.slack_leads_channel, "team": settings.slack_team_channel}
    return Setup(
        locale=settings.locale,
        timezone=settings.timezone,
        channels=channels,
        max_depth=settings.workflow_max_depth,
    )


def reminder_settings(settings: Settings) -> ReminderSettings:
    return ReminderSettings(
        before=settings.reminder_before,
        digest_hour=settings.digest_hour,
        idle_days=settings.digest_idle_days,
        locale=settings.locale,
    )


def workflow_runner(engine: Engine, settings: Settings) -> WorkflowRunner:
    return engine.workflows.runner(
        workflow_setup(settings), retention_days=settings.workflow_retention_days
    )


class Reminders:
    """The reminders tick task (activity reminders and morning digests).

    Reminders publish no domain event: ``on_queued`` is called after a run
    that queued some, to wake whoever delivers them (the Slack notifications).
    """

    def __init__(
        self, engine: Engine, settings: Settings, on_queued: Callable[[], None] | None = None
    ) -> None:
        self.engine = engine
        self.settings = reminder_settings(settings)
        self.on_queued = on_queued

    async def run_once(self) -> ReminderReport:
        report = await self.engine.reminders.run(self.settings)
        if self.on_queued is not None and (report.reminders or report.digests):
            self.on_queued()
        return report
