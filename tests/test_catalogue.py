"""The one message catalogue (engine/text/locale) is whole, consistent and the only one.

* every message has its text in French and in English, plural forms included;
* a message names the same ``{placeholders}`` in both languages;
* the compiled ``.mo`` files say what the ``.po`` files say (run ``scripts/i18n compile``);
* every key the code looks up (Babel's extraction method, engine/text/extract.py) is in it;
* no user-facing text lives outside it: no French string literal and no ``{"fr": …,
  "en": …}`` table in ``bot/``, ``cli/`` or ``engine/`` but the few allowed below.
"""

from __future__ import annotations

import ast
import io
import re
import string
import time
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po

from engine.text.catalogue import LOCALES, Phrase, catalogue, mo_path, plural, read_mo, text
from engine.text.extract import keys_in

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "engine" / "text" / "locale"
CODE = ("bot", "cli", "engine", "service", "ingest", "config", "charts")
FRENCH = re.compile(r"[àâäçéèêëîïôöûùüÿœæÀÂÇÉÈÊËÎÏÔÛÙÜŸŒÆ«»]")

# French literals that are not texts for a reader, each with its reason (path: fragments).
ALLOWED_FRENCH: dict[str, tuple[str, ...]] = {
    # what a French rep types: command words and their aliases (input, not output)
    "bot/parse.py": ("activités", "tâche", "étapes", "exécutions", "créer", "réunion", "prévis"),
    "bot/listeners/automation.py": ("échecs",),
    # the French "Re:"/"Ré:" prefixes of a reply's subject (a pattern to read mail)
    "engine/mail/threads.py": ("rép|ré",),
    # the default pipeline seeded into a fresh database (data, renamed by config apply)
    "engine/crm/pipelines.py": ("Gagné", "Première", "Pré-chiffrage", "planifiée", "été"),
    # `run.py mail test`: a sample prospect's mail, test data sent to the listener
    "cli/mail_cmd.py": ("poêle",),
    # an example of a CSV header in the help of `run.py import` (the file's own words)
    "cli/data_cmd.py": ("",),
    # a French legal term named in an (English) configuration error
    "engine/cpq/seller.py": ("décennale",),
}
# Tables still outside the catalogue, each with the reason; the test fails once one is gone
# (remove it from here then) or when a new one appears.
ALLOWED_TABLES: dict[str, str] = {}


def po(locale: str) -> Catalog:
    with open(LOCALE_DIR / locale / "LC_MESSAGES" / "relais.po", "rb") as file:
        return read_po(file, locale=locale, domain="relais")


def forms(message: object) -> tuple[str, ...]:
    string_ = getattr(message, "string", "")
    return tuple(string_) if isinstance(string_, list | tuple) else (str(string_),)


def names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


# -- the catalogue itself -------------------------------------------------------------------


def test_every_message_is_translated_in_french_and_english() -> None:
    keys = {locale: {m.id if isinstance(m.id, str) else m.id[0] for m in po(locale) if m.id}
            for locale in LOCALES}  # fmt: skip
    assert keys["fr"] == keys["en"], keys["fr"] ^ keys["en"]
    assert len(keys["en"]) > 400
    for locale in LOCALES:
        untranslated = [m.id for m in po(locale) if m.id and not all(forms(m))]
        assert not untranslated, f"{locale}: no text for {untranslated}"
        fuzzy = [m.id for m in po(locale) if m.id and m.fuzzy]
        assert not fuzzy, f"{locale}: fuzzy (check and unmark) {fuzzy}"


def test_placeholders_are_the_same_in_both_languages() -> None:
    english = {m.id if isinstance(m.id, str) else m.id[0]: m for m in po("en") if m.id}
    differ = {}
    for message in po("fr"):
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        fr = set().union(*(names(f) for f in forms(message)))
        en = set().union(*(names(f) for f in forms(english[key])))
        if fr != en:
            differ[key] = (sorted(fr), sorted(en))
    assert not differ, differ


def test_plural_messages_have_their_plural_forms() -> None:
    assert plural("fr", "cli.deals", 1, count=1) == "1 affaire"
    assert plural("fr", "cli.deals", 2, count=2) == "2 affaires"
    assert plural("fr", "cli.deals", 0, count=0) == "0 affaire"  # French: 0 is singular
    assert plural("en", "cli.deals", 0, count=0) == "0 deals"
    assert text("en", "slack.pipeline_more", count=1) == "… and 1 more"
    for locale in LOCALES:
        for message in po(locale):
            if message.pluralizable:
                assert len(forms(message)) == po(locale).num_plurals, message.id


# "1 affaire(s)", "2 problem(s)": a count written around instead of a plural form.
HEDGED = re.compile(r"\w\((?:s|es|x)\)")


def test_no_message_hedges_a_count_with_a_parenthesised_plural() -> None:
    hedged = [
        f"{locale}: {message.id}: {form}"
        for locale in LOCALES
        for message in po(locale)
        for form in forms(message)
        if HEDGED.search(form)
    ]
    assert not hedged, "use a plural message (msgid_plural) or 'label: count':\n" + "\n".join(
        hedged
    )
    assert HEDGED.search("1 affaire(s)") and not HEDGED.search("(s'il vous plaît)")


