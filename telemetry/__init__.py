"""What the service measures (Prometheus), below every part that counts something.

``bot/``, ``ingest/`` and ``service/`` all count into one registry; living in
none of them keeps the packages in layers: the service builds the bot, and the
bot only needs somewhere to count its requests.
"""
