-- Migration 16: the board's totals, kept as deals change.
-- The board (engine/crm/queries.py) shows, for each stage, how many open,
-- unarchived deals it holds, their expected revenue and their revenue weighted
-- by probability. Summing them at each look read every open deal: ~50,000 rows
-- on 100,000 deals, 15-100 ms on PostgreSQL whatever the index (the scan itself
-- costs that; docs/benchmarks.md). board_totals holds the sums per stage
-- instead, and triggers keep them in the very transaction that changes a deal,
-- whichever code (or COPY) writes it: the board adds up a few rows per stage. A
-- row whose stage has no open deal left stays, with zeros.
-- A stage's sums are split into shards, one per database session modulo 64 on
-- PostgreSQL (always 0 on SQLite, which has one writer): a transaction holds the
-- rows it changed until it commits, and with one row per stage every other
-- session writing a deal of that stage would wait for that commit in turn.
CREATE TABLE board_totals (
    pipeline_id INTEGER NOT NULL,
    stage_id INTEGER NOT NULL,
    shard INTEGER NOT NULL,
    n INTEGER NOT NULL,
    -- NUMERIC: exact on PostgreSQL past BIGINT, as its sum() over the deals was.
    revenue_cents NUMERIC NOT NULL,
    weighted NUMERIC NOT NULL, -- revenue cents × probability percent
    PRIMARY KEY (pipeline_id, stage_id, shard)
);

INSERT INTO board_totals (pipeline_id, stage_id, shard, n, revenue_cents, weighted)
SELECT pipeline_id, stage_id, 0, count(*), coalesce(sum(expected_revenue_cents), 0),
       coalesce(sum(expected_revenue_cents * probability), 0)
FROM deals WHERE status = 'open' AND archived = 0
GROUP BY pipeline_id, stage_id;

-- SQLite runs a trigger per row, in place: a deal's share is taken from its old
-- stage and given to its new one.
-- only on sqlite
CREATE TRIGGER deals_board_insert AFTER INSERT ON deals
WHEN NEW.status = 'open' AND NEW.archived = 0
BEGIN
    INSERT INTO board_totals (pipeline_id, stage_id, shard, n, revenue_cents, weighted)
    VALUES (NEW.pipeline_id, NEW.stage_id, 0, 1, coalesce(NEW.expected_revenue_cents, 0),
            coalesce(NEW.expected_revenue_cents * NEW.probability, 0))
    ON CONFLICT (pipeline_id, stage_id, shard) DO UPDATE SET
        n = board_totals.n + excluded.n,
        revenue_cents = board_totals.revenue_cents + excluded.revenue_cents,
        weighted = board_totals.weighted + excluded.weighted;
END;

-- only on sqlite
CREATE TRIGGER deals_board_update
AFTER UPDATE OF pipeline_id, stage_id, status, archived, expected_revenue_cents, probability
ON deals
BEGIN
    UPDATE board_totals SET
        n = n - 1,
        revenue_cents = revenue_cents - coalesce(OLD.expected_revenue_cents, 0),
        weighted = weighted - coalesce(OLD.expected_revenue_cents * OLD.probability, 0)
    WHERE OLD.status = 'open' AND OLD.archived = 0
      AND pipeline_id = OLD.pipeline_id AND stage_id = OLD.stage_id AND shard = 0;
    INSERT INTO board_totals (pipeline_id, stage_id, shard, n, revenue_cents, weighted)
    SELECT NEW.pipeline_id, NEW.stage_id, 0, 1, coalesce(NEW.expected_revenue_cents, 0),
           coalesce(NEW.expected_revenue_cents * NEW.probability, 0)
    WHERE NEW.status = 'open' AND NEW.archived = 0
    ON CONFLICT (pipeline_id, stage_id, shard) DO UPDATE SET
        n = board_totals.n + excluded.n,
        revenue_cents = board_totals.revenue_cents + excluded.revenue_cents,
        weighted = board_totals.weighted + excluded.weighted;
END;

-- only on sqlite
CREATE TRIGGER deals_board_delete AFTER DELETE ON deals
WHEN OLD.status = 'open' AND OLD.archived = 0
BEGIN
    UPDATE board_totals SET
        n = n - 1,
        revenue_cents = revenue_cents - coalesce(OLD.expected_revenue_cents, 0),
        weighted = weighted - coalesce(OLD.expected_revenue_cents * OLD.probability, 0)
    WHERE pipeline_id = OLD.pipeline_id AND stage_id = OLD.stage_id AND shard = 0;
END;

