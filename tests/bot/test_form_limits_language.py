"""A form Slack could not show is refused in the administrator's language (issue #14).

The bot's measure of a form (:mod:`bot.forms_fit`: at most 100 blocks, choices that
still differ in their first 75 characters) names its reasons as catalogue messages,
``blueprint.problem.form.*``: ``blueprint apply [--check] --lang fr`` refuses the
blueprint in French, ``--lang en`` in the English the other tests read. Through
``run.py``'s ``main`` in-process, on SQLite and PostgreSQL (``RELAIS_TEST_POSTGRES``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import forms_fit
from cli.main import main
from engine.api import Phrase
from engine.api.blueprints import During, InputField
from tests.cli.conftest import isolate
from tests.conftest import database_for

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "config" / "blueprints" / "default.yaml"
LONG = "Poêle à granulés étanche, raccordement ventouse, garantie cinq ans pièces et m"
ALIKE = [LONG + "ain-d'œuvre", LONG + "ain-d'œuvre incluse"]
TOO_BIG = {
    "fr": "le formulaire occupe 101 blocs (champs, groupes de 10 cases à cocher, note, titre) "
    "mais un formulaire Slack en contient au plus 100 : répartissez-le entre plusieurs "
    "transitions",
    "en": "the form needs 101 blocks (fields, checklist groups of 10, note, heading) but a "
    "Slack form holds at most 100: split it between several transitions",
}
SAME = {
    "fr": "se lisent de la même façon dans Slack, qui n'en montre que les 75 premiers caractères",
    "en": "read the same in Slack, which shows only their first 75 characters",
}
ENGLISH = re.compile(r"\b(needs|blocks|holds|split|options|read the same|shows)\b")
FRENCH = re.compile(r"\b(occupe|blocs|contient|répartissez|choix|lisent|montre)\b")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def text_fields(count: int) -> list[dict[str, Any]]:
    return [{"key": f"q{n}", "label": f"Q{n}", "type": "text"} for n in range(count)]


def deal_blueprint(first: dict[str, Any], extra: dict[str, Any]) -> str:
    """The shipped blueprint's YAML, its first transition asking ``first`` and its second
    asking ``extra`` after its own third input."""
    data: dict[str, Any] = yaml.safe_load(DEFAULT.read_text("utf-8"))
    data["transitions"][0]["during"] = first
    data["transitions"][1]["during"]["fields"][2:] = [extra]
    return yaml.safe_dump(data, allow_unicode=True)


BIG = {"fields": text_fields(99), "note": "required"}  # heading, 99 fields, note: 101
CHOICE = {"key": "offre", "label": "Offre", "type": "choice", "options": ALIKE}


@pytest.fixture
def unshowable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_path: Path) -> Path:
    """A configuration folder whose deal blueprint has a form too big and look-alike choices."""
    isolate(tmp_path, monkeypatch, RELAIS_DATABASE=database_for(tmp_path))
    folder = tmp_path / "config" / "blueprints"
    folder.mkdir(parents=True)
    (folder / "vente.yaml").write_text(deal_blueprint(BIG, CHOICE), encoding="utf-8")
    return folder / "vente.yaml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``run.py ARGS`` in-process: its exit code, standard output and standard error."""
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def problem_lines(err: str, file: Path) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(str(file))]


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("check", [["--check"], []], ids=["check", "apply"])
def test_a_form_slack_cannot_show_is_refused_in_the_readers_language(
    unshowable: Path, capsys: pytest.CaptureFixture[str], lang: str, check: list[str]
) -> None:
    code, out, err = run(capsys, "blueprint", "apply", *check, "--lang", lang)
    assert code == 1, (out, err)
    colon = " : " if lang == "fr" else ": "
    lines = problem_lines(err, unshowable)
    assert f"{unshowable}{colon}transitions[0].during{colon}{TOO_BIG[lang]}" in lines, err
    options = f"{unshowable}{colon}transitions[1].during.fields[2].options{colon}"
    (alike,) = [line for line in lines if line.startswith(options)]
    first, second = (repr(option) for option in ALIKE)
    pair = f"les choix {first} et {second}" if lang == "fr" else f"options {first} and {second}"
    assert alike == f"{options}{pair} {SAME[lang]}", err
    other = ENGLISH if lang == "fr" else FRENCH
    for line in lines:
        reason = line.split(colon, 2)[2].replace(LONG, "")  # not the file, nor the path
        assert not PLACEHOLDER.search(reason), line
        assert not other.search(reason), line
    assert len(lines) == 2, err
    summary = err.splitlines()[-1]
    assert summary.startswith("processus invalides" if lang == "fr" else "blueprints invalid")


def test_a_refused_form_puts_nothing_in_force(
    unshowable: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "blueprint", "apply", "--lang", "fr")[0] == 1
    code, out, _ = run(capsys, "blueprint", "show", "default", "--json")
    assert code == 0 and json.loads(out)["in_force"] is False


def test_a_lead_blueprints_form_is_refused_in_french_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    isolate(tmp_path, monkeypatch, RELAIS_DATABASE=database_for(tmp_path))
    folder = tmp_path / "config" / "blueprints"
    folder.mkdir(parents=True)
    lead = {
        "leads": True, "name": "Pistes",
        "transitions": [{"key": "c", "name": "C", "from": ["new"], "to": "contacted",
                         "during": BIG}],
    }  # fmt: skip
    (folder / "leads.yaml").write_text(yaml.safe_dump(lead), encoding="utf-8")
    code, _, err = run(capsys, "blueprint", "apply", "--check", "--lang", "fr")
    assert code == 1
    expected = f"{folder / 'leads.yaml'} : transitions[0].during : {TOO_BIG['fr']}"
    assert expected in err.splitlines(), err


def test_each_reason_is_a_phrase_read_as_english_by_logs_and_scripts() -> None:
    choices = During(fields=(InputField("o", "O", "choice", options=tuple(ALIKE)),))
    (problem,) = forms_fit.fits(choices)
    assert isinstance(problem.message, Phrase)
    assert problem.message.key == "blueprint.problem.form.options_alike"
    assert str(problem.message).endswith(SAME["en"])
    assert problem.message.text("fr").endswith(SAME["fr"])
    big = During(fields=tuple(InputField(f"q{n}", f"Q{n}", "text") for n in range(100)))
    (problem,) = forms_fit.fits(big)  # heading and 100 fields
    assert isinstance(problem.message, Phrase)
    assert problem.message.key == "blueprint.problem.form.too_many_blocks"
    assert problem.message.params == {"size": 101, "group": 10, "limit": 100}
