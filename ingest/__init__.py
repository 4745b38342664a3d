"""SMTP adapter (aiosmtpd).

One handler that refuses what is not ours at RCPT, stores the raw message
durably before answering 250, then hands the parsed mail to the engine, which
turns it into a lead or a deal. See issue "Mail ingestion daemon".
"""
