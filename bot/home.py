"""The App Home tab: published when opened, republished when its content changes.

Who has looked at their tab is remembered (in memory: Slack sends
``app_home_opened`` each time the tab is opened, so a restart forgets
nothing that matters). A change to a deal or an activity republishes the
tabs of the people it concerns, at most once per ``delay`` each.
"""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot import screens
from bot.people import People, Who
from bot.tasks import Tasks
from engine.api import DomainEvent, Engine, NotFound

log = logging.getLogger("relais.slack")


class Home:
    def __init__(
        self, engine: Engine, people: People, client: AsyncWebClient, tasks: Tasks,
        delay: float = 0.25,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.people = people
        self.client = client
        self.tasks = tasks
        self.delay = delay
        self.viewers: dict[int, str] = {}
        self._pending: set[int] = set()

    async def publish(self, who: Who) -> None:
        view = await screens.home(self.engine, who)
        await self.client.views_publish(user_id=who.slack_id, view=view)
        self.viewers[who.user.id] = who.slack_id

    async def on_event(self, event: DomainEvent) -> None:
        for user_id in await self._concerned(event):
            if user_id in self.viewers and user_id not in self._pending:
                self._pending.add(user_id)
                self.tasks.spawn(self._republish(user_id), f"slack-home-{user_id}")

    async def _republish(self, user_id: int) -> None:
        await asyncio.sleep(self.delay)
        self._pending.discard(user_id)
        try:
            await self.publish(await self.people.who(self.viewers[user_id]))
        except Exception as exc:
            log.warning("event=slack_home_failed user=%s error=%r", user_id, exc)

    async def _concerned(self, event: DomainEvent) -> set[int]:
        users = {event.actor.user_id} if event.actor.user_id else set()
        before = event.changes.get("owner_id", (None, None))[0]
        if isinstance(before, int):
            users.add(before)
        try:
            if event.entity == "deal":
                users.add((await self.engine.deal(event.entity_id)).owner_id or 0)
            elif event.entity == "activity":
                users.add((await self.engine.activity(event.entity_id)).owner_id or 0)
        except NotFound:
            pass
        users.discard(0)
        return users
