"""Why a run ended, as messages of the catalogue (``workflow.reason.*``, issue #14).

A run's reason is written as a :class:`~engine.text.catalogue.Phrase` and stored as
one (:func:`~engine.text.catalogue.stored`), so ``run.py workflows runs`` and
``/crm runs`` read it later in the reader's language, not in the language of the
moment it was written. An error keeps its code and parameters the same way; only
what nobody can translate (an unexpected exception's own words) stays verbatim, as
a parameter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine.errors import NotFound, ValidationFailed
from engine.text.catalogue import Phrase, engine_key, has, labelled, reason_of


def step_of(path: str) -> str:
    """``steps[1].then[0]`` → ``2.1``: the step as a person counts, from 1."""
    return ".".join(str(int(n) + 1) for n in re.findall(r"\[(\d+)\]", path)) or path


def failed(path: str, exc: Exception) -> Phrase:
    """An action that failed for good: its step, then the error in the reader's words."""
    return Phrase("workflow.reason.failed", path=path, step=step_of(path), error=error(exc))


def nothing_to_wait(path: str, field: str) -> Phrase:
    """A wait on a date field that is empty: the run stops."""
    return Phrase("workflow.reason.nothing_to_wait", path=path, step=step_of(path), field=field)


def loop_cut(depth: int, limit: int) -> Phrase:
    return Phrase("workflow.reason.loop", depth=depth, limit=limit)


def not_started(exc: Exception) -> Phrase:
    return Phrase("workflow.reason.not_started", error=error(exc))


def error(exc: Exception) -> Phrase:
    """An exception as a message of the catalogue: the engine's code and parameters,
    a refused field a line each; an unexpected error's text as a parameter."""
    said = reason_of(exc)
    if isinstance(said, Phrase):
        return said
    if isinstance(exc, ValidationFailed):
        reasons = getattr(exc, "reasons", None) or exc.errors
        fields = [_field(name, why) for name, why in reasons.items()]
        return Phrase("workflow.reason.invalid", fields=fields)
    if isinstance(exc, NotFound):
        entity = labelled([exc.entity], "slack.entity_")[0]
        return Phrase("engine.not_found", entity=entity, ref=str(exc.ref))
    coded = _value(exc)
    if isinstance(coded, Phrase):
        return coded
    if hasattr(exc, "code"):
        return Phrase("workflow.reason.error", error=str(exc))
    return Phrase("workflow.reason.internal", error=f"{type(exc).__name__}: {exc}")


def _field(name: str, why: Any) -> Phrase:
    return Phrase("workflow.reason.field", field=name, reason=_value(why))


def _value(value: Any) -> Any:
    """A parameter kept as data: a reason with a code of the catalogue as its Phrase."""
    if isinstance(value, Phrase | str):
        return value
    code, params = getattr(value, "code", None), getattr(value, "params", None)
    if isinstance(code, str) and isinstance(params, Mapping) and has(engine_key(code)):
        return Phrase(engine_key(code), **{k: _value(v) for k, v in params.items()})
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    return value
