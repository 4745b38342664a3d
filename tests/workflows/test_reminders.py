"""Activity reminders and the morning digest: queued as notifications, each exactly once."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from engine import clock
from engine.actors import Actor
from engine.core import Engine
from engine.crm.activities import ActivityDraft
from engine.crm.users import UserDraft
from engine.timers.reminders import ReminderSettings
from tests.workflows.conftest import new_deal

PARIS, NEW_YORK = clock.zone("Europe/Paris"), clock.zone("America/New_York")
SETTINGS = ReminderSettings(before=900, digest_hour=8, idle_days=14)


async def notes(engine: Engine, reason: str = "reminder") -> list[tuple[str, str]]:
    return [
        (m.recipient, m.payload["text"])
        for m in await engine.outbox.messages()
        if m.kind == "notification" and m.payload["reason"] == reason
    ]


async def test_a_reminder_before_and_at_the_due_time_each_once_across_a_restart(
    db_path: Path, engine: Engine, alice: Actor
) -> None:
    deal = await new_deal(engine, alice)
    due = (clock.utcnow() + timedelta(hours=2)).replace(second=0, microsecond=0)
    await engine.activities.create(
        ActivityDraft("call", "Rappeler Jean", due_at=due, deal_id=deal.id), alice
    )
    assert (await engine.reminders.run(SETTINGS, due - timedelta(minutes=30))).reminders == 0
    assert (await engine.reminders.run(SETTINGS, due - timedelta(minutes=10))).reminders == 1
    assert (await engine.reminders.run(SETTINGS, due - timedelta(minutes=5))).reminders == 0
    await engine.close()
    engine = await Engine.open(db_path)
    try:
        assert (await engine.reminders.run(SETTINGS, due + timedelta(minutes=1))).reminders == 1
        assert (await engine.reminders.run(SETTINGS, due + timedelta(minutes=2))).reminders == 0
        when = due.astimezone(clock.zone("Europe/Paris")).strftime("%H:%M")
        assert await notes(engine) == [
            ("user:U_ALICE", f"⏰ Bientôt : « Rappeler Jean » à {when} — affaire « PAG Rika »"),
            (
                "user:U_ALICE",
                f"⏰ C'est l'heure : « Rappeler Jean » ({when}) — affaire « PAG Rika »",
            ),
        ]
    finally:
        await engine.close()


async def test_what_fell_due_while_down_is_reminded_once_and_old_or_done_items_are_not(
    engine: Engine, alice: Actor
) -> None:
    deal = await new_deal(engine, alice)
    soon = clock.utcnow() + timedelta(hours=1)
    for subject in ("Pendant la panne", "Déjà fait"):
        activity = await engine.activities.create(
            ActivityDraft("call", subject, due_at=soon, deal_id=deal.id), alice
        )
    await engine.activities.complete(activity.id, alice)
    back = soon + timedelta(hours=5)
    assert (await engine.reminders.run(SETTINGS, back)).reminders == 1
    assert (await engine.reminders.run(SETTINGS, back + timedelta(days=2))).reminders == 0
    (only,) = await notes(engine)
    assert "Pendant la panne" in only[1]
    # an activity rescheduled is a new due time: reminded again
    rescheduled = await engine.activities.create(
        ActivityDraft("call", "Décalé", due_at=soon, deal_id=deal.id), alice
    )
    later = soon + timedelta(days=3)
    await engine.activities.reschedule(rescheduled.id, later, alice)
    assert (await engine.reminders.run(SETTINGS, later + timedelta(minutes=1))).reminders == 1


async def test_no_reminder_for_an_activity_created_already_late_or_without_owner(
    engine: Engine, alice: Actor
) -> None:
    deal = await new_deal(engine, alice)
    past = clock.utcnow() - timedelta(hours=1)
    await engine.activities.create(
        ActivityDraft("call", "Logged", due_at=past, deal_id=deal.id), alice
    )
    report = await engine.reminders.run(SETTINGS, clock.utcnow())
    assert report.reminders == 0


async def test_the_morning_digest_at_each_users_local_hour_once_a_day(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    await engine.users.upsert(
        UserDraft(
            "Bob Durand", "bob@example.com", "U_BOB", locale="en", timezone="America/New_York"
        ),
        admin,
    )
    bob = await engine.users.actor_for("U_BOB", "slack")
    day = clock.utcnow().date() + timedelta(days=1)
    deal = await new_deal(engine, alice)
    due = datetime.combine(day, time(16), PARIS)
    await engine.activities.create(
        ActivityDraft("call", "Appeler Jean", due_at=due, deal_id=deal.id), alice
    )
    old = datetime.combine(day - timedelta(days=2), time(12), PARIS)
    await engine.activities.create(
        ActivityDraft("task", "Old task", due_at=old, deal_id=deal.id), bob
    )
    idle = await new_deal(engine, bob, "Sleepy deal")
    touched = datetime.combine(day - timedelta(days=30), time(12), PARIS)
    await engine.db.write(
        lambda tx: tx.execute(
            "UPDATE deals SET updated_at = ? WHERE id = ?", (clock.to_db(touched), idle.id)
        ),
        admin,
    )
    early = datetime.combine(day, time(7, 30), PARIS)  # 01:30 in New York
    assert (await engine.reminders.run(SETTINGS, early)).digests == 0
    paris_morning = datetime.combine(day, time(8, 30), PARIS)
    assert (await engine.reminders.run(SETTINGS, paris_morning)).digests == 1
    assert (await engine.reminders.run(SETTINGS, paris_morning + timedelta(hours=1))).digests == 0
    new_york_morning = datetime.combine(day, time(8, 5), NEW_YORK)
    assert (await engine.reminders.run(SETTINGS, new_york_morning)).digests == 1
    (to_alice, alice_text), (to_bob, bob_text) = await notes(engine, "digest")
    assert to_alice == "user:U_ALICE"
    assert alice_text == (
        "☀️ Bonjour Alice Martin, votre journée :\n*À faire aujourd'hui (1)*\n• Appeler Jean (16:00)"
    )
    assert to_bob == "user:U_BOB"

    def short(moment: datetime) -> str:
        there = moment.astimezone(NEW_YORK)
        return f"{there:%b} {there.day}"

    assert bob_text == (
        "☀️ Good morning Bob Durand, your day:\n*Overdue (1)*\n"
        f"• Old task ({short(old)})\n"  # Dec 2: English days name their month
        f"*Deals idle for 14 days (1)*\n• Sleepy deal ({short(touched)})"
    )
    next_day = paris_morning + timedelta(days=1)  # the call was not made: now overdue
    assert (await engine.reminders.run(SETTINGS, next_day)).digests == 1
    assert "*En retard (1)*\n• Appeler Jean" in (await notes(engine, "digest"))[-1][1]
