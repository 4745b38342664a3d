-- Migration 8: organisation name index.
-- Organisations are looked up by name (case-insensitively) on every
-- contact created with a company name; without an index that is a table scan.
CREATE INDEX organisations_name ON organisations(name COLLATE NOCASE);
