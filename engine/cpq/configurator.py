"""The product configurator: what a base product brings along on a quote.

A :class:`ConfiguratorRule` fires when its base product — one product,
several, or any product (``base=()``) — is on the quote and its conditions
hold. Its action is one of:

* ``add`` a mandatory product, optionally **free**;
* ``suggest`` a product the rep may add (in a batch, see
  :func:`engine.cpq.lines.accept_suggestions`);
* ``set_field`` on quoted items: a new description, a quantity, or free.

Quantities are absolute, or dynamic from the base line, and always within
the quantity bounds (:mod:`engine.cpq.quantities`); a computed quantity
outside them skips the rule with a warning.

Semantics, as the seed describes them (Zoho CPQ):

* A rule fires **once per quote**, anchored on the **first** line of a base
  product, in quote order; a dynamic quantity reads that line only.
* Dynamic quantities need a specific base product: a rule on "any product"
  cannot have one (refused when the rule is built).
* Rules see the rep's lines only; lines added by rules never trigger rules.
* Added lines are rebuilt at every pricing (they are not part of the rep's
  input), so re-saving never adds the same mandatory item twice and removing
  the base removes what it added.
* Rules run by ascending ``priority``, then rule id.
* A suggestion for a product already on the quote is not made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from engine.cpq.catalogue import Catalogue, Product
from engine.cpq.conditions import Condition, PricingContext, Verdicts
from engine.cpq.lines import LineInput, Source, Suggestion, TraceStep, plain, quantity_problem
from engine.cpq.quantities import SYMBOLS, QuantityFormat, QuantityOp, QuantitySpec
from engine.text.catalogue import Phrase

__all__ = [
    "SYMBOLS",
    "Action",
    "ConfiguratorIndex",
    "ConfiguratorRule",
    "Configured",
    "QuantityFormat",
    "QuantityOp",
    "QuantitySpec",
    "WorkLine",
    "configure",
]


class Action(StrEnum):
    ADD = "add"
    SUGGEST = "suggest"
    SET_FIELD = "set_field"


@dataclass(frozen=True, slots=True)
class ConfiguratorRule:
    id: str
    action: Action
    base: tuple[str, ...] = ()
    product: str | None = None
    quantity: QuantitySpec | None = None
    free: bool = False
    description: str | None = None
    conditions: tuple[Condition, ...] = ()
    priority: int = 100

    def __post_init__(self) -> None:
        problem = _rule_problem(self)
        if problem:
            raise ValueError(
                Phrase("config.problem.cpq_configurator_rule", id=self.id, problem=problem)
            )

    @property
    def any_product(self) -> bool:
        return not self.base


def _rule_problem(rule: ConfiguratorRule) -> str | None:
    if rule.action in (Action.ADD, Action.SUGGEST) and not rule.product:
        return Phrase("config.problem.cpq_needs_product", action=f"{rule.action}")
    if rule.action is Action.SUGGEST and rule.free:
        return Phrase("config.problem.cpq_suggestion_free")
    if rule.quantity is not None and rule.quantity.dynamic and rule.any_product:
        return Phrase("config.problem.cpq_dynamic_any")
    nothing = rule.quantity is None and not rule.free and rule.description is None
    if rule.action is Action.SET_FIELD and nothing:
        return Phrase("config.problem.cpq_set_field_needs")
    return None


@dataclass(slots=True)
class WorkLine:
    """A line while it is being configured and priced (mutable, internal)."""

    input: LineInput | None
    code: str | None
    name: str
    description: str
    quantity: Decimal
    list_price: Decimal
    tax_rate: Decimal
    source: Source
    added_by: str | None = None
    free_by: str | None = None
    steps: list[TraceStep] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Configured:
    lines: list[WorkLine]
    suggestions: tuple[Suggestion, ...]
    warnings: tuple[str, ...]


class ConfiguratorIndex:
    """Rules indexed by base product code: a quote looks up, never scans."""

    def __init__(self, rules: Iterable[ConfiguratorRule]) -> None:
        self.rules = tuple(sorted(rules, key=_order))
        if len({rule.id for rule in self.rules}) != len(self.rules):
            raise ValueError(Phrase("config.problem.cpq_configurator_same_id"))
        self.by_base: dict[str, list[ConfiguratorRule]] = {}
        self.any: list[ConfiguratorRule] = []
        for rule in self.rules:
            if rule.any_product:
                self.any.append(rule)
            for code in rule.base:
                self.by_base.setdefault(code, []).append(rule)

    def candidates(self, codes: Iterable[str]) -> list[ConfiguratorRule]:
        found = {id(rule): rule for rule in self.any}
        for code in codes:
            for rule in self.by_base.get(code, ()):
                found[id(rule)] = rule
        return sorted(found.values(), key=_order)

    def targets(self, codes: Iterable[str]) -> set[str]:
        """Codes that rules on these base codes may bring (to fetch them at once)."""
        return {r.product for r in self.candidates(codes) if r.product is not None}


def _order(rule: ConfiguratorRule) -> tuple[int, str]:
    return (rule.priority, rule.id)


def configure(
    lines: list[WorkLine],
    index: ConfiguratorIndex,
    catalogue: Catalogue,
    ctx: PricingContext,
    verdicts: Verdicts | None = None,
) -> Configured:
    """Apply the configurator to the rep's lines; returns all lines in quote order."""
    run = _Run(lines, catalogue, verdicts or Verdicts(ctx))
    first: dict[str, int] = {}
    for position, line in enumerate(lines):
        if line.code is not None:
            first.setdefault(line.code, position)
    for rule in index.candidates(first):
        anchor = _anchor(rule, first)
        if anchor is not None:
            run.fire(rule, anchor)
    return Configured(run.ordered(), tuple(run.suggestions.values()), tuple(run.warnings))


