"""Cross-checks of a blueprint against its pipeline: every mistake, each with its path.

Shape errors (a missing key, a wrong type) are caught by the YAML schema;
this module catches what needs the pipeline and the field catalogue: an
unknown stage or field, a type mismatch, a state or transition that can
never be reached. Paths read like ``transitions[2].during.fields[0].type``.

The engine knows no renderer. What a form can show (how many inputs, how
much of a choice) is the renderer's to say: the adapter that checks a
blueprint (``config check``, ``blueprint apply``) passes the renderer's
:class:`FormFit`, and the problems it names for each transition's form are
reported under that transition's path like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engine import clock, templates
from engine.blueprints.model import (
    ANY_STATE,
    Action,
    Blueprint,
    CreateActivity,
    During,
    InputField,
    Notify,
    SendEmail,
    SetField,
    Transition,
    Webhook,
)
from engine.blueprints.wording import hint, unknown_field, whole_percent, wrong
from engine.crm import fields
from engine.crm.activities import KINDS
from engine.crm.criteria import LISTED, OPERATORS, UNARY, Criterion, conditions
from engine.crm.fields import INPUT_TYPES, TEXTUAL
from engine.text.catalogue import Phrase

RESERVED_INPUTS = ("note", "checklist", "stage")
ADMIN_OVERRIDE = "admin_override"
RANGED = ("number", "money", "percentage", "date", "datetime")
RECIPIENTS = ("contact", "owner", "manager", "actor")
KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class StageRef:
    key: str
    outcome: str | None
    position: int


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class FormFit(Protocol):
    """A renderer's word on one transition's form (its *During* part).

    It returns what of the form the renderer could not show a rep, each
    problem with its path inside the form (``""``: the form as a whole,
    ``fields[2].options``: one input); none means the form fits.
    """

    def __call__(self, during: During) -> Iterable[Problem]: ...


def fits_anything(during: During) -> Iterable[Problem]:
    """No renderer named: every form fits (what the engine alone can say)."""
    return ()


class _Checker:
    def __init__(
        self, blueprint: Blueprint, stages: Sequence[StageRef], fits: FormFit | None = None
    ) -> None:
        self.bp = blueprint
        self.fits = fits or fits_anything
        self.stages = {s.key: s for s in stages}
        self.order = sorted(stages, key=lambda s: s.position)
        self.problems: list[Problem] = []
        self.catalogue = fields.LEAD_FIELDS if blueprint.record == "lead" else fields.DEAL_FIELDS

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def run(self) -> list[Problem]:
        self.check_timezone()
        self.check_criterion(self.bp.entry, "entry")
        self.check_states()
        seen: set[str] = set()
        for index, transition in enumerate(self.bp.transitions):
            path = f"transitions[{index}]"
            if transition.key in seen or transition.key == ADMIN_OVERRIDE:
                self.add(f"{path}.key", wrong("key_taken", key=repr(transition.key)))
            seen.add(transition.key)
            self.check_transition(transition, path)
        self.check_reachability()
        return self.problems

    # -- states ---------------------------------------------------------------

    def check_timezone(self) -> None:
        try:
            clock.zone(self.bp.timezone)
        except ValueError:
            self.add("timezone", Phrase("value.unknown_timezone", name=repr(self.bp.timezone)))

    def check_stage(self, key: str, path: str) -> bool:
        if key in self.stages:
            return True
        self.add(path, wrong("unknown_stage", stage=repr(key), hint=hint(key, self.stages)))
        return False

    def check_states(self) -> None:
        for state in self.bp.states:
            path = f"states.{state.stage}"
            if self.check_stage(state.stage, path) and self.stages[state.stage].outcome:
                self.add(path, wrong("closed_time_limit"))
            for who in state.escalate_to:
                if who not in ("owner", "manager"):
                    self.add(f"{path}.escalate_to", wrong("escalate_to", who=repr(who)))

    # -- criteria -------------------------------------------------------------

    def check_criterion(self, criterion: Criterion | None, path: str) -> None:
        for where, condition in conditions(criterion, path):
            kind = fields.field_type(condition.field, self.catalogue)
            if kind is None:
                self.add(f"{where}.field", unknown_field(condition.field, self.catalogue))
                continue
            if condition.op not in OPERATORS:
                self.add(f"{where}.op", wrong("unknown_operator", op=repr(condition.op)))
            elif condition.op not in UNARY:
                self.check_literal(kind, condition.op, condition.value, f"{where}.value")

    def check_literal(self, kind: str, op: str, value: Any, path: str) -> None:
        values = value if op in LISTED else [value]
        if op in LISTED and not isinstance(value, list | tuple):
            self.add(path, wrong("needs_list", op=op))
            return
        for item in values:
            problem = fields.literal_problem(kind, item)
            if problem:
                self.add(path, wrong("type_mismatch_kind", problem=problem, kind=kind))

    # -- transitions ----------------------------------------------------------

    def check_transition(self, t: Transition, path: str) -> None:
        if not KEY.match(t.key):
            self.add(f"{path}.key", wrong("key_format"))
        for index, source in enumerate(t.sources):
            if source != ANY_STATE:
                self.check_stage(source, f"{path}.from[{index}]")
        target_known = self.check_stage(t.target, f"{path}.to")
        self.check_criterion(t.criteria, f"{path}.before.criteria")
        for role in t.owners.roles:
            if role not in ("admin", "manager", "rep"):
                self.add(f"{path}.before.owners.roles", wrong("unknown_role", role=repr(role)))
        inputs = self.check_inputs(t, f"{path}.during")
        self.check_fit(t.during, f"{path}.during")
        for index, action in enumerate(t.after):
            self.check_action(action, inputs, t, f"{path}.after[{index}]")
        if target_known:
            self.check_lost_reason(t, path)
        if t.automatic_after is not None and t.during.asks_anything:
            self.add(f"{path}.automatic", wrong("automatic_input"))

    def lost_target(self, t: Transition) -> bool:
        stage = self.stages.get(t.target)
        return stage is not None and stage.outcome == "lost"

    def check_lost_reason(self, t: Transition, path: str) -> None:
        if not self.lost_target(t):
            return
        given = any(f.field == "lost_reason" and f.required for f in t.during.fields)
        set_after = any(isinstance(a, SetField) and a.field == "lost_reason" for a in t.after)
        if not (given or set_after):
            self.add(path, wrong("lost_reason_needed"))

    def check_inputs(self, t: Transition, path: str) -> dict[str, InputField]:
        inputs: dict[str, InputField] = {}
        targets: set[str] = set()
        for index, spec in enumerate(t.during.fields):
            where = f"{path}.fields[{index}]"
            if spec.key in inputs or spec.key in RESERVED_INPUTS or not KEY.match(spec.key):
                self.add(f"{where}.key", wrong("input_key", key=repr(spec.key)))
            inputs[spec.key] = spec
            self.check_input(spec, where)
            if spec.field is not None:
                if spec.field in targets:
                    self.add(f"{where}.field", wrong("field_twice", field=spec.field))
                targets.add(spec.field)
                self.check_target(spec.field, spec.type, t, f"{where}.field")
        return inputs

    def check_fit(self, during: During, path: str) -> None:
        """What the renderer says it cannot show of the form, under the form's path."""
        for problem in self.fits(during):
            self.add(f"{path}.{problem.path}" if problem.path else path, problem.message)

    def check_options(self, options: Sequence[str], path: str) -> None:
        seen: set[str] = set()
        for option in options:
            if option in seen:
                self.add(path, wrong("option_twice", option=repr(option)))
            seen.add(option)

    def check_input(self, spec: InputField, path: str) -> None:
        if spec.type not in INPUT_TYPES:
            types = ", ".join(INPUT_TYPES)
            self.add(f"{path}.type", wrong("unknown_type", type=repr(spec.type), types=types))
            return
        choice = spec.type in ("choice", "multi_choice")
        if choice and not spec.options:
            self.add(f"{path}.options", wrong("needs_options", type=spec.type))
        if spec.options and not choice:
            self.add(f"{path}.options", wrong("options_choice_only"))
        self.check_options(spec.options, f"{path}.options")
        for bound in ("min", "max"):
            self.check_bound(spec, bound, f"{path}.{bound}")
        sized = spec.min_length is not None or spec.max_length is not None
        if sized and spec.type not in (*TEXTUAL, "multi_choice"):
            self.add(f"{path}.min_length", wrong("lengths"))
        if spec.pattern is not None:
            self.check_pattern(spec, f"{path}.pattern")

    def check_bound(self, spec: InputField, bound: str, path: str) -> None:
        value = getattr(spec, bound)
        if value is None:
            return
        if spec.type not in RANGED:
            self.add(path, wrong("bound_kind", bound=bound, type=spec.type))
            return
        kind = "date" if spec.type in ("date", "datetime") else "number"
        problem = fields.literal_problem(kind, value)
        if problem:
            self.add(path, wrong("type_mismatch", problem=problem))
        elif spec.type == "percentage" and not whole_percent(value):
            self.add(path, wrong("percent", value=value))

    def check_pattern(self, spec: InputField, path: str) -> None:
        if spec.type not in TEXTUAL:
            self.add(path, wrong("pattern_text"))
            return
        try:
            re.compile(spec.pattern or "")
        except re.error as exc:
            self.add(path, wrong("not_regex", error=str(exc)))

    def check_writable(self, name: str, t: Transition, path: str) -> str | None:
        """The field's type if a transition may write it; otherwise records why not."""
        kind = fields.field_type(name, self.catalogue)
        if kind is None:
            self.add(path, unknown_field(name, self.catalogue))
        elif not fields.is_writable(name, self.catalogue):
            self.add(path, wrong("read_only", name=name))
        elif name == "lost_reason" and not self.lost_target(t):
            self.add(path, wrong("lost_reason_only"))
        else:
            return kind
        return None

    def check_target(self, name: str, input_type: str, t: Transition, path: str) -> None:
        kind = self.check_writable(name, t, path)
        if kind is not None and input_type not in fields.ACCEPTS[kind]:
            self.add(path, wrong("cannot_save", input=input_type, name=name, kind=kind))

    # -- after ----------------------------------------------------------------

    def check_action(
        self, action: Action, inputs: dict[str, InputField], t: Transition, path: str
    ) -> None:
        if isinstance(action, SetField):
            self.check_set_field(action, inputs, t, path)
        elif isinstance(action, CreateActivity):
            self.check_activity(action, inputs, path)
        elif isinstance(action, SendEmail):
            self.check_email(action, inputs, path)
        elif isinstance(action, Notify):
            self.check_notify(action, inputs, path)
        elif isinstance(action, Webhook) and not action.url.startswith(("http://", "https://")):
            self.add(f"{path}.url", wrong("webhook_url"))

    def check_set_field(
        self, action: SetField, inputs: dict[str, InputField], t: Transition, path: str
    ) -> None:
        if action.from_input is not None:
            spec = inputs.get(action.from_input)
            if spec is None:
                self.add(f"{path}.from_input", wrong("no_input", name=repr(action.from_input)))
                return
            self.check_target(action.field, spec.type, t, f"{path}.field")
            return
        kind = self.check_writable(action.field, t, f"{path}.field")
        if kind is not None and action.value is not None:
            self.check_literal(kind, "eq", action.value, f"{path}.value")

    def check_activity(
        self, action: CreateActivity, inputs: dict[str, InputField], path: str
    ) -> None:
        if action.kind not in KINDS:
            self.add(f"{path}.kind", wrong("activity_kind", kinds=", ".join(KINDS)))
        if action.due_from is not None:
            spec = inputs.get(action.due_from)
            if spec is None or spec.type not in ("date", "datetime"):
                self.add(f"{path}.due_from", wrong("no_date_input", name=repr(action.due_from)))
        self.check_text(action.subject, inputs, f"{path}.subject")
        self.check_text(action.note, inputs, f"{path}.note")

    def check_email(self, action: SendEmail, inputs: dict[str, InputField], path: str) -> None:
        if action.to not in RECIPIENTS and "@" not in action.to:
            self.add(f"{path}.to", wrong("email_to", who=", ".join(RECIPIENTS)))
        self.check_text(action.subject, inputs, f"{path}.subject")
        self.check_text(action.body, inputs, f"{path}.body")

    def check_notify(self, action: Notify, inputs: dict[str, InputField], path: str) -> None:
        if action.to not in ("owner", "manager", "actor", "channel"):
            self.add(f"{path}.to", wrong("notify_to"))
        if action.to == "channel" and not action.channel:
            self.add(f"{path}.channel", wrong("channel"))
        self.check_text(action.text, inputs, f"{path}.text")

    def check_text(self, text: str, inputs: Iterable[str], path: str) -> None:
        known = templates.LEAD_NAMES if self.bp.record == "lead" else templates.NAMES
        for name in templates.unknown(text, inputs, known):
            self.add(path, wrong("unknown_placeholder", name="{" + name + "}"))

    # -- reachability ---------------------------------------------------------

    def check_reachability(self) -> None:
        first = next((s.key for s in self.order if s.outcome is None), None)
        if first is None:
            self.add("pipeline", wrong("no_open_stage"))
            return
        reached = self.reachable(first)
        for stage in self.order:
            if stage.key not in reached:
                self.add(
                    "transitions", wrong("unreachable", stage=repr(stage.key), first=repr(first))
                )
        for index, t in enumerate(self.bp.transitions):
            if not t.common and not any(s in reached for s in t.sources):
                self.add(f"transitions[{index}].from", wrong("transition_unreachable"))

    def reachable(self, first: str) -> set[str]:
        reached, frontier = {first}, [first]
        while frontier:
            stage = frontier.pop()
            is_open = stage in self.stages and self.stages[stage].outcome is None
            for t in self.bp.transitions:
                leaves = stage in t.sources or (t.common and is_open)
                if leaves and t.target not in reached:
                    reached.add(t.target)
                    frontier.append(t.target)
        return reached


def check_blueprint(
    blueprint: Blueprint, stages: Sequence[StageRef], fits: FormFit | None = None
) -> list[Problem]:
    """Every problem of ``blueprint`` against a pipeline with ``stages`` (none: it is sound).

    ``fits`` is the renderer's check of each transition's form (the adapter's
    to give); without it, only what the engine itself knows is checked.
    """
    return _Checker(blueprint, stages, fits).run()
