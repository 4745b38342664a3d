"""Relais's domain core.

Everything a sales team's data is and may become lives here: pipelines and
stages, contacts, leads, deals, activities, the timeline of every change and
the domain events published after each commit. Adapters (``bot/``,
``ingest/``, ``cli/``) call :class:`engine.core.Engine`; this package never
imports Slack or SMTP libraries.
"""
