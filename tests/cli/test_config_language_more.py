"""``config check`` gives our own validators' reasons in the reader's language (issue #14).

tests/cli/test_config_language.py covers pydantic's own errors in the core files; here are
the reasons Relais' validators raise themselves — ``workflows.yaml``'s triggers and steps,
``pricing.yaml``'s rules and ``catalogue.yaml``'s codes, the seller block and the warnings
of a seller a French devis would find lacking, a duration — each a catalogue phrase
(``config.problem.{workflow,cpq,seller,duration,blueprint}.*``): French with ``--lang fr``,
English word for word with ``--lang en``, every line naming its file and its path. Through
``run.py``'s ``main`` in-process, on SQLite and PostgreSQL (``RELAIS_TEST_POSTGRES``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.blueprints.model import from_dict
from engine.cpq.seller import Insurance, Seller, missing_mentions
from engine.durations import parse_duration
from engine.text.catalogue import Phrase, has
from tests.cli.conftest import RunCli, assert_in_one_language, colon

# The words of the reasons this file checks: a line in one language has none of the other's.
ENGLISH = re.compile(
    r"\b(give|belongs?|needs|is one of|shift|named only|appears|twice|share|digits|wrong|"
    r"not a|has no|lists|either|does not|puts|use|Value error|Input should)\b"
)
FRENCH = re.compile(
    r"\b(valeur refusée|pas les deux|déclencheur|étape|règle|palier|paliers|chiffres|"
    r"invalide|mentionner|durée|figure|commence|indiquez|demande|attention)\b"
)
WORDS = (ENGLISH, FRENCH)

# One mistake in each workflow or step: the validators of workflow_schema.py, each once.
WORKFLOWS = """\
workflows:
  - name: Deux déclencheurs
    trigger: {entity: deal, event: created, date: expected_close}
    steps: [{notify: {text: x}}]
  - name: Heure sur un événement
    trigger: {entity: deal, event: created, at: "10:00"}
    steps: [{notify: {text: x}}]
  - name: Champs sur une date
    trigger: {entity: deal, date: expected_close, fields: [stage]}
    steps: [{notify: {text: x}}]
  - name: Avant et après
    trigger: {entity: deal, date: expected_close, before: 1d, after: 1d}
    steps: [{notify: {text: x}}]
  - name: Étapes
    trigger: {entity: deal, event: created}
    steps:
      - {notify: {text: x}, wait: 1d}
      - {notify: {text: x}, then: [{notify: {text: y}}]}
      - {if: {field: priority, op: ge, value: 2}, else: [{notify: {text: y}}]}
      - wait: {}
      - wait: {for: 1d, after: 1d}
      - notify: {to: owner, channel: ventes, text: x}
      - activity: {subject: Appeler, due_in: 1d, due_from: expected_close}
      - activity: {subject: Appeler, due_after: 1d}
"""
# path, French reason, English reason (after "valeur refusée : " / "Value error, ")
WORKFLOW_REASONS = [
    ("workflows[0].trigger",
     "un déclencheur porte sur un événement (event) ou sur un champ date (date)",
     "a trigger has an event, or a date field"),
    ("workflows[1].trigger", "before, after et at ne vont qu'avec un déclencheur sur une date",
     "before, after and at belong to date triggers"),
    ("workflows[2].trigger", "fields ne va qu'avec un déclencheur sur un événement",
     "fields belong to event triggers"),
    ("workflows[3].trigger", "before ou after, pas les deux", "give before or after, not both"),
    ("workflows[4].steps[0]",
     "une étape est l'une de ces clés, une seule : if, wait, activity, update, create, email, "
     "notify, webhook",
     "a step is one of: if, wait, activity, update, create, email, notify, webhook"),
    ("workflows[4].steps[1]", "then et else ne vont qu'avec un if",
     "then and else belong to an if"),
    ("workflows[4].steps[2]", "un else demande un then", "an else needs a then"),
    ("workflows[4].steps[3].wait", "attendre une durée (for) ou jusqu'à un champ date (until)",
     "wait for a duration, or until a date field"),
    ("workflows[4].steps[4].wait", "before et after décalent un until",
     "before and after shift an until"),
    ("workflows[4].steps[5].notify", "un canal ne se nomme qu'avec to: channel",
     "a channel is named only with to: channel"),
    ("workflows[4].steps[6].activity", "due_in ou due_from, pas les deux",
     "give due_in or due_from, not both"),
    ("workflows[4].steps[7].activity",
     "due_before et due_after décalent due_from, qu'il faut donner",
     "due_before and due_after shift due_from"),
]  # fmt: skip

# One mistake in each rule, and in each of the seller's numbers.
PRICING = """\
quotes:
  seller:
    siren: "12345"
    siret: "123 456 789 00012"
    vat_number: "FR12"
