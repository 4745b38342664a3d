"""Names of a public module imported the first time they are asked for (PEP 562).

A concept module of :mod:`engine.api` names many things; a command uses a few. Each
concept module lists its names here, by the inner module that defines them: ``from
engine.api.crm import Named`` then imports ``engine.crm.listings`` alone, not every
inner module of the concept (and their libraries). The first look-up stores the value on
the public module, so later ones are plain attribute reads. Type checkers read the same
names from the module's ``if TYPE_CHECKING:`` imports; the two lists are held equal by
tests/engine/test_api_lazy.py.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

# A name whose source is "module:" is that module itself, not one of its attributes.
MODULE = ":"


def names(public: str, source: Mapping[str, str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of the public module ``public`` whose names come from ``source``.

    ``source`` maps each name to the inner module it is imported from (``"module:"`` for
    a name that is the module itself).
    """

    def find(name: str) -> Any:
        origin = source.get(name)
        if origin is None:
            raise AttributeError(f"module {public!r} has no attribute {name!r}")
        if origin.endswith(MODULE):
            value = importlib.import_module(origin[: -len(MODULE)])
        else:
            value = getattr(importlib.import_module(origin), name)
        setattr(sys.modules[public], name, value)
        return value

    return find
