"""Workflows and reminders in the running service: settings in, runner and tick tasks out."""

from __future__ import annotations

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
    return engine.workflow_runner(
        workflow_setup(settings), retention_days=settings.workflow_retention_days
    )


class Reminders:
    """The reminders tick task (activity reminders and morning digests)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = reminder_settings(settings)

    async def run_once(self) -> ReminderReport:
        return await self.engine.run_reminders(self.settings)
