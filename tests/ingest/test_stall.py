"""One hostile mail no longer stalls intake: capped, linear parsing and a deadline per mail.

Through a real SMTP socket to a running service (worker process included):
the 100,000-row HTML mail and the 100,000 nested ``<blockquote>`` are read
quickly, and a plain mail sent right after becomes a lead at once. A mail that
overruns the deadline anyway is failed with its reason, its worker is replaced,
the mail behind it flows, and ``mail retry`` processes it later.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from cli.main import main
from config.routing import default_policy
from engine.core import Engine
from engine.mail.inbox import RawMail
from ingest.parsing import WorkerParser
from ingest.processor import MailProcessor
from service import wiring
from service.app import Service
from telemetry.mail import MailMetrics
from tests.ingest.conftest import deliver, mail_settings

LEAD_WITHIN = 5.0  # seconds from the 250 to the lead (the bench's target is 2 s)


async def until(condition: Callable[[], Awaitable[bool]], within: float) -> float:
    """Wait for ``condition`` with a deadline; returns the seconds it took."""
    started = time.monotonic()
    while not await condition():
        if time.monotonic() - started > within:
            raise AssertionError(f"still not true after {within} s")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


def html_mail(subject: str, html: str) -> bytes:
    head = (
        f"From: Hostile <hostile@attack.example>\r\nSubject: {subject}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    )
    return (head + html).encode()


def rows_mail() -> bytes:
    rows = "".join(f"<tr><td>r{n}</td><td>v</td></tr>\r\n" for n in range(100_000))
    return html_mail("rows", f"<html><body><table>\r\n{rows}</table></body></html>")


def nested_mail() -> bytes:
    return html_mail("nested", "<blockquote>\r\n" * 100_000 + "x" + "</blockquote>\r\n" * 100_000)


def plain_mail(subject: str) -> bytes:
    return (
        f"From: Camille Martin <camille@client.example>\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@client.example>\r\n\r\nBonjour, un devis ?\r\n"
    ).encode()


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    settings = mail_settings(tmp_path, RELAIS_HTTP_PORT="0", RELAIS_MAIL_PARSE_WORKERS="1")
    svc = Service(settings)
    await svc.start()
    try:
        yield svc
    finally:
        await svc.stop()


async def lead_titled(engine: Engine, title: str) -> bool:
    sql = "SELECT 1 FROM leads WHERE title = ?"
    return await engine.db.read(lambda c: c.execute(sql, (title,)).fetchone() is not None)


async def test_hostile_html_through_smtp_leaves_a_plain_mail_flowing(service: Service) -> None:
    assert service.mail is not None and service.mail.port is not None
    assert service.engine is not None
    port, engine = service.mail.port, service.engine
    for raw in (rows_mail(), nested_mail()):
        reply = await asyncio.to_thread(
            deliver, port, raw, "a@attack.example", ["leads@relais.example"]
        )
        assert reply.code == 250
    reply = await asyncio.to_thread(
        deliver, port, plain_mail("Poele a granules"), "camille@client.example",
        ["leads@relais.example"],
    )  # fmt: skip
    assert reply.code == 250
    await until(lambda: lead_titled(engine, "Poele a granules"), LEAD_WITHIN)
    await service.mail.processor.idle()
    mails = await engine.mail.records()
    assert [m.status for m in mails] == ["processed"] * 3  # the hostile ones were read too
    assert (await service.mail.processor.backlog_age()) == 0.0


def many_parts(count: int) -> bytes:
    """Linear to parse, but long: ~2 s for 100,000 parts on the test machines."""
    parts = b"".join(
        b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % n for n in range(count)
    )
    head = (
        b'From: p@many.example\r\nSubject: many\r\nContent-Type: multipart/mixed; boundary="b"\r\n'
    )
    return head + b"\r\n" + parts + b"--b--\r\n"


async def store(engine: Engine, raw: bytes, sender: str) -> int:
    stored = await engine.mail.store(RawMail(raw, sender, ("leads@relais.example",)))
    return stored.mail_id


async def test_a_mail_past_the_deadline_fails_and_its_worker_is_replaced(engine: Engine) -> None:
    registry = CollectorRegistry()
    metrics = MailMetrics(registry)
    processor = MailProcessor(engine, default_policy(), deadline=0.25, metrics=metrics)
    wiring.apply(engine.bus, wiring.mail_listeners(processor))
    await processor.start()
    try:
        parser = processor._parser
        assert isinstance(parser, WorkerParser)
        first = parser.workers[0].pid
        slow = await store(engine, many_parts(100_000), "p@many.example")
        plain = await store(engine, plain_mail("Juste apres"), "camille@client.example")
        await processor.idle()
        replaced = parser.workers[0].pid
    finally:
        await processor.stop()
    failed, done = await engine.mail.get(slow), await engine.mail.get(plain)
    assert (failed.status, failed.error) == (
        "failed", "ParseFailed: parsing took longer than the 0.25 s deadline"
    )  # fmt: skip
    assert (done.status, done.outcome) == ("processed", "lead")
    assert replaced not in (None, first)
    deadline = {"reason": "deadline"}
    assert registry.get_sample_value("relais_mail_parser_restarts_total", deadline) == 1


@pytest.mark.slow
def test_a_mail_failed_at_its_deadline_is_processed_by_mail_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELAIS_DATABASE", str(tmp_path / "relais.db"))
    monkeypatch.setenv("RELAIS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RELAIS_LOG_LEVEL", "WARNING")
    monkeypatch.chdir(tmp_path)

    async def fail_one() -> int:
        engine = await Engine.open(tmp_path / "relais.db")
        processor = MailProcessor(engine, default_policy(), deadline=0.25)
        try:
            wiring.apply(engine.bus, wiring.mail_listeners(processor))
            await processor.start()
            mail_id = await store(engine, many_parts(100_000), "p@many.example")
            await processor.idle()
            assert (await engine.mail.get(mail_id)).status == "failed"
            return mail_id
        finally:
            await processor.stop()
            await engine.close()

    mail_id = asyncio.run(fail_one())
    code = main(["mail", "retry", str(mail_id), "--lang", "en"])  # the default deadline
    assert code == 0 and "processed/lead" in capsys.readouterr().out
