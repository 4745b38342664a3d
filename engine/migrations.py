"""Numbered schema migrations, each applied in the transaction that records it.

Add a migration by appending to ``MIGRATIONS``; never edit one that shipped.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from engine import clock
from engine.blueprint_tables import BLUEPRINT_SCHEMA, LEAD_BLUEPRINT_SCHEMA
from engine.quote_tables import QUOTES_SCHEMA
from engine.workflow_tables import WORKFLOW_SCHEMA


@dataclass(frozen=True, slots=True)
class Migration:
    number: int
    name: str
    sql: str


INITIAL_SCHEMA = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    slack_id TEXT UNIQUE,
    name TEXT NOT NULL,
    email TEXT UNIQUE,
    role TEXT NOT NULL DEFAULT 'rep' CHECK (role IN ('admin', 'manager', 'rep')),
    locale TEXT NOT NULL DEFAULT 'fr' CHECK (locale IN ('fr', 'en')),
    timezone TEXT NOT NULL DEFAULT 'Europe/Paris',
    manager_id INTEGER REFERENCES users(id),
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    domain TEXT UNIQUE,
    phone TEXT,
    address TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT,
    email_key TEXT UNIQUE,
    phone TEXT,
    organisation_id INTEGER REFERENCES organisations(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX contacts_organisation ON contacts(organisation_id);

CREATE TABLE pipelines (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    currency TEXT NOT NULL DEFAULT 'EUR',
    is_default INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE stages (
    id INTEGER PRIMARY KEY,
    pipeline_id INTEGER NOT NULL REFERENCES pipelines(id),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    probability INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    folded INTEGER NOT NULL DEFAULT 0,
    outcome TEXT CHECK (outcome IN ('won', 'lost')),
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (pipeline_id, key)
);

CREATE TABLE project_templates (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE project_questions (
    id INTEGER PRIMARY KEY,
    template_id INTEGER NOT NULL REFERENCES project_templates(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'text',
    choices TEXT NOT NULL DEFAULT '[]',
    position INTEGER NOT NULL,
    UNIQUE (template_id, key)
);

CREATE TABLE leads (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    contact_id INTEGER REFERENCES contacts(id),
    organisation_id INTEGER REFERENCES organisations(id),
    owner_id INTEGER REFERENCES users(id),
    status TEXT NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'contacted', 'qualified', 'disqualified', 'converted')),
    disqualify_reason TEXT,
    note TEXT NOT NULL DEFAULT '',
    origin TEXT,
    campaign TEXT,
    deal_id INTEGER REFERENCES deals(id),
    custom TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX leads_status ON leads(status, created_at);
CREATE INDEX leads_owner ON leads(owner_id, status);

CREATE TABLE deals (
    id INTEGER PRIMARY KEY,
    pipeline_id INTEGER NOT NULL REFERENCES pipelines(id),
    stage_id INTEGER NOT NULL REFERENCES stages(id),
    title TEXT NOT NULL,
    contact_id INTEGER REFERENCES contacts(id),
    organisation_id INTEGER REFERENCES organisations(id),
    owner_id INTEGER REFERENCES users(id),
    currency TEXT NOT NULL DEFAULT 'EUR',
    expected_revenue_cents INTEGER,
    budget_cents INTEGER,
    priority INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 3),
    probability INTEGER NOT NULL DEFAULT 0 CHECK (probability BETWEEN 0 AND 100),
    probability_manual INTEGER NOT NULL DEFAULT 0,
    expected_close TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
    lost_reason TEXT,
    archived INTEGER NOT NULL DEFAULT 0,
    origin TEXT,
    campaign TEXT,
    referred_by_id INTEGER REFERENCES contacts(id),
    project_template_id INTEGER REFERENCES project_templates(id),
    lead_id INTEGER REFERENCES leads(id),
    custom TEXT NOT NULL DEFAULT '{}',
    stage_entered_at TEXT NOT NULL,
    closed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX deals_stage ON deals(stage_id);
-- deals_owner_open and deals_board cover "my pipeline" and the board: their
-- sums never read the table itself (bench/engine.py).
CREATE INDEX deals_owner_open ON deals(owner_id, status, archived, stage_id,
                                       expected_revenue_cents, probability);
CREATE INDEX deals_board ON deals(pipeline_id, status, archived, stage_id,
                                  expected_revenue_cents, probability);
CREATE INDEX deals_contact ON deals(contact_id);

CREATE TABLE deal_answers (
    deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES project_questions(id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    PRIMARY KEY (deal_id, question_id)
);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('call', 'meeting', 'task', 'email', 'note')),
    subject TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    due_at TEXT,
    done INTEGER NOT NULL DEFAULT 0,
    done_at TEXT,
    owner_id INTEGER REFERENCES users(id),
    deal_id INTEGER REFERENCES deals(id),
    lead_id INTEGER REFERENCES leads(id),
    contact_id INTEGER REFERENCES contacts(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX activities_owner_due ON activities(owner_id, done, due_at);
CREATE INDEX activities_deal ON activities(deal_id);
CREATE INDEX activities_lead ON activities(lead_id);

CREATE TABLE timeline (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_user_id INTEGER,
    actor_label TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    changes TEXT NOT NULL DEFAULT '{}',
    version INTEGER
);
CREATE INDEX timeline_record ON timeline(entity, entity_id, id);
"""

