"""The engine's errors, under one root so each adapter maps them once.

::

    RelaisError
    ├── NotFound              a record that does not exist (id, key, e-mail)
    ├── ValidationFailed      bad input; ``errors`` maps each field to its reason
    ├── Forbidden             the actor may not do this; ``reason`` says why
    ├── Conflict              the record changed since the caller read it
    ├── StageNotEmpty         a stage that still holds deals cannot be deleted
    ├── TransitionRefused     a governed stage change asked for the wrong way
    └── StorageError          the database could not commit (transient)

Every error carries a message ``code`` and ``params`` so that an adapter can
render it in the user's language: the code is a message of the catalogue
(:mod:`engine.text.catalogue`, ``engine.<code>``), and a field's reason in
``ValidationFailed.errors`` is a :class:`~engine.text.catalogue.Phrase` (a key
and its parameters, read as English) where the engine knows one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.text.catalogue import plural


class RelaisError(Exception):
    """Root of every error the engine raises on purpose."""

    code = "error"

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


class NotFound(RelaisError):
    code = "not_found"

    def __init__(self, entity: str, ref: object) -> None:
        super().__init__(f"{entity} {ref} not found", entity=entity, ref=ref)
        self.entity = entity
        self.ref = ref


class ValidationFailed(RelaisError):
    """Input refused; ``errors`` maps each offending field to its reason."""

    code = "validation_failed"

    def __init__(self, errors: Mapping[str, str]) -> None:
        detail = "; ".join(f"{field}: {reason}" for field, reason in errors.items())
        super().__init__(f"invalid input: {detail}", errors=dict(errors))
        self.errors = dict(errors)


class Forbidden(RelaisError):
    code = "forbidden"

    def __init__(self, reason: str) -> None:
        super().__init__(reason, reason=reason)
        self.reason = reason


class Conflict(RelaisError):
    """Optimistic-concurrency failure: the record moved on since ``expected``."""

    code = "conflict"

    def __init__(
        self, entity: str, entity_id: int, expected: int, actual: int, changed: list[str]
    ) -> None:
        fields = ", ".join(changed) or "the record"
        super().__init__(
            f"{entity} {entity_id} was changed by someone else "
            f"(version {expected} → {actual}: {fields}); reload it and try again",
            entity=entity,
            entity_id=entity_id,
            changed=changed,
        )
        self.entity = entity
        self.entity_id = entity_id
        self.expected = expected
        self.actual = actual
        self.changed = changed


class StageNotEmpty(RelaisError):
    code = "stage_not_empty"

    def __init__(self, stage: str, count: int) -> None:
        super().__init__(plural("en", "engine.stage_not_empty", count, stage=stage, count=count))
        self.params.update(stage=stage, count=count)
        self.stage = stage
        self.count = count


class TransitionRefused(RelaisError):
    code = "transition_refused"

    def __init__(self, reason: str, transitions: list[str] | None = None) -> None:
        super().__init__(reason, reason=reason, transitions=transitions or [])
        self.reason = reason
        self.transitions = transitions or []


class StorageError(RelaisError):
    """The database refused or failed a commit; retrying later may succeed."""

    code = "storage_error"
