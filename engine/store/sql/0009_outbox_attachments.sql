-- Migration 9: outbox attachments.
-- Files attached to outbox e-mails (a quote's PDF), written in the
-- transaction that queues the message, so a retry sends exactly the same bytes.
CREATE TABLE outbox_attachments (
    outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (outbox_id, position)
);
