-- Migration 19: the keys of the records writers create (engine/store/claims.py new_key).
-- On PostgreSQL several writers create contacts and organisations side by side. A
-- writer about to create one takes its key's advisory lock, then writes the key here.
-- The lock keeps two writers from creating it at the same moment; the row catches the
-- writer whose snapshot began before another created it and committed: the server
-- refuses its insert (a serialization failure), and the write runs again, in a snapshot
-- that finds the record. An organisation known by its name alone has no unique column
-- of its own that would catch that. SQLite has one writer and leaves the table empty.
CREATE TABLE record_keys (key INTEGER NOT NULL PRIMARY KEY);
