-- Migration 6: workflows.
-- Workflows, their runs, timers, reminders and sent mail.
-- A workflow and the versions of its definition (a version is never edited:
-- a run keeps the version it started with, even while it waits for days).
CREATE TABLE workflows (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    owner_id INTEGER REFERENCES users(id),
    active INTEGER NOT NULL DEFAULT 1,
    triggered_by TEXT NOT NULL DEFAULT 'anyone' CHECK (triggered_by IN ('anyone', 'owner')),
    entity TEXT NOT NULL,
    event TEXT NOT NULL,
    version_id INTEGER,
    active_since TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX workflows_trigger ON workflows(entity, event, active);

CREATE TABLE workflow_versions (
    id INTEGER PRIMARY KEY,
    workflow_id INTEGER NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    definition TEXT NOT NULL,
    digest TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (workflow_id, version)
);

-- Every run, including those whose conditions did not hold and those cut by
-- the loop protection. A waiting run resumes at resume_at, at instruction pc.
CREATE TABLE workflow_runs (
    id INTEGER PRIMARY KEY,
    workflow_id INTEGER NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    version_id INTEGER NOT NULL REFERENCES workflow_versions(id),
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    timeline_id INTEGER,
    cause TEXT NOT NULL DEFAULT '{}',
    depth INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL
        CHECK (status IN ('running', 'waiting', 'succeeded', 'failed', 'not_met', 'stopped')),
    reason TEXT,
    pc INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    resume_at TEXT,
    claim TEXT,
    claimed_until TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX workflow_runs_workflow ON workflow_runs(workflow_id, id);
CREATE INDEX workflow_runs_status ON workflow_runs(status, id);
CREATE INDEX workflow_runs_waiting ON workflow_runs(resume_at) WHERE status = 'waiting';
CREATE INDEX workflow_runs_claimed ON workflow_runs(claimed_until) WHERE status = 'running';
CREATE INDEX workflow_runs_finished ON workflow_runs(finished_at);

-- Each step of a run: its outcome (passed, not_met, done, failed, retry,
-- waiting, cut…), what it saw or did, when and how long it took.
CREATE TABLE workflow_steps (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES workflow_runs(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    at TEXT NOT NULL,
    duration_ms REAL
);
CREATE INDEX workflow_steps_run ON workflow_steps(run_id, id);

-- Timeline entries first_id..last_id were written by a step of run_id; the
-- runs they trigger are at depth + 1 (the loop protection counts this).
CREATE TABLE workflow_causes (
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    run_id INTEGER NOT NULL,
    depth INTEGER NOT NULL
);
CREATE INDEX workflow_causes_last ON workflow_causes(last_id);

-- How far the runner has read the timeline (it starts from now).
CREATE TABLE workflow_cursor (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
INSERT INTO workflow_cursor (name, position)
    SELECT 'runner', coalesce(max(id), 0) FROM timeline;

-- A date trigger fires once per record and moment (a moved date fires again).
CREATE TABLE workflow_date_fired (
    workflow_id INTEGER NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    entity_id INTEGER NOT NULL,
    moment TEXT NOT NULL,
    run_id INTEGER,
    PRIMARY KEY (workflow_id, entity_id, moment)
);

-- Reminders and digests sent: the key makes each one fire exactly once.
CREATE TABLE reminders (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('before', 'due', 'digest')),
    user_id INTEGER REFERENCES users(id),
    activity_id INTEGER REFERENCES activities(id) ON DELETE CASCADE,
    outbox_id INTEGER,
    fired_at TEXT NOT NULL
);
CREATE INDEX activities_due ON activities(done, due_at);

-- Every e-mail handed to the SMTP relay.
CREATE TABLE sent_mails (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER REFERENCES outbox(id) ON DELETE SET NULL,
    message_id TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    deal_id INTEGER REFERENCES deals(id) ON DELETE SET NULL,
    response TEXT NOT NULL DEFAULT '',
    sent_at TEXT NOT NULL
);

-- The language a contact is written to in (NULL: the default, RELAIS_LOCALE).
ALTER TABLE contacts ADD COLUMN locale TEXT CHECK (locale IN ('fr', 'en'));
