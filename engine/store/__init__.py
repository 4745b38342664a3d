"""How Relais keeps its data: the SQLite connection, the one writer and its group
commit, the transaction object, and the numbered schema migrations (``sql/``).
The only place that knows the SQL dialect.
"""
