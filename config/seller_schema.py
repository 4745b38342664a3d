"""``pricing.yaml``'s ``quotes.seller`` and ``quotes.deal_fields``: who sells, what a devis says.

The seller's legal identity (SIREN/SIRET, RCS, share capital, VAT number),
the décennale insurance of a building trade and the payment terms, printed
on every quote document (:mod:`engine.cpq.pdf_mentions`). Numbers are
checked as the French registers write them: a SIREN is 9 digits and a SIRET
14, both with their Luhn key, the SIRET starting with the SIREN; a French VAT
number is ``FR`` + its 2-digit key + the SIREN. Spaces are allowed and
dropped. A problem is reported as ``pricing.yaml: quotes.seller.siren: reason``, the
reason a catalogue phrase (``config.problem.seller.*``) in the reader's language.
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
from engine.api import Phrase
from engine.api import has_text as has
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
        raise ValueError(Phrase("config.problem.seller.digits", what=what, digits=count))
    if digits[:9] != LA_POSTE and not _luhn(digits):
        raise ValueError(Phrase("config.problem.seller.check_digit", what=what))
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
            raise ValueError(Phrase("config.problem.seller.vat_format"))
        if number.startswith("FR"):
            siren, key = number[4:], number[2:4]
            if not (siren.isdigit() and len(siren) == 9):
                raise ValueError(Phrase("config.problem.seller.vat_french_format"))
            if key.isdigit() and int(key) != (12 + 3 * (int(siren) % 97)) % 97:
                raise ValueError(Phrase("config.problem.seller.vat_french_key", siren=siren))
        return number

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.siren and self.siret and not self.siret.startswith(self.siren):
            raise ValueError(Phrase("config.problem.seller.siret_siren"))
        siren = self.siren or self.siret[:9]
        if self.vat_number.startswith("FR") and siren and not self.vat_number.endswith(siren):
            raise ValueError(Phrase("config.problem.seller.vat_siren"))
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
    """One line per mention a French devis would lack: ``file: quotes.seller.key: needs …``.

    Each is a ``config.problem.at`` phrase, so ``config check --lang fr`` says it in
    French; the mention is named by the catalogue (``config.problem.seller.mention_*``),
    the engine's English words standing in for one it does not know yet.
    """
    warnings: list[str] = []
    for line in missing_mentions(seller):
        key, what = line.split(": ", 1)
        needs = Phrase("config.problem.seller.needs", what=_mention(key, what))
        warnings.append(
            Phrase("config.problem.at", file=file, path=f"quotes.seller.{key}", reason=needs)
        )
    return warnings


def _mention(key: str, what: str) -> str:
    """The catalogue's name of the mention set with ``key`` (``insurance.policy``)."""
    name = "config.problem.seller.mention_" + key.replace(".", "_")
    return Phrase(name) if has(name) else what
