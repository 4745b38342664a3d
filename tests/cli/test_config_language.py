"""``config check`` and ``config apply`` speak the reader's language (issue #14).

A configuration problem is ``file: path: reason`` and an apply prints one line per
change; both are catalogue messages (``config.problem.…``, ``config.change.…``) that
read as English in the logs and render in French with ``--lang fr``. Through
``run.py``'s ``main`` in-process, on SQLite and PostgreSQL (``RELAIS_TEST_POSTGRES``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import config.cpq_reading
import config.cpq_schema
from engine.api import Phrase
from tests.cli.conftest import RunCli, isolate
from tests.conftest import database_for

ROOT = Path(__file__).resolve().parents[2]
# What a reader of the other language would spot at once in a problem or a change line.
ENGLISH = re.compile(
    r"\b(Input should|Field required|unknown|created|can never|should have|duplicate|"
    r"needs|with \d+|the default)\b"
)
FRENCH = re.compile(r"\b(doit|obligatoire|inconnue?|créée?|jamais|en double|avec \d+)\b")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")

# One mistake of each kind, in four of the files `config check` reads.
PIPELINES = """\
pipelines:
  - key: vente
    name: Vente
    default: true
    stages:
      - {key: new, name: Nouveau, probability: 120}
      - {key: more, name: Encore, probability: 10, colour: red}
      - {key: won, name: Gagné, probability: 100, outcome: won}
"""
USERS = """\
users:
  - {name: Alice, email: alice@example.com, role: boss}
  - {name: Bob}
"""
PROJECTS = """\
projects:
  - {key: poele, name: Poêle, questions: [{key: q, label: Q, kind: text}]}
  - {key: poele, name: Encore, questions: [{key: q, label: Q, kind: text}]}
"""
PRICING = "quotes:\n  validity_days: soon\n"
BLUEPRINT = """\
pipeline: vente
name: Vente
transitions:
  - {key: a, name: A, from: [new], to: nowhere}
"""
# Each expected problem: the file, the path, and the reason's start in each language.
EXPECTED = [
    ("pipelines.yaml", "pipelines[0].stages[0].probability",
     "doit être inférieur ou égal à 100", "Input should be less than or equal to 100"),
    ("pipelines.yaml", "pipelines[0].stages[1].colour", "clé inconnue", "unknown key"),
    ("projects.yaml", "projects[1].key", "clé de projet en double : 'poele' (déjà en projects[0])",
     "duplicate project key 'poele' (already at projects[0])"),
    ("users.yaml", "users[0].role", "doit valoir 'admin', 'manager' ou 'rep'",
     "Input should be 'admin', 'manager' or 'rep'"),
    ("users.yaml", "users[1].email", "champ obligatoire", "Field required"),
    ("pricing.yaml", "quotes.validity_days", "doit être un nombre entier",
     "Input should be a valid integer"),
]  # fmt: skip


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A configuration folder with one mistake of each kind; returns the folder."""
    isolate(tmp_path, monkeypatch, RELAIS_DATABASE=database_for(tmp_path))
    folder = tmp_path / "config"
    (folder / "blueprints").mkdir(parents=True)
    for name, content in (
        ("pipelines.yaml", PIPELINES), ("users.yaml", USERS), ("projects.yaml", PROJECTS),
        ("pricing.yaml", PRICING),
        ("blueprints/vente.yaml", BLUEPRINT),
    ):  # fmt: skip
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def problem_lines(err: str, folder: Path) -> list[str]:
    """The problem lines (every line but the count that ends them)."""
    return err.splitlines()[:-1]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_config_check_gives_each_reason_in_the_readers_language(
    broken: Path, run_cli: RunCli, lang: str
) -> None:
    code, out, err = run_cli("config", "check", "--lang", lang)
    assert (code, out) == (1, "")
    lines = problem_lines(err, broken)
    colon = " : " if lang == "fr" else ": "
    for name, path, french, english in EXPECTED:
        file = name if name == "pricing.yaml" else broken / name  # the CPQ files: by name
        start = f"{file}{colon}{path}{colon}{french if lang == 'fr' else english}"
        assert any(line.startswith(start) for line in lines), (start, err)
    other = ENGLISH if lang == "fr" else FRENCH
    for line in lines:
        assert not PLACEHOLDER.search(line), line
        reason = line.removeprefix(str(broken)).partition(".yaml")[2]
        assert not other.search(reason.replace("'", " ")), line
    summary = err.splitlines()[-1]
    assert summary.startswith("configuration invalide" if lang == "fr" else "configuration invalid")


def test_the_same_problem_reads_english_in_the_logs(broken: Path, run_cli: RunCli) -> None:
    """A problem is a ``Phrase``: ``str()`` (logs, scripts) is its English text."""
    from config.check import check_folder

    report = check_folder(broken)
    users = [p for p in report.problems if "users[0].role" in p]
    assert users == [
        f"{broken}/users.yaml: users[0].role: Input should be 'admin', 'manager' or 'rep'"
    ]
    assert isinstance(users[0], Phrase)
    assert users[0].text("fr").endswith("doit valoir 'admin', 'manager' ou 'rep'")


