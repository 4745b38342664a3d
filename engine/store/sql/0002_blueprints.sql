-- Migration 2: blueprints.
-- Blueprints: versions, pins, the transition log, the outbox, escalations.
-- One row per version of a pipeline's blueprint; a version is never edited.
CREATE TABLE blueprints (
    id INTEGER PRIMARY KEY,
    pipeline_id INTEGER NOT NULL REFERENCES pipelines(id),
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    digest TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    UNIQUE (pipeline_id, version)
);

-- Deals in flight when a new version came keep theirs while they stay in that stage.
CREATE TABLE blueprint_pins (
    deal_id INTEGER PRIMARY KEY REFERENCES deals(id) ON DELETE CASCADE,
    blueprint_id INTEGER NOT NULL REFERENCES blueprints(id),
    stage_id INTEGER NOT NULL,
    pinned_at TEXT NOT NULL
);

-- Every transition performed: who, when, from, to, and the values supplied.
CREATE TABLE transition_log (
    id INTEGER PRIMARY KEY,
    deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
    blueprint_id INTEGER REFERENCES blueprints(id),
    transition TEXT NOT NULL,
    name TEXT NOT NULL,
    from_stage TEXT NOT NULL,
    to_stage TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_user_id INTEGER,
    actor_label TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL,
    automatic INTEGER NOT NULL DEFAULT 0,
    input TEXT NOT NULL DEFAULT '{}',
    checklist TEXT NOT NULL DEFAULT '[]',
    note TEXT,
    at TEXT NOT NULL
);
CREATE INDEX transition_log_deal ON transition_log(deal_id, id);

-- After-actions that talk to the outside, written with the transition and
-- delivered after the commit by the service (webhooks now; mail and Slack
-- when their adapters are configured).
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('webhook', 'email', 'notification')),
    deal_id INTEGER REFERENCES deals(id) ON DELETE SET NULL,
    transition_id INTEGER REFERENCES transition_log(id) ON DELETE SET NULL,
    recipient TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX outbox_due ON outbox(kind, status, next_attempt_at);
CREATE INDEX outbox_deal ON outbox(deal_id);

CREATE TABLE outbox_attempts (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    ok INTEGER NOT NULL,
    status_code INTEGER,
    detail TEXT NOT NULL DEFAULT '',
    duration_ms INTEGER
);
CREATE INDEX outbox_attempts_message ON outbox_attempts(outbox_id, id);

-- One escalation per stay in a stage: a re-entry starts a new stay.
CREATE TABLE escalations (
    id INTEGER PRIMARY KEY,
    deal_id INTEGER NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
    blueprint_id INTEGER NOT NULL REFERENCES blueprints(id),
    stage_id INTEGER NOT NULL,
    stage_entered_at TEXT NOT NULL,
    time_limit INTEGER NOT NULL,
    fired_at TEXT NOT NULL,
    UNIQUE (deal_id, stage_id, stage_entered_at)
);
