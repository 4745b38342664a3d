"""Workflows as data, their checks, runs and history.

Part of the public face adapters import (see :mod:`engine.api`)."""

from typing import TYPE_CHECKING

from engine.api import _lazy

if TYPE_CHECKING:
    from engine.workflows import codec, model
    from engine.workflows.check import check_workflow
    from engine.workflows.execute import Setup
    from engine.workflows.history import RunRecord, StepRecord, Summary
    from engine.workflows.runner import WorkflowRunner
    from engine.workflows.store import Stored
else:
    __getattr__ = _lazy.names(
        __name__,
        {
            "RunRecord": "engine.workflows.history",
            "Setup": "engine.workflows.execute",
            "StepRecord": "engine.workflows.history",
            "Stored": "engine.workflows.store",
            "Summary": "engine.workflows.history",
            "WorkflowRunner": "engine.workflows.runner",
            "check_workflow": "engine.workflows.check",
            "codec": "engine.workflows.codec:",
            "model": "engine.workflows.model:",
        },
    )

__all__ = [
    "RunRecord",
    "Setup",
    "StepRecord",
    "Stored",
    "Summary",
    "WorkflowRunner",
    "check_workflow",
    "codec",
    "model",
]
