"""The last English reasons of ``config check`` read in the reader's language (issue #14).

tests/cli/test_config_language_more.py covers the validators of the YAML schemas; here are
the checks behind them: a workflow's cross-checks (:mod:`engine.workflows.check`, unknown
fields, events, operators, placeholders, targets — ``config.problem.wf_*``), the engine's
own refusals of a configurator rule, a price rule, a condition or a quantity while
``pricing.yaml`` is read (``config.problem.cpq_*``), and the parsers of the runtime
settings (``config.problem.setting_*``). French with ``--lang fr``, English word for word
with ``--lang en``, every line naming its file and its path. Through ``run.py``'s ``main``
in-process, on SQLite and PostgreSQL (``RELAIS_TEST_POSTGRES``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from config import setting_values
from config.workflow_schema import WorkflowModel
from engine.text.catalogue import Phrase, has
from engine.workflows.check import check_workflow
from engine.workflows.model import ENTITIES
from tests.cli.conftest import RunCli, assert_in_one_language, colon

# Words of the reasons checked here: a reason in one language has none of the other's.
# (A YAML key or value an administrator types — lead, referrer, free, set_field — is no word.)
ENGLISH = re.compile(
    r"\b(is not|has no|has events|needs|cannot|name the|unknown|who caused|does not|must|"
    r"take a list|takes no|compares|outside|rule|tier|number|at most|person|use)\b"
)
FRENCH = re.compile(
    r"(n'est|n'a|champ|affaire|piste|règle|palier|bornes|valeur|opérateur|fuseau|canal|"
    r"personne|propriétaire|compare des|prend|gratuite|quantité|nommez|employez|auteur|inconnu)"
)
WORDS = (ENGLISH, FRENCH)

# One mistake per check of engine/workflows/check.py that the YAML schema lets through.
WORKFLOWS = """\
workflows:
  - name: Tout faux
    timezone: Mars/Olympus
    triggered_by: owner
    trigger: {entity: deal, event: exploded, fields: [colour]}
    steps:
      - if: {field: actor, op: changed}
      - if: {field: old.stage, op: changed}
      - if: {field: colour, op: eq, value: x}
      - wait: {until: stage}
      - activity: {subject: "Appeler {deal.nope}", due_from: stage, owner: "two words"}
      - update: {target: referrer, values: {id: 3}}
      - update: {values: {id: 3}}
      - create: {kind: deal, title: x, values: {colour: red}}
      - create: {kind: lead, title: x, values: {stage: a}}
      - notify: {to: channel, text: x}
  - name: Date
    trigger: {entity: lead, date: stage}
    steps: [{notify: {text: x}}]
  - name: Organisation
    trigger: {entity: organisation, event: created}
    steps:
      - update: {target: lead, values: {name: x}}
      - email: {to: contact, subject: x, body: y}
      - activity: {subject: x, attach_to: referrer}
"""
EVENTS = "created, updated, deleted, stage_changed, won, lost, escalated"
# path, French reason, English reason (the English of before, word for word)
WORKFLOW_REASONS = [
    ("workflows[0].triggered_by", "'owner' exige que le workflow ait un propriétaire (owner)",
     "'owner' needs the workflow's owner"),
    ("workflows[0].timezone", "fuseau horaire inconnu : 'Mars/Olympus'",
     "unknown time zone 'Mars/Olympus'"),
    ("workflows[0].trigger.event", f"une affaire n'a que ces événements : {EVENTS}",
     f"a deal has events {EVENTS}"),
    ("workflows[0].trigger.fields[0]", "'colour' n'est pas un champ connu pour une affaire",
     "'colour' is not a field of a deal"),
    ("workflows[0].steps[0].if.op", "l'auteur d'un changement ne change pas",
     "who caused a change does not change"),
    ("workflows[0].steps[1].if.field", "avec changed, employez 'stage'",
     "use 'stage' with changed"),
    ("workflows[0].steps[2].if.field", "'colour' n'est pas un champ connu pour une affaire",
     "'colour' is not a field of a deal"),
    ("workflows[0].steps[3].wait.until", "'stage' n'est pas un champ date pour une affaire",
     "'stage' is not a date field of a deal"),
    ("workflows[0].steps[4].activity.due_from",
     "'stage' n'est pas un champ date pour une affaire", "'stage' is not a date field of a deal"),
    ("workflows[0].steps[4].activity.owner", "pas une personne : 'two words'",
     "not a person: 'two words'"),
    ("workflows[0].steps[4].activity.subject", "variable inconnue : {deal.nope}",
     "unknown placeholder {deal.nope}"),
    ("workflows[0].steps[5].update.values.id",
     "un workflow ne modifie pas le champ 'id' sur un contact",
     "'id' is not a field a workflow sets on a contact"),
    ("workflows[0].steps[6].update.values.id",
     "un workflow ne modifie pas le champ 'id' sur une affaire",
     "'id' is not a field a workflow sets on a deal"),
    ("workflows[0].steps[7].create.values.colour",
     "'colour' ne se donne pas à une nouvelle affaire", "'colour' cannot be set on a new deal"),
    ("workflows[0].steps[8].create.values.stage", "'stage' ne se donne pas à une nouvelle piste",
     "'stage' cannot be set on a new lead"),
    ("workflows[0].steps[9].notify.channel", "nommez le canal où publier",
     "name the channel to post in"),
    ("workflows[1].trigger.date", "'stage' n'est pas un champ date pour une piste",
     "'stage' is not a date field of a lead"),
    ("workflows[2].steps[0].update.target", "une organisation n'a pas de lead à mettre à jour",
     "an organisation has no lead to update"),
    ("workflows[2].steps[1].email.to", "une organisation n'a pas de contact",
     "an organisation has no contact"),
    ("workflows[2].steps[2].activity.attach_to",
     "une organisation n'a pas de referrer auquel la rattacher",
     "an organisation has no referrer to attach it to"),
]  # fmt: skip

# One refusal of the engine's configurator rule, price rule, condition and quantity each.
PRICING = """\
configurator:
  - {id: s, base: [A], suggest: B, free: true}
  - {id: d, base: any, add: B, quantity: {from_base: multiply, number: 2}}
  - {id: f, base: [A], set_field: {product: B}}
  - {id: q, base: [A], add: B, quantity: 2000000}
  - {id: w1, base: [A], add: B, when: [{field: deal.region, op: in, value: nord}]}
  - {id: w2, base: [A], add: B, when: [{field: deal.origin, op: set, value: x}]}
  - {id: w3, base: [A], add: B, when: [{field: deal.size, op: gte, value: abc}]}
