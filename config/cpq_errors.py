"""The CPQ configuration's error, alone: what a command catches without loading pydantic.

A ``run.py quote …`` whose price book comes from the cache (:mod:`config.cpq_cache`)
never validates a file, so it imports neither the schema nor pydantic.
"""

from __future__ import annotations


class CpqConfigError(ValueError):
    """The CPQ configuration is invalid; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)
