"""The last English words a French reader of ``config`` met, in the reader's language.

PyYAML's own sentences inside a YAML syntax problem (:mod:`config.yaml_problems`), an
unknown time zone (zoneinfo's words, from a blueprint), the comment of ``config export``
counting the users it leaves out, and a quantity bound of ``pricing.yaml`` (the number as
the reader writes numbers). French with ``--lang fr`` (or nothing: French is the
default), English with ``--lang en`` — and the English of a YAML problem is PyYAML's,
word for word. Through ``run.py``'s ``main`` in-process, on SQLite and PostgreSQL
(``RELAIS_TEST_POSTGRES``).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
import yaml

from config.yaml_problems import CONTEXTS, PREFIX, PROBLEMS, TOKENS
from engine.actors import Actor
from engine.core import Engine
from engine.crm.users import UserDraft
from engine.text.catalogue import has
from tests.cli.conftest import RunCli, isolate

# PyYAML's and libyaml's words: none may be left in a French line (but inside quotes).
ENGLISH = re.compile(
    r"\b(found|expected|while|allowed|could not|did not|scanning|parsing|token|stream|"
    r"unknown|time zone|did you mean|invalid|user|without)\b"
)
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
NNBSP = "\u202f"  # Babel's French group separator (CLDR): 2 000 000


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_path: Path) -> Path:
    """An empty configuration folder on the test's own database; returns the folder."""
    isolate(tmp_path, monkeypatch, RELAIS_DATABASE=str(db_path))
    (tmp_path / "config").mkdir()
    return tmp_path / "config"


def problem_lines(run_cli: RunCli, lang: str) -> list[str]:
    """``config check --lang LANG``'s problem lines (it must fail)."""
    code, out, err = run_cli("config", "check", "--lang", lang)
    assert (code, out) == (1, ""), err
    lines = err.splitlines()
    assert lines[-1].startswith("configuration invalide" if lang == "fr" else "config")
    for line in lines:
        assert not PLACEHOLDER.search(line), line
    return lines[:-1]


def french(line: str) -> str:
    """The words of a French line outside its quotes ('x', « x »), for ENGLISH to search."""
    return re.sub(r"'[^']*'|«[^»]*»|`[^`]*`", "", line.partition(".yaml")[2])


def pyyaml_words(text: str, c_parser: bool) -> str:
    """What PyYAML (or libyaml, which reads the CPQ files) says of ``text``: ``problem
    (context)``, as it says it."""
    loader = yaml.CSafeLoader if c_parser else yaml.SafeLoader
    try:
        yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        return f"{exc.problem}{f' ({exc.context})' if exc.context else ''}"
    raise AssertionError(f"{text!r} is valid YAML")


