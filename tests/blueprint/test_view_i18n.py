"""A blueprint describes itself; messages exist in French and English."""

from engine.blueprints.model import Blueprint
from engine.blueprints.view import mermaid, table
from engine.crm.pipelines import DEFAULT_STAGES
from engine.durations import format_duration, parse_duration
from engine.i18n import translate
from engine.text.catalogue import catalogue

NAMES = {s.key: s.name for s in DEFAULT_STAGES}


def test_the_table_and_the_diagram_show_every_transition(blueprint: Blueprint) -> None:
    text = table(blueprint, NAMES)
    for t in blueprint.transitions:
        assert f"{t.name} (`{t.key}`)" in text
    assert "| Devis | 3w | owner, manager |" in text
    diagram = mermaid(blueprint, NAMES, "nouveau")
    assert diagram.startswith("stateDiagram-v2\n")
    assert "any_open --> perdu: Marquer perdu" in diagram
    assert "devis --> perdu: Classer sans suite (after 2mo)" in diagram


def test_every_message_has_french_and_english() -> None:
    engine_keys = {k for k in catalogue("en").messages if k.startswith("engine.")}
    assert engine_keys and engine_keys <= set(catalogue("fr").messages)
    assert translate("input_choice", "fr", options=["a", "b"]) == "choisissez parmi : a, b"
    assert translate("input_choice", "de", options=["a"]) == "choose one of: a"
    assert translate("no_such_code", "fr") == "no_such_code"
    assert translate("input_min", "en") == "must be at least {limit}"


def test_durations() -> None:
    assert [parse_duration(t) for t in ("15m", "36h", "2d", "3w", "2mo")] == [
        900, 129_600, 172_800, 1_814_400, 5_184_000,
    ]  # fmt: skip
    assert format_duration(parse_duration("14d")) == "2w"
