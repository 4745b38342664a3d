-- Migration 3: mail inbox.
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
