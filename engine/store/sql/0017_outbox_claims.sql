-- Migration 17: outbox claims named by instance.
-- A deliverer's lease on a message being sent (status 'sending') now says whose it
-- is: the instance's name (RELAIS_INSTANCE, see docs/scaling.md). An instance
-- restarted under its name gives back what its predecessor held at once
-- (engine/outbox/queue.py release_claims) instead of waiting out the lease; any
-- other instance still waits for the lease to end. NULL: claimed before this
-- migration, or by a deliverer without a name.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
