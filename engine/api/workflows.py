"""Workflows as data, their checks, runs and history.

Part of the public face adapters import (see :mod:`engine.api`)."""

from engine.workflows import codec, model
from engine.workflows.check import check_workflow
from engine.workflows.execute import Setup
from engine.workflows.history import RunRecord, StepRecord, Summary
from engine.workflows.runner import WorkflowRunner
from engine.workflows.store import Stored

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
