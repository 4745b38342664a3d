"""A generated price book and catalogue, for bench/cli.py and the cache tests.

``price_book(10_000)`` is a ``pricing.yaml`` of 10,000 price rules over ``products``
product codes (a third percent discounts under a condition, a third volume tiers
over a period, a third amount discounts), every rule on one product with its own
priority; ``catalogue(products)`` the matching ``catalogue.yaml``.
"""

from __future__ import annotations


def code(n: int) -> str:
    return f"P{n:05d}"


def price_book(rules: int, products: int = 2000) -> str:
    out = ["price_rules:"]
    for n in range(rules):
        head = f"  - id: r{n}\n    products: [{code(n % products)}]\n"
        priority = f"    priority: {10 + n // products}"
        if n % 3 == 0:
            body = (
                "    kind: direct_discount\n    percent: 5\n"
                "    when:\n      - {field: deal.origin, op: eq, value: salon}\n"
            )
        elif n % 3 == 1:
            body = (
                "    kind: volume_list_price\n    model: slab\n"
                "    tiers:\n      - {to: 6, amount: 49.00}\n      - {amount: 39.00}\n"
                "    valid_from: 2026-01-01\n    valid_until: 2026-12-31\n"
            )
        else:
            body = "    kind: direct_discount\n    amount: 12.50\n"
        out.append(head + body + priority)
    return "\n".join(out) + "\n"


def catalogue(products: int = 2000) -> str:
    out = ["currency: EUR", "tax_rate: 20", "products:"]
    for n in range(products):
        out.append(f"  - code: {code(n)}\n    name: Product {n}\n    unit_price: {50 + n % 97}.00")
    return "\n".join(out) + "\n"
