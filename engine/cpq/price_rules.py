"""Price rules as data: kinds, tiers, the index by product and the rule book.

Rules are checked when built (a bad rule never reaches pricing) and indexed
once, when the configuration loads; :mod:`engine.cpq.rule_prices` says what a
rule makes of a price, :mod:`engine.cpq.pricing` which rule wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

from engine.cpq.conditions import Condition
from engine.cpq.configurator import ConfiguratorIndex, ConfiguratorRule
from engine.cpq.lines import TraceStep
from engine.cpq.rounding import ZERO
from engine.text.catalogue import Phrase


class RuleKind(StrEnum):
    DIRECT_DISCOUNT = "direct_discount"
    DIRECT_LIST_PRICE = "direct_list_price"
    VOLUME_DISCOUNT = "volume_discount"
    VOLUME_LIST_PRICE = "volume_list_price"

    # Cached on the member: read several times for every line priced, where a
    # plain property call costs as much as the line's arithmetic.
    @cached_property
    def volume(self) -> bool:
        return self in (RuleKind.VOLUME_DISCOUNT, RuleKind.VOLUME_LIST_PRICE)

    @cached_property
    def discount(self) -> bool:
        return self in (RuleKind.DIRECT_DISCOUNT, RuleKind.VOLUME_DISCOUNT)


class ValueUnit(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


class TierModel(StrEnum):
    FLAT = "flat"
    SLAB = "slab"


@dataclass(frozen=True, slots=True)
class Tier:
    """Quantities up to ``to`` (inclusive) since the previous tier; ``None`` = no limit."""

    to: Decimal | None
    value: Decimal


@dataclass(frozen=True, slots=True)
class PriceRule:
    id: str
    products: tuple[str, ...]
    kind: RuleKind
    unit: ValueUnit = ValueUnit.PERCENT
    value: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    model: TierModel = TierModel.FLAT
    conditions: tuple[Condition, ...] = ()
    priority: int = 100
    currency: str | None = None

    def __post_init__(self) -> None:
        problem = _rule_problem(self)
        if problem:
            raise ValueError(Phrase("config.problem.cpq_price_rule", id=self.id, problem=problem))

    def values(self) -> list[Decimal]:
        return [t.value for t in self.tiers] if self.kind.volume else [self.value or ZERO]


def _rule_problem(rule: PriceRule) -> str | None:
    if not rule.products:
        return Phrase("config.problem.cpq_no_product")
    if rule.kind.volume != bool(rule.tiers) or rule.kind.volume == (rule.value is not None):
        return Phrase("config.problem.cpq_tiers_or_value")
    if any(v < 0 for v in rule.values()):
        return Phrase("config.problem.cpq_negative")
    if (
        rule.kind.discount
        and rule.unit is ValueUnit.PERCENT
        and any(v > 100 for v in rule.values())
    ):
        return Phrase("config.problem.cpq_percent_max")
    return _tiers_problem(rule.tiers)


def _tiers_problem(tiers: tuple[Tier, ...]) -> str | None:
    bounds = [t.to for t in tiers]
    if None in bounds[:-1]:
        return Phrase("config.problem.cpq_open_tier")
    closed = [b for b in bounds if b is not None]
    if any(b <= 0 for b in closed) or closed != sorted(set(closed)):
        return Phrase("config.problem.cpq_tier_bounds")
    return None


class PriceIndex:
    """Price rules by product code, each list in the order rules are tried."""

    def __init__(self, rules: Iterable[PriceRule]) -> None:
        self.rules = tuple(sorted(rules, key=lambda r: (r.priority, r.id)))
        _unique_ids(rule.id for rule in self.rules)
        self.by_product: dict[str, list[PriceRule]] = {}
        for rule in self.rules:
            for code in rule.products:
                self.by_product.setdefault(code, []).append(rule)
        # The "overridden" step depends on the rule book alone (a product, the
        # position of its winner), never on the quote: built once, when first
        # needed, then shared by every line it describes (steps are never
        # changed once made).
        self._overridden: dict[tuple[str, int], TraceStep | None] = {}

    def for_product(self, code: str | None) -> list[PriceRule]:
        return self.by_product.get(code, []) if code is not None else []

    def overridden(self, code: str, winner: int) -> TraceStep | None:
        """The step naming ``code``'s rules after the one at ``winner``, if any."""
        key = (code, winner)
        if key not in self._overridden:
            rules = self.by_product[code]
            self._overridden[key] = _overridden(rules[winner], rules[winner + 1 :])
        return self._overridden[key]


def _unique_ids(ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for rule_id in ids:
        if rule_id in seen:
            raise ValueError(Phrase("config.problem.cpq_same_id", id=rule_id))
        seen.add(rule_id)


@dataclass(frozen=True)
class RuleBook:
    """Every CPQ rule, indexed once (build it when the configuration loads)."""

    configurator: ConfiguratorIndex = field(default_factory=lambda: ConfiguratorIndex(()))
    prices: PriceIndex = field(default_factory=lambda: PriceIndex(()))

    @classmethod
    def build(
        cls, configurator: Iterable[ConfiguratorRule] = (), prices: Iterable[PriceRule] = ()
    ) -> RuleBook:
        return cls(ConfiguratorIndex(configurator), PriceIndex(prices))

    def codes_needed(self, codes: Iterable[str]) -> set[str]:
        """The products a quote with these codes may touch (line codes + rule targets)."""
        wanted = set(codes)
        return wanted | self.configurator.targets(wanted)


def _overridden(winner: PriceRule, others: list[PriceRule]) -> TraceStep | None:
    """The rules after the winner, in one step (a product may have many)."""
    if not others:
        return None
    rules = ", ".join(rule.id for rule in others)
    params = {"rules": rules, "by": winner.id, "priority": str(winner.priority)}
    return TraceStep("rule_overridden", None, params)


def flat_tier(tiers: tuple[Tier, ...], quantity: Decimal) -> Tier | None:
    """The tier the whole quantity falls into, or ``None`` above the last one."""
    for tier in tiers:
        if tier.to is None or quantity <= tier.to:
            return tier
    return None


def slab_segments(tiers: tuple[Tier, ...], quantity: Decimal) -> list[tuple[Decimal, Tier]] | None:
    """How many units fall in each tier, or ``None`` above the last one."""
    if flat_tier(tiers, quantity) is None:
        return None
    segments: list[tuple[Decimal, Tier]] = []
    lower = ZERO
    for tier in tiers:
        upper = quantity if tier.to is None else min(quantity, tier.to)
        if upper > lower:
            segments.append((upper - lower, tier))
        if tier.to is None or tier.to >= quantity:
            break
        lower = tier.to
    return segments
