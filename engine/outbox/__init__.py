"""The one outbox: messages to the outside world in three lanes (slack, email, webhook),
written in the transaction that causes them, claimed under a lease, delivered with
retries by the service (e-mail, webhooks) or the Slack bot (slack), kept as dead letters
when refused for good (queue, lanes), and the record of e-mails sent (mailings).
"""
