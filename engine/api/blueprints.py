"""Blueprints and their transitions: models, checks, refusals, views.

Part of the public face adapters import (see :mod:`engine.api`)."""

from typing import TYPE_CHECKING

from engine.api import _lazy

if TYPE_CHECKING:
    from engine.blueprints import lead_model, model, stages, view
    from engine.blueprints.check import FormFit, Problem, StageRef, check_blueprint
    from engine.blueprints.lead_model import LeadStatusGoverned
    from engine.blueprints.model import Blueprint, During, InputField
    from engine.blueprints.protected import FieldsProtected
    from engine.blueprints.refusals import InputsRejected, TransitionUnavailable
    from engine.blueprints.stages import StageInBlueprint
    from engine.blueprints.store import Version, stage_refs
    from engine.blueprints.transitions import Option
else:
    __getattr__ = _lazy.names(
        __name__,
        {
            "Blueprint": "engine.blueprints.model",
            "During": "engine.blueprints.model",
            "FieldsProtected": "engine.blueprints.protected",
            "FormFit": "engine.blueprints.check",
            "InputField": "engine.blueprints.model",
            "InputsRejected": "engine.blueprints.refusals",
            "LeadStatusGoverned": "engine.blueprints.lead_model",
            "Option": "engine.blueprints.transitions",
            "Problem": "engine.blueprints.check",
            "StageInBlueprint": "engine.blueprints.stages",
            "StageRef": "engine.blueprints.check",
            "TransitionUnavailable": "engine.blueprints.refusals",
            "Version": "engine.blueprints.store",
            "check_blueprint": "engine.blueprints.check",
            "lead_model": "engine.blueprints.lead_model:",
            "model": "engine.blueprints.model:",
            "stage_refs": "engine.blueprints.store",
            "stages": "engine.blueprints.stages:",
            "view": "engine.blueprints.view:",
        },
    )

__all__ = [
    "Blueprint",
    "During",
    "FieldsProtected",
    "FormFit",
    "InputField",
    "InputsRejected",
    "LeadStatusGoverned",
    "Option",
    "Problem",
    "StageInBlueprint",
    "StageRef",
    "TransitionUnavailable",
    "Version",
    "check_blueprint",
    "lead_model",
    "model",
    "stage_refs",
    "stages",
    "view",
]
