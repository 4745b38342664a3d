"""routing.yaml: strict validation, errors naming the file and the path."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.routing import RoutingError, default_policy, load_routing
from engine.mail.routes import OwnerRule

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "routing.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_without_a_file_the_defaults_capture_leads_and_deals(tmp_path: Path) -> None:
    policy = load_routing(tmp_path)
    assert [(r.address, r.creates) for r in policy.routes] == [
        ("leads@relais.example", "lead"),
        ("deals@relais.example", "deal"),
    ]
    assert (policy.cap, policy.cap_minutes) == (20, 120)


def test_the_shipped_file_is_valid_and_is_the_default() -> None:
    assert load_routing(ROOT / "config") == default_policy()


def test_a_full_file(tmp_path: Path) -> None:
    policy = load_routing(
        write(
            tmp_path,
            """
addresses:
  - address: Contact@Example.fr
    owner: alice@example.fr
    campaign: site
  - address: "*@devis.example.fr"
    creates: deal
    pipeline: default
    stage: devis
    owner: {mode: by_domain, domains: {"@acme.fr": bob@example.fr}, fallback: alice@example.fr}
form_senders: [wordpress@example.fr]
allow: [partner.fr]
deny: ["@spam.example.com", bad@x.fr]
limits: {records_per_sender: 5, period_minutes: 60}
spam: {honeypot_fields: [website_url], score_threshold: 6}
""",
        )
    )
    first, second = policy.routes
    assert first.address == "contact@example.fr" and first.owner == OwnerRule(
        "fixed", user="alice@example.fr"
    )
    assert second.address == "*@devis.example.fr" and second.stage == "devis"
    assert second.owner.domains == (("acme.fr", "bob@example.fr"),)
    assert policy.deny == frozenset({"spam.example.com", "bad@x.fr"})
    assert (policy.cap, policy.cap_minutes, policy.spam_threshold) == (5, 60, 6.0)


def test_every_problem_names_the_file_and_its_path(tmp_path: Path) -> None:
    folder = write(
        tmp_path,
        """
addresses:
  - address: not-an-address
    creates: leed
  - address: leads@relais.example
    colour: red
  - address: deals@relais.example
    owner: {mode: fixed}
limits: {records_per_sender: "20"}
""",
    )
    with pytest.raises(RoutingError) as refused:
        load_routing(folder)
    lines = refused.value.problems
    where = str(folder / "routing.yaml")
    assert all(line.startswith(where + ": ") for line in lines)
    text = "\n".join(lines)
    assert "addresses[0].address: not an e-mail address" in text
    assert "addresses[0].creates: Input should be 'lead' or 'deal'" in text
    assert "addresses[1].colour: unknown key" in text
    assert "addresses[2].owner: mode fixed needs a user" in text
    assert "limits.records_per_sender: Input should be a valid integer" in text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("addresses: []", "list at least one capture address"),
        ("addresses: [{address: a@b.fr}, {address: A@B.fr}]", "address a@b.fr is listed twice"),
        (
            "addresses: [{address: a@b.fr, pipeline: x}]",
            "pipeline and stage apply to creates: deal",
        ),
        ("addresses: [{address: a@b.fr\n", "invalid YAML"),
        ("wat: 1", "wat: unknown key"),
    ],
)
def test_refusals(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(RoutingError, match=reason):
        load_routing(write(tmp_path, text))
