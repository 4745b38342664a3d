"""What a set-up holds, and the refusal that leaves the database untouched.

``None`` for a part means "not given, leave it as it is"; an empty tuple is
given and empty. Pipelines absent from a given part are left as they are; so
are users and project templates.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.crm.pipelines import StageSpec
from engine.crm.projects import ProjectTemplate
from engine.crm.users import UserDraft
from engine.errors import RelaisError


@dataclass(frozen=True, slots=True)
class PipelineSetup:
    """A pipeline as wanted: its stages in order (absent ones are deleted)."""

    key: str
    name: str
    stages: tuple[StageSpec, ...]
    currency: str = "EUR"
    default: bool = False


@dataclass(frozen=True, slots=True)
class CrmSetup:
    """Pipelines, users and project templates to make the database say."""

    pipelines: tuple[PipelineSetup, ...] | None = None
    users: tuple[UserDraft, ...] | None = None
    projects: tuple[ProjectTemplate, ...] | None = None


class SetupRefused(RelaisError):
    """Nothing was applied; ``problems`` are ``(pipeline index, reason)`` pairs."""

    code = "setup_refused"

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(reason for _, reason in problems), problems=problems)
        self.problems = problems
