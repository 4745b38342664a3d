"""Pure parts, no fakes: command parsing, dates, Block Kit rendering, error mapping."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot import parse
from bot.blocks.forms import element_for, field_values, submitted
from bot.errors import describe, modal_errors
from bot.when import parse_due, snoozed
from engine.blueprints.model import InputField
from engine.blueprints.refusals import InputsRejected, Reason
from engine.errors import Conflict, StageNotEmpty, ValidationFailed
from engine.text import formats
from engine.text.catalogue import Phrase, has

NOW = datetime(2025, 6, 12, 12, 0, tzinfo=UTC)  # 14:00 in Paris


@pytest.mark.parametrize(
    ("text", "name", "rest"),
    [
        ("", "help", ""), ("aide", "help", ""), ("deal new Poêle 8000", "deal_new", "Poêle 8000"),
        ("affaire 42", "deal_show", "42"), ("deal nouveau", "deal_new", ""),
        ("pipeline", "pipeline", ""), ("activités", "activities", ""),
        ("lead new Projet", "lead_new", "Projet"), ("pistes", "leads", ""),
        ("étapes add X 5", "stages", "add X 5"), ("dance", "unknown", "dance"),
    ],
)  # fmt: skip
def test_sub_commands_in_english_and_french(text: str, name: str, rest: str) -> None:
    assert parse.parse(text) == parse.Command(name, rest)


def test_a_quick_line_finds_email_anywhere_and_amount_last() -> None:
    quick = parse.quick_record("Poêle <jean@dupont.fr> Dupont 8k")
    assert quick == parse.QuickRecord("Poêle Dupont", "jean@dupont.fr", Decimal("8000"))
    assert parse.quick_record("Insert 12").amount == Decimal("12")
    assert parse.quick_record("8000").title == "8000"  # a lone number is a title
    assert parse.quick_record("Poêle 2 000", with_amount=False).amount is None


def test_log_and_todo_lines() -> None:
    assert parse.log_line("12 appel Rappelé") == parse.LogLine(12, "call", "Rappelé")
    assert parse.log_line("#12 Juste une note") == parse.LogLine(12, "note", "Juste une note")
    assert parse.log_line("x note") is None
    todo = parse.todo_line("12 2025-06-20 14:30 Visite", "Europe/Paris", NOW)
    assert todo == parse.TodoLine(12, datetime(2025, 6, 20, 12, 30, tzinfo=UTC), "Visite")


def test_dates_typed_are_read_in_the_users_zone() -> None:
    assert parse_due("demain", "Europe/Paris", NOW) == datetime(2025, 6, 13, 7, 0, tzinfo=UTC)
    assert parse_due("+2h", "Europe/Paris", NOW) == datetime(2025, 6, 12, 14, 0, tzinfo=UTC)
    assert parse_due("+1w", "America/New_York", NOW) == datetime(2025, 6, 19, 13, 0, tzinfo=UTC)
    assert parse_due("2025-06-20 14:30", "Europe/Paris", NOW) == datetime(
        2025, 6, 20, 12, 30, tzinfo=UTC
    )
    assert parse_due("someday", "Europe/Paris", NOW) is None
    assert snoozed("tomorrow", NOW, "Europe/Paris") == datetime(2025, 6, 13, 7, 0, tzinfo=UTC)


def test_money_and_dates_as_each_reader_reads_them() -> None:
    assert formats.money(Decimal("8000.5"), "EUR", "fr") == "8\u202f000,50\u00a0€"
    assert formats.money(Decimal("8000.5"), "EUR", "en") == "€8,000.50"
    assert formats.when(NOW, "Europe/Paris", "fr") == "12/06/2025 14:00"
    assert formats.when(NOW, "America/New_York", "en") == "Jun 12, 2025, 8:00\u202fAM"
    assert formats.day(date(2025, 6, 12), "fr") == "12/06/2025"


@pytest.mark.parametrize(
    ("kind", "element"),
    [
        ("text", "plain_text_input"), ("long_text", "plain_text_input"),
        ("number", "number_input"), ("money", "number_input"), ("percentage", "number_input"),
        ("date", "datepicker"), ("datetime", "datetimepicker"), ("choice", "static_select"),
        ("multi_choice", "multi_static_select"), ("email", "email_text_input"),
        ("url", "url_text_input"), ("phone", "plain_text_input"),
        ("contact", "email_text_input"), ("file", "file_input"),
    ],
)  # fmt: skip
def test_each_input_type_gets_its_block_kit_element(kind: str, element: str) -> None:
    spec = InputField("x", "X", kind, options=("A", "B"))
    assert element_for(spec, None)["type"] == element


def test_current_values_are_pre_filled() -> None:
    choice = element_for(InputField("t", "T", "choice", options=("A", "B")), "B")
    assert choice["initial_option"]["value"] == "#1"  # a choice is sent by its position
    many = element_for(InputField("m", "M", "multi_choice", options=("A", "B", "C")), ["A", "C"])
    assert [o["value"] for o in many["initial_options"]] == ["#0", "#2"]
    assert element_for(InputField("d", "D", "date"), "2025-06-12")["initial_date"] == "2025-06-12"
    assert element_for(InputField("n", "N", "money"), "8000.00")["initial_value"] == "8000.00"
    long_text = element_for(InputField("l", "L", "long_text"), "déjà là")
    assert long_text["initial_value"] == "déjà là" and long_text["multiline"] is True


def test_a_submission_is_read_back_by_input_key() -> None:
    view = {"state": {"values": {
        "f_when": {"value": {"type": "datepicker", "selected_date": "2025-06-12"}},
        "f_kind": {"value": {"type": "static_select", "selected_option": {"value": "Insert"}}},
        "f_docs": {"value": {"type": "file_input", "files": [{"permalink": "https://f/1"}]}},
        "checklist": {"value": {"type": "checkboxes", "selected_options": [{"value": "1"}]}},
    }}}  # fmt: skip
    fields = [InputField("when", "W", "date"), InputField("kind", "K", "choice"),
              InputField("docs", "D", "file")]  # fmt: skip
    values = field_values(fields, submitted(view), ("first", "second"))
    assert values == {
        "when": "2025-06-12", "kind": "Insert", "docs": "https://f/1", "checklist": ["second"],
    }  # fmt: skip


def test_errors_are_keyed_by_input_blocks_and_never_by_unknown_ones() -> None:
    refused = ValidationFailed({"title": Phrase("deal.title_required"), "pipeline": "no such"})
    errors = modal_errors(refused, {"title": "title"}, ["title", "amount"], "fr")
    assert errors == {"title": "une affaire a besoin d'un titre — Pipeline : no such"}
    rejected = InputsRejected({"budget": Reason("input_min", {"limit": "1"})})
    assert modal_errors(rejected, {"budget": "f_budget"}, ["f_budget"], "fr") == {
        "f_budget": rejected.text("fr")["budget"]
    }


def test_engine_errors_in_the_readers_language() -> None:
    conflict = Conflict("deal", 7, 2, 3, ["stage"])
    assert "Quelqu'un d'autre a modifié l'affaire n° 7" in describe(conflict, "fr")
    assert "Someone else changed deal #7 meanwhile (Stage)" in describe(conflict, "en")
    assert "encore 2 affaires, archivées" in describe(StageNotEmpty("Devis", 2), "fr")
    assert "encore 1 affaire, archivée ou non" in describe(StageNotEmpty("Devis", 1), "fr")


def test_every_message_the_bot_uses_exists_in_both_languages() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "bot"
    used: set[str] = set()
    for path in root.rglob("*.py"):
        used.update(re.findall(r"\bt\(\s*[\w.]+,\s*\"([a-z_]+)\"", path.read_text("utf-8")))
    assert used, "no message found: the pattern is stale"
    missing = {key for key in used if not (has(f"slack.{key}", "fr") and has(f"slack.{key}"))}
    assert not missing, missing
