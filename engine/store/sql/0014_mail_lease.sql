-- Migration 14: mail lease.
-- Mail waiting to be parsed is claimed by one processor at a time: claimed_by
-- names the processor (one per running instance), claimed_until is when its
-- lease ends. A processor parses only what it claimed; a claim left by an
-- instance that died expires and another takes the mail over
-- (engine/mail/leases.py). The columns mean nothing once the mail has left
-- 'received'.
ALTER TABLE mails ADD COLUMN claimed_by TEXT;
ALTER TABLE mails ADD COLUMN claimed_until TEXT;