configurator:
  - {id: deux, base: [A], add: B, suggest: C}
  - {id: vide, base: [], add: B}
price_rules:
  - {id: r1, products: [A], kind: direct_discount, percent: 5, tiers: [{to: 10, percent: 5}]}
  - {id: r2, products: [A], kind: direct_discount, percent: 5, amount: 3}
  - {id: r3, products: [A], kind: volume_discount, tiers: [{to: 10}]}
  - {id: r4, products: [A], kind: volume_discount, percent: 5, tiers: [{to: 10, percent: 5}]}
  - {id: r5, products: [A], kind: volume_discount}
  - {id: r6, products: [A], kind: volume_discount, tiers: [{to: 10, percent: 5}, {amount: 3}]}
  - {id: r7, products: [A], kind: direct_discount, percent: 5,
     valid_from: 2027-02-01, valid_until: 2027-01-01}
"""
PRICING_REASONS = [
    ("quotes.seller.siren", "un SIREN compte 9 chiffres", "a SIREN is 9 digits"),
    ("quotes.seller.siret", "SIRET invalide : sa clé de contrôle est fausse",
     "not a valid SIRET: its check digit is wrong"),
    ("quotes.seller.vat_number",
     "un numéro de TVA français est FR, une clé de 2 caractères, puis le SIREN",
     "a French VAT number is FR, a 2-character key, then the SIREN"),
    ("configurator[0]", "indiquez une seule action : add, suggest ou set_field",
     "give exactly one action: add, suggest or set_field"),
    ("configurator[1]", "base liste au moins un produit, ou vaut 'any'",
     "base lists at least one product, or is 'any'"),
    ("price_rules[0]", "une règle direct_discount n'a pas de paliers (tiers)",
     "a direct_discount rule has no tiers"),
    ("price_rules[1]", "indiquez percent ou amount, l'un des deux",
     "give either percent or amount"),
    ("price_rules[2]", "tiers[0] : indiquez percent ou amount, l'un des deux",
     "tiers[0]: give either percent or amount"),
    ("price_rules[3]", "une règle de volume met percent ou amount sur chaque palier",
     "a volume rule puts percent or amount on each tier"),
    ("price_rules[4]", "une règle de volume demande des paliers (tiers)",
     "a volume rule needs tiers"),
    ("price_rules[5]", "tous les paliers en percent, ou tous en amount",
     "all tiers use percent, or all use amount"),
    ("price_rules[6]", "valid_from est postérieure à valid_until",
     "valid_from is after valid_until"),
]  # fmt: skip

# Mistakes seen only once the rest of the file is valid (the whole file's checks, the
# seller's numbers against each other), and a check digit: file, content, path, fr, en.
RULE = "{id: %s, products: [A], kind: direct_discount, percent: 5}"
ONE_BY_ONE = [
    ("pricing.yaml",
     "configurator:\n  - {id: a, base: any, add: B}\n  - {id: a, base: any, add: C}\n",
     "", "l'id de règle du configurateur a figure deux fois",
     "configurator rule id a appears twice"),
    ("pricing.yaml", f"price_rules:\n  - {RULE % 'r'}\n  - {RULE % 'r'}\n",
     "", "l'id de règle de prix r figure deux fois", "price rule id r appears twice"),
    ("pricing.yaml", f"price_rules:\n  - {RULE % 'r'}\n  - {RULE % 's'}\n",
     "", "les règles de prix r et s sur A ont la même priorité 100",
     "price rules r and s on A share priority 100"),
    ("catalogue.yaml",
     "products:\n  - {code: A, name: Poêle, unit_price: 10}\n"
     "  - {code: A, name: Bis, unit_price: 12}\n",
     "", "le code produit A figure deux fois", "product code A appears twice"),
    ("pricing.yaml", "quotes:\n  seller: {siren: '123456782', siret: '73282932010008'}\n",
     "quotes.seller", "siret ne commence pas par siren", "siret does not start with siren"),
    ("pricing.yaml", "quotes:\n  seller: {siren: '443061841', vat_number: FR11123456782}\n",
     "quotes.seller", "vat_number n'est pas le numéro de TVA français de siren",
     "vat_number is not the French VAT number of siren"),
    ("pricing.yaml", "quotes:\n  seller: {vat_number: FR99123456782}\n",
     "quotes.seller.vat_number", "numéro de TVA français invalide : la clé de 123456782 est fausse",
     "not a valid French VAT number: the key of 123456782 is wrong"),
    ("pricing.yaml", "quotes:\n  seller: {vat_number: X1}\n",
     "quotes.seller.vat_number",
     "un numéro de TVA intracommunautaire est un code pays suivi de 2 à 13 caractères",
     "an intra-EU VAT number is a country code then 2 to 13 characters"),
    ("pricing.yaml", "quotes:\n  seller: {siren: 123 456 789}\n",
     "quotes.seller.siren", "SIREN invalide : sa clé de contrôle est fausse",
     "not a valid SIREN: its check digit is wrong"),
]  # fmt: skip

# A seller a French devis finds lacking: a company, in a building trade, named and no more.
LACKING = """\
quotes:
  seller: {name: Poêles Martin, legal_form: SARL, building_trade: true}
