"""How a job shows a form: in one ``views.open`` when ready in time, else a loading modal first.

A click's ``trigger_id`` lives three seconds and opens one modal. The form
opens in one call when it is ready within :data:`~bot.priority.MODAL_BUDGET`;
past it a loading modal takes the trigger (:meth:`FormOpening.open_late`) and
the form fills it. Under saturation even the loading modal can come too late:
Slack answers ``expired_trigger_id``. That is an expected outcome of load, not
a fault, so it is no error line and no second, doomed ``views.open``: the job
stops with :class:`FormTooLate`, logged once as a warning
(``event=slack_form_too_late``), and the person gets :func:`reopen`, a message
whose button opens the same form with a fresh trigger (a command: the command
to type again).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.common import Block, Message, actions, button, section
from bot.blocks.modals import loading
from bot.i18n import t
from bot.people import People
from bot.tasks import Tasks

TRIGGER_LOST = ("expired_trigger_id", "exchanged_trigger_id")


class FormTooLate(Exception):
    """The request's trigger died before any modal opened: this form cannot show now."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class Reach(Protocol):
    """What opening a form needs of the runtime (:class:`bot.runtime.Runtime` has it)."""

    @property
    def client(self) -> AsyncWebClient: ...
    @property
    def people(self) -> People: ...
    @property
    def tasks(self) -> Tasks: ...


class FormOpening:
    """The modal part of a job's context (:class:`bot.jobs.JobContext`)."""

    rt: Reach
    body: dict[str, Any]
    view_id: str | None  # the modal opened for this job
    _late: asyncio.TimerHandle | None  # a loading modal, if the form is late
    _loading: asyncio.Task[None] | None  # that loading modal, opening
    _lost: str | None  # the loading modal found the trigger dead: Slack's error

    @property
    def slack_user(self) -> str:
        raise NotImplementedError

    @property
    def task_name(self) -> str:
        raise NotImplementedError

    async def open_loading(self) -> None:
        """Open a loading modal now: the trigger_id lives three seconds and works once."""
        locale = await self.rt.people.locale_of(self.slack_user)
        view = loading(t(locale, "loading"), locale)
        response = await self.rt.client.views_open(trigger_id=self.body["trigger_id"], view=view)
        self.view_id = str((response.get("view") or {}).get("id"))

    def open_late(self, deadline: float) -> None:
        """Open a loading modal at ``deadline`` (monotonic) unless the form is shown first."""
        delay = max(0.0, deadline - time.monotonic())
        self._late = asyncio.get_running_loop().call_later(delay, self._open_now)

    def _open_now(self) -> None:
        self._late = None
        self._loading = self.rt.tasks.spawn(self._open_loading_late(), self.task_name)

    async def _open_loading_late(self) -> None:
        """The loading modal; a trigger already dead is remembered for the form, not raised."""
        try:
            await self.open_loading()
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            if error not in TRIGGER_LOST:
                raise
            self._lost = error

    def disarm(self) -> None:
        """No loading modal from now on (the form is shown, or the job is over)."""
        if self._late is not None:
            self._late.cancel()
            self._late = None

    async def show_view(self, view: Block) -> None:
        """Open ``view`` in one ``views.open``, or fill the loading modal opened past the budget."""
        self.disarm()
        if self._loading is not None:  # opening, or open: wait for its view id
            await asyncio.wait([self._loading])
            self._loading = None
        if self._lost is not None:
            raise FormTooLate(self._lost)
        if self.view_id is not None:
            await self.rt.client.views_update(view_id=self.view_id, view=view)
            return
        try:
            response = await self.rt.client.views_open(
                trigger_id=self.body["trigger_id"], view=view
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            if error in TRIGGER_LOST:
                raise FormTooLate(error) from exc
            raise
        self.view_id = str((response.get("view") or {}).get("id"))


def reopen(body: dict[str, Any], locale: str) -> Message:
    """What a person whose form came too late gets: the same button again, or the command."""
    clicked = (body.get("actions") or [None])[0]
    if body.get("type") == "block_actions" and isinstance(clicked, dict):
        chosen = clicked.get("selected_option") or {}
        value = str(clicked.get("value") or chosen.get("value") or "")
        text = t(locale, "late_form.button")
        again = button(str(clicked.get("action_id")), t(locale, "late_form.open"), value)
        return Message(text, [section(text), actions([again])])
    if "command" in body:
        typed = f"{body['command']} {body.get('text', '')}".strip()
        return Message(t(locale, "late_form.command", command=typed))
    return Message(t(locale, "click_again"))
