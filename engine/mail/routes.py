"""The routing policy, built from ``config/routing.yaml``: which capture addresses
are ours, what each creates, and who owns what it creates.

Kept apart from :mod:`engine.mail.intake` so that the pieces intake calls
(owners, prospect, threads) can read the policy without importing intake itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from engine.mail.incoming import Creates

OwnerMode = Literal["none", "fixed", "round_robin", "by_domain"]


@dataclass(frozen=True, slots=True)
class OwnerRule:
    mode: OwnerMode = "none"
    user: str | None = None
    users: tuple[str, ...] = ()
    domains: tuple[tuple[str, str], ...] = ()
    fallback: str | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """A capture address (``*@domain`` catches a whole domain) and what its mail creates."""

    address: str
    creates: Creates = "lead"
    pipeline: str | None = None
    stage: str | None = None
    owner: OwnerRule = field(default_factory=OwnerRule)
    origin: str | None = "email"
    campaign: str | None = None


@dataclass(frozen=True, slots=True)
class RecipientMatch:
    route: Route
    tag: str | None = None
    record: tuple[Creates, int] | None = None  # deals+42@ → ("deal", 42)


@dataclass(frozen=True, slots=True)
class IntakePolicy:
    routes: tuple[Route, ...]
    form_senders: frozenset[str] = frozenset()
    allow: frozenset[str] = frozenset()
    deny: frozenset[str] = frozenset()
    cap: int = 20
    cap_minutes: int = 120
    honeypot_fields: tuple[str, ...] = ()
    spam_threshold: float | None = None

    def match(self, address: str) -> RecipientMatch | None:
        """The route a recipient address belongs to; ``None``: not ours, refuse it."""
        local, _, domain = address.strip().casefold().rpartition("@")
        if not local or not domain:
            return None
        base, plus, tag = local.partition("+")
        for wanted in (f"{base}@{domain}", f"*@{domain}"):
            for route in self.routes:
                if route.address == wanted:
                    return _match(route, tag if plus else None)
        return None


def _match(route: Route, tag: str | None) -> RecipientMatch:
    if tag and tag.isdigit():
        return RecipientMatch(route, tag, (route.creates, int(tag)))
    return RecipientMatch(route, tag or None)