# file, content, where, the French reason. users.yaml and projects.yaml are read by PyYAML,
# pricing.yaml by libyaml (other words; the line there says "invalid YAML" first).
MISTAKES = [
    ("users.yaml", "users:\n  - name: Dupont: Jean\n", "ligne 2, colonne 17",
     "« : » n'est pas permis ici ; une valeur qui contient « : » s'écrit entre guillemets"),
    ("users.yaml", "users:\n\t- name: x\n", "ligne 2, colonne 1",
     "tabulation trouvée : indentez avec des espaces (en cherchant l'élément suivant)"),
    ("users.yaml", 'users:\n  - name: "Jean\n', "ligne 3, colonne 1",
     "fin du fichier inattendue (en lisant une valeur entre guillemets)"),
    ("users.yaml", "users:\n  - name: x\n   email: y\n", "ligne 3, colonne 4",
     "fin de bloc attendue, mais voici une clé : vérifiez l'indentation (en lisant une liste)"),
    ("users.yaml", "users:\n  - name x\n    email: y\n", "ligne 3, colonne 10",
     "« : » n'est pas permis ici ; une valeur qui contient « : » s'écrit entre guillemets"),
    ("users.yaml", "users:\n  - {name: x\n", "ligne 3, colonne 1",
     "',' ou '}' attendu, mais voici la fin du fichier (en lisant des clés entre accolades)"),
    ("projects.yaml", "projects: [\n", "ligne 2, colonne 1",
     "valeur attendue, mais voici la fin du fichier "
     "(en lisant une valeur entre crochets ou accolades)"),
    ("users.yaml", "users:\n  - name: *Jean*\n", "ligne 2, colonne 16",
     "lettre ou chiffre attendu, mais voici '*' ; une valeur qui commence par « * » ou « & » "
     "s'écrit entre guillemets (en lisant un alias « * »)"),
    ("users.yaml", "users:\n  - name: @jean\n", "ligne 2, colonne 11",
     "le caractère '@' ne peut pas commencer une valeur ; mettez-la entre guillemets "
     "(en cherchant l'élément suivant)"),
    ("users.yaml", 'users:\n  - name: "C:\\dossier"\n', "ligne 2, colonne 15",
     "caractère d'échappement inconnu 'd' ; entre guillemets doubles, une barre oblique inverse "
     "se double, ou employez des guillemets simples "
     "(en lisant une valeur entre guillemets doubles)"),
    ("pricing.yaml", "quotes:\n  footer: Dupont: Jean\n", "ligne 2, colonne 17",
     "« : » n'est pas permis ici ; une valeur qui contient « : » s'écrit entre guillemets"),
    ("pricing.yaml", "quotes:\n  footer: x\n number_prefix: D\n", "ligne 3, colonne 2",
     "clé attendue : vérifiez l'indentation (en lisant des clés et leurs valeurs)"),
    ("pricing.yaml", "price_rules: [\n", "ligne 2, colonne 1",
     "valeur attendue (en lisant une valeur entre crochets ou accolades)"),
    ("pricing.yaml", "quotes:\n\tfooter: x\n", "ligne 2, colonne 1",
     "un caractère ne peut pas commencer une valeur ici : une tabulation s'indente avec des "
     "espaces, une valeur se met entre guillemets (en cherchant l'élément suivant)"),
]  # fmt: skip


def expected_line(folder: Path, name: str, where: str, reason: str, lang: str) -> str:
    """A YAML problem's whole line: the CPQ files put "invalid YAML" before the place."""
    sep = " : " if lang == "fr" else ": "
    invalid = "YAML invalide" if lang == "fr" else "invalid YAML"
    if lang == "en":
        where = where.replace("ligne", "line").replace("colonne", "column")
    if name == "pricing.yaml":
        return f"{folder / name}{sep}{invalid}{sep}{where}{sep}{reason}"
    return f"{folder / name}{sep}{where}{sep}{invalid}{sep}{reason}"


@pytest.mark.parametrize(("name", "content", "where", "reason"), MISTAKES)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_yaml_mistake_reads_in_the_readers_language(
    folder: Path, run_cli: RunCli, lang: str, name: str, content: str, where: str, reason: str
) -> None:
    (folder / name).write_text(content, encoding="utf-8")
    lines = problem_lines(run_cli, lang)
    if lang == "en":  # PyYAML's (libyaml's) own words, as an English reader always read them
        reason = pyyaml_words(content, c_parser=name == "pricing.yaml")
    assert lines == [expected_line(folder, name, where, reason, lang)], lines
    if lang == "fr":
        assert not ENGLISH.search(french(lines[0])), lines[0]


def test_a_rare_yaml_mistake_keeps_pyyamls_words_inside_a_french_sentence(
    folder: Path, run_cli: RunCli
) -> None:
    """A sentence the tables do not know (a repeated ``%YAML`` directive) is not dropped:
    PyYAML's English stands as the parameter of the French ``YAML invalide : …``."""
    (folder / "users.yaml").write_text("%YAML 1.1\n%YAML 1.1\n---\nusers: []\n")
    [line] = problem_lines(run_cli, "fr")
    assert line == (
        f"{folder}/users.yaml : ligne 2, colonne 1 : YAML invalide : found duplicate YAML directive"
    )


