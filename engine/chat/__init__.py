"""The chat adapter's durable state, kept by the engine's store: the journal of
Slack requests and their answers (replays), the Slack outbox, message links and
the notifier's cursor. Plain functions of a transaction; nothing of Slack's API.
"""
