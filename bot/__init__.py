"""Slack adapter (slack-bolt, async).

Translates slash commands, buttons and modals into calls on
:class:`engine.core.Engine` and renders the results as Block Kit. It holds no
domain logic: see issue "Slack bot" for what lands here.
"""
