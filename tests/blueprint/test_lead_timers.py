"""Lead blueprints' time limits and automatic transitions: computed from the database each tick."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.blueprint_schema import load_blueprint_file, parse_blueprint
from config.loader import ConfigError
from engine import clock
from engine.actors import Actor
from engine.blueprints import lead_model as lead_blueprints
from engine.blueprints import view as blueprint_view
from engine.blueprints.model import Blueprint
from engine.blueprints.refusals import TransitionUnavailable
from engine.core import Engine
from engine.crm.contacts import ContactDraft
from engine.crm.leads import LeadDraft
from engine.crm.users import UserDraft
from engine.store import migrations
from engine.store.db import open_sync
from engine.timers.escalations import TimerReport
from tests.blueprint.test_lead_show import run
from tests.cli.test_cli import ROOT

EXAMPLE = ROOT / "config" / "blueprints" / "leads.yaml.example"
LABEL = "config/blueprints/leads.yaml"
TIMED: dict[str, Any] = {
    "leads": True,
    "name": "Relances",
    "states": {
        "new": {"time_limit": "2d", "escalate_to": ["owner", "manager"], "message": "Appelez."},
        "contacted": {"time_limit": "1w"},
    },
    "transitions": [
        {"key": "contacter", "name": "Contacter", "from": ["new"], "to": "contacted"},
        {"key": "recommencer", "name": "Recommencer", "from": ["contacted"], "to": "new"},
        {"key": "qualifier", "name": "Qualifier", "from": ["contacted"], "to": "qualified"},
        {
            "key": "abandonner", "name": "Abandonner", "from": ["contacted"],
            "to": "disqualified", "automatic": {"after": "3w"},
            "after": [
                {"action": "set_field", "field": "disqualify_reason", "value": "Injoignable"},
                {"action": "notify", "to": "owner", "text": "{lead.title} abandonné"},
            ],
        },
    ],
}  # fmt: skip


def timed() -> Blueprint:
    return parse_blueprint(TIMED, LABEL)


def later(**delta: float) -> Any:
    return clock.utcnow() + timedelta(**delta)


async def setup(db_path: Path) -> tuple[Engine, Actor, int]:
    """An engine with the timed lead blueprint, Alice (managed by Carol) and her lead."""
    admin = Actor.cli("test")
    engine = await Engine.open(db_path)
    await engine.users.upsert(UserDraft("Carol", "carol@example.com", "U_CAROL", "manager"), admin)
    await engine.users.upsert(
        UserDraft("Alice", "alice@example.com", "U_ALICE", manager="carol@example.com"), admin
    )
    alice = await engine.users.actor_for("alice@example.com", "slack")
    await engine.blueprints.save(timed(), admin)
    draft = LeadDraft("Poêle", ContactDraft("Jeanne", "j@example.com"), owner="alice@example.com")
    return engine, alice, (await engine.leads.create(draft, alice)).id


async def notifications(engine: Engine, lead_id: int) -> list[Any]:
    return [
        m
        for m in await engine.outbox.messages()
        if m.kind == "notification" and m.payload.get("lead_id") == lead_id
    ]


async def test_a_time_limit_escalates_once_per_stay_even_after_a_restart(db_path: Path) -> None:
    first, alice, lead_id = await setup(db_path)
    assert (await first.blueprints.run_timers(later(days=1))).escalated == 0  # the limit is 2d
    await first.close()

    second = await Engine.open(db_path)  # a restart: nothing was kept in memory
    try:
        report = await second.blueprints.run_timers(later(days=3))
        assert (report.escalated, report.transitioned) == (1, 0)
        assert (await second.blueprints.run_timers(later(days=4))).escalated == 0
        notes = await notifications(second, lead_id)
        assert sorted(m.recipient for m in notes) == ["user:U_ALICE", "user:U_CAROL"]
        text = notes[0].payload["text"]
        assert "« Poêle » est au statut « Nouveau » depuis plus de 2d" in text
        assert "Appelez." in text
        assert (await second.timeline.of("lead", lead_id))[-1].action == "escalated"

        await second.blueprints.perform_lead(lead_id, "contacter", {}, alice)
        await second.blueprints.perform_lead(lead_id, "recommencer", {}, alice)
        assert (await second.blueprints.run_timers(later(days=1))).escalated == 0
        again = await second.blueprints.run_timers(later(days=3))
        assert again.escalated == 1  # a new stay in "new": escalated again, once
        assert len(await notifications(second, lead_id)) == 4
    finally:
        await second.close()


async def test_an_automatic_transition_fires_after_its_delay_and_never_twice(
    db_path: Path,
) -> None:
    first, alice, lead_id = await setup(db_path)
    await first.blueprints.perform_lead(lead_id, "contacter", {}, alice)
    with pytest.raises(TransitionUnavailable):  # only the timers perform it
        await first.blueprints.perform_lead(lead_id, "abandonner", {}, alice)
    flags = {o.key: o.automatic for o in await first.blueprints.lead_transitions(lead_id, alice)}
    assert flags == {"recommencer": False, "qualifier": False, "abandonner": True}  # as a deal's
    before = await first.blueprints.run_timers(later(days=20))
    assert (before.escalated, before.transitioned) == (1, 0)  # contacted: 1w, not yet 3w
    await first.close()

    second = await Engine.open(db_path)
    try:
        report = await second.blueprints.run_timers(later(days=22))
        assert report.transitioned == 1
        lead = await second.leads.get(lead_id)
        assert (lead.status, lead.disqualify_reason) == ("disqualified", "Injoignable")
        last = (await second.blueprints.lead_history(lead_id))[-1]
        assert (last.transition, last.automatic, last.actor_label) == (
            "abandonner", True, "scheduler",
        )  # fmt: skip
        texts = [m.payload["text"] for m in await notifications(second, lead_id)]
        assert "Poêle abandonné" in texts
    finally:
        await second.close()

    third = await Engine.open(db_path)
    try:
        assert await third.blueprints.run_timers(later(days=60)) == TimerReport()
        assert len(await third.blueprints.lead_history(lead_id)) == 2
    finally:
        await third.close()


async def test_a_lead_outside_the_entry_criteria_or_converted_has_no_timers(
    db_path: Path,
) -> None:
    engine, alice, lead_id = await setup(db_path)
    admin = Actor.cli("test")
    try:
        entry = {**TIMED, "entry": {"field": "origin", "op": "eq", "value": "web"}}
        await engine.blueprints.save(parse_blueprint(entry, LABEL), admin)
        assert await engine.blueprints.run_timers(later(days=30)) == TimerReport()
        await engine.blueprints.save(timed(), admin)  # every lead again
        await engine.leads.convert(lead_id, alice)  # no transition into converted: free
        assert await engine.blueprints.run_timers(later(days=30)) == TimerReport()
    finally:
        await engine.close()


async def test_every_status_change_moves_status_changed_at(engine: Engine, alice: Actor) -> None:
    draft = LeadDraft("Insert", ContactDraft("Paul", "p@example.com"), owner="alice@example.com")
    lead_id = (await engine.leads.create(draft, alice)).id

    async def since() -> str:
        row = await engine.db.read(
            lambda c: c.execute(
                "SELECT status_changed_at, created_at FROM leads WHERE id = ?", (lead_id,)
            ).fetchone()
        )
        return str(row[0])

    created = await since()
    await engine.leads.set_status(lead_id, "new", alice)
    assert await since() == created  # not a status change
    await engine.leads.set_status(lead_id, "contacted", alice)
    contacted = await since()
    assert contacted > created
    await engine.leads.convert(lead_id, alice)
    assert await since() > contacted


def test_time_limits_and_automatic_transitions_are_checked_like_a_pipelines() -> None:
    assert lead_blueprints.check(timed()) == []
    bad = {**TIMED, "states": {"new": {"time_limit": "2 days"}}}
    bad["transitions"] = [*TIMED["transitions"][:3], {**TIMED["transitions"][3]}]
    bad["transitions"][3]["automatic"] = {"after": "soon"}
    with pytest.raises(ConfigError) as refused:
        parse_blueprint(bad, LABEL)
    problems = refused.value.problems
    assert any(p.startswith(f"{LABEL}: states.new.time_limit: not a duration") for p in problems)
    assert any(
        p.startswith(f"{LABEL}: transitions[3].automatic.after: not a duration") for p in problems
    )
    closed = parse_blueprint({**TIMED, "states": {"converted": {"time_limit": "2d"}}}, LABEL)
    messages = [f"{p.path}: {p.message}" for p in lead_blueprints.check(closed)]
    assert "states.converted: a closed stage cannot have a time limit" in messages


def commented_timers(text: str) -> tuple[dict[str, Any], list[Any]]:
    """The example's commented states and automatic transition, uncommented."""
    states, rest = text.split("# states:\n", 1)[1].split("#\n# (under transitions:)\n", 1)
    transitions = rest.split("\n\n", 1)[0]

    def uncomment(block: str) -> Any:
        return yaml.safe_load(textwrap.dedent("\n".join(x[2:] for x in block.splitlines())))

    return uncomment(states), uncomment(transitions)


