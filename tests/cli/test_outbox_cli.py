"""``run.py outbox list|show|retry``: lanes and statuses, a dead letter sent again, and
mistakes answered in the user's language, never with a traceback."""

from __future__ import annotations

import asyncio
import json
from functools import partial
from pathlib import Path

import pytest

from cli.main import main
from engine.actors import Actor
from engine.core import Engine
from engine.outbox import queue
from engine.outbox.queue import Outcome
from tests.cli.conftest import RunCli

ADMIN = Actor.cli("test")


async def fill(path: Path) -> dict[str, int]:
    """A webhook refused for good, an e-mail delivered, a Slack notification pending."""
    engine = await Engine.open(path)
    try:
        ids = {}
        for name, kind, to in (
            ("hook", "webhook", "https://hooks.example/x"),
            ("mail", "email", "jean@dupont.fr"),
            ("note", "notification", "channel:C1"),
        ):
            write = partial(queue.enqueue, kind=kind, recipient=to, payload={"text": "t"})
            ids[name] = await engine.db.write(write, ADMIN)
        (hook, mail) = await engine.outbox.claim(("webhook", "email"))
        await engine.outbox.settle(hook.id, Outcome(False, "HTTP 410: gone", 410, retry=False))
        await engine.outbox.settle(mail.id, Outcome(True, "250 ok"))
        return ids
    finally:
        await engine.close()


@pytest.fixture
def ids(folder: Path) -> dict[str, int]:
    return asyncio.run(fill(folder / "cli.db"))


def test_list_by_lane_and_status(ids: dict[str, int], run_cli: RunCli) -> None:
    code, out, err = run_cli("outbox", "list", "--status", "dead", "--lang", "en")
    assert (code, err) == (0, "")
    assert out.splitlines()[1:] == ["    reason: HTTP 410: gone"]
    assert out.startswith(f"#{ids['hook']} webhook to https://hooks.example/x: failed after 1")
    code, out, _ = run_cli("outbox", "list", "--lane", "slack", "--json")
    (note,) = json.loads(out)
    assert (note["id"], note["lane"], note["form"], note["status"]) == (
        ids["note"], "slack", "notification", "pending",
    )  # fmt: skip
    code, out, _ = run_cli("outbox", "list", "--status", "sent", "--json")
    assert [m["id"] for m in json.loads(out)] == [ids["mail"]]


def test_a_dead_letter_is_retried_with_its_history_kept(
    ids: dict[str, int], run_cli: RunCli
) -> None:
    code, out, err = run_cli("outbox", "retry", str(ids["hook"]), "--lang", "en")
    assert (code, out, err) == (0, f"Message #{ids['hook']} queued again: it goes out now "
                                   "(webhook).\n", "")  # fmt: skip
    code, out, _ = run_cli("outbox", "show", str(ids["hook"]), "--json")
    shown = json.loads(out)
    assert (shown["status"], shown["attempts"]) == ("pending", [shown["attempts"][0]])
    assert shown["attempts"][0]["detail"] == "HTTP 410: gone"
    code, out, _ = run_cli("outbox", "show", str(ids["hook"]), "--lang", "fr")
    head, reason, upcoming, title, attempt = out.splitlines()
    assert head.startswith(f"#{ids['hook']} webhook à https://hooks.example/x : en attente après 0")
    assert reason == "    motif : HTTP 410: gone"  # the last reason stays until the next try
    assert upcoming.startswith("    prochain essai : ") and title == "Tentatives :"
    assert " échec 410 " in attempt and attempt.endswith(" HTTP 410: gone")


def test_mistakes_are_said_plainly(
    ids: dict[str, int], capsys: pytest.CaptureFixture[str], run_cli: RunCli
) -> None:
    assert run_cli("outbox", "retry", "999", "--lang", "fr") == (
        1, "", "erreur : pas de message #999\n",
    )  # fmt: skip
    assert run_cli("outbox", "show", "999", "--lang", "en") == (
        1, "", "error: no message #999\n",
    )  # fmt: skip
    code, out, err = run_cli("outbox", "retry", str(ids["mail"]), "--lang", "en")
    assert (code, out) == (1, "")
    assert err == (
        f"error: message #{ids['mail']} is delivered; only a dead letter (failed) can be retried\n"
    )
    with pytest.raises(SystemExit):
        main(["outbox", "retry", "abc"])
    assert "invalid int value" in capsys.readouterr().err
