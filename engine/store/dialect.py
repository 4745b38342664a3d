"""The engine's SQL, as PostgreSQL reads it.

The engine and its migrations are written once, in the SQL both databases
accept; what differs is translated here, once per statement text (cached):

* statements: ``?`` → ``%s``, ``:name`` → ``%(name)s``, a literal ``%`` →
  ``%%`` (psycopg's placeholders); ``INSERT OR IGNORE`` → ``INSERT … ON
  CONFLICT DO NOTHING``; an ``INSERT`` into a table whose key is ``id`` gets
  ``RETURNING id``, which stands for SQLite's ``lastrowid`` (which tables those
  are, the migration files say: :data:`engine.store.sql_files.ID_TABLES`);
* schema (the numbered migrations): ``id INTEGER PRIMARY KEY`` → an identity
  column, ``INTEGER`` → ``BIGINT``, ``BLOB`` → ``BYTEA``, ``REAL`` → ``DOUBLE
  PRECISION``, an expression index gets its own parentheses, and a foreign key
  to a table created later in the file is added at the end of the migration
  (SQLite checks references lazily, PostgreSQL when the table is created).

The few SQLite functions the engine calls that PostgreSQL lacks are defined in
the database instead (:data:`POLYFILLS`), so that the SQL text stays the same:
``max(a, b)``/``min(a, b)``, ``json_extract``, ``json_type``,
``json_group_object`` and the ``NOCASE`` collation (case-insensitive ICU).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from engine.store.sql_files import ID_TABLES

_INSERT_INTO = re.compile(r"^\s*INSERT\s+(?:OR\s+(IGNORE|REPLACE)\s+)?INTO\s+(\w+)", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str
    returns_id: bool  # RETURNING id was added: the cursor's lastrowid


@lru_cache(maxsize=4096)
def statement(sql: str) -> Statement:
    """One statement of the engine, in PostgreSQL's words."""
    text = _placeholders(sql)
    returns_id = False
    insert = _INSERT_INTO.match(text)
    if insert is not None:
        mode, table = insert.group(1), insert.group(2).lower()
        if mode is not None and mode.upper() == "REPLACE":
            raise ValueError(
                "INSERT OR REPLACE has no PostgreSQL form: use ON CONFLICT … DO UPDATE"
            )
        text = text[: insert.start()] + f"INSERT INTO {insert.group(2)}" + text[insert.end() :]
        text = text.rstrip().rstrip(";")
        tail = ""
        found = _RETURNING.search(text)
        if found is not None:
            text, tail = text[: found.start()].rstrip(), " " + text[found.start() :]
        if mode is not None:
            text += " ON CONFLICT DO NOTHING"
        if not tail and table in ID_TABLES:
            tail, returns_id = " RETURNING id", True
        text += tail
    return Statement(text, returns_id)


_LIKE = re.compile(r"(?<![:\w])LIKE\b", re.IGNORECASE)


def _placeholders(sql: str) -> str:
    """``?`` and ``:name`` outside quotes become psycopg's; every ``%`` is doubled.

    SQLite's ``LIKE`` ignores case: PostgreSQL's ``ILIKE`` does.
    """
    return _marks(_outside_quotes(sql, _LIKE, "ILIKE"))


