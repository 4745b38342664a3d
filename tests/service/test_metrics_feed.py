"""/metrics over HTTP counts what the engine did: workflow runs, writes, the outbox by lane."""

from __future__ import annotations

import yaml
from prometheus_client.parser import text_string_to_metric_families

from config.workflow_schema import parse_workflows
from engine.api import Actor
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.users import UserDraft
from service.app import Service
from tests.service.helpers import get

NOTIFY = """
workflows:
  - name: Hello
    owner: alice@example.com
    trigger: {entity: deal, event: created}
    steps: [{notify: {text: "hello {deal.title}"}}]
"""


async def scrape(service: Service) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, text = await get(service, "/metrics")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_workflow_runs_writes_and_the_outbox_are_counted(service: Service) -> None:
    engine, runner = service.engine, service.workflows
    assert engine is not None and runner is not None
    admin = Actor.cli("test")
    await engine.users.upsert(UserDraft("Alice Martin", "alice@example.com", "U_ALICE"), admin)
    await engine.workflows.apply(parse_workflows(yaml.safe_load(NOTIFY), "t.yaml"), admin)
    before = await scrape(service)
    for n in range(3):
        contact = ContactDraft(f"Client {n}", f"client{n}@example.com")
        await engine.deals.create(DealDraft(f"Deal {n}", contact), admin)
    await runner.settle()

    after = await scrape(service)
    assert after[("relais_workflow_runs_total", (("outcome", "succeeded"),))] == 3
    writes = after[("relais_db_writes_total", ())] - before[("relais_db_writes_total", ())]
    assert writes >= 3
    assert after[("relais_db_commits_total", ())] > before[("relais_db_commits_total", ())]
    assert after[("relais_db_write_seconds_count", ())] >= writes
    # No Slack bot here: the three notices wait in the slack lane.
    assert after[("relais_outbox_pending", (("lane", "slack"),))] == 3
    assert after[("relais_outbox_pending", (("lane", "email"),))] == 0
    assert after[("relais_outbox_failed", (("lane", "webhook"),))] == 0

    again = await scrape(service)  # counters do not grow by being read
    assert again[("relais_workflow_runs_total", (("outcome", "succeeded"),))] == 3
