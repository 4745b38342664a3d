-- Migration 11: mail deliveries.
-- Every SMTP delivery of a message is recorded with its envelope. A
-- redelivery is the same content (Message-ID included), found by its hash; mail that
-- only reuses a Message-ID is new mail. Rows before this one count as one delivery.
CREATE TABLE mail_deliveries (
    id INTEGER PRIMARY KEY,
    mail_id INTEGER NOT NULL REFERENCES mails(id) ON DELETE CASCADE,
    delivered_at TEXT NOT NULL,
    mail_from TEXT NOT NULL DEFAULT '',
    rcpt_tos TEXT NOT NULL DEFAULT '[]',
    peer TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('new', 'added', 'duplicate'))
);
CREATE INDEX mail_deliveries_mail ON mail_deliveries(mail_id, id);
CREATE INDEX mails_content_hash ON mails(content_hash, id);
INSERT INTO mail_deliveries (mail_id, delivered_at, mail_from, rcpt_tos, peer, kind)
    SELECT id, received_at, mail_from, rcpt_tos, peer, 'new' FROM mails ORDER BY id;
