"""A lead blueprint's problems read in the administrator's language (issue #14).

``blueprint apply [--check]`` refuses a bad lead blueprint line by line, ``file: path:
reason``. The lead blueprint's own check (a transition into ``disqualified`` must ask
for or set the reason) is a catalogue message, ``blueprint.problem.lead.*``, like the
checks every blueprint shares: ``--lang fr`` reads French, ``--lang en`` English, with
no placeholder left. Through ``run.py``'s ``main`` in-process, on SQLite and PostgreSQL
(``RELAIS_TEST_POSTGRES``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli.main import main
from config.blueprint_schema import parse_blueprint
from engine.api import Phrase
from engine.api.blueprints import lead_model
from tests.cli.conftest import isolate
from tests.conftest import database_for

BAD = """\
leads: true
name: Pistes
transitions:
  - {key: a, name: A, from: [new], to: won}
  - key: b
    name: B
    from: [new]
    to: disqualified
    after: [{action: set_field, field: budget, value: 1}]
"""
# Each expected problem: its path, then its reason in French and in English.
EXPECTED = [
    ("transitions[0].to", "étape inconnue 'won'", "unknown stage 'won'"),
    ("transitions[1].after[0].field", "champ de piste inconnu 'budget'",
     "unknown lead field 'budget'"),
    ("transitions[1]",
     "une transition vers disqualified doit demander disqualify_reason (champ obligatoire) "
     "ou le renseigner",
     "a transition into disqualified must ask for or set disqualify_reason"),
]  # fmt: skip
# Words a reader of the other language would spot at once in a reason.
ENGLISH = re.compile(r"\b(unknown|must|never|into|ask for|reached|custom values)\b")
FRENCH = re.compile(r"\b(inconnue?|doit|jamais|vers|demander|renseigner|obligatoire)\b")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@pytest.fixture
def bad(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_path: Path) -> Path:
    """A configuration folder holding only a bad lead blueprint; returns its file."""
    isolate(tmp_path, monkeypatch, RELAIS_DATABASE=database_for(tmp_path))
    folder = tmp_path / "config" / "blueprints"
    folder.mkdir(parents=True)
    (folder / "leads.yaml").write_text(BAD, encoding="utf-8")
    return folder / "leads.yaml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``run.py ARGS`` in-process: its exit code, standard output and standard error."""
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def reasons(err: str, file: Path, colon: str) -> dict[str, str]:
    """The problem lines about ``file``, as path → reason."""
    found: dict[str, str] = {}
    for line in err.splitlines():
        if line.startswith(f"{file}{colon}"):
            path, _, reason = line.removeprefix(f"{file}{colon}").partition(colon)
            found[path] = reason
    return found


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("check", [["--check"], []], ids=["check", "apply"])
def test_a_bad_lead_blueprint_is_refused_in_the_readers_language(
    bad: Path, capsys: pytest.CaptureFixture[str], lang: str, check: list[str]
) -> None:
    code, out, err = run(capsys, "blueprint", "apply", *check, "--lang", lang)
    assert code == 1, (out, err)
    colon = " : " if lang == "fr" else ": "
    found = reasons(err, bad, colon)
    for path, french, english in EXPECTED:
        assert found.get(path, "").startswith(french if lang == "fr" else english), (path, err)
    other = ENGLISH if lang == "fr" else FRENCH
    for path, reason in found.items():
        assert not PLACEHOLDER.search(reason), (path, reason)
        assert not other.search(reason.replace("'", " ")), (path, reason)
        assert "'converted'" not in reason  # a lead may be converted outside the blueprint
    summary = err.splitlines()[-1]
    assert summary.startswith("processus invalides" if lang == "fr" else "blueprints invalid")


def test_a_refused_lead_blueprint_is_not_put_in_force(
    bad: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "blueprint", "apply", "--lang", "fr")[0] == 1
    code, out, _ = run(capsys, "blueprint", "show", "leads", "--json")
    assert code == 0 and json.loads(out)["in_force"] is False


def test_the_lead_check_is_a_phrase_that_reads_english_in_the_logs() -> None:
    """``str()`` (logs, scripts, ``--json``) is the English text the tests always read."""
    blueprint = parse_blueprint(
        {"leads": True, "name": "X",
         "transitions": [{"key": "d", "name": "D", "from": ["new"], "to": "disqualified"}]},
        "x",
    )  # fmt: skip
    (problem,) = [p for p in lead_model.check(blueprint) if p.path == "transitions[0]"]
    assert isinstance(problem.message, Phrase)
    assert problem.message.key == "blueprint.problem.lead.disqualify_reason"
    assert str(problem) == (
        "transitions[0]: a transition into disqualified must ask for or set disqualify_reason"
    )
    assert problem.message.text("fr") == (
        "une transition vers disqualified doit demander disqualify_reason (champ obligatoire) "
        "ou le renseigner"
    )


def test_a_lead_blueprint_with_no_way_to_converted_is_sound() -> None:
    """Conversion may stay a plain convert: told apart by the message's key, not its words."""
    blueprint = parse_blueprint(
        {"leads": True, "name": "X", "transitions": [
            {"key": "c", "name": "C", "from": ["new"], "to": "contacted"},
            {"key": "q", "name": "Q", "from": ["contacted"], "to": "qualified"},
            {"key": "d", "name": "D", "from": ["*"], "to": "disqualified",
             "after": [{"action": "set_field", "field": "disqualify_reason", "value": "Muet"}]},
        ]},
        "x",
    )  # fmt: skip
    assert lead_model.check(blueprint) == []
    unreached = [p for p in lead_model.check(parse_blueprint({
        "leads": True, "name": "X", "transitions": [
            {"key": "c", "name": "C", "from": ["new"], "to": "contacted"}]}, "x"))]  # fmt: skip
    assert [str(p) for p in unreached] == [
        "transitions: stage 'qualified' can never be reached from 'new'",
        "transitions: stage 'disqualified' can never be reached from 'new'",
    ]
