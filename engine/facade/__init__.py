"""The engine facade, split per concept: one small part per thing adapters ask for.

:class:`engine.core.Engine` holds one instance of each part (``engine.deals``,
``engine.leads``, ``engine.mail``…). Each method of a part is one unit of work
on the shared :class:`engine.store.db.Database`: a write is one function run
by the writer (one savepoint inside a shared commit), a read one function on
the reader connection. The domain stays plain functions of a transaction.
"""