MIGRATIONS: tuple[Migration, ...] = (Migration(1, "initial schema", INITIAL_SCHEMA),)
# Migration 2: blueprints (versions, pins, transition log, outbox, escalations).
MIGRATIONS += (Migration(2, "blueprints", BLUEPRINT_SCHEMA),)


def apply_migrations(conn: sqlite3.Connection) -> list[int]:
    """Apply every migration not yet recorded; returns the numbers applied."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT number FROM schema_migrations")}
    applied = []
    for migration in MIGRATIONS:
        if migration.number in done:
            continue
        _apply(conn, migration)
        applied.append(migration.number)
    return applied


def _apply(conn: sqlite3.Connection, migration: Migration) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have applied it while we waited for the lock.
        if conn.execute(
            "SELECT 1 FROM schema_migrations WHERE number = ?", (migration.number,)
        ).fetchone():
            conn.execute("COMMIT")
            return
        for statement in _statements(migration.sql):
            conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
            (migration.number, migration.name, clock.now_db()),
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement in migration: {buffer.strip()[:60]}")
    return statements


def current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT max(number) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


MAIL_SCHEMA = """
CREATE TABLE mails (
    id INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    message_id TEXT,
    content_hash TEXT NOT NULL,
    mail_from TEXT NOT NULL DEFAULT '',
    rcpt_tos TEXT NOT NULL DEFAULT '[]',
    peer TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL,
    raw BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'received'
        CHECK (status IN ('received', 'processed', 'held', 'ignored', 'failed')),
    outcome TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    deliveries INTEGER NOT NULL DEFAULT 1,
    released INTEGER NOT NULL DEFAULT 0,
    subject TEXT,
    sender_key TEXT,
    body_text TEXT,
    lead_id INTEGER REFERENCES leads(id),
    deal_id INTEGER REFERENCES deals(id),
    contact_id INTEGER REFERENCES contacts(id),
    activity_id INTEGER REFERENCES activities(id),
    processed_at TEXT
);
CREATE INDEX mails_status ON mails(status, id);
CREATE INDEX mails_message_id ON mails(message_id);
CREATE INDEX mails_sender ON mails(sender_key, received_at);

