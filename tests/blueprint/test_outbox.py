"""After-actions that talk to the outside: written with the transition, delivered after."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import yaml
from aiohttp import web

from config.blueprint_schema import parse_blueprint
from engine import clock
from engine.actors import Actor
from engine.blueprints.refusals import InputsRejected
from engine.core import Engine
from engine.crm.deals import DealDraft
from service.outbox import OutboxWorker

BLUEPRINT = """
pipeline: default
name: Webhooks
transitions:
  - key: qualifier
    name: Qualifier
    from: [nouveau]
    to: estimation
    during:
      fields:
        - {key: budget, label: Budget, type: money, field: budget}
        - {key: source, label: Source, type: choice, options: [web, salon]}
        - {key: phone, label: Téléphone, type: phone}
    after:
      - {action: webhook, url: "URL", headers: {X-Token: secret}}
      - {action: notify, to: owner, text: "{deal.title} qualifié"}
  - {key: perdre, name: Perdre, from: "*", to: perdu,
     during: {fields: [{key: r, label: R, type: text, field: lost_reason}]}}
  - {key: suite, name: Suite, from: [estimation], to: visite_technique}
  - {key: devis, name: Devis, from: [visite_technique], to: devis}
  - {key: gagner, name: Gagner, from: [devis], to: gagne}
"""


@dataclass
class Target:
    """A webhook receiver on loopback that fails a given number of times first."""

    failures: int
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.headers.append(dict(request.headers))
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=503, text="busy")
        self.received.append(await request.json())
        return web.Response(status=204)


@pytest.fixture
async def target() -> AsyncIterator[Target]:
    receiver = Target(failures=2)
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    receiver.url = f"http://127.0.0.1:{port}/hook"
    yield receiver
    await runner.cleanup()


async def test_a_webhook_that_fails_twice_is_retried_then_delivered(
    engine: Engine, admin: Actor, alice: Actor, target: Target
) -> None:
    data = yaml.safe_load(BLUEPRINT.replace("URL", target.url))
    await engine.blueprints.save(parse_blueprint(data, "test"), admin)
    deal = await engine.deals.create(DealDraft("Insert Jøtul"), alice)
    values = {"budget": "6000", "source": "salon", "phone": "06 12 34 56 78"}
    done = await engine.blueprints.perform(deal.id, "qualifier", values, alice)
    assert done.queued == 2
    worker = OutboxWorker(engine, timeout=5)
    try:
        start = clock.utcnow()
        assert await worker.run_once(start) == 0  # 503: retried in 10 s
        assert await worker.run_once(start + timedelta(seconds=5)) == 0  # not due yet
        assert await worker.run_once(start + timedelta(seconds=11)) == 0  # 503 again
        assert await worker.run_once(start + timedelta(seconds=11 + 21)) == 1
        assert await worker.run_once(start + timedelta(hours=2)) == 0  # nothing left
    finally:
        await worker.close()
    hooks = [m for m in await engine.outbox.messages(deal.id) if m.kind == "webhook"]
    assert [(m.status, m.attempts) for m in hooks] == [("delivered", 3)]
    attempts = await engine.outbox.attempts(hooks[0].id)
    assert [(a.ok, a.status_code) for a in attempts] == [(False, 503), (False, 503), (True, 204)]
    [body] = target.received
    assert body["transition"]["key"] == "qualifier" and body["deal"]["id"] == deal.id
    assert body["values"] == {"budget": "6000.00", "source": "salon", "phone": "06 12 34 56 78"}
    assert len(target.headers) == 3 and target.headers[-1]["X-Token"] == "secret"
    assert {h["X-Relais-Message-Id"] for h in target.headers} == {str(hooks[0].id)}
    [note] = [m for m in await engine.outbox.messages(deal.id) if m.kind == "notification"]
    assert note.status == "pending" and note.recipient == "user:U_ALICE"


async def test_a_permanent_refusal_is_not_retried(
    engine: Engine, admin: Actor, alice: Actor, target: Target
) -> None:
    data = yaml.safe_load(BLUEPRINT.replace("URL", target.url + "/missing"))
    await engine.blueprints.save(parse_blueprint(data, "test"), admin)
    deal = await engine.deals.create(DealDraft("Insert"), alice)
    values = {"budget": "1", "source": "web", "phone": "0612345678"}
    await engine.blueprints.perform(deal.id, "qualifier", values, alice)
    worker = OutboxWorker(engine)
    try:
        await worker.run_once()
    finally:
        await worker.close()
    [hook] = [m for m in await engine.outbox.messages(deal.id) if m.kind == "webhook"]
    assert (hook.status, hook.attempts) == ("failed", 1)
    assert hook.last_error is not None and hook.last_error.startswith("HTTP 404")


async def test_nothing_is_queued_when_the_transition_fails(
    engine: Engine, admin: Actor, alice: Actor
) -> None:
    data = yaml.safe_load(BLUEPRINT.replace("URL", "http://127.0.0.1:9/hook"))
    await engine.blueprints.save(parse_blueprint(data, "test"), admin)
    deal = await engine.deals.create(DealDraft("Insert"), alice)
    with pytest.raises(InputsRejected):
        await engine.blueprints.perform(deal.id, "qualifier", {"budget": "x"}, alice)
    assert await engine.outbox.messages(deal.id) == []
