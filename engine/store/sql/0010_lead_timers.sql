-- Migration 10: lead timers.
-- Lead blueprints' timers. A lead knows since when it has had its
-- status (backfilled from its last status change in the timeline, else its
-- creation); an escalation fires once per stay in a status, like a deal's; and
-- the lead transition log says which transitions fired by themselves.
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