def test_the_default_language_is_french_and_relais_locale_says_otherwise(
    folder: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    (folder / "projects.yaml").write_text("projects: [\n", encoding="utf-8")
    code, _, err = run_cli("config", "check")
    assert code == 1 and "valeur attendue, mais voici la fin du fichier" in err, err
    monkeypatch.setenv("RELAIS_LOCALE", "en")
    code, _, err = run_cli("config", "check")
    assert code == 1 and "expected the node content, but found '<stream end>'" in err, err
    code, _, err = run_cli("config", "check", "--lang", "fr")
    assert code == 1 and "valeur attendue" in err, err


def test_every_yaml_message_is_in_both_catalogues() -> None:
    """The keys are built from the tables, which Babel's extraction cannot see."""
    keys = [key for _, key in PROBLEMS] + [PREFIX + "in_context"]
    keys += [PREFIX + key for key in CONTEXTS.values()]
    keys += [PREFIX + "token." + key for key in TOKENS.values()]
    missing = [(key, lang) for key in keys for lang in ("fr", "en") if not has(key, lang)]
    assert not missing


# -- an unknown time zone ---------------------------------------------------------------

PIPELINES = """\
pipelines:
  - key: vente
    name: Vente
    default: true
    stages:
      - {key: new, name: Nouveau, probability: 10}
      - {key: won, name: Gagné, probability: 100, outcome: won}
"""
BLUEPRINT = """\
pipeline: vente
name: Vente
timezone: {zone}
transitions:
  - {{key: a, name: A, from: [new], to: won}}
"""
LEADS = """\
leads: true
name: Pistes
timezone: Mars/Olympus
transitions:
  - {key: a, name: A, from: [new], to: qualified}
"""


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_unknown_time_zone_is_named_in_the_readers_language(
    folder: Path, run_cli: RunCli, lang: str
) -> None:
    (folder / "pipelines.yaml").write_text(PIPELINES, encoding="utf-8")
    (folder / "blueprints").mkdir()
    (folder / "blueprints" / "vente.yaml").write_text(BLUEPRINT.format(zone="Europe/Pari"))
    (folder / "blueprints" / "pistes.yaml").write_text(LEADS, encoding="utf-8")
    (folder / "users.yaml").write_text(
        "users:\n  - {name: A, email: a@example.com, role: admin, timezone: Europe/Lodon}\n"
    )
    lines = problem_lines(run_cli, lang)
    if lang == "fr":
        assert lines == [
            f"{folder}/users.yaml : users[0].timezone : pas un fuseau horaire IANA comme "
            "Europe/Paris : 'Europe/Lodon' (vouliez-vous dire 'Europe/London', 'Europe/Lisbon' "
            "ou 'Europe/Moscow' ?)",
            f"{folder}/blueprints/pistes.yaml : timezone : fuseau horaire inconnu : 'Mars/Olympus'",
            f"{folder}/blueprints/vente.yaml : timezone : fuseau horaire inconnu : 'Europe/Pari' "
            "(vouliez-vous dire 'Europe/Paris', 'Europe/Madrid' ou 'Europe/Zurich' ?)",
        ], lines
        for line in lines:
            assert not ENGLISH.search(french(line)), line
    else:
        assert lines == [
            f"{folder}/users.yaml: users[0].timezone: not an IANA time zone such as "
            "Europe/Paris: 'Europe/Lodon' (did you mean 'Europe/London', 'Europe/Lisbon' or "
            "'Europe/Moscow'?)",
            f"{folder}/blueprints/pistes.yaml: timezone: unknown time zone 'Mars/Olympus'",
            f"{folder}/blueprints/vente.yaml: timezone: unknown time zone 'Europe/Pari' "
            "(did you mean 'Europe/Paris', 'Europe/Madrid' or 'Europe/Zurich'?)",
        ], lines


def test_blueprint_apply_names_the_zone_in_french_too(folder: Path, run_cli: RunCli) -> None:
    (folder / "blueprints").mkdir()
    (folder / "blueprints" / "vente.yaml").write_text(BLUEPRINT.format(zone="europe/paris"))
    code, _, err = run_cli("blueprint", "apply", "--check", "--lang", "fr")
    assert code == 1
    assert (
        f"{folder}/blueprints/vente.yaml : timezone : fuseau horaire inconnu : 'europe/paris' "
        "(vouliez-vous dire 'Europe/Paris'" in err
    ), err


def test_a_known_time_zone_passes(folder: Path, run_cli: RunCli) -> None:
    (folder / "pipelines.yaml").write_text(PIPELINES, encoding="utf-8")
    (folder / "blueprints").mkdir()
    (folder / "blueprints" / "vente.yaml").write_text(BLUEPRINT.format(zone="America/New_York"))
    code, out, err = run_cli("config", "check", "--lang", "fr")
    assert code == 0, err
    assert "fuseau" not in out + err


# -- config export: the users it leaves out ---------------------------------------------


def add_users_without_email(db_path: Path, count: int) -> None:
    """``count`` users who came from Slack (no e-mail address: the export cannot list them)."""

    async def add() -> None:
        engine = await Engine.open(db_path)
        try:
            for n in range(count):
                draft = UserDraft(f"Slack {n}", slack_id=f"U_SLACK{n}")
                await engine.users.upsert(draft, Actor.cli("test-admin"))
        finally:
            await engine.close()

    asyncio.run(add())


@pytest.mark.parametrize(
    ("count", "lang", "note"),
    [
        (1, "fr", "# 1 utilisateur sans adresse e-mail n'est pas listé."),
        (2, "fr", "# 2 utilisateurs sans adresse e-mail ne sont pas listés."),
        (1, "en", "# 1 user without an e-mail address is not listed."),
        (2, "en", "# 2 users without an e-mail address are not listed."),
    ],
)
def test_export_counts_the_users_it_leaves_out_in_a_real_plural(
    folder: Path, run_cli: RunCli, db_path: Path, count: int, lang: str, note: str
) -> None:
    add_users_without_email(db_path, count)
    code, out, err = run_cli("config", "export", "--lang", lang)
    assert code == 0, err
    heading = "# fichier : " if lang == "fr" else "# file: "
    users = out.split(f"{heading}users.yaml\n", 1)[1].split(heading)[0]
    assert note in users.splitlines(), out
    assert "(s)" not in out
    files = [line.removeprefix(heading) for line in out.splitlines() if line.startswith(heading)]
    assert files == ["pipelines.yaml", "users.yaml", "projects.yaml"], out
    first = "# Exporté de la base" if lang == "fr" else "# Exported from the Relais database"
    assert out.splitlines()[1].startswith(first), out


def test_an_exported_folder_still_reads_and_names_no_one_left_out_when_none_is(
    folder: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    out_dir = tmp_path / "exported"
    code, _, err = run_cli("config", "export", "--output", str(out_dir), "--lang", "fr")
    assert code == 0, err
    text = (out_dir / "users.yaml").read_text(encoding="utf-8")
    assert "sans adresse" not in text
    assert yaml.safe_load(text) == {"users": []}


# -- a quantity bound of pricing.yaml ---------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "index", "shown"),
    [("fr", 0, f"le nombre 2{NNBSP}000{NNBSP}000,5 sort des bornes d'une quantité"),
     ("en", 0, "the number 2,000,000.5 is outside the quantity bounds"),
     ("fr", 1, "le nombre 0,0001 sort des bornes"), ("en", 1, "the number 0.0001 is outside")],
)  # fmt: skip
def test_a_quantity_bound_is_written_in_the_readers_number_format(
    folder: Path, run_cli: RunCli, lang: str, index: int, shown: str
) -> None:
    (folder / "pricing.yaml").write_text(
        "configurator:\n"
        "  - {id: q, base: [A], add: B, quantity: 2000000.5}\n"
        "  - {id: d, base: [A], add: B, quantity: {from_base: divide, number: 0.0001}}\n",
        encoding="utf-8",
    )
    lines = problem_lines(run_cli, lang)
    sep = " : " if lang == "fr" else ": "
    assert lines[index].startswith(f"pricing.yaml{sep}configurator[{index}]{sep}{shown}"), lines
    assert "2000000" not in "".join(lines)