def test_the_compiled_catalogues_match_the_po_files() -> None:
    for locale in LOCALES:
        compiled = read_mo(mo_path(locale), locale).messages
        source = {
            (m.id if isinstance(m.id, str) else m.id[0]): (
                forms(m) if m.pluralizable else forms(m)[0]
            )
            for m in po(locale)
            if m.id
        }
        assert compiled == source, f"run scripts/i18n compile ({locale})"


def test_a_missing_key_shows_itself_and_english_stands_in() -> None:
    assert text("fr", "no.such.key") == "no.such.key"
    assert text("de", "slack.deal_created", id=3) == "Deal #3 created."
    assert text("fr_FR", "slack.deal_created", id=3) == "Affaire n° 3 créée."
    assert text("fr", "slack.deal_created") == "Affaire n° {id} créée."  # a gap, not a crash


def test_a_phrase_reads_as_english_and_renders_in_any_language() -> None:
    said = Phrase("deal.title_required")
    assert said == "a deal needs a title" and isinstance(said, str)
    assert said.text("fr") == "une affaire a besoin d'un titre"
    nested = Phrase("amount.not_number", what=Phrase("amount.what_amount"), value="'x'")
    assert nested.text("fr") == "pas un montant : 'x'"


def test_loading_is_lazy_cached_and_fast() -> None:
    catalogue.cache_clear()
    started = time.perf_counter()
    for locale in LOCALES:
        catalogue(locale)
    took = time.perf_counter() - started
    assert catalogue("fr") is catalogue("fr")
    assert took < 0.05, f"loading both catalogues took {took * 1000:.1f} ms"


# -- the code against the catalogue ---------------------------------------------------------


def code_files() -> list[Path]:
    return sorted(p for root in CODE for p in (ROOT / root).rglob("*.py"))


def test_every_key_the_code_uses_is_in_the_catalogue() -> None:
    known = {locale: set(catalogue(locale).messages) for locale in LOCALES}
    used = 0
    missing = []
    for path in code_files():
        for use in keys_in(path.read_text(encoding="utf-8")):
            used += 1
            if not all(use.key in known[locale] for locale in LOCALES):
                missing.append(f"{path.relative_to(ROOT)}:{use.line} {use.function} {use.key}")
    assert used > 300, "no lookup found: the extraction is stale"
    assert not missing, missing


def test_babel_extracts_the_keys_with_relais_method() -> None:
    source = b"""
t(locale, "deal_created", id=1)
say("total", locale, amount=x)
plural(locale, "cli.deals", n, count=n)
Phrase("deal.title_required")
translate("not_found", locale)
text(locale, f"dynamic_{key}")
"""
    found = list(extract("engine.text.extract:extract", io.BytesIO(source)))
    assert [message for _, message, _, _ in found] == [
        "slack.deal_created", "cli.total", ("cli.deals", "cli.deals"), "deal.title_required",
        "engine.not_found",
    ]  # fmt: skip


# -- nothing outside the catalogue ----------------------------------------------------------


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _outside_the_catalogue() -> tuple[list[str], set[str]]:
    french: list[str] = []
    tables: set[str] = set()
    for root in ("bot", "cli", "engine"):
        for path in sorted((ROOT / root).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name.startswith("engine/text/"):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            skip = _docstrings(tree)
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in skip
                    and FRENCH.search(node.value)
                    and not any(part in node.value for part in ALLOWED_FRENCH.get(name, ()))
                ):
                    french.append(f"{name}:{node.lineno}: {node.value[:60]!r}")
                if isinstance(node, ast.Dict) and _is_language_table(node):
                    tables.add(name)
    return french, tables


def _is_language_table(node: ast.Dict) -> bool:
    keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
    if {"fr", "en"} <= keys:
        return True
    pairs = [
        v for v in node.values
        if isinstance(v, ast.Tuple) and len(v.elts) == 2
        and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in v.elts)
    ]  # fmt: skip
    return len(pairs) >= 3 and any(
        FRENCH.search(str(getattr(e, "value", ""))) for v in pairs for e in v.elts
    )


def test_no_user_facing_text_lives_outside_the_catalogue() -> None:
    french, tables = _outside_the_catalogue()
    assert not french, "move these texts to engine/text/locale (docs/translations.md): " + (
        "\n".join(french)
    )
    assert tables == set(ALLOWED_TABLES), (
        f"translation tables outside the catalogue: {sorted(tables - set(ALLOWED_TABLES))};"
        f" gone (remove from ALLOWED_TABLES): {sorted(set(ALLOWED_TABLES) - tables)}"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_the_babel_catalogue_header_says_its_plural_rule(locale: str) -> None:
    assert po(locale).plural_expr
    assert catalogue(locale).plural_form(1) == 0
    assert catalogue(locale).plural_form(5) != 0
