"""Outbound e-mail through the configured SMTP relay (the standard library, in a thread).

Each message carries ``Auto-Submitted: auto-generated`` (RFC 3834) and
``X-Auto-Response-Suppress: All``, so auto-replies do not answer it and the
ingestion daemon never turns an echo of it into a lead. Its Message-ID is
derived from the outbox message, so a retry after a crash sends the same
Message-ID. Every message the relay accepts is recorded (``sent_mails``).
Attachments queued with the message (a quote's PDF) are added as MIME parts.

A refusal for good (5xx: unknown recipient, rejected sender or content) is
not retried; a connection problem, a timeout or a 4xx is, by the outbox.
Header values are cleaned as they are set (:mod:`service.mail_headers`); a
message that still cannot be built (an unclear recipient address, say) fails
for good with its reason, before anything is sent, and alone.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from config.settings import Settings
from engine.api import Phrase, clock
from engine.api.outbox import Message, Outcome, SentMail
from service.mail_headers import Unbuildable, header_text, recipients


@dataclass(frozen=True, slots=True)
class RelayConfig:
    host: str
    port: int = 587
    tls: str = "starttls"
    user: str = ""
    password: str = ""
    sender: str = "Relais <relais@localhost>"
    timeout: float = 30.0
    verify: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> RelayConfig:
        return cls(
            settings.smtp_relay_host, settings.smtp_relay_port, settings.smtp_relay_tls,
            settings.smtp_relay_user, settings.smtp_relay_password, settings.smtp_relay_from,
        )  # fmt: skip

    @property
    def domain(self) -> str:
        return parseaddr(self.sender)[1].rpartition("@")[2] or "localhost"


@dataclass(frozen=True, slots=True)
class Sent:
    outcome: Outcome
    mail: SentMail | None = None


class Mailer:
    def __init__(self, config: RelayConfig) -> None:
        self.config = config

    def message_id(self, message: Message) -> str:
        stamp = int(message.created_at.timestamp())
        return f"<relais.{message.id}.{stamp}@{self.config.domain}>"

    def build(self, message: Message) -> EmailMessage:
        """The e-mail of ``message``; raises ``Unbuildable`` when it cannot be made."""
        try:
            return self._build(message)
        except Unbuildable:
            raise
        except (ValueError, TypeError, LookupError, MessageError) as exc:
            raise Unbuildable(f"{type(exc).__name__}: {exc}") from None

    def _build(self, message: Message) -> EmailMessage:
        payload = message.payload
        mail = EmailMessage()
        mail["From"] = self.config.sender
        mail["To"] = recipients(payload.get("to") or message.recipient)[0]
        mail["Subject"] = header_text(payload.get("subject", ""))
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = self.message_id(message)
        mail["Auto-Submitted"] = "auto-generated"
        mail["X-Auto-Response-Suppress"] = "All"
        mail["X-Relais-Message-Id"] = str(message.id)
        mail.set_content(str(payload.get("body", "")))
        for item in message.attachments:  # the stored bytes: a retry sends the same file
            maintype, _, subtype = header_text(item.content_type).partition("/")
            mail.add_attachment(
                item.data, maintype=maintype, subtype=subtype or "octet-stream",
                filename=header_text(item.filename),
            )  # fmt: skip
        if payload.get("locale"):  # after the content, which resets Content-* headers
            mail["Content-Language"] = header_text(payload["locale"])
        return mail

    async def send(self, message: Message) -> Sent:
        """One attempt; a message that cannot be built is refused for good, unsent."""
        started = time.perf_counter()
        try:
            mail = self.build(message)
        except Unbuildable as exc:
            detail = Phrase("outbox.error.unbuildable", reason=exc.reason).stored()
            return Sent(Outcome(False, detail, None, _ms(started), retry=False))
        try:
            response = await asyncio.to_thread(self._send, mail)
        except smtplib.SMTPResponseException as exc:
            return Sent(_refused(exc.smtp_code, exc.smtp_error, started))
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (550, b"refused"))
            return Sent(_refused(code, text, started))
        except (smtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}".strip(": ")
            detail = Phrase("outbox.error.connection", error=error).stored()
            return Sent(Outcome(False, detail, None, _ms(started)))
        sent = SentMail(
            mail["Message-ID"], mail["To"], mail["Subject"], clock.utcnow(), message.id,
            message.deal_id, response,
        )  # fmt: skip
        relay = f"{self.config.host}:{self.config.port}"
        said = Phrase("stored.smtp_accepted", relay=relay, message_id=mail["Message-ID"])
        return Sent(Outcome(True, said.stored(), 250, _ms(started)), sent)

    def _send(self, mail: EmailMessage) -> str:
        """Runs in a thread: connect, secure, log in, send; returns what the relay said."""
        config = self.config
        context = ssl.create_default_context()
        if not config.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        smtp: smtplib.SMTP
        if config.tls == "ssl":
            smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout,
                                    context=context)  # fmt: skip
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        try:
            if config.tls == "starttls":
                smtp.starttls(context=context)
            if config.user:
                smtp.login(config.user, config.password)
            refused = smtp.send_message(mail)
        finally:
            _close(smtp)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
        return f"accepted by {config.host}:{config.port}"


def _close(smtp: smtplib.SMTP) -> None:
    """QUIT, then close. Once the message got its 250, a failure here changes nothing:
    it must not turn a delivered message into a retried (so duplicated) one."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _refused(code: int, text: bytes | str, started: float) -> Outcome:
    shown = text.decode(errors="replace") if isinstance(text, bytes) else text
    retry = not 500 <= code < 600
    detail = Phrase("outbox.error.smtp", code=code, reply=shown).stored()
    return Outcome(False, detail, code, _ms(started), retry=retry)


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
