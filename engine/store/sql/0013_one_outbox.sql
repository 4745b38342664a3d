-- Migration 13: one outbox.
-- The engine's outbox (webhooks, e-mails, notifications) and the Slack bot's
-- slack_outbox become one table with three lanes: 'slack', 'email', 'webhook'.
-- Columns are added, not rebuilt: attempts, attachments and sent mails keep
-- pointing at the same rows. A message with an order_key waits until every
-- earlier unsettled message of its lane and key is settled (Slack: one
-- channel or one person's direct messages); e-mail and webhooks have none.
-- For the slack lane, form says what the bot does with it: 'notification'
-- (the engine's, rendered when sent), 'post', 'notice', 'notice_update';
-- ref is the record a notice shows ('lead:12').
ALTER TABLE outbox ADD COLUMN lane TEXT CHECK (lane IN ('slack', 'email', 'webhook'));
ALTER TABLE outbox ADD COLUMN order_key TEXT;
ALTER TABLE outbox ADD COLUMN form TEXT;
ALTER TABLE outbox ADD COLUMN ref TEXT;

UPDATE outbox SET lane = kind WHERE kind IN ('email', 'webhook');
UPDATE outbox SET lane = 'slack', form = 'notification', order_key = recipient
    WHERE kind = 'notification';

-- A notification the old bridge had already copied into slack_outbox is
-- settled by what became of its copy; one it had claimed but not finished
-- is pending again, and its copy is not carried over (it would be sent twice).
UPDATE outbox SET status = 'delivered', claimed_until = NULL,
    delivered_at = (SELECT s.sent_at FROM slack_outbox s WHERE s.ref = 'outbox:' || outbox.id)
    WHERE kind = 'notification' AND status IN ('pending', 'sending')
    AND EXISTS (SELECT 1 FROM slack_outbox s
                WHERE s.ref = 'outbox:' || outbox.id AND s.status = 'sent');
UPDATE outbox SET status = 'pending', claimed_until = NULL
    WHERE kind = 'notification' AND status = 'sending';

-- The bot's own messages (cards, notices, updates), history included, in
-- their order; 'sent' is called 'delivered' here, a lane is a recipient.
INSERT INTO outbox (kind, lane, order_key, form, ref, recipient, payload, status, attempts,
                    next_attempt_at, last_error, created_at, delivered_at)
    SELECT 'notification', 'slack',
        CASE WHEN s.lane LIKE 'user:%' THEN s.lane ELSE 'channel:' || s.lane END,
        s.kind, s.ref,
        CASE WHEN s.lane LIKE 'user:%' THEN s.lane ELSE 'channel:' || s.lane END,
        s.payload,
        CASE s.status WHEN 'sent' THEN 'delivered' ELSE s.status END,
        s.attempts, s.next_attempt_at, s.last_error, s.created_at, s.sent_at
    FROM slack_outbox s
    WHERE s.ref IS NULL OR s.ref NOT LIKE 'outbox:%'
    ORDER BY s.id;

DROP TABLE slack_outbox;

CREATE INDEX outbox_lane_due ON outbox(lane, status, next_attempt_at);
CREATE INDEX outbox_lane_key ON outbox(lane, order_key, status, id);
CREATE INDEX outbox_ref ON outbox(ref);
