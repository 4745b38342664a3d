"""``pricing.yaml``'s ``quotes.seller`` and ``quotes.deal_fields``: who sells, what a devis says.

The seller's legal identity (SIREN/SIRET, RCS, share capital, VAT number),
the décennale insurance of a building trade and the payment terms, printed
on every quote document (:mod:`engine.cpq.pdf_mentions`). Numbers are
checked as the French registers write them: a SIREN is 9 digits and a SIRET
14, both with their Luhn key, the SIRET starting with the SIREN; a French VAT
number is ``FR`` + its 2-digit key + the SIREN. Spaces are allowed and
dropped. A problem is reported as ``pricing.yaml: quotes.seller.siren: reason``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from config.models import STRICT
from engine.api.cpq import DealFields, Insurance, Seller, missing_mentions

DEFAULTS = DealFields()
LA_POSTE = "356000000"  # its SIRETs do not follow the Luhn key


class _Strict(BaseModel):
    model_config = STRICT


def _digits(value: str, count: int, what: str) -> str:
    digits = "".join(value.split())
    if not digits:
        return ""
    if not (digits.isdigit() and len(digits) == count):
        raise ValueError(f"a {what} is {count} digits")
    if digits[:9] != LA_POSTE and not _luhn(digits):
        raise ValueError(f"not a valid {what}: its check digit is wrong")
    return digits


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


class InsuranceModel(_Strict):
    """The décennale insurance: who, which policy, where it covers."""

    insurer: StrictStr = ""
    policy: StrictStr = ""
    coverage: StrictStr = ""

    def insurance(self) -> Insurance:
        return Insurance(self.insurer, self.policy, self.coverage)


class SellerModel(_Strict):
    name: StrictStr = ""
    legal_form: Annotated[StrictStr, Field(max_length=40)] = ""
    address: list[StrictStr] | StrictStr = []
    siren: StrictStr = ""
    siret: StrictStr = ""
    rcs_city: StrictStr = ""
    share_capital: Annotated[Decimal, Field(ge=0, decimal_places=2)] | None = None
    vat_number: StrictStr = ""
    company_number: StrictStr = ""
    building_trade: StrictBool = False
    insurance: InsuranceModel = InsuranceModel()
    payment_days: Annotated[StrictInt, Field(ge=0, le=60)] | None = None
    deposit_percent: Annotated[Decimal, Field(gt=0, le=100)] | None = None
    late_penalty_rate: Annotated[Decimal, Field(gt=0, le=100)] | None = None

    @field_validator("siren")
    @classmethod
    def _siren(cls, value: str) -> str:
        return _digits(value, 9, "SIREN")

    @field_validator("siret")
    @classmethod
    def _siret(cls, value: str) -> str:
        return _digits(value, 14, "SIRET")

    @field_validator("vat_number")
    @classmethod
    def _vat(cls, value: str) -> str:
        number = "".join(value.split()).upper()
        if number and not (number[:2].isalpha() and 4 <= len(number) <= 15 and number.isalnum()):
            raise ValueError("an intra-EU VAT number is a country code then 2 to 13 characters")
        if number.startswith("FR"):
            siren, key = number[4:], number[2:4]
            if not (siren.isdigit() and len(siren) == 9):
                raise ValueError("a French VAT number is FR, a 2-character key, then the SIREN")
            if key.isdigit() and int(key) != (12 + 3 * (int(siren) % 97)) % 97:
                raise ValueError(f"not a valid French VAT number: the key of {siren} is wrong")
        return number

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.siren and self.siret and not self.siret.startswith(self.siren):
            raise ValueError("siret does not start with siren")
        siren = self.siren or self.siret[:9]
        if self.vat_number.startswith("FR") and siren and not self.vat_number.endswith(siren):
            raise ValueError("vat_number is not the French VAT number of siren")
        return self

    def seller(self) -> Seller:
        address = [self.address] if isinstance(self.address, str) else self.address
        return Seller(
            name=self.name,
            legal_form=self.legal_form,
            address=tuple(line for line in address if line),
            siren=self.siren,
            siret=self.siret,
            rcs_city=self.rcs_city,
            share_capital=self.share_capital,
            vat_number=self.vat_number,
            company_number=self.company_number,
            building_trade=self.building_trade,
            insurance=self.insurance.insurance(),
            payment_days=self.payment_days,
            deposit_percent=self.deposit_percent,
            late_penalty_rate=self.late_penalty_rate,
        )


class DealFieldsModel(_Strict):
    """The deal's custom fields the document reads: start, duration, client's address."""

    work_start: Annotated[StrictStr, Field(min_length=1)] = DEFAULTS.work_start
    work_duration: Annotated[StrictStr, Field(min_length=1)] = DEFAULTS.work_duration
    client_address: Annotated[StrictStr, Field(min_length=1)] = DEFAULTS.client_address

    def fields(self) -> DealFields:
        return DealFields(self.work_start, self.work_duration, self.client_address)


def seller_warnings(seller: Seller, file: str) -> list[str]:
    """One line per mention a French devis would lack: ``file: quotes.seller.key: needs …``."""
    warnings = []
    for line in missing_mentions(seller):
        key, what = line.split(": ", 1)
        warnings.append(f"{file}: quotes.seller.{key}: a French devis needs {what}")
    return warnings
