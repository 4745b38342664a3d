"""CSV import of products: separators, French numbers, custom fields, every error at once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.cpq.catalogue import CsvError, Product, parse_decimal, parse_products_csv

D = Decimal


def test_a_semicolon_export_with_french_numbers_and_custom_fields() -> None:
    text = (
        "code;name;unit_price;tax_rate;description;active;set_of;sacs_par_saison\n"
        "PG-ECO8;Poêle Eco 8 kW;2 890,00;5,5;Rendement 91 %;oui;;66\n"
        "TRIO;Montres (lot de 3);7200;20;;;3;\n"
        "OLD;Ancien modèle;10;;;non;;\n"
    )
    products = parse_products_csv(text)
    assert products[0] == Product(
        "PG-ECO8", "Poêle Eco 8 kW", D("2890.00"), "EUR", D("5.5"), "Rendement 91 %",
        True, {"sacs_par_saison": D(66)},
    )  # fmt: skip
    assert products[1].number("set_of") == 3 and products[1].tax_rate == 20
    assert not products[2].active and products[2].tax_rate == 20


def test_a_comma_separated_file_with_a_currency() -> None:
    [product] = parse_products_csv("code,name,unit_price,currency\nA,Product A,100.00,usd\n")
    assert (product.unit_price, product.currency) == (D("100.00"), "USD")


def test_every_error_is_reported_with_its_row_and_column() -> None:
    text = "code,name,unit_price,set_of\nA,,12,3\nB,Bee,-1,\nC,Cee,x,three\nD,Dee,1,\nD,Again,1,\n"
    with pytest.raises(CsvError) as caught:
        parse_products_csv(text)
    assert caught.value.errors == [
        (2, "name", "required"),
        (3, "unit_price", "product B: the unit price must not be negative"),
        (4, "unit_price", "not a number: 'x'"),
        (4, "set_of", "custom fields are numeric: not a number: 'three'"),
        (6, "code", "D already on row 5"),
    ]


def test_missing_columns_are_named() -> None:
    with pytest.raises(CsvError, match="row 1, unit_price: missing column"):
        parse_products_csv("code,name\nA,B\n")


@pytest.mark.parametrize(
    ("text", "value"),
    [("12.5", "12.5"), ("12,5", "12.5"), ("1 234,50", "1234.50"), ("5,5 %", "5.5"), ("9 €", "9")],
)
def test_numbers_as_people_type_them(text: str, value: str) -> None:
    assert parse_decimal(text) == D(value)
