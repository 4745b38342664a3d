"""The catalogue, configurator rules, price rules, quotes and their documents.

Part of the public face adapters import (see :mod:`engine.api`)."""

from typing import TYPE_CHECKING

from engine.api import _lazy

if TYPE_CHECKING:
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
else:
    __getattr__ = _lazy.names(
        __name__,
        {
            "Action": "engine.cpq.configurator",
            "Condition": "engine.cpq.conditions",
            "ConfiguratorRule": "engine.cpq.configurator",
            "CpqSetup": "engine.cpq.quotes",
            "CsvError": "engine.cpq.catalogue",
            "DealFields": "engine.cpq.seller",
            "Insurance": "engine.cpq.seller",
            "LineInput": "engine.cpq.lines",
            "Op": "engine.cpq.conditions",
            "PriceRule": "engine.cpq.price_rules",
            "PricedLine": "engine.cpq.lines",
            "PricedQuote": "engine.cpq.lines",
            "Product": "engine.cpq.catalogue",
            "QuantityFormat": "engine.cpq.configurator",
            "QuantityOp": "engine.cpq.configurator",
            "QuantitySpec": "engine.cpq.configurator",
            "Queued": "engine.cpq.mail",
            "Quote": "engine.cpq.quotes",
            "QuoteDraft": "engine.cpq.lines",
            "QuoteSettings": "engine.cpq.quotes",
            "RuleBook": "engine.cpq.price_rules",
            "RuleKind": "engine.cpq.price_rules",
            "STATUSES": "engine.cpq.quotes",
            "Saved": "engine.cpq.quotes",
            "Scalar": "engine.cpq.conditions",
            "Seller": "engine.cpq.seller",
            "Source": "engine.cpq.lines",
            "StageOutcome": "engine.cpq.quote_deal",
            "Tier": "engine.cpq.price_rules",
            "TierModel": "engine.cpq.price_rules",
            "Totals": "engine.cpq.lines",
            "ValueUnit": "engine.cpq.price_rules",
            "date_text": "engine.cpq.document",
            "missing_mentions": "engine.cpq.seller",
            "money_text": "engine.cpq.document",
            "number_text": "engine.cpq.document",
            "parse_decimal": "engine.cpq.catalogue",
            "parse_products_csv": "engine.cpq.catalogue",
            "quantity_problem": "engine.cpq.lines",
            "word": "engine.cpq.text",
        },
    )

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
