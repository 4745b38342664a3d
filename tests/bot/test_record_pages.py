"""A record's page, when the Slack bot runs: its link opens the workspace Relais is in."""

from __future__ import annotations

from engine.actors import Actor
from engine.crm.deals import DealDraft
from service.app import Service
from tests.fakes.slack import TEAM
from tests.service.helpers import fetch


async def test_a_deals_page_opens_the_workspace_auth_test_named(service: Service) -> None:
    assert service.engine is not None
    deal = await service.engine.deals.create(DealDraft("Poêle discret"), Actor.cli())
    status, body, _ = await fetch(service, f"/deals/{deal.id}", {"Accept-Language": "fr"})
    assert status == 200 and f"D-{deal.id}" in body and "discret" not in body
    assert f'href="slack://open?team={TEAM}"' in body
    assert 'href="https://relais-test.slack.com/"' in body
    assert "Ouvrir Slack" in body
