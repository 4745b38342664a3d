"""The SMTP handler called directly with aiosmtpd's Session and Envelope (no socket)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, LoginPassword, Session

from engine.core import Engine
from engine.errors import StorageError
from engine.mail.inbox import RawMail, Stored
from engine.mail.routes import IntakePolicy
from ingest.auth import AuthFileError, hash_password, load_users, verify
from ingest.limits import ConnectionLimiter, RateLimiter
from ingest.smtp import CaptureHandler, Limits
from tests.ingest.conftest import eml

SERVER: SMTP = None  # type: ignore[assignment]  # the hooks never use it


def session(peer: str = "192.0.2.7") -> Session:
    made = Session(asyncio.get_running_loop())
    made.peer = (peer, 40000)  # type: ignore[assignment]
    return made


@pytest.fixture
def handler(engine: Engine, policy: IntakePolicy) -> CaptureHandler:
    return CaptureHandler(engine, policy, Limits(max_recipients=2, messages_per_minute=3))


async def test_mail_from_checks_syntax_and_accepts_the_null_sender(handler: CaptureHandler) -> None:
    env = Envelope()
    assert (
        await handler.handle_MAIL(SERVER, session(), env, "jo@acme.fr", []) == "250 2.1.0 Sender OK"
    )
    assert env.mail_from == "jo@acme.fr"
    assert (await handler.handle_MAIL(SERVER, session(), Envelope(), "<>", [])).startswith("250")
    refused = await handler.handle_MAIL(SERVER, session(), Envelope(), "jo@@acme", [])
    assert refused.startswith("553 5.1.7 <jo@@acme>: Sender address rejected")


async def test_rcpt_refuses_what_is_not_a_capture_address(handler: CaptureHandler) -> None:
    env = Envelope()
    assert await handler.handle_RCPT(SERVER, session(), env, "leads@relais.example", []) == (
        "250 2.1.5 Recipient OK"
    )
    for outsider in ("postmaster@gmail.com", "leads@relais.example.evil.com", "root"):
        reply = await handler.handle_RCPT(SERVER, session(), env, outsider, [])
        assert reply.startswith("550 5.1.1"), outsider
    assert env.rcpt_tos == ["leads@relais.example"]


async def test_rcpt_checks_that_a_deal_address_names_a_deal(handler: CaptureHandler) -> None:
    reply = await handler.handle_RCPT(SERVER, session(), Envelope(), "deals+999@relais.example", [])
    assert reply == "550 5.1.1 <deals+999@relais.example>: Recipient address rejected: no such deal"


async def test_too_many_recipients(handler: CaptureHandler) -> None:
    env = Envelope()
    for address in ("leads@relais.example", "deals@relais.example"):
        assert (await handler.handle_RCPT(SERVER, session(), env, address, [])).startswith("250")
    assert await handler.handle_RCPT(SERVER, session(), env, "leads+x@relais.example", []) == (
        "452 4.5.3 Too many recipients"
    )


async def test_per_client_message_rate(handler: CaptureHandler) -> None:
    replies = [
        await handler.handle_MAIL(SERVER, session(), Envelope(), "a@b.fr", []) for _ in range(4)
    ]
    assert [r[:3] for r in replies] == ["250", "250", "250", "451"]
    assert replies[-1] == "451 4.7.1 Too many messages from 192.0.2.7; try again later"
    other = await handler.handle_MAIL(SERVER, session("192.0.2.8"), Envelope(), "a@b.fr", [])
    assert other.startswith("250")


async def test_data_answers_250_only_after_the_message_is_stored(
    handler: CaptureHandler, engine: Engine
) -> None:
    env = Envelope()
    env.mail_from, env.rcpt_tos = "<>", ["leads@relais.example"]
    env.original_content = eml("bounce.eml")
    reply = await handler.handle_DATA(SERVER, session(), env)
    mail_id = int(reply.rsplit(" ", 1)[1])
    assert reply == f"250 2.0.0 OK: queued as {mail_id}"
    stored = await engine.mail.get(mail_id)
    assert (stored.mail_from, stored.rcpt_tos, stored.peer) == (
        "",
        ("leads@relais.example",),
        "192.0.2.7",
    )
    assert await engine.mail.raw(mail_id) == eml("bounce.eml")


async def test_a_storage_failure_is_a_transient_451(
    handler: CaptureHandler, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(mail: RawMail) -> Stored:
        raise StorageError("disk full")

    monkeypatch.setattr(engine.mail, "store", broken)
    env = Envelope()
    env.mail_from, env.rcpt_tos, env.original_content = "a@b.fr", ["leads@relais.example"], b"x"
    assert (
        await handler.handle_DATA(SERVER, session(), env)
        == "451 4.3.0 Temporary failure; try again later"
    )
    assert (
        await handler.handle_exception(RuntimeError("boom"))
        == "451 4.3.0 Temporary failure; try again later"
    )


def test_rate_limiter_refills_over_time() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert all(limiter.allow("x") for _ in range(60)) and not limiter.allow("x")
    now[0] += 1.0
    assert limiter.allow("x") and not limiter.allow("x")
    assert RateLimiter(0).allow("x")


def test_connection_limiter() -> None:
    limiter = ConnectionLimiter(2)
    assert limiter.acquire("a") and limiter.acquire("a") and not limiter.acquire("a")
    assert limiter.acquire("b")
    limiter.release("a")
    assert limiter.acquire("a") and limiter.open_sessions() == 3


def test_auth_users_file(tmp_path: Path) -> None:
    line = "site:" + hash_password("s3cret", salt=b"0123456789abcdef")
    stored = line.split(":", 1)[1]
    assert verify(stored, b"s3cret") and not verify(stored, b"nope")
    path = tmp_path / "users"
    path.write_text(f"# websites\n{line}\n")
    assert list(load_users(path)) == ["site"]
    path.write_text("site:plaintext\n")
    with pytest.raises(AuthFileError, match="line 1"):
        load_users(path)


def test_authenticate_checks_the_password(engine: Engine, policy: IntakePolicy) -> None:
    users = {"site": hash_password("s3cret")}
    handler = CaptureHandler(engine, policy, users=users)
    good = handler.authenticate(SERVER, None, None, "PLAIN", LoginPassword(b"site", b"s3cret"))  # type: ignore[arg-type]
    bad = handler.authenticate(SERVER, None, None, "PLAIN", LoginPassword(b"site", b"x"))  # type: ignore[arg-type]
    assert good.success and not bad.success
