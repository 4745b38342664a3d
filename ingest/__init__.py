"""SMTP adapter (aiosmtpd): mail in, leads and deals out, nothing lost.

* :mod:`ingest.smtp` — the handler: refuses what is not ours at RCPT, stores the
  raw message durably (through the engine) before answering 250;
* :mod:`ingest.processor` — after the 250: parses stored mail in a worker
  process and hands it to the engine (:mod:`engine.mail.intake` decides);
* :mod:`ingest.parser`, :mod:`ingest.text`, :mod:`ingest.forms` — pure
  functions: MIME to a dataclass, HTML to text, contact-form fields;
* :mod:`ingest.listener` — the listener and processor as one part of the service.
"""
