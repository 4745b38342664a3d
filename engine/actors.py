"""Who did something, and through which channel: every write names its actor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ActorKind = Literal["user", "mail", "workflow", "cli", "scheduler", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    channel: str
    user_id: int | None = None
    label: str = ""
    role: str | None = None

    @classmethod
    def system(cls, channel: str = "engine") -> Actor:
        return cls(kind="system", channel=channel, label="system")

    @classmethod
    def cli(cls, label: str = "cli") -> Actor:
        return cls(kind="cli", channel="cli", label=label, role="admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin" or self.kind in ("cli", "system")
