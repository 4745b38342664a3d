"""Migration 13 makes one outbox of two: every row of both old tables is kept, pending
ones stay pending, history stays, and nothing the old bridge copied is sent twice."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from engine.core import Engine
from engine.store import migrations
from engine.store.db import open_sync

pytestmark = pytest.mark.sqlite_only("builds an old SQLite database by hand")

AT = "2026-03-01T09:00:00.000000Z"
LATER = "2026-03-01T09:05:00.000000Z"


def at_migration_12(path: Path, monkeypatch: pytest.MonkeyPatch) -> sqlite3.Connection:
    conn = open_sync(path)
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:12])
        migrations.apply_migrations(conn)
    return conn


def engine_row(conn: sqlite3.Connection, kind: str, recipient: str, status: str) -> int:
    cursor = conn.execute(
        "INSERT INTO outbox (kind, recipient, payload, status, attempts, next_attempt_at,"
        ' claimed_until, created_at) VALUES (?, ?, \'{"text": "t"}\', ?, 1, ?, ?, ?)',
        (kind, recipient, status, AT, LATER if status == "sending" else None, AT),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def bot_row(conn: sqlite3.Connection, lane: str, kind: str, ref: str | None, status: str) -> None:
    conn.execute(
        "INSERT INTO slack_outbox (lane, kind, ref, payload, status, attempts, next_attempt_at,"
        " last_error, created_at, sent_at) VALUES (?, ?, ?, '{}', ?, 0, ?, ?, ?, ?)",
        (lane, kind, ref, status, AT, "channel_not_found" if status == "failed" else None, AT,
         AT if status == "sent" else None),
    )  # fmt: skip


def old_rows(conn: sqlite3.Connection) -> dict[str, int]:
    """Both old tables filled, as a service stopped mid-way would leave them."""
    ids = {
        "hook": engine_row(conn, "webhook", "https://hooks.example/x", "pending"),
        "mail": engine_row(conn, "email", "jean@dupont.fr", "failed"),
        "waiting": engine_row(conn, "notification", "channel:C1", "pending"),
        "bridged": engine_row(conn, "notification", "user:U1", "sending"),
        "landed": engine_row(conn, "notification", "channel:C1", "sending"),
    }
    conn.execute(
        "INSERT INTO outbox_attempts (outbox_id, at, ok, status_code, detail)"
        " VALUES (?, ?, 0, 550, 'mailbox unavailable')",
        (ids["mail"], AT),
    )
    conn.execute(
        "INSERT INTO outbox_attachments (outbox_id, position, filename, content_type, data)"
        " VALUES (?, 1, 'devis.pdf', 'application/pdf', ?)",
        (ids["mail"], b"%PDF-1.7"),
    )
    bot_row(conn, "C1", "notice", "lead:1", "sent")
    bot_row(conn, "C1", "notice_update", "lead:1", "pending")
    bot_row(conn, "user:U2", "post", None, "failed")
    bot_row(conn, "user:U1", "post", f"outbox:{ids['bridged']}", "pending")
    bot_row(conn, "C1", "post", f"outbox:{ids['landed']}", "sent")
    conn.commit()
    return ids


def test_both_tables_become_one_and_keep_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = at_migration_12(tmp_path / "old.db", monkeypatch)
    ids = old_rows(conn)
    assert migrations.apply_migrations(conn) == [n.number for n in migrations.MIGRATIONS[12:]]
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'slack_outbox'").fetchone()
    rows = conn.execute(
        "SELECT id, lane, form, ref, recipient, order_key, status FROM outbox ORDER BY id"
    ).fetchall()
    engine = {r["id"]: tuple(r)[1:] for r in rows if r["id"] in ids.values()}
    assert engine == {
        ids["hook"]: ("webhook", None, None, "https://hooks.example/x", None, "pending"),
        ids["mail"]: ("email", None, None, "jean@dupont.fr", None, "failed"),
        ids["waiting"]: ("slack", "notification", None, "channel:C1", "channel:C1", "pending"),
        # claimed by the old bridge, its copy not sent yet: pending again, the copy dropped
        ids["bridged"]: ("slack", "notification", None, "user:U1", "user:U1", "pending"),
        # its copy reached Slack: delivered, never sent again
        ids["landed"]: ("slack", "notification", None, "channel:C1", "channel:C1", "delivered"),
    }
    bot = [tuple(r)[1:] for r in rows if r["id"] not in ids.values()]
    assert bot == [
        ("slack", "notice", "lead:1", "channel:C1", "channel:C1", "delivered"),
        ("slack", "notice_update", "lead:1", "channel:C1", "channel:C1", "pending"),
        ("slack", "post", None, "user:U2", "user:U2", "failed"),
    ]
    history = conn.execute("SELECT detail FROM outbox_attempts WHERE outbox_id = ?", (ids["mail"],))
    assert [r[0] for r in history] == ["mailbox unavailable"]
    files = conn.execute(
        "SELECT filename FROM outbox_attachments WHERE outbox_id = ?", (ids["mail"],)
    )
    assert [r[0] for r in files] == ["devis.pdf"]
    conn.close()


async def test_the_engine_reads_the_migrated_outbox_by_lane(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = at_migration_12(tmp_path / "old.db", monkeypatch)
    ids = old_rows(conn)
    conn.close()
    engine = await Engine.open(tmp_path / "old.db")
    try:
        dead = await engine.outbox.messages(status="failed", lane="slack")
        assert [(m.recipient, m.form, m.last_error) for m in dead] == [
            ("user:U2", "post", "channel_not_found")
        ]
        assert await engine.outbox.counts("email") == {"failed": 1}
        (mail,) = await engine.outbox.messages(status="failed", lane="email")
        assert mail.id == ids["mail"] and mail.lane == "email"
        # the update waits behind nothing (its notice is delivered); the bridged one is due
        claimed = await engine.outbox.claim_lane("slack")
        assert {m.id for m in claimed} >= {ids["waiting"], ids["bridged"]}
    finally:
        await engine.close()
