"""Reasons written once and read later are read in the reader's language (issue #14).

A run's reason and an outbox message's last error are stored as the catalogue's key and
parameters (``engine.text.catalogue.stored``), so ``run.py workflows runs`` and ``run.py
outbox show`` say them in French or English, whoever wrote them; a remote server's own
words (an SMTP reply, an HTTP body) stay verbatim. Rows stored in English before this
still display. Real SQLite or PostgreSQL, a real SMTP sink, a real HTTP receiver.
"""

from __future__ import annotations

import ast
import io
import json
import re
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest
from aiohttp import web

from cli import admin_lang
from cli import main as cli_main
from cli.context import Context
from cli.main import build_parser
from config.settings import load_settings
from engine.actors import Actor
from engine.core import Engine
from engine.outbox import queue as outbox
from engine.text.catalogue import STORED, Phrase, revive, stored
from engine.workflows.runner import WorkflowRunner
from tests.config.helpers import run_cli
from tests.conftest import database_for
from tests.workflows.conftest import install, new_deal
from tests.workflows.conftest import runner as runner  # the fixtures, for this folder
from tests.workflows.conftest import sink as sink
from tests.workflows.sink import Sink, free_port
from tests.workflows.test_mailer import win, worker

ROOT = Path(__file__).resolve().parents[2]
BROKEN = """
workflows:
  - name: Broken
    trigger: {entity: deal, event: created}
    steps:
      - update: {values: {priority: 9}}
"""
# English words that must not reach a French reader in the lines tested here.
ENGLISH = re.compile(r"\b(invalid input|cannot|refused|failed|not met|loop|could not)\b")


# -- the stored form ----------------------------------------------------------------------


def test_a_phrase_comes_back_with_its_key_and_params_nested_ones_too() -> None:
    inner = Phrase("workflow.reason.field", field="priority", reason="0 à 3")
    said = Phrase("workflow.reason.invalid", fields=[inner])
    back = revive(stored(said))
    assert isinstance(back, Phrase) and back == said and back.key == "workflow.reason.invalid"
    assert back.text("fr") == "valeurs refusées : priority : 0 à 3"
    assert said.stored().startswith(STORED) and Phrase.from_stored(said.stored()) == said


def test_free_text_old_rows_and_broken_forms_stay_as_they_are() -> None:
    assert stored("SMTP 550: no") == "SMTP 550: no" and revive("SMTP 550: no") == "SMTP 550: no"
    assert revive(None) is None and stored(None) is None
    for broken in (STORED + "{", STORED + "[1, 2]", STORED + '{"$phrase": 3}'):
        assert revive(broken) == broken and not isinstance(revive(broken), Phrase)


def test_a_long_remote_reply_is_clipped_so_the_row_still_revives() -> None:
    said = Phrase("outbox.error.smtp", code=550, reply="x" * 2000)
    kept = said.stored()
    assert len(kept) <= 500
    back = revive(kept)
    assert isinstance(back, Phrase) and back.params["code"] == 550
    assert back.text("en").startswith("SMTP 550: xxx") and back.text("en").endswith("…")


# -- workflow runs ------------------------------------------------------------------------


async def test_a_failed_run_reads_in_french_and_in_english(
    engine: Engine, alice: Actor, runner: WorkflowRunner, tmp_path: Path
) -> None:
    await install(engine, BROKEN)
    await new_deal(engine, alice)
    await runner.settle()
    code, fr, _ = await run_cli(tmp_path, "workflows", "runs", "--lang", "fr")
    assert code == 0 and fr.rstrip().endswith(
        "→ échouée — steps[0] : valeurs refusées : priority : la priorité va de 0 à 3 étoiles"
    ), fr
    code, en, _ = await run_cli(tmp_path, "workflows", "runs", "--lang", "en")
    assert en.rstrip().endswith("— steps[0]: invalid input: priority: priority is 0 to 3 stars")
    run_id = fr.split()[0].lstrip("#")
    code, shown, _ = await run_cli(tmp_path, "workflows", "run", run_id, "--lang", "fr")
    step = shown.splitlines()[-1]
    assert step.startswith("  steps[0] UpdateFields: échec") and "valeurs refusées" in step
    assert not ENGLISH.search(step.split("échec", 1)[1]), step
    code, raw, _ = await run_cli(tmp_path, "workflows", "runs", "--json")
    assert json.loads(raw)[0]["reason"].startswith("steps[0]: invalid input")  # no stored form


