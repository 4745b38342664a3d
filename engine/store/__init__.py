"""How Relais keeps its data: the connections, the one writer and its group
commit, the transaction object, and the numbered schema migrations (``sql/``),
on SQLite (``sqlite.py``, the default) or PostgreSQL (``postgres.py``, the
engine's SQL translated by ``dialect.py``; the writer's repeated reads kept by
``repeat_reads.py``). The migration files are read in ``sql_files.py``, applied
by ``migrations.py``. The only place that knows the SQL dialect.

Several instances on one PostgreSQL database: ``claims.py`` (claiming due work
once: ``SKIP LOCKED``, a savepoint around each claim, advisory locks),
``notify.py`` (LISTEN/NOTIFY wake-ups across instances) and ``copy.py`` (a
SQLite database copied into an empty PostgreSQL one: ``run.py database copy``).
"""