"""


def after_the_file(line: str) -> str:
    """A line's words past its file: a folder's name says nothing of the language (and a
    key such as share_capital is no word)."""
    return line.rpartition(".yaml")[2]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_workflow_and_pricing_reasons_read_in_the_readers_language(
    config_folder: Path, run_cli: RunCli, lang: str
) -> None:
    (config_folder / "workflows.yaml").write_text(WORKFLOWS, encoding="utf-8")
    (config_folder / "pricing.yaml").write_text(PRICING, encoding="utf-8")
    code, out, err = run_cli("config", "check", "--lang", lang)
    assert (code, out) == (1, ""), err
    lines = err.splitlines()
    prefix = "valeur refusée : " if lang == "fr" else "Value error, "
    sep = colon(lang)
    expected = [
        f"{config_folder / 'workflows.yaml'}{sep}{path}{sep}{prefix}{fr if lang == 'fr' else en}"
        for path, fr, en in WORKFLOW_REASONS
    ] + [
        f"pricing.yaml{sep}{path}{sep}{fr if lang == 'fr' else en}"
        for path, fr, en in PRICING_REASONS
    ]
    missing = [line for line in expected if line not in lines]
    assert not missing, (missing, err)
    assert len(lines) == len(expected) + 1, err  # and the count that ends them
    assert_in_one_language(lines, lang, WORDS, after_the_file)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_mistakes_of_a_whole_file_and_of_the_seller_read_in_the_readers_language(
    config_folder: Path, run_cli: RunCli, lang: str
) -> None:
    for name, content, path, fr, en in ONE_BY_ONE:
        (config_folder / name).write_text(content, encoding="utf-8")
        code, _, err = run_cli("config", "check", "--lang", lang)
        (config_folder / name).unlink()
        where = f"{path}{colon(lang)}" if path else ""
        expected = f"{name}{colon(lang)}{where}{fr if lang == 'fr' else en}"
        assert (code, err.splitlines()[0]) == (1, expected), err
        assert len(err.splitlines()) == 2, err
        assert_in_one_language(err.splitlines(), lang, WORDS, after_the_file)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_seller_a_french_devis_finds_lacking_is_warned_in_the_readers_language(
    config_folder: Path, run_cli: RunCli, lang: str
) -> None:
    (config_folder / "pricing.yaml").write_text(LACKING, encoding="utf-8")
    code, out, err = run_cli("config", "check", "--lang", lang)
    assert code == 0, err
    warnings = [line for line in out.splitlines() if "quotes.seller." in line]
    sep = colon(lang)
    if lang == "fr":
        assert (
            "  attention : pricing.yaml : quotes.seller.siren : "
            "un devis français doit mentionner le SIREN (ou le siret)"
        ) in warnings, out
        assert (
            "  attention : pricing.yaml : quotes.seller.insurance.policy : "
            "un devis français doit mentionner le numéro de police de la garantie décennale"
        ) in warnings, out
    else:
        assert (
            "  warning: pricing.yaml: quotes.seller.siren: a French devis needs the SIREN "
            "(or siret)"
        ) in warnings, out
    lacking = Seller(name="Poêles Martin", legal_form="SARL", building_trade=True)
    keys = [line.split(":")[0] for line in missing_mentions(lacking)]
    assert len(keys) == len(warnings) == 10, out  # all but the name
    for key, line in zip(keys, warnings, strict=True):
        assert f"pricing.yaml{sep}quotes.seller.{key}{sep}" in line, (key, line)
    assert_in_one_language(warnings, lang, WORDS, after_the_file)


def test_every_mention_a_devis_may_lack_has_its_words_in_the_catalogue() -> None:
    """A mention the engine adds later falls back to its English words: name it here."""
    empty = Seller(building_trade=True, insurance=Insurance())
    for line in missing_mentions(empty):
        key = line.split(":")[0].replace(".", "_")
        assert has(f"config.problem.seller.mention_{key}"), line


def test_a_duration_says_why_it_is_refused_in_either_language() -> None:
    for text, fr, en in (
        ("3x", "pas une durée (15m, 36h, 2d, 3w, 2mo) : '3x'",
         "not a duration (15m, 36h, 2d, 3w, 2mo): '3x'"),
        ("0d", "une durée doit être positive", "a duration must be positive"),
    ):  # fmt: skip
        with pytest.raises(ValueError) as refused:
            parse_duration(text)
        (reason,) = refused.value.args
        assert isinstance(reason, Phrase) and (reason.text("fr"), str(reason)) == (fr, en)


def test_a_bad_duration_in_a_workflow_reads_in_french(config_folder: Path, run_cli: RunCli) -> None:
    (config_folder / "workflows.yaml").write_text(
        "workflows:\n  - name: D\n    trigger: {entity: deal, event: created}\n"
        "    steps: [{wait: 3x}]\n",
        encoding="utf-8",
    )
    code, _, err = run_cli("config", "check", "--lang", "fr")
    assert code == 1
    path = f"{config_folder / 'workflows.yaml'} : workflows[0].steps[0].wait.for"
    assert f"{path} : pas une durée (15m, 36h, 2d, 3w, 2mo) : '3x'" in err.splitlines(), err


def test_a_stored_blueprint_with_an_unknown_action_says_so_in_either_language() -> None:
    data = {
        "pipeline": "vente",
        "name": "Vente",
        "transitions": [
            {"key": "a", "name": "A", "from": ["new"], "to": "won", "after": [{"action": "x"}]}
        ],
    }
    with pytest.raises(ValueError) as refused:
        from_dict(data)
    (reason,) = refused.value.args
    assert isinstance(reason, Phrase)
    assert (reason.text("fr"), str(reason)) == ("action inconnue 'x'", "unknown action 'x'")
