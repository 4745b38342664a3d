"""Who is talking: a Slack member mapped to a Relais user on first use.

A member already known by Slack id is used as is. Otherwise ``users.info``
gives the name, e-mail, locale and time zone: a user listed in the
configuration with that e-mail keeps its role and settings and only gets the
Slack id; anyone else becomes a rep.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from engine.api import Actor, Engine, NotFound, clock
from engine.api.crm import User, UserDraft

log = logging.getLogger("relais.slack")

CACHE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Who:
    """A Relais user acting from Slack, with the language and zone to answer in."""

    user: User
    actor: Actor

    @property
    def locale(self) -> str:
        return self.user.locale

    @property
    def tz(self) -> str:
        return self.user.timezone

    @property
    def slack_id(self) -> str:
        return self.user.slack_id or ""


class People:
    def __init__(self, engine: Engine, client: AsyncWebClient, locale: str, timezone: str) -> None:
        self.engine = engine
        self.client = client
        self.locale = locale
        self.timezone = timezone
        self._cache: dict[str, tuple[float, Who]] = {}

    async def who(self, slack_id: str) -> Who:
        cached = self._cache.get(slack_id)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        user = await self.known(slack_id) or await self._introduce(slack_id)
        who = Who(user, await self.engine.users.actor_for(user.id, "slack"))
        self._cache[slack_id] = (time.monotonic(), who)
        return who

    async def locale_of(self, slack_id: str) -> str:
        """The member's language, without asking Slack (the default for a stranger)."""
        cached = self._cache.get(slack_id)
        if cached is not None:
            return cached[1].locale
        user = await self.known(slack_id)
        return user.locale if user else self.locale

    async def known(self, slack_id: str) -> User | None:
        try:
            return await self.engine.users.get(slack_id)
        except NotFound:
            return None

    def forget(self, slack_id: str) -> None:
        self._cache.pop(slack_id, None)

    async def _introduce(self, slack_id: str) -> User:
        response = await self.client.users_info(user=slack_id, include_locale=True)
        profile: dict[str, Any] = response.get("user") or {}
        draft = await self._draft(slack_id, profile)
        user = await self.engine.users.upsert(draft, Actor.system("slack"))
        log.info(
            "event=slack_user_mapped slack_id=%s user=%s role=%s", slack_id, user.id, user.role
        )
        return user

    async def _draft(self, slack_id: str, profile: dict[str, Any]) -> UserDraft:
        email = (profile.get("profile") or {}).get("email") or None
        existing = await self._by_email(email)
        if existing is not None:
            manager = None if existing.manager_id is None else str(existing.manager_id)
            return UserDraft(
                existing.name, existing.email, slack_id, existing.role, existing.locale,
                existing.timezone, manager,
            )  # fmt: skip
        return UserDraft(
            name=_name(profile, slack_id),
            email=email,
            slack_id=slack_id,
            locale=_locale(profile.get("locale"), self.locale),
            timezone=_zone(profile.get("tz"), self.timezone),
        )

    async def _by_email(self, email: str | None) -> User | None:
        if not email:
            return None
        try:
            return await self.engine.users.get(email)
        except NotFound:
            return None


def _name(profile: dict[str, Any], fallback: str) -> str:
    details = profile.get("profile") or {}
    for candidate in (profile.get("real_name"), details.get("real_name"), profile.get("name")):
        if candidate:
            return str(candidate)
    return fallback


def _zone(slack_tz: object, default: str) -> str:
    if isinstance(slack_tz, str) and slack_tz:
        try:
            clock.zone(slack_tz)
        except ValueError:
            return default
        return slack_tz
    return default


def _locale(slack_locale: object, default: str) -> str:
    if isinstance(slack_locale, str) and slack_locale:
        return "fr" if slack_locale.lower().startswith("fr") else "en"
    return default
