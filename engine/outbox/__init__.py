"""Messages to the outside world (Slack notices, e-mail, webhooks), written in the
transaction that causes them and delivered by the service with retries.
"""
