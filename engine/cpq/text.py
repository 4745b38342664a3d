"""The words of CPQ traces and quote documents, in French and English.

A trace step is data (``kind``, ``rule``, ``params``); this module turns it
into a sentence in the reader's language. Condition reasons inside
``params["reason"]`` are written in symbols (``deal.region: nord ∉ [sud]``)
and need no translation.
"""

from __future__ import annotations

STEPS: dict[str, dict[str, str]] = {
    "list_price": {
        "en": "list price {price} (catalogue)",
        "fr": "prix catalogue {price}",
    },
    "manual_price": {
        "en": "price {price} entered by hand",
        "fr": "prix {price} saisi à la main",
    },
    "added": {
        "en": "added by configurator rule {rule} for {base} (quantity {quantity})",
        "fr": "ajouté par la règle de configuration {rule} pour {base} (quantité {quantity})",
    },
    "field_set": {
        "en": "{field} set to {value} by configurator rule {rule}",
        "fr": "{field} mis à {value} par la règle de configuration {rule}",
    },
    "free": {
        "en": "free by configurator rule {rule}",
        "fr": "offert par la règle de configuration {rule}",
    },
    "free_overridden": {
        "en": "free by configurator rule {rule}, overridden: price rule {by} takes precedence",
        "fr": "offert par la règle de configuration {rule}, neutralisé : "
        "la règle de prix {by} a priorité",
    },
    "config_skipped": {
        "en": "configurator rule {rule} not applied: {reason}",
        "fr": "règle de configuration {rule} non appliquée : {reason}",
    },
    "rule_applied": {
        "en": "price rule {rule} ({what}, {value}): unit price {price}",
        "fr": "règle de prix {rule} ({what}, {value}) : prix unitaire {price}",
    },
    "slab": {
        "en": "  {units} unit(s) at {price} (tier up to {to})",
        "fr": "  {units} unité(s) à {price} (tranche jusqu'à {to})",
    },
    "clamped": {
        "en": "discount {amount} larger than the price {price}: the price stops at 0",
        "fr": "remise {amount} supérieure au prix {price} : le prix s'arrête à 0",
    },
    "rule_skipped": {
        "en": "price rule {rule} not applied: {reason}",
        "fr": "règle de prix {rule} non appliquée : {reason}",
    },
    "rule_overridden": {
        "en": "price rules overridden by {by} (priority {priority}): {rules}",
        "fr": "règles de prix écartées par {by} (priorité {priority}) : {rules}",
    },
    "net": {
        "en": "net {net} = list {list_total} − discount {discount}",
        "fr": "net {net} = catalogue {list_total} − remise {discount}",
    },
}

REASONS: dict[str, dict[str, str]] = {
    "beyond_tiers": {
        "en": "quantity {quantity} is above the last tier ({to})",
        "fr": "la quantité {quantity} dépasse la dernière tranche ({to})",
    },
    "currency": {
        "en": "amounts in {rule_currency}, the quote is in {currency}",
        "fr": "montants en {rule_currency}, le devis est en {currency}",
    },
    "unknown_product": {
        "en": "product {code} is not in the catalogue",
        "fr": "le produit {code} n'est pas au catalogue",
    },
    "product_currency": {
        "en": "product {code} is priced in {product_currency}, the quote is in {currency}",
        "fr": "le produit {code} est en {product_currency}, le devis est en {currency}",
    },
    "bad_quantity": {
        "en": "the quantity formula gives {quantity}",
        "fr": "la formule de quantité donne {quantity}",
    },
    "missing_field": {
        "en": "product {code} has no field {field}",
        "fr": "le produit {code} n'a pas de champ {field}",
    },
}

KINDS: dict[str, dict[str, str]] = {
    "direct_discount": {"en": "direct discount", "fr": "remise directe"},
    "direct_list_price": {"en": "direct list price", "fr": "prix catalogue direct"},
    "volume_discount": {"en": "volume discount", "fr": "remise sur volume"},
    "volume_list_price": {"en": "volume list price", "fr": "prix catalogue sur volume"},
}

DOCUMENT: dict[str, dict[str, str]] = {
    "title": {"en": "Quote", "fr": "Devis"},
    "number": {"en": "Quote no.", "fr": "Devis n°"},
    "date": {"en": "Date", "fr": "Date"},
    "valid_until": {"en": "Valid until", "fr": "Valable jusqu'au"},
    "customer": {"en": "Customer", "fr": "Client"},
    "deal": {"en": "Project", "fr": "Projet"},
    "code": {"en": "Code", "fr": "Réf."},
    "item": {"en": "Item", "fr": "Désignation"},
    "quantity": {"en": "Qty", "fr": "Qté"},
    "list_price": {"en": "List price", "fr": "P.U. HT"},
    "discount": {"en": "Discount", "fr": "Remise"},
    "net": {"en": "Net excl. tax", "fr": "Total HT"},
    "tax_rate": {"en": "Tax", "fr": "TVA"},
    "subtotal": {"en": "Subtotal (list)", "fr": "Sous-total catalogue HT"},
    "discounts": {"en": "Discounts", "fr": "Remises"},
    "net_total": {"en": "Total excl. tax", "fr": "Total HT"},
    "tax_at": {"en": "Tax {rate} % on {base}", "fr": "TVA {rate} % sur {base}"},
    "total": {"en": "Total incl. tax", "fr": "Total TTC"},
    "free": {"en": "free", "fr": "offert"},
    "notes": {"en": "Notes", "fr": "Remarques"},
    "status": {"en": "Status", "fr": "Statut"},
    "draft": {"en": "draft", "fr": "brouillon"},
    "sent": {"en": "sent", "fr": "envoyé"},
    "accepted": {"en": "accepted", "fr": "accepté"},
    "rejected": {"en": "rejected", "fr": "refusé"},
    "page": {"en": "Page {page}", "fr": "Page {page}"},
    "signature": {
        "en": "Good for agreement — date and signature:",
        "fr": "Bon pour accord — date et signature :",
    },
}


def _pick(table: dict[str, str], locale: str) -> str:
    return table.get(locale) or table["en"]


def reason(key: str, locale: str = "en", **params: str) -> str:
    return _pick(REASONS[key], locale).format(**params)


def kind_label(kind: str, locale: str = "en") -> str:
    return _pick(KINDS[kind], locale) if kind in KINDS else kind


def describe(kind: str, rule: str | None, params: dict[str, str], locale: str = "en") -> str:
    """One trace step as a sentence; unknown kinds fall back to their name."""
    template = STEPS.get(kind)
    if template is None:
        return f"{kind} {rule or ''} {params}".strip()
    values = {**params, "rule": rule or ""}
    if "reason_code" in params:
        extra = {k: v for k, v in params.items() if k != "reason_code"}
        values["reason"] = reason(params["reason_code"], locale, **extra)
    if "kind" in params:
        values["what"] = kind_label(params["kind"], locale)
    return _pick(template, locale).format_map(_Default(values))


def word(key: str, locale: str = "en", **params: str) -> str:
    """A label of the quote document."""
    return _pick(DOCUMENT[key], locale).format(**params)


class _Default(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"