CREATE TABLE mail_attachments (
    id INTEGER PRIMARY KEY,
    mail_id INTEGER NOT NULL REFERENCES mails(id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    lead_id INTEGER REFERENCES leads(id),
    deal_id INTEGER REFERENCES deals(id)
);
CREATE INDEX mail_attachments_mail ON mail_attachments(mail_id);
CREATE INDEX mail_attachments_deal ON mail_attachments(deal_id);
CREATE INDEX mail_attachments_lead ON mail_attachments(lead_id);

CREATE TABLE mail_threads (
    message_id TEXT PRIMARY KEY,
    lead_id INTEGER REFERENCES leads(id),
    deal_id INTEGER REFERENCES deals(id),
    created_at TEXT NOT NULL
);

CREATE TABLE mail_route_state (
    route TEXT PRIMARY KEY,
    counter INTEGER NOT NULL DEFAULT 0
);
"""

# Migration 2 belongs to the blueprints; the mail inbox is number 3.
MIGRATIONS += (Migration(3, "mail inbox", MAIL_SCHEMA),)
# Migration 4: the CPQ catalogue and quotes (engine/quote_tables.py).
MIGRATIONS += (Migration(4, "quotes", QUOTES_SCHEMA),)


SLACK_SCHEMA = """
-- Every Slack request is journaled before its ack and replayed after a crash;
-- dedupe_key (an Events API event_id) makes a retried delivery a no-op.
CREATE TABLE slack_jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    dedupe_key TEXT UNIQUE,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX slack_jobs_status ON slack_jobs(status, id);

-- Messages the bot owes Slack, delivered in order per lane (a channel, or
-- 'user:U…' for a direct message) and retried until Slack takes them.
CREATE TABLE slack_outbox (
    id INTEGER PRIMARY KEY,
    lane TEXT NOT NULL,
    kind TEXT NOT NULL,
    ref TEXT,
    payload TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX slack_outbox_due ON slack_outbox(status, lane, id);

-- Which Slack message shows which record ('lead:12'), so it can be updated.
CREATE TABLE slack_messages (
    ref TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    posted_at TEXT NOT NULL
);

-- How far the notifier has read the timeline (it starts from now).
CREATE TABLE slack_cursors (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
INSERT INTO slack_cursors (name, position)
    SELECT 'notifier', coalesce(max(id), 0) FROM timeline;
"""

# Migration 5: the Slack bot's journal, outbox, message links and cursor.
MIGRATIONS += (Migration(5, "slack bot", SLACK_SCHEMA),)

# Migration 6: workflows, their runs, timers, reminders and sent mail
# (engine/workflow_tables.py).
MIGRATIONS += (Migration(6, "workflows", WORKFLOW_SCHEMA),)
MIGRATIONS += (Migration(7, "lead blueprints", LEAD_BLUEPRINT_SCHEMA),)

# Migration 8: organisations are looked up by name (case-insensitively) on every
# contact created with a company name; without an index that is a table scan.
MIGRATIONS += (
    Migration(
        8,
        "organisation name index",
        "CREATE INDEX organisations_name ON organisations(name COLLATE NOCASE);",
    ),
)

# Migration 9: files attached to outbox e-mails (a quote's PDF), written in the
# transaction that queues the message, so a retry sends exactly the same bytes.
OUTBOX_ATTACHMENTS_SCHEMA = """
CREATE TABLE outbox_attachments (
    outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (outbox_id, position)
);
"""
MIGRATIONS += (Migration(9, "outbox attachments", OUTBOX_ATTACHMENTS_SCHEMA),)

# Migration 10: lead blueprints' timers. A lead knows since when it has had its
# status (backfilled from its last status change in the timeline, else its
# creation); an escalation fires once per stay in a status, like a deal's; and
# the lead transition log says which transitions fired by themselves.
LEAD_TIMERS_SCHEMA = """
ALTER TABLE leads ADD COLUMN status_changed_at TEXT;
UPDATE leads SET status_changed_at = coalesce(
    (SELECT t.at FROM timeline t WHERE t.entity = 'lead' AND t.entity_id = leads.id
        AND json_type(t.changes, '$.status') IS NOT NULL ORDER BY t.id DESC LIMIT 1),
    created_at);
-- What the timers read: open leads by the moment they entered their status.
CREATE INDEX leads_status_since ON leads(coalesce(status_changed_at, created_at))
    WHERE status <> 'converted';

ALTER TABLE lead_transition_log ADD COLUMN automatic INTEGER NOT NULL DEFAULT 0;

CREATE TABLE lead_escalations (
    id INTEGER PRIMARY KEY,
    lead_id INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    blueprint_id INTEGER NOT NULL REFERENCES lead_blueprints(id),
    status TEXT NOT NULL,
    status_since TEXT NOT NULL,
    time_limit INTEGER NOT NULL,
    fired_at TEXT NOT NULL,
    UNIQUE (lead_id, status, status_since)
);
"""
MIGRATIONS += (Migration(10, "lead timers", LEAD_TIMERS_SCHEMA),)

# Migration 11: every SMTP delivery of a message is recorded with its envelope. A
# redelivery is the same content (Message-ID included), found by its hash; mail that
# only reuses a Message-ID is new mail. Rows before this one count as one delivery.
MAIL_DELIVERIES_SCHEMA = """
CREATE TABLE mail_deliveries (
    id INTEGER PRIMARY KEY,
    mail_id INTEGER NOT NULL REFERENCES mails(id) ON DELETE CASCADE,
    delivered_at TEXT NOT NULL,
    mail_from TEXT NOT NULL DEFAULT '',
    rcpt_tos TEXT NOT NULL DEFAULT '[]',
    peer TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('new', 'added', 'duplicate'))
);
CREATE INDEX mail_deliveries_mail ON mail_deliveries(mail_id, id);
CREATE INDEX mails_content_hash ON mails(content_hash, id);
INSERT INTO mail_deliveries (mail_id, delivered_at, mail_from, rcpt_tos, peer, kind)
    SELECT id, received_at, mail_from, rcpt_tos, peer, 'new' FROM mails ORDER BY id;
"""
MIGRATIONS += (Migration(11, "mail deliveries", MAIL_DELIVERIES_SCHEMA),)

# Migration 12: signed Slack requests already answered. The same request again
# (same signature and timestamp, or same trigger_id) is answered as the first
# was and not done twice, across restarts; rows go after an hour (bot/replays.py).
SLACK_REQUESTS_SCHEMA = """
CREATE TABLE slack_requests (
    id INTEGER PRIMARY KEY,
    signature TEXT UNIQUE,
    trigger_id TEXT UNIQUE,
    status INTEGER,
    body TEXT,
    received_at TEXT NOT NULL
);
CREATE INDEX slack_requests_received ON slack_requests(received_at);
"""
MIGRATIONS += (Migration(12, "slack requests", SLACK_REQUESTS_SCHEMA),)