def _anchor(rule: ConfiguratorRule, first: dict[str, int]) -> int | None:
    """The first line of a base product (any catalogue line for "any product")."""
    if rule.any_product:
        return min(first.values(), default=None)
    positions = [first[code] for code in rule.base if code in first]
    return min(positions) if positions else None


class _Run:
    def __init__(self, lines: list[WorkLine], catalogue: Catalogue, verdicts: Verdicts) -> None:
        self.lines = lines
        self.catalogue = catalogue
        self.verdicts = verdicts
        self.added: dict[int, list[WorkLine]] = {}
        self.rep_by_code: dict[str, list[WorkLine]] = {}
        for line in lines:
            if line.code is not None:
                self.rep_by_code.setdefault(line.code, []).append(line)
        self.by_code = {code: list(found) for code, found in self.rep_by_code.items()}
        self.suggestions: dict[str, Suggestion] = {}
        self.warnings: list[str] = []

    def fire(self, rule: ConfiguratorRule, anchor: int) -> None:
        base = self.lines[anchor]
        reason = self.verdicts.first_failure(rule.conditions)
        if reason is not None:
            base.steps.append(TraceStep("config_skipped", rule.id, {"reason": reason}))
            return
        if rule.action is Action.SET_FIELD:
            self._set_fields(rule, base)
            return
        product = self._product(rule, base)
        quantity = self._quantity(rule, base)
        if product is None or quantity is None:
            return
        if rule.action is Action.ADD:
            self._add(rule, anchor, product, quantity)
        else:
            self._suggest(rule, base, product, quantity[0])

    def _product(self, rule: ConfiguratorRule, base: WorkLine) -> Product | None:
        assert rule.product is not None
        product = self.catalogue.get(rule.product)
        if product is None or not product.active:
            self._skip(rule, base, "unknown_product", code=rule.product)
            return None
        currency = self.verdicts.ctx.currency
        if currency is not None and product.currency != currency:
            self._skip(
                rule,
                base,
                "product_currency",
                code=product.code,
                **{"product_currency": product.currency, "currency": currency},
            )
            return None
        return product

    def _quantity(self, rule: ConfiguratorRule, base: WorkLine) -> tuple[Decimal, str] | None:
        spec = rule.quantity or QuantitySpec()
        product = None if base.code is None else self.catalogue.get(base.code)
        try:
            quantity, shown = spec.compute(base.quantity, product)
        except LookupError as missing:
            self._skip(rule, base, "missing_field", code=base.code or "", field=str(missing))
            return None
        except ArithmeticError:  # a product field too large for any quantity
            self._skip(rule, base, "bad_quantity", quantity="∞")
            return None
        if quantity_problem(quantity) is not None:
            self._skip(rule, base, "bad_quantity", quantity=plain(quantity))
            return None
        return quantity, shown

    def _skip(self, rule: ConfiguratorRule, base: WorkLine, why: str, **params: str) -> None:
        step = TraceStep("config_skipped", rule.id, {"reason_code": why, **params})
        base.steps.append(step)
        self.warnings.append(step.text())

    def _add(
        self, rule: ConfiguratorRule, anchor: int, product: Product, quantity: tuple[Decimal, str]
    ) -> None:
        base = self.lines[anchor]
        line = WorkLine(
            input=None,
            code=product.code,
            name=product.name,
            description=product.description,
            quantity=quantity[0],
            list_price=product.unit_price,
            tax_rate=product.tax_rate,
            source=Source.RULE,
            added_by=rule.id,
            free_by=rule.id if rule.free else None,
        )
        line.steps.append(
            TraceStep("added", rule.id, {"base": base.code or base.name, "quantity": quantity[1]})
        )
        self.added.setdefault(anchor, []).append(line)
        self.by_code.setdefault(product.code, []).append(line)

    def _suggest(
        self, rule: ConfiguratorRule, base: WorkLine, product: Product, quantity: Decimal
    ) -> None:
        if product.code in self.suggestions or product.code in self.by_code:
            return
        self.suggestions[product.code] = Suggestion(
            product.code, product.name, quantity, product.unit_price, rule.id, base.code
        )

    def _set_fields(self, rule: ConfiguratorRule, base: WorkLine) -> None:
        quantity = None
        if rule.quantity is not None:
            quantity = self._quantity(rule, base)
            if quantity is None:
                return
        steps = _field_steps(rule, quantity)
        for line in self._field_targets(rule):
            _update(line, rule, quantity, steps)

    def _field_targets(self, rule: ConfiguratorRule) -> list[WorkLine]:
        if rule.product is not None:
            return self.by_code.get(rule.product, [])
        if rule.any_product:
            return [line for line in self.lines if line.code is not None]
        return [line for code in rule.base for line in self.rep_by_code.get(code, ())]

    def ordered(self) -> list[WorkLine]:
        result: list[WorkLine] = []
        for position, line in enumerate(self.lines):
            result.append(line)
            result.extend(self.added.get(position, ()))
        return result


def _field_steps(
    rule: ConfiguratorRule, quantity: tuple[Decimal, str] | None
) -> tuple[TraceStep, ...]:
    """What a ``set_field`` rule did, the same on every line it updates.

    Built once per rule, not per line: a rule on "any product" updates every
    line of the quote, and steps are never changed once made, so the lines
    share them.
    """
    steps: list[TraceStep] = []
    if rule.description is not None:
        params = {"field": "description", "value": rule.description}
        steps.append(TraceStep("field_set", rule.id, params))
    if quantity is not None:
        steps.append(TraceStep("field_set", rule.id, {"field": "quantity", "value": quantity[1]}))
    return tuple(steps)


def _update(
    line: WorkLine,
    rule: ConfiguratorRule,
    quantity: tuple[Decimal, str] | None,
    steps: tuple[TraceStep, ...],
) -> None:
    if rule.description is not None:
        line.description = rule.description
    if quantity is not None:
        line.quantity = quantity[0]
    line.steps.extend(steps)
    if rule.free:
        line.free_by = rule.id