price_rules:
  - {id: p1, products: [A], kind: direct_discount, percent: 150}
  - {id: p2, products: [A], kind: volume_discount, tiers: [{percent: 5}, {to: 10, percent: 3}]}
  - {id: p3, products: [A], kind: volume_discount,
     tiers: [{to: 9, percent: 5}, {to: 5, percent: 3}]}
"""
PRICING_REASONS = [
    ("configurator[0]",
     "règle du configurateur s : une suggestion ne peut pas être gratuite (ajoutez plutôt le "
     "produit)",
     "configurator rule s: a suggestion cannot be free (add the product instead)"),
    ("configurator[1]",
     "règle du configurateur d : une quantité dynamique demande des produits de base précis, "
     "pas n'importe quel produit",
     "configurator rule d: a dynamic quantity needs specific base products, not any product"),
    ("configurator[2]",
     "règle du configurateur f : 'set_field' demande une description, une quantité ou free",
     "configurator rule f: 'set_field' needs a description, a quantity or free"),
    ("configurator[3]",
     "le nombre 2\u202f000\u202f000 sort des bornes d'une quantité (plus de 0, au plus"
     " 1 000 000, au plus 3 décimales)",
     "the number 2,000,000 is outside the quantity bounds (more than 0, at most 1,000,000, at "
     "most 3 decimals)"),
    ("configurator[4]",
     "deal.region : 'in' et 'not_in' prennent une liste, les autres opérateurs non",
     "deal.region: 'in' and 'not_in' take a list, other operators not"),
    ("configurator[5]", "deal.origin : 'set' ne prend pas de valeur",
     "deal.origin: 'set' takes no value"),
    ("configurator[6]", "deal.size : 'gte' compare des nombres ou des dates",
     "deal.size: 'gte' compares numbers or dates"),
    ("price_rules[0]", "règle de prix p1 : une remise en pourcentage vaut au plus 100",
     "price rule p1: a percentage discount is at most 100"),
    ("price_rules[1]", "règle de prix p2 : seul le dernier palier peut rester ouvert (sans to)",
     "price rule p2: only the last tier may be open-ended"),
    ("price_rules[2]",
     "règle de prix p3 : les bornes des paliers doivent être positives et croissantes",
     "price rule p3: tier bounds must be positive and increasing"),
]  # fmt: skip

# A runtime setting's parser, a value it refuses, the reason in French and in English.
SETTINGS: list[tuple[Callable[[str], object], str, str, str]] = [
    (setting_values.port, "70000", "un port est compris entre 0 et 65535",
     "a port is between 0 and 65535"),
    (setting_values.boolean, "peut-être", "indiquez true ou false", "use true or false"),
    (setting_values.choice("fr", "en"), "de", "indiquez l'une de ces valeurs : fr, en",
     "use one of fr, en"),
    (setting_values.timezone, "Mars/Olympus", "pas un fuseau horaire IANA comme Europe/Paris",
     "not an IANA time zone such as Europe/Paris"),
    (setting_values.url, "ftp://x", "doit commencer par http:// ou https://",
     "must start with http:// or https://"),
    (setting_values.database, " ", "doit être un fichier SQLite ou une URL postgresql://",
     "must be a SQLite file or a postgresql:// URL"),
    (setting_values.database, "postgresql://host",
     "une URL PostgreSQL nomme son hôte et sa base : postgresql://user@host/db",
     "a PostgreSQL URL names its host and database: postgresql://user@host/db"),
    (setting_values.positive, "0", "doit être un nombre entier positif",
     "must be a positive whole number"),
    (setting_values.count, "-1", "doit être un nombre entier, 0 ou plus",
     "must be a whole number, 0 or more"),
    (setting_values.port, "80a", "pas un nombre entier : '80a'", "not a whole number: '80a'"),
    (setting_values.hour, "24", "une heure est comprise entre 0 et 23",
     "an hour is between 0 and 23"),
    (setting_values.sender, "relais", "pas une adresse e-mail comme Relais <relais@example.com>",
     "not an e-mail address such as Relais <relais@example.com>"),
]  # fmt: skip


def check(run_cli: RunCli, lang: str, expected: list[str]) -> None:
    """``config check --lang`` fails with exactly the ``expected`` lines, then the count."""
    code, out, err = run_cli("config", "check", "--lang", lang)
    assert (code, out) == (1, ""), err
    lines = err.splitlines()
    missing = [line for line in expected if line not in lines]
    assert not missing, (missing, err)
    assert len(lines) == len(expected) + 1, err  # and the count that ends them
    sep = colon(lang)
    assert_in_one_language([line.split(sep, 2)[2] for line in lines[:-1]], lang, WORDS)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_workflows_cross_checks_read_in_the_readers_language(
    config_folder: Path, run_cli: RunCli, lang: str
) -> None:
    (config_folder / "workflows.yaml").write_text(WORKFLOWS, encoding="utf-8")
    sep = colon(lang)
    expected = [
        f"{config_folder / 'workflows.yaml'}{sep}{path}{sep}{fr if lang == 'fr' else en}"
        for path, fr, en in WORKFLOW_REASONS
    ]
    check(run_cli, lang, expected)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_engines_refusals_of_pricing_rules_read_in_the_readers_language(
    config_folder: Path, run_cli: RunCli, lang: str
) -> None:
    (config_folder / "pricing.yaml").write_text(PRICING, encoding="utf-8")
    sep = colon(lang)
    expected = [
        f"pricing.yaml{sep}{path}{sep}{fr if lang == 'fr' else en}"
        for path, fr, en in PRICING_REASONS
    ]
    check(run_cli, lang, expected)


@pytest.mark.parametrize(("parse", "value", "fr", "en"), SETTINGS)
def test_a_refused_setting_says_why_in_either_language(
    parse: Callable[[str], object], value: str, fr: str, en: str
) -> None:
    with pytest.raises(ValueError) as refused:
        parse(value)
    (reason,) = refused.value.args
    assert isinstance(reason, Phrase)
    assert (reason.text("fr"), reason.text("en"), str(reason)) == (fr, en, en)
    assert_in_one_language([reason.text("fr")], "fr", WORDS)
    assert_in_one_language([reason.text("en")], "en", WORDS)


def test_a_bad_setting_stops_config_check_with_its_reason(
    config_folder: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The variable named around the reason is config/settings.py's; the reason is ours."""
    monkeypatch.setenv("RELAIS_DIGEST_HOUR", "24")
    code, out, err = run_cli("config", "check", "--lang", "en")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "relais: configuration error: RELAIS_DIGEST_HOUR='24' is invalid: "
        "an hour is between 0 and 23"
    ]
    code, out, err = run_cli("config", "check", "--lang", "fr")
    assert (code, out) == (2, "")
    (line,) = err.splitlines()
    assert line.endswith("RELAIS_DIGEST_HOUR='24' refusé : une heure est comprise entre 0 et 23")
    assert_in_one_language([line], "fr", WORDS)


def test_every_kind_a_workflow_runs_on_reads_with_its_article() -> None:
    """A kind added to ENTITIES without its words would read "un enregistrement quote"."""
    for entity in ENTITIES:
        assert has(f"config.problem.wf_a_{entity}"), entity


def test_a_workflow_problem_is_a_phrase_that_logs_read_in_english() -> None:
    """A check the schema does not reach (a blank name, from the store's callers) is a
    phrase too: English in logs and ``ValidationFailed``, French where it is rendered."""
    data = {"name": "W", "trigger": {"entity": "deal", "event": "created"}}
    workflow = WorkflowModel.model_validate({**data, "steps": [{"notify": {"text": "x"}}]})
    problems = check_workflow(replace(workflow.build(), name=" "))
    assert [(p.path, p.message) for p in problems] == [("name", "a workflow needs a name")]
    (problem,) = problems
    assert isinstance(problem.message, Phrase)
    assert problem.message.text("fr") == "un workflow doit avoir un nom"
