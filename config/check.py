"""``run.py config check``: every file the service reads, validated, the database untouched.

A file is checked by the very loader that reads it at run time, so "OK" here
means the service and the commands will accept it: ``pipelines.yaml``,
``users.yaml`` and ``projects.yaml`` (``config apply``), ``pricing.yaml``
(quotes, read at start), ``catalogue.yaml`` (``products import``),
``routing.yaml`` (mail intake, read at start), ``workflows.yaml``
(``workflows apply``) and ``blueprints/*.yaml`` (``blueprint apply``). A
blueprint is also checked against its pipeline's stages when
``pipelines.yaml`` (or the built-in default pipeline) says what they are,
and each of its forms against the renderer's limits when the caller passes
its check (``run.py config check`` passes the Slack bot's, :mod:`bot.forms_fit`).

Every problem of every file is one line, ``file: path: reason``; an absent
file is not a problem (it means "nothing of that kind" or the defaults). A
``pricing.yaml`` whose seller lacks a mention a French devis needs (SIREN,
VAT number, décennale insurance…) is valid all the same: its count line is
followed by one ``warning: pricing.yaml: quotes.seller.key: …`` line each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from config import problems as wording
from config.blueprint_schema import blueprint_files, default_stages, problems_against
from config.blueprint_schema import load_blueprints as _load_blueprints
from config.cpq_schema import (
    CATALOGUE_FILE,
    PRICING_FILE,
    CpqConfigError,
    load_catalogue_file,
    load_pricing_file,
)
from config.loader import ConfigError, load_config
from config.models import RelaisConfig
from config.routing import FILE_NAME as ROUTING_FILE
from config.routing import RoutingError, load_routing
from config.seller_schema import seller_warnings
from config.workflow_schema import FILE as WORKFLOWS_FILE
from config.workflow_schema import load_workflows
from engine.api import Phrase
from engine.api.blueprints import Blueprint, FormFit, StageRef
from engine.api.blueprints import lead_model as lead_blueprints

T = TypeVar("T")
# Each loader's own error: all carry ``problems``, one line each.
ERRORS = (ConfigError, CpqConfigError, RoutingError)


@dataclass
class Report:
    """What ``config check`` found: the core configuration, a line per other file, problems."""

    config: RelaisConfig | None = None
    found: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_folder(folder: Path, fits: FormFit | None = None) -> Report:
    """Validate every file of ``folder`` that Relais reads; never raises for a bad file.

    ``fits`` is the renderer's check of a blueprint's forms (none: not measured).
    """
    report = Report()
    if not folder.is_dir():
        report.problems.append(wording.line(folder, "", Phrase("config.problem.no_folder")))
        return report
    report.config = _attempt(report, lambda: load_config(folder))
    for check in (_pricing, _catalogue, _routing, _workflows):
        report.found.extend(_attempt(report, partial(check, folder)) or ())
    _blueprints(folder, report, fits)
    return report


def _attempt(report: Report, load: Callable[[], T]) -> T | None:
    try:
        return load()
    except ERRORS as exc:
        report.problems.extend(exc.problems)
        return None


def _found(key: str, count: int) -> str:
    """``catalogue.yaml: 17 products``: a count line, a catalogue message."""
    return Phrase(f"config.change.found_{key}", count=count)


def _pricing(folder: Path) -> list[str]:
    if not (folder / PRICING_FILE).is_file():
        return []
    setup = load_pricing_file(folder / PRICING_FILE)
    book = setup.book
    found = Phrase(
        "config.change.found_pricing",
        configurator=Phrase("config.change.configurator_rules", count=len(book.configurator.rules)),
        prices=Phrase("config.change.price_rules", count=len(book.prices.rules)),
    )
    # A devis lacking a legal mention is still made: a warning, not a problem.
    warnings = seller_warnings(setup.settings.seller, PRICING_FILE)
    return [found, *(Phrase("config.change.warning", line=line) for line in warnings)]


def _catalogue(folder: Path) -> list[str]:
    if not (folder / CATALOGUE_FILE).is_file():
        return []
    return [_found("catalogue", len(load_catalogue_file(folder / CATALOGUE_FILE)))]


def _routing(folder: Path) -> list[str]:
    policy = load_routing(folder)  # the defaults without the file: checked all the same
    if not (folder / ROUTING_FILE).is_file():
        return []
    return [_found("routing", len(policy.routes))]


def _workflows(folder: Path) -> list[str]:
    found = load_workflows(folder)
    if not (folder / WORKFLOWS_FILE).is_file():
        return []
    return [_found("workflows", len(found))]


def _blueprints(folder: Path, report: Report, fits: FormFit | None) -> None:
    loaded = _attempt(report, lambda: _load_blueprints(folder)) or []
    for path, blueprint in loaded:
        report.problems.extend(_against_stages(path, blueprint, report.config, fits))
    if blueprint_files(folder):
        report.found.append(_found("blueprints", len(blueprint_files(folder))))


def _against_stages(
    path: Path, blueprint: Blueprint, config: RelaisConfig | None, fits: FormFit | None
) -> list[str]:
    """The stage-aware problems, when the files say what the pipeline's stages are."""
    if blueprint.record == "lead":
        return [
            wording.line(path, p.path, p.message) for p in lead_blueprints.check(blueprint, fits)
        ]
    stages = _stages(blueprint.pipeline, config)
    return [] if stages is None else problems_against(blueprint, stages, str(path), fits)


def _stages(pipeline: str, config: RelaisConfig | None) -> Sequence[StageRef] | None:
    """A pipeline's stages as the files describe them; ``None`` when only the database knows."""
    if config is None:
        return None
    if config.pipelines is None:
        return default_stages() if pipeline == "default" else None
    for found in config.pipelines:
        if found.key == pipeline:
            return [
                StageRef(s.key, None if s.outcome == "none" else s.outcome, position)
                for position, s in enumerate(found.stages, start=1)
            ]
    return None
