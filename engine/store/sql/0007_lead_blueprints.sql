-- Migration 7: lead blueprints.
CREATE TABLE lead_blueprints (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL UNIQUE,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    digest TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE lead_transition_log (
    id INTEGER PRIMARY KEY,
    lead_id INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    blueprint_id INTEGER REFERENCES lead_blueprints(id),
    transition TEXT NOT NULL,
    name TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_user_id INTEGER,
    actor_label TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL,
    input TEXT NOT NULL DEFAULT '{}',
    checklist TEXT NOT NULL DEFAULT '[]',
    note TEXT,
    deal_id INTEGER REFERENCES deals(id),
    at TEXT NOT NULL
);
CREATE INDEX lead_transition_log_lead ON lead_transition_log(lead_id, id);