async def test_reasons_stored_in_english_before_still_display(
    engine: Engine, alice: Actor, runner: WorkflowRunner, tmp_path: Path
) -> None:
    await install(engine, BROKEN)
    for _ in range(3):
        await new_deal(engine, alice)
    await runner.settle()
    old = ("steps[0]: not met: stage = devis", "the workflow was deactivated", "odd old words")
    ids = [r.id for r in reversed(await engine.workflows.runs())]
    for run_id, reason in zip(ids, old, strict=True):
        await engine.db.write(
            partial(_set, "UPDATE workflow_runs SET reason = ? WHERE id = ?", reason, run_id),
            alice,
        )
    _, out, _ = await run_cli(tmp_path, "workflows", "runs", "--lang", "fr")
    reasons = [line.split(" — ", 1)[1] for line in reversed(out.splitlines())]
    assert reasons == [
        "steps[0] : condition non remplie : stage = devis",
        "l'automatisation a été désactivée",
        "odd old words",
    ]


def _set(sql: str, value: str, row_id: int, tx: object) -> None:
    tx.execute(sql, (value, row_id))  # type: ignore[attr-defined]


# -- the outbox ---------------------------------------------------------------------------


async def test_a_refused_mail_shows_french_words_around_the_servers_reply(
    engine: Engine, alice: Actor, runner: WorkflowRunner, sink: tuple[Sink, int], tmp_path: Path
) -> None:
    _, port = sink
    await win(engine, alice, runner, "nobody@dupont.fr")
    running = worker(engine, port)
    try:
        await running.run_once()
    finally:
        await running.close()
    (message,) = await engine.outbox.messages()
    assert message.status == "failed" and message.last_error == "SMTP 550: 5.1.1 no such mailbox"
    code, fr, _ = await run_cli(tmp_path, "outbox", "show", str(message.id), "--lang", "fr")
    lines = fr.splitlines()
    assert code == 0
    assert lines[1] == "    motif : le serveur a refusé (SMTP 550) : 5.1.1 no such mailbox"
    assert lines[-1].endswith(" le serveur a refusé (SMTP 550) : 5.1.1 no such mailbox")
    _, en, _ = await run_cli(tmp_path, "outbox", "show", str(message.id), "--lang", "en")
    assert en.splitlines()[1] == "    reason: SMTP 550: 5.1.1 no such mailbox"
    _, listed, _ = await run_cli(tmp_path, "deal", "show", str(message.deal_id), "--lang", "fr")
    assert "(le serveur a refusé (SMTP 550) : 5.1.1 no such mailbox)" in listed


@pytest.fixture
async def receiver() -> AsyncIterator[str]:
    """A webhook receiver on loopback that refuses for good, in its own words."""

    async def refuse(request: web.Request) -> web.Response:
        return web.Response(status=410, text="Gone: hook retired")

    app = web.Application()
    app.router.add_post("/hook", refuse)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await runner.cleanup()


async def test_a_refused_webhook_keeps_the_receivers_body_verbatim(
    engine: Engine, alice: Actor, receiver: str, sink: tuple[Sink, int], tmp_path: Path
) -> None:
    hook = await engine.db.write(
        partial(outbox.enqueue, kind="webhook", recipient=receiver, payload={"body": {}}), alice
    )
    running = worker(engine, sink[1])
    try:
        await running.run_once()
    finally:
        await running.close()
    code, fr, _ = await run_cli(tmp_path, "outbox", "list", "--status", "dead", "--lang", "fr")
    assert code == 0
    assert (
        fr.splitlines()[1] == "    motif : le destinataire a répondu HTTP 410 : Gone: hook retired"
    )
    _, raw, _ = await run_cli(tmp_path, "outbox", "show", str(hook), "--json")
    assert json.loads(raw)["last_error"] == "HTTP 410: Gone: hook retired"


async def test_an_old_english_last_error_still_displays(
    engine: Engine, alice: Actor, tmp_path: Path
) -> None:
    hook = await engine.db.write(
        partial(outbox.enqueue, kind="webhook", recipient="https://x.example", payload={}), alice
    )
    await engine.db.write(
        partial(_set, "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?",
                "HTTP 500: old words", hook),
        alice,
    )  # fmt: skip
    _, fr, _ = await run_cli(tmp_path, "outbox", "list", "--status", "dead", "--lang", "fr")
    assert fr.splitlines()[1] == "    motif : HTTP 500: old words"


async def test_a_mail_waiting_for_its_relay_says_so_in_french(
    engine: Engine, alice: Actor, runner: WorkflowRunner, tmp_path: Path
) -> None:
    await win(engine, alice, runner, "jean@dupont.fr")
    _, fr, _ = await run_cli(tmp_path, "outbox", "list", "--lang", "fr")
    assert fr.splitlines()[1] == (
        "    motif : en attente d'un relais SMTP (l'envoi d'e-mails n'est pas encore configuré)"
    )


# -- the command line's last English sentences ----------------------------------------------


async def test_a_set_without_equals_is_refused_in_the_readers_language(
    engine: Engine, alice: Actor, tmp_path: Path
) -> None:
    deal = await new_deal(engine, alice)
    for lang, said in (
        ("fr", "erreur : --set attend CHAMP=VALEUR, pas 'stars'\n"),
        ("en", "error: --set expects FIELD=VALUE, not 'stars'\n"),
    ):
        refused = await _main(tmp_path, "deal", "update", str(deal.id), "--set", "stars",
                              "--lang", lang)  # fmt: skip
        assert refused == (1, said)


