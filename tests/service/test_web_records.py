"""``/deals/42`` and ``/leads/7`` over HTTP: the reference and the way to Slack, nothing more.

Unfurled links point at these addresses; a browser that opens one is not
authenticated, so the page must not show the record's data.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings
from engine.api import Actor
from engine.crm.contacts import ContactDraft
from engine.crm.deals import DealDraft
from engine.crm.leads import LeadDraft
from service.app import Service
from service.wiring import slack_link
from tests.service.conftest import settings_for
from tests.service.helpers import fetch

SECRET_TITLE = "Poêle chez M. Secret"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path, RELAIS_PUBLIC_URL="https://relais.example.com/")


async def a_deal(service: Service) -> int:
    assert service.engine is not None
    contact = ContactDraft("Jean Secret", "jean@secret.example")
    deal = await service.engine.deals.create(
        DealDraft(SECRET_TITLE, contact, expected_revenue="12345"), Actor.cli()
    )
    return deal.id


async def test_a_deals_page_gives_its_reference_and_a_link_to_slack_only(
    service: Service,
) -> None:
    deal_id = await a_deal(service)
    status, body, headers = await fetch(service, f"/deals/{deal_id}", {"Accept-Language": "en"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert f"D-{deal_id}" in body and "open Slack" in body
    assert 'href="slack://open"' in body  # no Slack configured: Slack itself
    for private in ("Secret", "12345", "secret.example"):
        assert private not in body
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"


async def test_accept_language_chooses_french_or_english(service: Service) -> None:
    deal_id = await a_deal(service)
    path = f"/deals/{deal_id}"
    _, french, _ = await fetch(service, path, {"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"})
    _, english, _ = await fetch(service, path, {"Accept-Language": "de-DE, en-GB;q=0.7, fr;q=0.3"})
    _, default, _ = await fetch(service, path, {"Accept-Language": "de, *;q=0.5"})
    assert "Ouvrir Slack" in french and '<html lang="fr">' in french
    assert "Open Slack" in english and '<html lang="en">' in english
    assert '<html lang="fr">' in default  # RELAIS_LOCALE when the browser asks for neither


async def test_a_leads_page_and_a_trailing_slash(service: Service) -> None:
    assert service.engine is not None
    lead = await service.engine.leads.create(LeadDraft("Insert secret"), Actor.cli())
    status, body, _ = await fetch(service, f"/leads/{lead.id}/", {"Accept-Language": "en"})
    assert status == 200 and f"L-{lead.id}" in body and "secret" not in body


async def test_unknown_and_junk_ids_are_404_without_a_traceback(service: Service) -> None:
    deal_id = await a_deal(service)
    for path in (
        f"/deals/{deal_id + 1}", f"/leads/{deal_id}", "/deals/0", "/deals/abc", "/deals/-1",
        "/deals/1e3", "/deals/9999999999", "/deals/" + "9" * 5000, "/deals/%00", "/deals/4%2F2",
        "/deals/%F0%9F%94%A5", f"/deals/{deal_id}/edit",
    ):  # fmt: skip
        status, body, _ = await fetch(service, path, {"Accept-Language": "en"})
        assert status == 404, path
        assert "Traceback" not in body and "Secret" not in body, path


async def test_the_pages_follow_the_public_urls_path(tmp_path: Path) -> None:
    svc = Service(settings_for(tmp_path, RELAIS_PUBLIC_URL="https://example.com/crm/"))
    await svc.start()
    try:
        deal_id = await a_deal(svc)
        for path in (f"/crm/deals/{deal_id}", f"/deals/{deal_id}"):
            status, body, _ = await fetch(svc, path)
            assert status == 200 and f"D-{deal_id}" in body, path
    finally:
        await svc.stop()


def test_the_slack_link_opens_the_app_when_its_workspace_and_id_are_known() -> None:
    known = {"team_id": "T042", "app_id": "A0RELAIS", "url": "https://acme.slack.com/"}
    link = slack_link(known)
    assert link.opens == "slack://app?team=T042&id=A0RELAIS"
    assert link.workspace == "https://acme.slack.com/app_redirect?app=A0RELAIS"
    assert slack_link({"team_id": "T042"}).opens == "slack://open?team=T042"
    assert slack_link({"url": "javascript:alert(1)"}).workspace is None
