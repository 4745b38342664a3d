"""``routing.yaml``: which capture addresses take mail, and what each creates.

Validated strictly (unknown keys are errors, nothing is coerced or evaluated)
into the engine's :class:`engine.mail.routes.IntakePolicy`. Without the file, the
defaults capture ``leads@relais.example`` (creates leads) and
``deals@relais.example`` (creates deals in the default pipeline). Errors name
the file and the path inside it: ``routing.yaml: addresses[1].creates: …``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from config import problems as wording
from config.loader import yaml_line
from config.models import STRICT
from config.problems import refused
from engine.api.crm import normalize_email
from engine.api.mail import IntakePolicy, OwnerRule, Route

FILE_NAME = "routing.yaml"
DEFAULT_DOMAIN = "relais.example"


class RoutingError(ValueError):
    """``routing.yaml`` is invalid; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


def _capture_address(value: str) -> str:
    text = value.strip().casefold()
    if text.startswith("*@"):
        _email(f"catchall{text[1:]}")
        return text
    return _email(text)


def _email(value: str) -> str:
    try:
        return normalize_email(value).key
    except ValueError as exc:
        raise refused("email", "config.problem.not_an_email", reason=str(exc)) from None


def _sender(value: str) -> str:
    """An address (``jo@x.fr``) or a domain (``x.fr`` or ``@x.fr``) in allow/deny lists."""
    text = value.strip().casefold()
    if "@" in text.lstrip("@"):
        return _email(text)
    domain = text.lstrip("@")
    _email(f"someone@{domain}")
    return domain


def _owner_shorthand(value: Any) -> Any:
    return {"mode": "fixed", "user": value} if isinstance(value, str) else value


Email = Annotated[StrictStr, AfterValidator(_email)]
Sender = Annotated[StrictStr, AfterValidator(_sender)]
Name = Annotated[StrictStr, Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = STRICT


class OwnerModel(_Strict):
    mode: Literal["none", "fixed", "round_robin", "by_domain"] = "none"
    user: Email | None = None
    users: tuple[Email, ...] = ()
    domains: dict[Annotated[StrictStr, AfterValidator(_sender)], Email] = Field(
        default_factory=dict
    )
    fallback: Email | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.mode == "fixed" and not self.user:
            raise refused("owner", "config.problem.fixed_needs_user")
        if self.mode == "by_domain" and not self.domains:
            raise refused("owner", "config.problem.by_domain_needs_domains")
        return self

    def rule(self) -> OwnerRule:
        return OwnerRule(
            self.mode, self.user, self.users, tuple(self.domains.items()), self.fallback
        )


class AddressModel(_Strict):
    address: Annotated[StrictStr, AfterValidator(_capture_address)]
    creates: Literal["lead", "deal"] = "lead"
    pipeline: Name | None = None
    stage: Name | None = None
    owner: Annotated[OwnerModel, BeforeValidator(_owner_shorthand)] = OwnerModel()
    origin: Name | None = "email"
    campaign: Name | None = None

    @model_validator(mode="after")
    def _deal_fields(self) -> Self:
        if self.creates == "lead" and (self.pipeline or self.stage):
            raise refused("route", "config.problem.route_deal_only")
        return self

    def route(self) -> Route:
        return Route(
            self.address, self.creates, self.pipeline, self.stage, self.owner.rule(),
            self.origin, self.campaign,
        )  # fmt: skip


class LimitsModel(_Strict):
    records_per_sender: StrictInt = Field(default=20, ge=1)
    period_minutes: StrictInt = Field(default=120, ge=1)


class SpamModel(_Strict):
    honeypot_fields: tuple[Name, ...] = ()
    score_threshold: StrictFloat | StrictInt | None = None


DEFAULT_ADDRESSES = (
    AddressModel(address=f"leads@{DEFAULT_DOMAIN}", creates="lead"),
    AddressModel(address=f"deals@{DEFAULT_DOMAIN}", creates="deal"),
)


class RoutingFile(_Strict):
    addresses: tuple[AddressModel, ...] = Field(default=DEFAULT_ADDRESSES)
    form_senders: tuple[Sender, ...] = ()
    allow: tuple[Sender, ...] = ()
    deny: tuple[Sender, ...] = ()
    limits: LimitsModel = LimitsModel()
    spam: SpamModel = SpamModel()

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if not self.addresses:
            raise refused("route", "config.problem.no_capture_address")
        seen: set[str] = set()
        for item in self.addresses:
            if item.address in seen:
                raise refused("unique", "config.problem.address_twice", address=item.address)
            seen.add(item.address)
        return self

    def policy(self) -> IntakePolicy:
        threshold = self.spam.score_threshold
        return IntakePolicy(
            routes=tuple(a.route() for a in self.addresses),
            form_senders=frozenset(self.form_senders),
            allow=frozenset(self.allow),
            deny=frozenset(self.deny),
            cap=self.limits.records_per_sender,
            cap_minutes=self.limits.period_minutes,
            honeypot_fields=self.spam.honeypot_fields,
            spam_threshold=None if threshold is None else float(threshold),
        )


def default_policy() -> IntakePolicy:
    return RoutingFile().policy()


def load_routing(folder: Path) -> IntakePolicy:
    """The policy of ``folder/routing.yaml``, or the defaults when there is no such file."""
    path = folder / FILE_NAME
    if not path.exists():
        return default_policy()
    data = _read(path)
    try:
        return RoutingFile.model_validate(data or {}).policy()
    except ValidationError as exc:
        raise RoutingError([_line(path, error) for error in exc.errors()]) from None


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RoutingError([wording.unreadable(path, exc)]) from None
    except yaml.YAMLError as exc:  # one line, as every other file's: line, column, problem
        raise RoutingError([yaml_line(str(path), exc)]) from None


def _line(path: Path, error: Any) -> str:
    where = ""
    for part in error["loc"]:
        if isinstance(part, int):
            where += f"[{part}]"
        elif not str(part).startswith("function-"):
            where += f".{part}" if where else str(part)
    return wording.line(path, where, wording.reason(error))
