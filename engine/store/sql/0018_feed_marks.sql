-- Migration 18: the timeline's feed follows transactions, not ids.
-- The workflow runner and the Slack notifier read the timeline past a cursor.
-- Ids are drawn when a row is inserted but become visible when its transaction
-- commits: with several writers at once, id 11 can be seen before id 10, and a
-- cursor at 11 would never read 10. So each entry also records the transaction
-- that wrote it (xact), a cursor is a pair (xact, id), and a reader reads, in
-- (xact, id) order, only the entries of transactions older than every one still
-- running (relais_settled(): the snapshot's xmin). Any transaction still running,
-- or yet to start, has a larger xact, so nothing can appear behind a cursor
-- (engine/crm/marks.py). On SQLite, one writer commits in id order: xact stays 0
-- and the order is the ids'.
-- Existing rows and cursors get xact 0: they were all committed, in id order.
ALTER TABLE timeline ADD COLUMN xact INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workflow_causes ADD COLUMN xact INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workflow_cursor ADD COLUMN xact INTEGER NOT NULL DEFAULT 0;
ALTER TABLE slack_cursors ADD COLUMN xact INTEGER NOT NULL DEFAULT 0;
CREATE INDEX timeline_feed ON timeline(xact, id);
-- only on postgresql
ALTER TABLE timeline ALTER COLUMN xact SET DEFAULT (pg_current_xact_id()::text::bigint);
-- only on postgresql
ALTER TABLE workflow_causes ALTER COLUMN xact SET DEFAULT (pg_current_xact_id()::text::bigint);
-- only on postgresql
CREATE FUNCTION relais_settled() RETURNS bigint LANGUAGE sql STABLE AS
    'SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint';
