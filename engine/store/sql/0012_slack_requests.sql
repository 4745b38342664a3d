-- Migration 12: slack requests.
-- Signed Slack requests already answered. The same request again
-- (same signature and timestamp, or same trigger_id) is answered as the first
-- was and not done twice, across restarts; rows go after an hour (bot/replays.py).
CREATE TABLE slack_requests (
    id INTEGER PRIMARY KEY,
    signature TEXT UNIQUE,
    trigger_id TEXT UNIQUE,
    status INTEGER,
    body TEXT,
    received_at TEXT NOT NULL
);
CREATE INDEX slack_requests_received ON slack_requests(received_at);
