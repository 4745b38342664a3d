"""Why a transition is refused, as message codes an adapter can translate.

::

    TransitionRefused (engine.errors)
    ├── StageGoverned          a plain stage change on a governed deal
    └── TransitionUnavailable  the transition exists but not for this user/record now
    ValidationFailed (engine.errors)
    └── InputsRejected         during-inputs refused, each field with its reason
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.errors import TransitionRefused, ValidationFailed
from engine.i18n import translate


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, locale: str = "en") -> str:
        return translate(self.code, locale, **self.params)


class StageGoverned(TransitionRefused):
    code = "stage_governed"

    def __init__(self, deal_id: int, blueprint: str, stage: str, transitions: list[str]) -> None:
        params = {"deal": deal_id, "blueprint": blueprint, "stage": stage}
        shown = transitions or ["—"]
        super().__init__(translate(self.code, "en", **params, transitions=shown), transitions)
        self.params.update(params)


class TransitionUnavailable(TransitionRefused):
    code = "transition_unavailable"

    def __init__(self, transition: str, reasons: list[Reason]) -> None:
        shown = "; ".join(r.text() for r in reasons)
        super().__init__(translate(self.code, "en", transition=transition, reasons=shown))
        self.params.update(transition=transition, reasons=reasons)
        self.reasons = reasons

    def text(self, locale: str) -> str:
        shown = "; ".join(r.text(locale) for r in self.reasons)
        return translate(self.code, locale, transition=self.params["transition"], reasons=shown)


class InputsRejected(ValidationFailed):
    """Every refused input at once; ``reasons`` keeps each one's code for translation."""

    code = "inputs_rejected"

    def __init__(self, reasons: dict[str, Reason]) -> None:
        super().__init__({name: reason.text() for name, reason in reasons.items()})
        self.reasons = reasons

    def text(self, locale: str) -> dict[str, str]:
        return {name: reason.text(locale) for name, reason in self.reasons.items()}
