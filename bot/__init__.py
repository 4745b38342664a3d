"""Slack adapter (slack-bolt, async).

Translates slash commands, buttons and modals into calls on
:class:`engine.core.Engine` and renders the results as Block Kit; it holds no
domain logic. The map:

``app``         ``build_app`` (Bolt's ``AsyncApp``) and ``SlackBot`` (HTTP mode on
                the service's web server, Socket Mode, health, metrics)
``listeners/``  by kind: ``commands`` (``/crm``), ``actions``, ``stages``, ``views``,
                ``events``; each ``register(app, engine)`` and its ``JOBS``
``jobs``        the journal: every request written down before its ack, then done
``priority``    acknowledgements before work during a burst
``screens``     engine reads gathered for one screen; ``blocks/`` renders them
``moves``       the blueprint's transitions (or free stages) as buttons and forms
``notifier``    timeline → notices in the leads channel; ``notifications``: the
                engine's outbox → Slack; ``outbox``: delivery, per channel, retried
``home``        the App Home tab; ``people``: Slack members ↔ Relais users
``i18n``        French and English; ``errors``: engine errors in words
"""