async def test_a_restore_into_a_database_that_holds_records_is_refused_in_french(
    engine: Engine, alice: Actor, tmp_path: Path
) -> None:
    await new_deal(engine, alice)
    backup = tmp_path / "backup.json"
    code, _, _ = await run_cli(tmp_path, "export", "--output", str(backup))
    assert code == 0, "the export the restore reads"
    code, err = await _main(tmp_path, "restore", str(backup), "--lang", "fr")
    assert code == 1 and err.startswith("erreur : la base contient déjà "), err
    assert " deals ; une sauvegarde ne se restaure que dans une base vide (faites" in err


async def _main(tmp_path: Path, *argv: str) -> tuple[int, str]:
    """``run.py argv`` through the command line's one error handler: code and stderr."""
    settings = load_settings({"RELAIS_DATABASE": database_for(tmp_path)}, env_file=None)
    out, err = io.StringIO(), io.StringIO()
    args = build_parser().parse_args(list(argv))
    admin_lang.settle(args, settings.locale)
    code = await cli_main._run(args, Context(settings, out=out, err=err))
    return code, err.getvalue()


# -- no stored reason is an English literal ------------------------------------------------

# Where a reason is written for later (Outcome(False, …), finish(…), stop(…)) and where a
# command line error is raised (SystemExit(…)), a literal sentence would be read in English
# by everyone: each file here must write a catalogue Phrase instead.
STORING = {"Outcome": 1, "finish": 3, "stop": 2, "SystemExit": 0, "RestoreRefused": 0}
FILES = ["service/mailer.py", "service/outbox.py", "bot/outbox.py", "engine/data/restore.py"]
FILES += [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "engine/workflows").glob("*.py"))]
FILES += [p.relative_to(ROOT).as_posix() for p in sorted((ROOT / "cli").glob("*.py"))]
FILES += ["engine/blueprints/actions.py", "engine/timers/stays.py"]
# A message queued as skipped keeps its reason (``skipped=`` of outbox.enqueue).
SKIPPED = re.compile(r"skipped\s*=\s*None if .* else f?[\"'][^\"']*[A-Za-z]{2,} [A-Za-z]{2,}")
# Each with its reason (none today).
ALLOWED: set[tuple[str, str]] = set()


def stored_literals(path: Path) -> list[tuple[int, str]]:
    """Sentences written as literals where a reason is stored or an error raised."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        position = STORING.get(name or "")
        if position is None or len(node.args) <= position:
            continue
        found += [(node.lineno, part) for part in _words(node.args[position])]
    return found


def _words(node: ast.expr) -> list[str]:
    parts: list[ast.expr] = list(node.values) if isinstance(node, ast.JoinedStr) else [node]
    texts = [p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)]
    return [t for t in texts if re.search(r"[A-Za-zÀ-ÿ]{2,} [A-Za-zÀ-ÿ]{2,}", t)]


def test_no_reason_is_stored_as_an_english_sentence() -> None:
    found = [
        f"{name}:{line}: {text!r}"
        for name in FILES
        for line, text in stored_literals(ROOT / name)
        if (name, text) not in ALLOWED
    ]
    found += [name for name in FILES if SKIPPED.search((ROOT / name).read_text(encoding="utf-8"))]
    assert not found, "write these as catalogue phrases (Phrase(…)):\n" + "\n".join(found)


def test_the_check_sees_a_stored_sentence(tmp_path: Path) -> None:
    code = tmp_path / "x.py"
    code.write_text(
        'Outcome(False, f"cannot send: {e}")\nfinish(tx, run, "failed", "it broke down", now)\n'
        'raise SystemExit(f"--set expects FIELD=VALUE, not {p!r}")\nOutcome(True, "HTTP 200")\n',
        encoding="utf-8",
    )
    assert stored_literals(code) == [
        (1, "cannot send: "), (2, "it broke down"), (3, "--set expects FIELD=VALUE, not "),
    ]  # fmt: skip


async def test_a_malformed_backup_is_refused_field_by_field_in_french(
    engine: Engine, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.json"
    deal = {"id": 1, "title": "Poêle", "expected_close": "31-12", "priority": [1]}
    empty: list[object] = []
    data = {"organisations": empty, "contacts": empty, "leads": empty, "activities": empty}
    backup.write_text(json.dumps({**data, "deals": [deal]}), encoding="utf-8")
    code, err = await _main(tmp_path, "restore", str(backup), "--lang", "fr")
    assert code == 1 and "pas une date (AAAA-MM-JJ) : '31-12'" in err, err
    assert "un texte ou un nombre était attendu, pas [1]" in err