def test_yaml_mistakes_name_their_line_in_french(broken: Path, run_cli: RunCli) -> None:
    (broken / "users.yaml").write_text(
        "users:\n  - {name: A, email: a@b.fr, role: rep, role: admin}\n"
    )
    (broken / "projects.yaml").write_text("projects: [\n", encoding="utf-8")
    (broken / "routing.yaml").write_text("routes: [\n", encoding="utf-8")
    (broken / "blueprints" / "vente.yaml").write_text("", encoding="utf-8")
    code, _, err = run_cli("config", "check", "--lang", "fr")
    assert code == 1
    lines = err.splitlines()
    assert f"{broken}/users.yaml : ligne 2 : clé en double 'role'" in lines, err
    for name in ("projects.yaml", "routing.yaml"):  # PyYAML's words, in French
        start = (
            f"{broken}/{name} : ligne 2, colonne 1 : YAML invalide : valeur attendue, mais voici"
            " la fin du fichier"
        )
        assert any(line.startswith(start) for line in lines), err
    assert f"{broken}/blueprints/vente.yaml : le fichier est vide" in lines, err
    assert len(lines) == 8 and lines[-1] == "configuration invalide : 7 problèmes", err


def test_a_blueprint_problem_is_french_too(broken: Path, run_cli: RunCli) -> None:
    (broken / "users.yaml").unlink()
    (broken / "pricing.yaml").unlink()
    (broken / "projects.yaml").unlink()
    (broken / "pipelines.yaml").write_text(
        PIPELINES.replace("probability: 120", "probability: 10").replace(", colour: red", ""),
        encoding="utf-8",
    )
    code, _, err = run_cli("config", "check", "--lang", "fr")
    assert code == 1
    assert (
        f"{broken}/blueprints/vente.yaml : transitions[0].to : étape inconnue 'nowhere'"
        in err.splitlines()
    ), err
    assert "l'étape 'won' ne peut jamais être atteinte depuis 'new'" in err


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped configuration folder, copied, with a database no start has touched."""
    isolate(
        tmp_path, monkeypatch, RELAIS_DATABASE=database_for(tmp_path),
        RELAIS_CACHE_DIR=str(tmp_path / "cache"),
    )  # fmt: skip
    shutil.copytree(ROOT / "config", tmp_path / "config", ignore=shutil.ignore_patterns("*.py"))
    return tmp_path / "config"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_first_apply_prints_its_changes_in_the_readers_language(
    shipped: Path, run_cli: RunCli, lang: str
) -> None:
    code, out, err = run_cli("config", "apply", "--lang", lang)
    assert code == 0, err
    lines = out.splitlines()
    if lang == "fr":
        assert "utilisateur admin@relais.example : créé (admin)" in lines, out
        assert "projet poele : créé avec 15 questions" in lines, out
        assert "workflow Relance du devis : créé" in lines, out
        assert any(line.startswith("produit PG-ECO8 : créé") for line in lines), out
        assert any(re.fullmatch(r"  \(pricing\.yaml : \d+ règles, lues .*\)", x) for x in lines)
    else:
        assert "user admin@relais.example: created (admin)" in lines, out
        assert "project poele: created with 15 questions" in lines, out
        assert "product PG-ECO8: created" in lines, out
    other = ENGLISH if lang == "fr" else FRENCH
    for line in lines:
        assert not PLACEHOLDER.search(line), line
        assert not other.search(line), line
    code, out, _ = run_cli("config", "apply", "--lang", lang)
    assert code == 0 and out.splitlines()[0] in ("rien à modifier", "nothing to change"), out


def test_a_changed_stage_reads_in_french(shipped: Path, run_cli: RunCli) -> None:
    assert run_cli("config", "apply")[0] == 0
    pipelines = shipped / "pipelines.yaml"
    text = pipelines.read_text(encoding="utf-8")
    changed = re.sub(r"probability: 10\b", "probability: 15", text, count=1)
    assert changed != text
    pipelines.write_text(changed, encoding="utf-8")
    code, out, err = run_cli("config", "apply", "--lang", "fr")
    assert code == 0, err
    assert re.search(r"^pipeline default : étape '[^']+' : probability 10 → 15$", out, re.M), out


def test_a_first_start_parses_pricing_yaml_once(
    shipped: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first start (any command on a new database) reads the price book through the
    cache, so the quote that follows finds it compiled: one parse, not two."""
    parsed: list[Path] = []
    validate = config.cpq_reading.validate_file

    def counting(path: Path, model: type[Any]) -> Any:
        if path.name == "pricing.yaml":
            parsed.append(path)
        return validate(path, model)

    monkeypatch.setattr(config.cpq_schema, "validate_file", counting)
    code, _, err = run_cli("deal", "list")  # the first start: the folder applied
    assert code == 0, err
    assert list((shipped.parent / "cache").glob("pricing-*")), "the first start fills the cache"
    code, out, err = run_cli("quote", "price", "--line", "PG-ECO8=1", "--lang", "en")
    assert code == 0 and "PG-ECO8" in out, err
    assert len(parsed) == 1, parsed