-- PostgreSQL runs one trigger per statement over the rows it changed (transition
-- tables), adding their shares up per stage first: updating one totals row once
-- per deal in a transaction leaves a chain of row versions each update walks
-- again (COPY of 100,000 deals: 18 s became 180 s; a stage's new probability
-- over 3,800 deals: 3.4 s). A session's rows are taken in key order, so writers
-- moving deals both ways at once cannot deadlock; a statement that changes no
-- share (a title edit) touches no row. The bodies are quoted text (quotes
-- doubled) so that the migration's statements split where SQLite would.
-- only on postgresql
CREATE FUNCTION board_totals_inserted() RETURNS trigger LANGUAGE plpgsql AS '
BEGIN
    INSERT INTO board_totals (pipeline_id, stage_id, shard, n, revenue_cents, weighted)
    SELECT pipeline_id, stage_id, pg_backend_pid() % 64, sum(n), sum(r), sum(w) FROM (
        SELECT pipeline_id, stage_id, 1 AS n,
               coalesce(expected_revenue_cents, 0) AS r,
               coalesce(expected_revenue_cents * probability, 0) AS w
        FROM new_rows WHERE status = ''open'' AND archived = 0
    ) shares
    GROUP BY pipeline_id, stage_id
    HAVING sum(n) <> 0 OR sum(r) <> 0 OR sum(w) <> 0
    ORDER BY pipeline_id, stage_id
    ON CONFLICT (pipeline_id, stage_id, shard) DO UPDATE SET
        n = board_totals.n + excluded.n,
        revenue_cents = board_totals.revenue_cents + excluded.revenue_cents,
        weighted = board_totals.weighted + excluded.weighted;
    RETURN NULL;
END';

-- only on postgresql
CREATE FUNCTION board_totals_updated() RETURNS trigger LANGUAGE plpgsql AS '
BEGIN
    INSERT INTO board_totals (pipeline_id, stage_id, shard, n, revenue_cents, weighted)
    SELECT pipeline_id, stage_id, pg_backend_pid() % 64, sum(n), sum(r), sum(w) FROM (
        SELECT pipeline_id, stage_id, 1 AS n,
               coalesce(expected_revenue_cents, 0) AS r,
               coalesce(expected_revenue_cents * probability, 0) AS w
        FROM new_rows WHERE status = ''open'' AND archived = 0
        UNION ALL
        SELECT pipeline_id, stage_id, -1 AS n,
               -coalesce(expected_revenue_cents, 0) AS r,
               -coalesce(expected_revenue_cents * probability, 0) AS w
        FROM old_rows WHERE status = ''open'' AND archived = 0
    ) shares
    GROUP BY pipeline_id, stage_id
    HAVING sum(n) <> 0 OR sum(r) <> 0 OR sum(w) <> 0
    ORDER BY pipeline_id, stage_id
    ON CONFLICT (pipeline_id, stage_id, shard) DO UPDATE SET
        n = board_totals.n + excluded.n,
        revenue_cents = board_totals.revenue_cents + excluded.revenue_cents,
        weighted = board_totals.weighted + excluded.weighted;
    RETURN NULL;
END';

-- only on postgresql
CREATE FUNCTION board_totals_deleted() RETURNS trigger LANGUAGE plpgsql AS '
BEGIN
    INSERT INTO board_totals (pipeline_id, stage_id, shard, n, revenue_cents, weighted)
    SELECT pipeline_id, stage_id, pg_backend_pid() % 64, sum(n), sum(r), sum(w) FROM (
        SELECT pipeline_id, stage_id, -1 AS n,
               -coalesce(expected_revenue_cents, 0) AS r,
               -coalesce(expected_revenue_cents * probability, 0) AS w
        FROM old_rows WHERE status = ''open'' AND archived = 0
    ) shares
    GROUP BY pipeline_id, stage_id
    HAVING sum(n) <> 0 OR sum(r) <> 0 OR sum(w) <> 0
    ORDER BY pipeline_id, stage_id
    ON CONFLICT (pipeline_id, stage_id, shard) DO UPDATE SET
        n = board_totals.n + excluded.n,
        revenue_cents = board_totals.revenue_cents + excluded.revenue_cents,
        weighted = board_totals.weighted + excluded.weighted;
    RETURN NULL;
END';

-- SQLite's reader of this file would take CREATE TRIGGER for one of its own and
-- look for its END: PostgreSQL's are created from a quoted block.
-- only on postgresql
DO '
BEGIN
    CREATE TRIGGER deals_board_insert AFTER INSERT ON deals
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION board_totals_inserted();
    CREATE TRIGGER deals_board_update AFTER UPDATE ON deals
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION board_totals_updated();
    CREATE TRIGGER deals_board_delete AFTER DELETE ON deals
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION board_totals_deleted();
END';