def test_the_example_and_the_view_show_the_timers() -> None:
    assert lead_blueprints.check(load_blueprint_file(EXAMPLE)) == []
    data = yaml.safe_load(EXAMPLE.read_text())
    states, transitions = commented_timers(EXAMPLE.read_text())
    data = {**data, "states": states, "transitions": [*data["transitions"], *transitions]}
    example = parse_blueprint(data, str(EXAMPLE))
    assert lead_blueprints.check(example) == []
    assert [s.stage for s in example.states] == ["new", "contacted"]
    assert example.transitions[-1].automatic_after == 60 * 86_400
    names = {s: s for s in lead_blueprints.STATUSES}
    shown = blueprint_view.table(timed(), names)
    assert "| new | 2d | owner, manager |" in shown
    assert "automatic after 3w" in shown
    assert "contacted --> disqualified: Abandonner (after 3w)" in blueprint_view.mermaid(
        timed(), names, "new"
    )


def test_the_migration_backfills_status_changed_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = open_sync(tmp_path / "old.db")
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:9])
    previous = migrations.apply_migrations(conn)
    assert previous[-1] == migrations.MIGRATIONS[-1].number == 9
    monkeypatch.undo()
    created, changed = "2026-01-05T09:00:00.000000Z", "2026-02-01T10:30:00.000000Z"
    for title, status in (("Changé", "contacted"), ("Jamais changé", "new")):
        conn.execute(
            "INSERT INTO leads (title, status, created_at, updated_at) VALUES (?, ?, ?, ?)",
            (title, status, created, created),
        )
    timeline = (
        "INSERT INTO timeline (at, actor_kind, channel, entity, entity_id, action, changes)"
        " VALUES (?, 'user', 'cli', 'lead', 1, ?, ?)"
    )
    first = '{"status": ["new", "qualified"]}'
    conn.execute(timeline, ("2026-01-10T08:00:00.000000Z", "updated", first))
    conn.execute(timeline, (changed, "updated", '{"status": ["qualified", "contacted"]}'))
    conn.execute(timeline, ("2026-03-01T08:00:00.000000Z", "updated", '{"note": ["", "x"]}'))
    assert migrations.apply_migrations(conn)[0] == 10
    rows = conn.execute("SELECT id, status_changed_at FROM leads ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [(1, changed), (2, created)]
    plan = " ".join(
        str(r[-1])
        for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM leads WHERE status <> 'converted'"
            " AND coalesce(status_changed_at, created_at) <= ?",
            ("2026-03-01",),
        )
    )
    assert "leads_status_since" in plan
    conn.close()


async def test_the_timers_command_runs_the_lead_ones(tmp_path: Path) -> None:
    blueprints = tmp_path / "config" / "blueprints"
    blueprints.mkdir(parents=True)
    (blueprints / "leads.yaml").write_text(yaml.safe_dump(TIMED, allow_unicode=True))
    code, out, err = await run(tmp_path, "apply")
    assert code == 0, err
    engine = await Engine.open(tmp_path / "relais.db")
    try:
        await engine.leads.create(LeadDraft("Insert"), Actor.cli("test"))
    finally:
        await engine.close()
    code, out, err = await run(tmp_path, "timers", "--at", later(days=3).isoformat())
    assert (code, out) == (0, "escalations: 1, automatic transitions: 0, skipped: 0\n"), err
    code, out, _ = await run(tmp_path, "show", "leads")
    assert "| new | 2d | owner, manager |" in out
