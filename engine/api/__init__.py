"""The engine's public face: the only engine modules adapters import.

``bot/``, ``ingest/``, ``cli/``, ``service/`` and ``config/`` import from
``engine.api`` and its concept modules (``engine.api.crm``, ``engine.api.cpq``…),
never from the engine's inner modules: the inside can be rearranged without
touching an adapter. A test (tests/test_layout.py) holds them to it.

Engine, actors, errors, events, time and money: what every adapter needs.
``DealView`` is imported on first use (with the deals part): a command that shows no deal
card does not load what the card reads.
"""

from typing import TYPE_CHECKING

from engine import clock
from engine.actors import Actor
from engine.clock import utcnow
from engine.core import Engine
from engine.durations import parse_duration
from engine.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RelaisError,
    StageNotEmpty,
    StorageError,
    TransitionRefused,
    ValidationFailed,
)
from engine.events import DomainEvent
from engine.i18n import LEAD_STATUS_NAMES, LOCALES, lead_status_name, translate
from engine.money import MAX_INTEGER_DIGITS, TOO_LARGE
from engine.text import formats, typed
from engine.text.catalogue import Phrase, engine_key, label, plural, text
from engine.text.catalogue import has as has_text
from engine.text.catalogue import rendered as phrase_text
from engine.waiting import wait_at_most, within

if TYPE_CHECKING:
    from engine.core import DealView
else:
    from engine.api import _lazy

    __getattr__ = _lazy.names(__name__, {"DealView": "engine.facade.deal_view"})

__all__ = [
    "LEAD_STATUS_NAMES",
    "LOCALES",
    "MAX_INTEGER_DIGITS",
    "TOO_LARGE",
    "Actor",
    "Conflict",
    "DealView",
    "DomainEvent",
    "Engine",
    "Forbidden",
    "NotFound",
    "Phrase",
    "RelaisError",
    "StageNotEmpty",
    "StorageError",
    "TransitionRefused",
    "ValidationFailed",
    "clock",
    "engine_key",
    "formats",
    "has_text",
    "label",
    "lead_status_name",
    "parse_duration",
    "phrase_text",
    "plural",
    "text",
    "translate",
    "typed",
    "utcnow",
    "wait_at_most",
    "within",
]
