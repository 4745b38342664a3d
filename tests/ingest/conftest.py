"""Mail fixtures: .eml files, a routing policy, and a listener on a real socket."""

from __future__ import annotations

import asyncio
import re
import smtplib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest

from config.routing import default_policy
from config.settings import Settings, load_settings
from engine.core import Engine
from engine.crm import queries
from engine.crm.records import Lead
from engine.mail.routes import IntakePolicy
from ingest.listener import MailListener
from service import wiring

FIXTURES = Path(__file__).parent / "fixtures"


def eml(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def policy() -> IntakePolicy:
    return default_policy()


def mail_settings(tmp_path: Path, **extra: str) -> Settings:
    env = {
        "RELAIS_DATABASE": str(tmp_path / "relais.db"),
        "RELAIS_CONFIG_DIR": str(tmp_path / "config"),
        "RELAIS_SMTP_PORT": "0",
        "RELAIS_SMTP_HOSTNAME": "relais.test",
        "RELAIS_MAIL_PARSE_WORKERS": "0",
        **extra,
    }
    return load_settings(env, env_file=None)


@dataclass
class Reply:
    code: int
    text: str


@dataclass
class Smtp:
    """A running listener and a client that speaks to it over a real socket."""

    listener: MailListener
    engine: Engine

    @property
    def port(self) -> int:
        assert self.listener.port is not None
        return self.listener.port

    async def send(
        self,
        raw: bytes,
        *,
        sender: str = "jean.dupont@acme-chauffage.fr",
        to: Sequence[str] = ("leads@relais.example",),
    ) -> Reply:
        """One transaction; returns the answer to DATA (or to the first refusal)."""
        return await asyncio.to_thread(deliver, self.port, raw, sender, list(to))

    async def settle(self) -> None:
        """Wait until every stored message has been processed."""
        await self.engine.bus.drain()
        await self.listener.processor.idle()

    async def leads(self) -> list[Lead]:
        return await self.engine.db.read(lambda c: queries.list_leads(c, None, limit=10_000))


def deliver(port: int, raw: bytes, sender: str, to: list[str]) -> Reply:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("client.test")
        return transaction(client, raw, sender, to)


def crlf(raw: bytes) -> bytes:
    """Fixtures are stored with LF; on the wire every line ends with CRLF."""
    return re.sub(rb"\r?\n", b"\r\n", raw)


def transaction(client: smtplib.SMTP, raw: bytes, sender: str, to: list[str]) -> Reply:
    code, text = client.mail(sender)
    if code != 250:
        client.rset()
        return Reply(code, text.decode())
    accepted = 0
    for address in to:
        code, text = client.rcpt(address)
        if code == 250:
            accepted += 1
        elif len(to) == 1:
            client.rset()
            return Reply(code, text.decode())
    if not accepted:
        client.rset()
        return Reply(code, text.decode())
    code, text = client.data(crlf(raw))
    return Reply(code, text.decode())


class StartSmtp(Protocol):
    async def __call__(self, policy: IntakePolicy | None = None, **env: str) -> Smtp: ...


@pytest.fixture
async def start_smtp(tmp_path: Path) -> AsyncIterator[StartSmtp]:
    """``await start_smtp(policy=…, RELAIS_SMTP_RATE_LIMIT="2")`` starts a listener."""
    started: list[tuple[MailListener, Engine]] = []

    async def start(policy: IntakePolicy | None = None, **env: str) -> Smtp:
        settings = mail_settings(tmp_path, **env)
        engine = await Engine.open(settings.database_path)
        listener = MailListener(engine, settings, policy=policy or default_policy())
        wiring.apply(engine.bus, wiring.mail_listeners(listener.processor))
        await listener.start()
        started.append((listener, engine))
        return Smtp(listener, engine)

    yield start
    for listener, engine in reversed(started):
        await listener.stop()
        await engine.close()


@pytest.fixture
async def smtp(start_smtp: StartSmtp) -> Smtp:
    return await start_smtp()
