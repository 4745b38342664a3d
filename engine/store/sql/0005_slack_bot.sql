-- Migration 5: slack bot.
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
