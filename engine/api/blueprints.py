"""Blueprints and their transitions: models, checks, refusals, views.

Part of the public face adapters import (see :mod:`engine.api`)."""

from engine.blueprints import lead_model, model, stages, view
from engine.blueprints.check import FormFit, Problem, StageRef, check_blueprint
from engine.blueprints.lead_model import LeadStatusGoverned
from engine.blueprints.model import Blueprint, During, InputField
from engine.blueprints.protected import FieldsProtected
from engine.blueprints.refusals import InputsRejected, TransitionUnavailable
from engine.blueprints.stages import StageInBlueprint
from engine.blueprints.store import Version, stage_refs
from engine.blueprints.transitions import Option

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
