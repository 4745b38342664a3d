"""One language rule for every command: ``--lang``, else ``RELAIS_LOCALE``, else French.

The administrators' commands (``migrate``, ``workflows``, ``mail``…) used to speak
English unless ``--lang`` said otherwise, so a French team setting ``RELAIS_LOCALE=fr``
read English from half of them. Each case runs the real ``run.py`` in-process.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from cli import admin_lang
from tests.cli.conftest import RunCli, isolate, on_engine
from tests.cli.test_typed_cli import a_mail

# An administrators' command without --lang, and the start of what it says in each language.
SAID = {
    ("migrate",): {"fr": "migrations appliquées : ", "en": "applied migrations "},
    ("workflows", "list"): {"fr": "aucun workflow", "en": "no workflow"},
    ("mail", "list"): {"fr": "aucun message reçu", "en": "no mail"},
}
COMMANDS = list(SAID)


def said_in(locale: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's environment, with ``RELAIS_LOCALE`` set to ``locale`` (unset for None)."""
    isolate(tmp_path, monkeypatch, **({"RELAIS_LOCALE": locale} if locale else {}))


@pytest.mark.parametrize("words", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(("locale", "expected"), [(None, "fr"), ("fr", "fr"), ("en", "en")])
def test_an_administrators_command_follows_relais_locale_else_french(
    words: tuple[str, ...],
    locale: str | None,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_cli: RunCli,
) -> None:
    said_in(locale, tmp_path, monkeypatch)
    code, out, err = run_cli(*words)
    assert (code, err) == (0, "")
    assert out.startswith(SAID[words][expected]), out


@pytest.mark.parametrize(("locale", "asked"), [("fr", "en"), ("en", "fr"), (None, "en")])
def test_lang_wins_over_relais_locale(
    locale: str | None, asked: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> None:
    said_in(locale, tmp_path, monkeypatch)
    for words in COMMANDS:
        code, out, _ = run_cli(*words, "--lang", asked)
        assert code == 0 and out.startswith(SAID[words][asked]), out


@pytest.mark.parametrize(("locale", "prefix"), [(None, "erreur : "), ("en", "error: ")])
def test_an_administrators_refusal_follows_the_rule_too(
    locale: str | None,
    prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_cli: RunCli,
) -> None:
    said_in(locale, tmp_path, monkeypatch)
    for words in (("mail", "show", "99"), ("workflows", "show", "nothing")):
        code, out, err = run_cli(*words)
        assert (code, out) == (1, "") and err.startswith(prefix), err


FR_BAD, EN_BAD = "relais : erreur de configuration : ", "relais: configuration error: "


@pytest.mark.parametrize(
    ("settings", "expected", "named"),
    [({"RELAIS_HTTP_PORT": "http"}, FR_BAD, "RELAIS_HTTP_PORT"),
     ({"RELAIS_HTTP_PORT": "http", "RELAIS_LOCALE": "en"}, EN_BAD, "RELAIS_HTTP_PORT"),
     ({"RELAIS_LOCALE": "de"}, FR_BAD, "RELAIS_LOCALE")],  # no language to read: French
)  # fmt: skip
def test_a_bad_setting_is_said_in_relais_locale_when_that_one_is_readable(
    settings: dict[str, str],
    expected: str,
    named: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_cli: RunCli,
) -> None:
    isolate(tmp_path, monkeypatch, **settings)
    code, out, err = run_cli("migrate")
    assert (code, out) == (2, "") and err.startswith(expected) and named in err, err


def test_relais_locale_may_come_from_the_env_file_when_another_setting_is_bad(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("RELAIS_LOCALE=en\n", encoding="utf-8")
    args = admin_lang.option(argparse.ArgumentParser()).parse_args([])
    assert admin_lang.unsettled(args, {}, str(env_file)) == "en"
    assert admin_lang.unsettled(args, {"RELAIS_LOCALE": "fr"}, str(env_file)) == "fr"
    assert admin_lang.unsettled(args, {}, str(tmp_path / "none")) == "fr"


def test_mail_list_words_its_statuses_in_the_language_and_json_keeps_the_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> None:
    said_in("en", tmp_path, monkeypatch)
    on_engine(tmp_path, a_mail)
    code, out, _ = run_cli("mail", "list")
    assert code == 0 and " received " in out and " reçu " not in out, out
    monkeypatch.setenv("RELAIS_LOCALE", "fr")
    code, out, _ = run_cli("mail", "list")
    assert code == 0 and " reçu " in out and " received " not in out, out
    code, out, _ = run_cli("mail", "list", "--json")
    assert [mail["status"] for mail in json.loads(out)] == ["received"]


def test_the_rule_in_one_function_lang_then_relais_locale_then_french() -> None:
    parser = admin_lang.option(argparse.ArgumentParser())
    unsettled, asked = parser.parse_args([]), parser.parse_args(["--lang", "en"])
    assert admin_lang.of(unsettled) == "fr"  # nothing says otherwise: the product's French
    assert admin_lang.of(unsettled, "en") == "en"  # a handler run without run.py's settle
    admin_lang.settle(unsettled, "en")
    admin_lang.settle(asked, "fr")
    assert (admin_lang.of(unsettled), admin_lang.of(asked)) == ("en", "en")
