"""Several instances on one PostgreSQL database: two engines, each its own ``Database``.

Every test here needs ``RELAIS_TEST_POSTGRES=postgresql://…`` (a server the
tests may create databases on); without it they are skipped, saying so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.core import Engine


@pytest.fixture
async def other(db_path: Path) -> AsyncIterator[Engine]:
    """A second instance on the ``engine`` fixture's database."""
    second = await Engine.open(db_path)
    try:
        yield second
    finally:
        await second.close()
