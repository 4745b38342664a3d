"""``run.py mail …`` and ``run.py smtp``'s sibling commands, through cli.main."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.main import main
from config.routing import load_routing
from engine.core import Engine
from engine.mail.inbox import RawMail
from ingest.listener import MailListener
from ingest.processor import MailProcessor
from service import wiring
from tests.ingest.conftest import mail_settings

ROUTING = """
addresses:
  - address: leads@relais.example
  - address: deals@relais.example
    creates: deal
    pipeline: {pipeline}
limits: {{records_per_sender: 1}}
"""


def mail(n: int, sender: str = "jo@acme.fr") -> bytes:
    head = f"From: {sender}\r\nSubject: Projet {n}\r\nMessage-ID: <cli-{n}@t>\r\n"
    return f"{head}\r\nCorps {n}\r\n".encode()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config"
    config.mkdir()
    (config / "routing.yaml").write_text(ROUTING.format(pipeline="missing"))
    monkeypatch.setenv("RELAIS_DATABASE", str(tmp_path / "relais.db"))
    monkeypatch.setenv("RELAIS_CONFIG_DIR", str(config))
    monkeypatch.setenv("RELAIS_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("RELAIS_LOCALE", "en")  # the commands' output is read in English
    monkeypatch.chdir(tmp_path)
    return config


def receive(tmp_path: Path, messages: list[tuple[bytes, str]]) -> None:
    async def run() -> None:
        engine = await Engine.open(tmp_path / "relais.db")
        policy = load_routing(tmp_path / "config")
        processor = MailProcessor(engine, policy, workers=0)
        for raw, to in messages:
            stored = await engine.mail.store(RawMail(raw, "jo@acme.fr", (to,)))
            await processor.process(stored.mail_id)
        await engine.close()

    asyncio.run(run())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list_show_retry_and_release(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    receive(
        tmp_path,
        [(mail(1), "leads@relais.example"), (mail(2), "leads@relais.example"),
         (mail(3, "zoe@z.fr"), "deals@relais.example")],
    )  # fmt: skip
    code, out, _ = run(capsys, "mail", "list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert "failed" in lines[0] and "held/capped" in lines[1] and "processed/lead" in lines[2]
    code, out, _ = run(capsys, "mail", "show", "3")
    assert "status:       failed" in out and "error:" in out and "pipeline" in out
    assert "Corps 3" not in out  # never parsed into text yet
    code, out, _ = run(capsys, "mail", "retry")
    assert code == 1 and "failed" in out  # the routing still names a missing pipeline
    (env / "routing.yaml").write_text(ROUTING.format(pipeline="default"))
    code, out, _ = run(capsys, "mail", "retry", "3")
    assert code == 0 and "processed/deal" in out
    code, out, _ = run(capsys, "mail", "release", "2")
    assert code == 0 and "processed/lead" in out
    code, _, err = run(capsys, "mail", "release", "2")
    assert code == 1 and "mail 2 is processed, not held" in err
    code, out, _ = run(capsys, "mail", "list", "--status", "processed")
    assert len(out.splitlines()) == 3
    code, out, _ = run(capsys, "mail", "show", "1", "--raw")
    assert code == 0


def test_an_invalid_routing_file_is_reported(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (env / "routing.yaml").write_text("addresses: [{address: nope}]\n")
    code, _, err = run(capsys, "mail", "retry")
    assert code == 0  # nothing failed, nothing to route
    code, _, err = run(capsys, "smtp")
    assert code == 2 and "routing.yaml: addresses[0].address: not an e-mail address" in err


@pytest.fixture
def running(tmp_path: Path) -> Iterator[int]:
    """A listener on its own loop in a thread, over the same database file."""
    ready: list[int] = []
    stop = threading.Event()

    async def serve() -> None:
        settings = mail_settings(tmp_path, RELAIS_CONFIG_DIR=str(tmp_path / "config"))
        engine = await Engine.open(settings.database_path)
        listener = MailListener(engine, settings)
        wiring.apply(engine.bus, wiring.mail_listeners(listener.processor))
        await listener.start()
        assert listener.port is not None
        ready.append(listener.port)
        await asyncio.to_thread(stop.wait)
        await listener.stop()
        await engine.close()

    thread = threading.Thread(target=asyncio.run, args=(serve(),))
    thread.start()
    while not ready and thread.is_alive():
        stop.wait(0.02)
    try:
        yield ready[0]
    finally:
        stop.set()
        thread.join()


def test_send_test_delivers_a_sample_and_shows_the_lead(
    env: Path, running: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "mail", "send-test", "--port", str(running))
    assert code == 0
    assert "leads@relais.example ← camille.martin@exemple-chauffage.fr: 250 2.0.0 OK" in out
    assert "processed/lead" in out


def test_send_test_explains_when_nothing_listens(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "mail", "send-test", "--port", "1")
    assert code == 1 and "is the listener running?" in err


def test_hash_password(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    code, out, _ = run(capsys, "mail", "hash-password", "website")
    assert code == 0 and out.startswith("website:scrypt:")
