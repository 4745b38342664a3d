"""The mail part: mail received (kept, processed, retried, shown) and mail sent."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from engine import clock
from engine.actors import Actor
from engine.crm.records import MAX_RECORD_ID
from engine.facade.base import Part
from engine.mail import inbox, intake, leases, routes
from engine.outbox import mailings


class Mail(Part):
    """Owns the inbox (stored messages, their deliveries, their intake) and the sent-mail log."""

    async def store(self, mail: inbox.RawMail) -> inbox.Stored:
        """Keep a received message durably (the SMTP 250 waits for this commit).

        Several instances (PostgreSQL): the same message stored by another one at
        the same moment makes this write fail on the unique key; once more, in a new
        transaction, it finds that copy and counts a duplicate.
        """
        try:
            return await self._write(lambda tx: inbox.store(tx, mail), intake.MAIL_ACTOR)
        except sqlite3.IntegrityError:
            if self._db.url is None:
                raise
            return await self._write(lambda tx: inbox.store(tx, mail), intake.MAIL_ACTOR)

    async def process(
        self, mail: intake.IncomingMail, policy: routes.IntakePolicy
    ) -> intake.Outcome:
        """Turn a stored, parsed message into a lead, a deal or a thread entry: one write.

        Several instances (PostgreSQL): another one that changed what this write read
        (the same mail, processed there; its contact) makes it fail; the store runs it
        again in a new transaction, which sees that change (a mail processed there is
        skipped). Two messages of one new company processed at once on two instances
        both create its organisation: the second fails on the unique key and, once
        more in a new transaction, finds the first's.
        """
        try:
            return await self._write(lambda tx: intake.process(tx, mail, policy), intake.MAIL_ACTOR)
        except sqlite3.IntegrityError:
            if self._db.url is None:
                raise
            return await self._write(lambda tx: intake.process(tx, mail, policy), intake.MAIL_ACTOR)

    async def mark_failed(self, mail_id: int, error: str) -> None:
        await self._write(lambda tx: inbox.mark_failed(tx, mail_id, error), intake.MAIL_ACTOR)

    async def retry(self, mail_id: int, actor: Actor) -> None:
        await self._write(lambda tx: inbox.requeue(tx, mail_id), actor)

    async def release(self, mail_id: int, actor: Actor) -> None:
        await self._write(lambda tx: inbox.requeue(tx, mail_id, release=True), actor)

    async def get(self, mail_id: int) -> inbox.MailRecord:
        return await self._read(lambda c: inbox.get_mail(c, mail_id))

    async def raw(self, mail_id: int) -> bytes:
        return await self._read(lambda c: inbox.get_raw(c, mail_id))

    async def records(self, status: str | None = None, limit: int = 50) -> list[inbox.MailRecord]:
        """The latest messages (with ``status`` only, if given)."""
        return await self._read(lambda c: inbox.list_mails(c, status, limit))

    async def pending(self, limit: int = 1000) -> list[int]:
        return await self._read(lambda c: inbox.pending(c, limit))

    async def claim(
        self,
        owner: str,
        limit: int = 1000,
        *,
        lease: float = leases.LEASE,
        now: datetime | None = None,
    ) -> list[int]:
        """The first ``limit`` waiting mails no other processor holds, leased to ``owner``.

        What a scan queues: several instances share the backlog instead of each
        parsing all of it; a lease left by an instance that died runs out.
        """
        moment = now or clock.utcnow()
        return await self._write(
            lambda tx: leases.claim_waiting(tx, owner, limit, moment, lease), intake.MAIL_ACTOR
        )

    async def claim_these(
        self,
        ids: list[int],
        owner: str,
        *,
        lease: float = leases.LEASE,
        now: datetime | None = None,
    ) -> list[int]:
        """Those of ``ids`` no other processor holds (leased to ``owner``): the ones to parse."""
        moment = now or clock.utcnow()
        return await self._write(
            lambda tx: leases.claim_these(tx, ids, owner, moment, lease), intake.MAIL_ACTOR
        )

    async def release_claims(self, owner: str) -> int:
        """Give back the waiting mails ``owner`` holds (its processor stops)."""
        return await self._write(lambda tx: leases.release(tx, owner), intake.MAIL_ACTOR)

    async def failed(self) -> list[int]:
        return await self._read(inbox.failed_ids)

    async def attachments(self, mail_id: int) -> list[inbox.Attachment]:
        return await self._read(lambda c: inbox.attachments(c, mail_id))

    async def deliveries(self, mail_id: int) -> list[inbox.Delivery]:
        """Each time the message reached the listener, with its envelope (``mail show``)."""
        return await self._read(lambda c: inbox.deliveries(c, mail_id))

    async def copies(self, mail_id: int) -> list[int]:
        """The ids of the stored copies of the same message (``mail show``)."""
        return await self._read(lambda c: inbox.copies(c, mail_id))

    async def oldest_waiting(self) -> datetime | None:
        """When the first mail still waiting to be processed was received; ``None``: none."""
        return await self._read(intake.oldest_waiting)

    async def record_exists(self, kind: str, record_id: int) -> bool:
        """Whether ``deals+42@`` names a real deal (checked before accepting the mail)."""
        if not 0 < record_id <= MAX_RECORD_ID:  # past SQLite's integers: no such record
            return False
        table = {"deal": "deals", "lead": "leads"}[kind]
        sql = f"SELECT 1 FROM {table} WHERE id = ?"
        return await self._read(lambda c: c.execute(sql, (record_id,)).fetchone() is not None)

    async def record_sent(self, mail: mailings.SentMail) -> None:
        """Keep the record of an e-mail the SMTP relay accepted."""
        await self._write(lambda tx: mailings.record(tx, mail), Actor.system("mail"))

    async def sent(self, limit: int = 50) -> list[mailings.SentMail]:
        return await self._read(lambda c: mailings.sent(c, limit))
