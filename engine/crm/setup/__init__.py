"""Making the database say what a whole set-up says (``run.py config apply``).

A :class:`CrmSetup` lists pipelines, users and project templates as plain
engine dataclasses; :func:`apply_setup` syncs them in the one write
transaction it is given, so either every change is made or — when one is
refused (a stage that still holds deals, or that a blueprint in force names)
— none is. It returns one human-readable line per change, and nothing when
the database already matches. Where the set-up comes from (YAML files) is the
adapter's business: this package knows only the records.
:func:`read_setup` is the way back: what the database holds, for an export.
"""

from engine.crm.setup.apply import apply_setup
from engine.crm.setup.model import CrmSetup, PipelineSetup, SetupRefused
from engine.crm.setup.records import SetupRecords, read_setup

__all__ = [
    "CrmSetup",
    "PipelineSetup",
    "SetupRecords",
    "SetupRefused",
    "apply_setup",
    "read_setup",
]
