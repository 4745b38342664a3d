"""Block Kit rendering stays within Slack's limits whatever the configuration (pure functions).

Each screen is built from a configuration past one limit and checked with the
fake Slack's own checker: nothing is cut silently, and nothing invalid is sent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot.blocks import home, modals, pipeline
from bot.blocks.forms import MoveForm, element_for, field_values, submitted
from engine.blueprints.model import InputField
from engine.crm.listings import ListedLead, Named
from engine.crm.records import Activity, Deal, Lead, StageSummary
from tests.fakes.block_limits import message_problems, view_problems

NOW = datetime(2025, 6, 12, 9, 0, tzinfo=UTC)


def test_number_inputs_never_get_a_value_they_refuse() -> None:
    rate = element_for(InputField("r", "R", "percentage", min="2.5", max="99.5"), Decimal("12.5"))
    assert (rate["min_value"], rate["max_value"], rate["initial_value"]) == ("3", "99", "13")
    assert element_for(InputField("n", "N", "number"), Decimal("1E+3"))["initial_value"] == "1000"
    assert "initial_value" not in element_for(InputField("n", "N", "money"), "beaucoup")
    assert "initial_value" not in element_for(InputField("n", "N", "number"), Decimal("NaN"))
    assert element_for(InputField("p", "P", "percentage"), "40 %")["initial_value"] == "40"
    assert "initial_date" not in element_for(InputField("d", "D", "date"), "bientôt, juin")


def test_choices_travel_by_position_and_come_back_as_their_text() -> None:
    spec = InputField("c", "C", "multi_choice", options=("x" * 200, "Court"))
    element = element_for(spec, ["Court"])
    assert [o["value"] for o in element["options"]] == ["#0", "#1"]
    assert element["initial_options"][0]["text"]["text"] == "Court"
    state = {"f_c": {"v": {"type": "multi_static_select", "selected_options": [
        {"value": "#0"}, {"value": "#7"}, {"value": "Court"},
    ]}}}  # fmt: skip
    values = field_values([spec], submitted({"state": {"values": state}}))
    assert values == {"c": ["x" * 200, "#7", "Court"]}  # unknown ones left to the engine


def test_a_legacy_form_too_large_for_a_modal_says_so_instead_of_losing_inputs() -> None:
    fields = tuple(InputField(f"q{n}", f"Q{n}", "text") for n in range(120))
    view = modals.move(MoveForm("#1 Poêle", fields=fields, note="required"), "en", "{}")
    assert view_problems(view) == []
    assert "submit" not in view and "an admin must split it" in str(view["blocks"])
    fits = modals.move(MoveForm("#1 Poêle", fields=fields[:98], note="required"), "fr", "{}")
    assert view_problems(fits) == [] and fits["blocks"][-1]["block_id"] == "note"


def test_long_checklist_items_are_cut_for_the_eye_and_continued_below() -> None:
    items = ("Vérifier " + "le conduit " * 12, "Court")
    view = modals.move(MoveForm("#1", checklist=items), "fr", "{}")
    assert view_problems(view) == []
    first = view["blocks"][1]["element"]["options"][0]
    shown = first["text"]["text"].removesuffix("…") + " " + first["description"]["text"]
    assert len(first["text"]["text"]) == 75 and shown.split() == items[0].split()


def summaries(count: int) -> list[StageSummary]:
    name = "à rallonge " * 5
    money = Decimal("1000"), Decimal("500")
    return [StageSummary(n, f"Étape {n:02d} {name}", n, False, 3, *money) for n in range(count)]


def sample_deal(deal_id: int, stage: int) -> Deal:
    return Deal(
        deal_id, 1, stage, f"Poêle {deal_id}", None, None, None, "EUR", Decimal("1000"), None,
        0, 50, False, None, "open", None, False, None, None, None, None, None, {}, NOW, None,
        NOW, NOW, 1,
    )  # fmt: skip


def deals(count: int) -> list[Deal]:
    return [sample_deal(stage * 10 + n, stage) for stage in range(count) for n in range(3)]


def test_my_pipeline_keeps_every_busy_stage_and_the_total_in_fifty_blocks() -> None:
    for count in (3, 12, 30, 60, 200):
        message = pipeline.my_pipeline(summaries(count), deals(count), "EUR", "fr")
        assert message_problems({"text": message.text, "blocks": message.blocks}) == []
        shown = str(message.blocks)
        assert all(f"Étape {n:02d}" in shown for n in range(count)), count
        assert "Total" in str(message.blocks[-1])


def home_data(stages: int, leads: int = 0, due: int = 0) -> home.HomeData:
    found = [
        ListedLead(Lead(n, "Piste " + "longue " * 40, None, None, None, "new", None, "", None,
                        None, None, {}, NOW, NOW, 1), None, Named("Jean", None), "mail")
        for n in range(leads)
    ]  # fmt: skip
    items = [
        Activity(n, "call", "Appel " * 30, "", NOW, False, None, 1, None, None, None, 1)
        for n in range(due)
    ]
    return home.HomeData(
        "Alice", summaries(stages), deals(stages), "EUR", items, found[:10], len(found)
    )


def test_the_home_tab_splits_a_long_pipeline_summary_instead_of_cutting_it() -> None:
    view = home.home_view(home_data(120), "fr", "Europe/Paris", NOW)
    assert view_problems(view) == []
    assert all(f"Étape {n:02d}" in str(view["blocks"]) for n in range(120))


def test_the_home_tab_caps_each_section_and_says_how_many_more() -> None:
    for stages, leads, due in ((3, 0, 0), (30, 12, 25), (200, 500, 300)):
        view = home.home_view(home_data(stages, leads, due), "en", "Europe/Paris", NOW)
        assert view_problems(view) == [] and len(view["blocks"]) <= home.HOME_BLOCKS
        shown = str(view["blocks"])
        assert "Leads to claim" in shown and "My day" in shown and "My open deals" in shown
        if leads > home.MAX_LEADS:
            assert f"{leads - home.MAX_LEADS} more" in shown
        if due > home.MAX_DUE:
            assert f"{due - home.MAX_DUE} more" in shown
