"""Hypothesis keeps no example database in the work tree (CI starts clean anyway)."""

from hypothesis import settings

settings.register_profile("relais-cpq", database=None)
settings.load_profile("relais-cpq")
