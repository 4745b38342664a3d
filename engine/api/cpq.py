"""The catalogue, configurator rules, price rules, quotes and their documents.

Part of the public face adapters import (see :mod:`engine.api`)."""

from engine.cpq.catalogue import CsvError, Product, parse_decimal, parse_products_csv
from engine.cpq.conditions import Condition, Op, Scalar
from engine.cpq.configurator import (
    Action,
    ConfiguratorRule,
    QuantityFormat,
    QuantityOp,
    QuantitySpec,
)
from engine.cpq.document import date_text, money_text, number_text
from engine.cpq.lines import (
    LineInput,
    PricedLine,
    PricedQuote,
    QuoteDraft,
    Source,
    Totals,
    quantity_problem,
)
from engine.cpq.mail import Queued
from engine.cpq.price_rules import PriceRule, RuleBook, RuleKind, Tier, TierModel, ValueUnit
from engine.cpq.quote_deal import StageOutcome
from engine.cpq.quotes import STATUSES, CpqSetup, Quote, QuoteSettings, Saved
from engine.cpq.seller import DealFields, Insurance, Seller, missing_mentions
from engine.cpq.text import word

__all__ = [
    "STATUSES",
    "Action",
    "Condition",
    "ConfiguratorRule",
    "CpqSetup",
    "CsvError",
    "DealFields",
    "Insurance",
    "LineInput",
    "Op",
    "PriceRule",
    "PricedLine",
    "PricedQuote",
    "Product",
    "QuantityFormat",
    "QuantityOp",
    "QuantitySpec",
    "Queued",
    "Quote",
    "QuoteDraft",
    "QuoteSettings",
    "RuleBook",
    "RuleKind",
    "Saved",
    "Scalar",
    "Seller",
    "Source",
    "StageOutcome",
    "Tier",
    "TierModel",
    "Totals",
    "ValueUnit",
    "date_text",
    "missing_mentions",
    "money_text",
    "number_text",
    "parse_decimal",
    "parse_products_csv",
    "quantity_problem",
    "word",
]