def _marks(sql: str) -> str:
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            end = sql.find(ch, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == ch:
                end = sql.find(ch, end + 2)
            end = n - 1 if end == -1 else end
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
        elif ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "?":
            out.append("%s")
            i += 1
        elif ch == ":" and i + 1 < n and sql[i + 1] == ":":
            out.append("::")
            i += 2
        elif ch == ":" and (name := _NAME.match(sql, i + 1)) is not None:
            out.append(f"%({name.group()})s")
            i = name.end()
        elif ch == "%":
            out.append("%%")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# -- schema -------------------------------------------------------------------

_ID_COLUMN = re.compile(r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b", re.IGNORECASE)
_TYPES = (
    (re.compile(r"\bINTEGER\b", re.IGNORECASE), "BIGINT"),
    (re.compile(r"\bBLOB\b", re.IGNORECASE), "BYTEA"),
    (re.compile(r"\bREAL\b", re.IGNORECASE), "DOUBLE PRECISION"),
)
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)
_COLUMN_REFERENCE = re.compile(
    r"^(\s*(\w+)\s+INTEGER\b[^,\n]*?)\s+REFERENCES\s+(\w+)\s*\((\w+)\)([^,\n]*)", re.IGNORECASE
)
# A moment (clock.to_db's UTC text) is a timestamptz on PostgreSQL: ``at``,
# ``…_at``, ``…_since``, ``claimed_until``. Dates (``expected_close``,
# ``quote_date``…) stay text. psycopg gives the engine back the same text.
_TIME_COLUMN = re.compile(
    r"^(\s*(?:ALTER\s+TABLE\s+\w+\s+ADD\s+COLUMN\s+)?(?:at|\w+_at|\w+_since|claimed_until)\s+)TEXT\b",
    re.IGNORECASE | re.MULTILINE,
)
_ON_DELETE = re.compile(r"\s+ON\s+DELETE\s+(?:SET\s+NULL|CASCADE|RESTRICT|NO\s+ACTION)", re.I)
_EXPRESSION_INDEX = re.compile(
    r"^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+\w+\s+ON\s+\w+\s*)\((\s*\w+\s*\(.*?\))\)",
    re.IGNORECASE | re.DOTALL | re.MULTILINE,
)


def schema(statements: list[str], existing: set[str]) -> list[str]:
    """A migration's statements for PostgreSQL; ``existing`` are its tables so far.

    ``existing`` grows with the tables the migration creates.
    """
    out: list[str] = []
    later: list[str] = []
    for sql in statements:
        created = _CREATE_TABLE.match(_without_comments(sql))
        if created is not None:
            table = created.group(1).lower()
            existing.add(table)
            sql, deferred = _defer_forward_references(sql, table, existing)
            later.extend(deferred)
        sql = _EXPRESSION_INDEX.sub(r"\1((\2))", sql)
        sql = _TIME_COLUMN.sub(r"\1TIMESTAMPTZ", sql)
        sql = _ID_COLUMN.sub("id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", sql)
        for pattern, name in _TYPES:
            sql = _outside_quotes(sql, pattern, name)
        out.append(_ignore_conflicts(sql))
    return out + later


def _ignore_conflicts(sql: str) -> str:
    insert = _INSERT_INTO.match(sql)
    if insert is None or insert.group(1) is None:
        return sql
    body = sql[: insert.start()] + f"INSERT INTO {insert.group(2)}" + sql[insert.end() :]
    return body.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"


def _defer_forward_references(sql: str, table: str, existing: set[str]) -> tuple[str, list[str]]:
    lines, deferred = [], []
    for line in sql.split("\n"):
        ref = _COLUMN_REFERENCE.match(line)
        if ref is not None and ref.group(3).lower() not in existing:
            column, target, key = ref.group(2), ref.group(3), ref.group(4)
            action = _ON_DELETE.search(ref.group(5))
            rest = ref.group(5) if action is None else _ON_DELETE.sub("", ref.group(5))
            line = ref.group(1) + rest + line[ref.end() :]
            deferred.append(
                f"ALTER TABLE {table} ADD FOREIGN KEY ({column}) REFERENCES {target}({key})"
                + ("" if action is None else " " + action.group().strip())
            )
        lines.append(line)
    return "\n".join(lines), deferred


def _without_comments(sql: str) -> str:
    return "\n".join(line for line in sql.split("\n") if not line.lstrip().startswith("--"))


def _outside_quotes(sql: str, pattern: re.Pattern[str], replacement: str) -> str:
    parts = re.split(r"('(?:[^']|'')*')", sql)
    return "".join(
        part if index % 2 else pattern.sub(replacement, part) for index, part in enumerate(parts)
    )


# -- functions SQLite has and PostgreSQL lacks ----------------------------------

# The last of them, there when all are: a new one goes before it.
POLYFILLED = "SELECT 1 FROM pg_proc WHERE proname = 'json_group_object'"
POLYFILLS = (
    "CREATE COLLATION IF NOT EXISTS nocase"
    " (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
    "CREATE OR REPLACE FUNCTION max(a anyelement, b anyelement) RETURNS anyelement"
    " LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN a IS NULL OR b IS NULL THEN NULL"
    " ELSE greatest(a, b) END $$",
    "CREATE OR REPLACE FUNCTION min(a anyelement, b anyelement) RETURNS anyelement"
    " LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN a IS NULL OR b IS NULL THEN NULL"
    " ELSE least(a, b) END $$",
    "CREATE OR REPLACE FUNCTION relais_json_path(path text) RETURNS text[]"
    " LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN path = '$' THEN ARRAY[]::text[]"
    " ELSE string_to_array(substr(path, 3), '.') END $$",
    "CREATE OR REPLACE FUNCTION json_extract(doc text, path text) RETURNS text"
    " LANGUAGE sql IMMUTABLE AS $$ SELECT doc::jsonb #>> relais_json_path(path) $$",
    "CREATE OR REPLACE FUNCTION json_type(doc text, path text) RETURNS text"
    " LANGUAGE sql IMMUTABLE AS $$ SELECT CASE jsonb_typeof(doc::jsonb #> relais_json_path(path))"
    " WHEN 'string' THEN 'text' WHEN 'number' THEN 'real' ELSE"
    " jsonb_typeof(doc::jsonb #> relais_json_path(path)) END $$",
    "CREATE OR REPLACE FUNCTION relais_pairs_add(state text[], k text, v text) RETURNS text[]"
    " LANGUAGE sql IMMUTABLE AS $$ SELECT state || ARRAY[k, v] $$",
    "CREATE OR REPLACE FUNCTION relais_pairs_json(state text[]) RETURNS text"
    " LANGUAGE sql IMMUTABLE AS $$ SELECT json_object(state)::text $$",
    "CREATE OR REPLACE AGGREGATE json_group_object(text, text) (SFUNC = relais_pairs_add,"
    " STYPE = text[], FINALFUNC = relais_pairs_json, INITCOND = '{}')",
)
