-- Migration 1: initial schema.
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
