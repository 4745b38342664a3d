"""The CPQ configuration: ``catalogue.yaml`` and ``pricing.yaml``, strictly validated.

Both files are read (:mod:`config.cpq_reading`) with a safe YAML loader that
keeps decimal numbers exact (``19.99`` is ``Decimal("19.99")``, never a
float), validated by the pydantic models below (unknown keys are errors) and
turned into the engine's frozen dataclasses: :class:`engine.cpq.catalogue.Product`,
:class:`engine.cpq.configurator.ConfiguratorRule`, :class:`engine.cpq.pricing.PriceRule`.
Every problem is reported on its own line as ``file: path[0].inside: reason``; our
validators' reasons are catalogue phrases (``config.problem.cpq.*``), read in the
reader's language by ``config check --lang``.

Why rules live here and products in the database: rules are the business's
policy, written and reviewed by an admin as text (diffable, versioned with the
rest of the configuration) and priced from memory, indexed by product code;
products are data that changes with every supplier price list (CSV imports)
and that Slack searches, so ``catalogue.yaml`` is imported into the database
with ``run.py products import``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)

from config.cpq_reading import CpqConfigError, validate_file
from config.models import STRICT
from config.problems import engine_reason, with_local_number
from config.seller_schema import DealFieldsModel, SellerModel
from engine.api import Phrase
from engine.api.cpq import (
    Action,
    Condition,
    ConfiguratorRule,
    CpqSetup,
    Op,
    PriceRule,
    Product,
    QuantityFormat,
    QuantityOp,
    QuantitySpec,
    QuoteSettings,
    RuleBook,
    RuleKind,
    Scalar,
    Tier,
    TierModel,
    ValueUnit,
)

__all__ = [
    "CATALOGUE_FILE",
    "PRICING_FILE",
    "CatalogueFile",
    "CpqConfigError",
    "PricingFile",
    "load_catalogue_file",
    "load_cpq",
    "load_pricing_file",
]

CATALOGUE_FILE = "catalogue.yaml"
PRICING_FILE = "pricing.yaml"

Code = Annotated[StrictStr, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._/-]+$")]
Number = Decimal


class _Strict(BaseModel):
    model_config = STRICT


# -- catalogue.yaml -------------------------------------------------------------------


class ProductModel(_Strict):
    code: Code
    name: Annotated[StrictStr, Field(min_length=1)]
    unit_price: Annotated[Number, Field(ge=0, decimal_places=2)]
    description: StrictStr = ""
    currency: Annotated[StrictStr, Field(pattern=r"^[A-Z]{3}$")] | None = None
    tax_rate: Annotated[Number, Field(ge=0, le=100)] | None = None
    active: StrictBool = True
    fields: dict[StrictStr, Number] = {}

    def product(self, currency: str, tax_rate: Decimal) -> Product:
        return Product(
            self.code,
            self.name,
            self.unit_price,
            self.currency or currency,
            tax_rate if self.tax_rate is None else self.tax_rate,
            self.description,
            self.active,
            dict(self.fields),
        )


class CatalogueFile(_Strict):
    """``catalogue.yaml``: defaults, then the products."""

    currency: Annotated[StrictStr, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    tax_rate: Annotated[Number, Field(ge=0, le=100)] = Decimal(20)
    products: list[ProductModel] = []

    @model_validator(mode="after")
    def _unique_codes(self) -> Self:
        _unique([p.code for p in self.products], "config.problem.cpq.duplicate_product_code")
        return self

    def catalogue(self) -> list[Product]:
        return [p.product(self.currency, self.tax_rate) for p in self.products]


# -- pricing.yaml ---------------------------------------------------------------------


ConditionValue = StrictStr | Number | date | StrictBool | list[StrictStr | Number | date]


class ConditionModel(_Strict):
    field: Annotated[StrictStr, Field(min_length=1)]
    op: Op
    value: ConditionValue | None = None

    def condition(self) -> Condition:
        value: Scalar | tuple[Scalar, ...] | None
        value = tuple(self.value) if isinstance(self.value, list) else self.value
        try:
            return Condition(self.field, self.op, value)
        except ValueError as exc:
            raise ValueError(engine_reason(exc)) from None


class _Conditional(_Strict):
    when: list[ConditionModel] = []
    valid_from: date | None = None
    valid_until: date | None = None
    priority: StrictInt = 100

    def conditions(self) -> tuple[Condition, ...]:
        found = [c.condition() for c in self.when]
        if self.valid_from is not None:
            found.append(Condition("date", Op.GTE, self.valid_from))
        if self.valid_until is not None:
            found.append(Condition("date", Op.LTE, self.valid_until))
        return tuple(found)

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            raise ValueError(Phrase("config.problem.cpq.valid_from_after"))
        for condition in self.when:
            condition.condition()
        return self


class QuantityModel(_Strict):
    """``2`` (absolute), or ``{from_base: multiply, number: 2 | field: set_of, format: ceil}``."""

    number: Annotated[Number, Field(gt=0)] = Decimal(1)
    from_base: QuantityOp | None = None
    field: StrictStr | None = None
    format: QuantityFormat = QuantityFormat.ABSOLUTE

    def spec(self) -> QuantitySpec:
        """The engine's quantity; a bound refused shows the number in the reader's format."""
        try:
            return QuantitySpec(self.number, self.from_base, self.field, self.format)
        except ValueError as exc:
            raise ValueError(with_local_number(engine_reason(exc), self.number)) from None

    @model_validator(mode="after")
    def _field_needs_base(self) -> Self:
        if self.field is not None and self.from_base is None:
            raise ValueError(Phrase("config.problem.cpq.quantity_field_needs_base"))
        return self


class FieldUpdateModel(_Strict):
    product: Code | None = None
    description: StrictStr | None = None


class ConfiguratorRuleModel(_Conditional):
    id: Code
    base: list[Code] | Literal["any"]
    add: Code | None = None
    suggest: Code | None = None
    set_field: FieldUpdateModel | None = None
    quantity: Annotated[Number, Field(gt=0)] | QuantityModel | None = None
    free: StrictBool = False

    def rule(self) -> ConfiguratorRule:
        action, product = self._action()
        quantity = self.quantity
        if isinstance(quantity, Decimal):
            quantity = QuantityModel(number=quantity)
        return ConfiguratorRule(
            id=self.id,
            action=action,
            base=() if self.base == "any" else tuple(self.base),
            product=product,
            quantity=None if quantity is None else quantity.spec(),
            free=self.free,
            description=None if self.set_field is None else self.set_field.description,
            conditions=self.conditions(),
            priority=self.priority,
        )

    def _action(self) -> tuple[Action, str | None]:
        chosen = [
            (action, value)
            for action, value in (
                (Action.ADD, self.add),
                (Action.SUGGEST, self.suggest),
                (Action.SET_FIELD, self.set_field),
            )
            if value is not None
        ]
        if len(chosen) != 1:
            raise ValueError(Phrase("config.problem.cpq.one_action"))
        action, value = chosen[0]
        if isinstance(value, FieldUpdateModel):
            return action, value.product
        return action, value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.base != "any" and not self.base:
            raise ValueError(Phrase("config.problem.cpq.base_empty"))
        self.rule()  # the engine's own checks, reported at this rule's path
        return self


class TierModelYaml(_Strict):
    to: Annotated[Number, Field(gt=0)] | None = None
    percent: Annotated[Number, Field(ge=0)] | None = None
    amount: Annotated[Number, Field(ge=0)] | None = None


class PriceRuleModel(_Conditional):
    id: Code
    products: Annotated[list[Code], Field(min_length=1)]
    kind: RuleKind
    percent: Annotated[Number, Field(ge=0)] | None = None
    amount: Annotated[Number, Field(ge=0)] | None = None
    tiers: list[TierModelYaml] = []
    model: TierModel = TierModel.FLAT
    currency: Annotated[StrictStr, Field(pattern=r"^[A-Z]{3}$")] | None = None

    def rule(self) -> PriceRule:
        unit, value, tiers = self._values()
        return PriceRule(
            id=self.id,
            products=tuple(self.products),
            kind=self.kind,
            unit=unit,
            value=value,
            tiers=tiers,
            model=self.model,
            conditions=self.conditions(),
            priority=self.priority,
            currency=self.currency,
        )

    def _values(self) -> tuple[ValueUnit, Decimal | None, tuple[Tier, ...]]:
        if not self.kind.volume:
            if self.tiers:
                raise ValueError(Phrase("config.problem.cpq.no_tiers", kind=f"{self.kind}"))
            unit, value = _unit(self.percent, self.amount, None)
            return unit, value, ()
        if self.percent is not None or self.amount is not None:
            raise ValueError(Phrase("config.problem.cpq.volume_on_tiers"))
        if not self.tiers:
            raise ValueError(Phrase("config.problem.cpq.volume_needs_tiers"))
        pairs = [_unit(t.percent, t.amount, n) for n, t in enumerate(self.tiers)]
        if len({unit for unit, _ in pairs}) > 1:
            raise ValueError(Phrase("config.problem.cpq.tiers_one_unit"))
        tiers = tuple(Tier(t.to, value) for t, (_, value) in zip(self.tiers, pairs, strict=True))
        return pairs[0][0], None, tiers

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        self.rule()
        return self


def _unit(
    percent: Decimal | None, amount: Decimal | None, tier: int | None
) -> tuple[ValueUnit, Decimal]:
    """The rule's (or its ``tier``'s) unit and value: exactly one of percent and amount."""
    if (percent is None) == (amount is None):
        reason = Phrase("config.problem.cpq.percent_or_amount")
        if tier is not None:
            reason = Phrase("config.problem.cpq.in_tier", index=tier, reason=reason)
        raise ValueError(reason)
    if percent is not None:
        return ValueUnit.PERCENT, percent
    assert amount is not None
    return ValueUnit.AMOUNT, amount


class QuotesModel(_Strict):
    number_prefix: Annotated[StrictStr, Field(pattern=r"^[A-Z0-9]{1,6}$")] = "D"
    move_deal_to: StrictStr | None = "devis"
    validity_days: Annotated[StrictInt, Field(ge=0, le=3650)] = 30
    company: list[StrictStr] = []
    footer: StrictStr = ""
    seller: SellerModel = SellerModel()
    deal_fields: DealFieldsModel = DealFieldsModel()

    def settings(self) -> QuoteSettings:
        return QuoteSettings(
            self.number_prefix,
            self.move_deal_to,
            self.validity_days,
            tuple(self.company),
            self.footer,
            self.seller.seller(),
            self.deal_fields.fields(),
        )


class PricingFile(_Strict):
    """``pricing.yaml``: quote settings, configurator rules, price rules."""

    quotes: QuotesModel = QuotesModel()
    configurator: list[ConfiguratorRuleModel] = []
    price_rules: list[PriceRuleModel] = []

    @model_validator(mode="after")
    def _unique(self) -> Self:
        _unique([r.id for r in self.configurator], "config.problem.cpq.duplicate_configurator_id")
        _unique([r.id for r in self.price_rules], "config.problem.cpq.duplicate_price_rule_id")
        _distinct_priorities(self.price_rules)
        return self

    def setup(self) -> CpqSetup:
        book = RuleBook.build(
            [r.rule() for r in self.configurator], [r.rule() for r in self.price_rules]
        )
        return CpqSetup(book, self.quotes.settings())


def _unique(values: Iterable[str], reason: str) -> None:
    """No value twice; ``reason``: the catalogue's key for a repeated one."""
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(Phrase(reason, value=value))
        seen.add(value)


def _distinct_priorities(rules: list[PriceRuleModel]) -> None:
    """Two rules on one product never share a priority: the order is never a tie."""
    owner: dict[tuple[str, int], str] = {}
    for rule in rules:
        for code in rule.products:
            other = owner.setdefault((code, rule.priority), rule.id)
            if other != rule.id:
                shared = {"first": other, "second": rule.id, "product": code}
                priority = rule.priority
                raise ValueError(
                    Phrase("config.problem.cpq.shared_priority", **shared, priority=priority)
                )


# -- reading ----------------------------------------------------------------------------


def load_catalogue_file(path: Path) -> list[Product]:
    """Products of a ``catalogue.yaml`` (for ``run.py products import``)."""
    return validate_file(path, CatalogueFile).catalogue()


def load_pricing_file(path: Path) -> CpqSetup:
    """Rules and quote settings of a ``pricing.yaml``; no file means no rules."""
    if not path.exists():
        return CpqSetup()
    return validate_file(path, PricingFile).setup()


def load_cpq(folder: Path) -> CpqSetup:
    """The CPQ setup of a configuration folder (``pricing.yaml`` in it)."""
    return load_pricing_file(folder / PRICING_FILE)
