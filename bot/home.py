"""The App Home tab: published when opened, republished when its content changes.

Who has looked at their tab is remembered (in memory: Slack sends
``app_home_opened`` each time the tab is opened, so a restart forgets
nothing that matters). A change to a deal or an activity republishes the
tabs of the people it concerns; a change to a lead, every tab (the leads to
claim are the same for all). Republishing is debounced per person: it
happens ``delay`` seconds after the last of a burst of changes, and never
later than ``longest`` after the first, so a burst costs one
``views.publish`` each.
"""

from __future__ import annotations

import asyncio
import logging
import time

from slack_sdk.web.async_client import AsyncWebClient

from bot import screens
from bot.people import People, Who
from bot.tasks import Tasks
from engine.api import DomainEvent, Engine, NotFound

log = logging.getLogger("relais.slack")


class Home:
    def __init__(
        self, engine: Engine, people: People, client: AsyncWebClient, tasks: Tasks,
        delay: float = 0.5, longest: float = 2.0,
    ) -> None:  # fmt: skip
        self.engine = engine
        self.people = people
        self.client = client
        self.tasks = tasks
        self.delay = delay
        self.longest = longest
        self.viewers: dict[int, str] = {}
        self._pending: dict[int, tuple[float, float]] = {}  # user → (first, last) change
        self._drawn: dict[int, float] = {}  # user → when the last publish began reading

    async def publish(self, who: Who) -> None:
        started = time.monotonic()
        view = await screens.home(self.engine, who)
        await self.client.views_publish(user_id=who.slack_id, view=view)
        self.viewers[who.user.id] = who.slack_id
        self._drawn[who.user.id] = started

    async def on_event(self, event: DomainEvent) -> None:
        now = time.monotonic()
        for user_id in await self._concerned(event):
            if user_id not in self.viewers:
                continue
            if user_id in self._pending:
                self._pending[user_id] = (self._pending[user_id][0], now)
                continue
            self._pending[user_id] = (now, now)
            self.tasks.spawn(self._republish(user_id), f"slack-home-{user_id}")

    def _due(self, user_id: int) -> float:
        first, last = self._pending[user_id]
        return min(last + self.delay, first + self.longest)

    async def _republish(self, user_id: int) -> None:
        # the moment moves with each change of the burst: sleep until it stops moving
        while (wait := self._due(user_id) - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait)
        _, last = self._pending.pop(user_id)
        if self._drawn.get(user_id, 0.0) >= last:  # published since (a Home button): current
            return
        try:
            await self.publish(await self.people.who(self.viewers[user_id]))
        except Exception as exc:
            log.warning("event=slack_home_failed user=%s error=%r", user_id, exc)

    async def _concerned(self, event: DomainEvent) -> set[int]:
        if event.entity == "lead":
            return set(self.viewers)
        users = {event.actor.user_id} if event.actor.user_id else set()
        before = event.changes.get("owner_id", (None, None))[0]
        if isinstance(before, int):
            users.add(before)
        try:
            if event.entity == "deal":
                users.add((await self.engine.deals.get(event.entity_id)).owner_id or 0)
            elif event.entity == "activity":
                users.add((await self.engine.activities.get(event.entity_id)).owner_id or 0)
        except NotFound:
            pass
        users.discard(0)
        return users
