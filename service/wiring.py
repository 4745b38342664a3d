"""Who listens to which domain event: the one table of the composition root.

The engine publishes its events after each commit (:mod:`engine.api`'s bus);
what the service does about them is written here, as data, and nowhere else
in the service: one row per subscription — an event pattern, the name of a
listener, and why. :class:`service.app.Service` builds its parts, names
their listeners and calls :func:`apply` before any part starts, so no event
of start-up is missed. A part that is not configured (Slack, say) simply
names no listener, and its rows are skipped.

Every event whose effects a worker delivers (a transition's messages, an
escalation, a workflow's notices, a quote's e-mail) wakes that worker at
once: the ticks and polls are only a safety net, never the delay. Reminders
publish no event; :class:`service.automation.Reminders` wakes the Slack
notifications itself, through the callback it is built with.

No part subscribes itself. The workflow runner and the mail processor also
run outside the service (``run.py smtp``, tests, benchmarks): whoever starts
one there applies this same table to it, with :func:`workflow_listeners` or
:func:`mail_listeners`, so it listens exactly as it does in the service.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlencode

from bot import forms_fit
from engine.api import DomainEvent, Engine, NotFound
from service.web import RecordPages, SlackLink

if TYPE_CHECKING:  # only their listeners are named here; no import of the parts themselves
    from bot.app import SlackBot
    from bot.runtime import Runtime
    from engine.api.workflows import WorkflowRunner
    from ingest.processor import MailProcessor

Handler = Callable[[DomainEvent], Awaitable[None]]
Condition = Callable[[DomainEvent], bool]


class Bus(Protocol):
    """The engine's event bus, as far as wiring goes."""

    def subscribe(self, pattern: str, handler: Handler) -> None: ...


def always(event: DomainEvent) -> bool:
    return True


def queued(event: DomainEvent) -> bool:
    """The event says it left messages in the outbox (``data["queued"]`` > 0)."""
    return bool(event.data.get("queued"))


@dataclass(frozen=True, slots=True)
class Wire:
    """``pattern`` (``*``, ``deal.*`` or an exact name) → the listener named ``listener``."""

    pattern: str
    listener: str
    why: str
    when: Condition = always


WIRING: tuple[Wire, ...] = (
    Wire("*", "metrics", "every event is counted (relais_events)"),
    Wire("*", "workflows", "a change may start workflows: the runner reads the timeline on"),
    Wire("mail.received", "mail", "a stored mail is queued for parsing and intake"),
    Wire("*", "slack.notifier", "a lead's or deal's change: a notice, or its update, to post"),
    Wire("deal.*", "slack.home", "the App Home of the people a deal concerns is redrawn"),
    Wire("activity.*", "slack.home", "the same for an activity"),
    Wire("lead.*", "slack.home", "every open App Home: its leads to claim may have changed"),
    Wire("deal.*", "slack.notifications", "a deal's transition or escalation notifies"),
    Wire("lead.transitioned", "slack.notifications", "a lead transition's After notifies"),
    Wire("lead.escalated", "slack.notifications", "a lead's escalation notifies"),
    Wire("workflow_run.queued", "slack.notifications", "a workflow's notices"),
    Wire("deal.transitioned", "outbox", "a transition's webhooks and e-mails", queued),
    Wire("deal.quote_emailed", "outbox", "a quote's e-mail", queued),
    Wire("workflow_run.queued", "outbox", "a workflow's webhooks and e-mails", queued),
    # A lead transition does not say what it queued: a wake-up costs one claim.
    Wire("lead.transitioned", "outbox", "a lead transition's webhooks and e-mails"),
)

LISTENERS = frozenset(wire.listener for wire in WIRING)


def slack_listeners(runtime: Runtime) -> dict[str, Handler]:
    """The Slack bot's listeners, by their names in the table."""
    return {
        "slack.notifier": runtime.notifier.on_event,
        "slack.home": runtime.home.on_event,
        "slack.notifications": runtime.outbox.on_event,
    }


def workflow_listeners(runner: WorkflowRunner) -> dict[str, Handler]:
    """The workflow runner's listener, by its name in the table."""
    return {"workflows": runner.on_event}


def mail_listeners(processor: MailProcessor) -> dict[str, Handler]:
    """The mail processor's listener, by its name in the table."""
    return {"mail": processor.on_received}


def apply(bus: Bus, listeners: Mapping[str, Handler], wiring: Iterable[Wire] = WIRING) -> int:
    """Subscribe each row whose listener is present; returns how many were subscribed."""
    unknown = set(listeners) - LISTENERS
    if unknown:
        raise ValueError(f"listeners in no row of the wiring table: {sorted(unknown)}")
    count = 0
    for wire in wiring:
        handler = listeners.get(wire.listener)
        if handler is not None:
            bus.subscribe(wire.pattern, _when(wire.when, handler))
            count += 1
    return count


def _when(condition: Condition, handler: Handler) -> Handler:
    if condition is always:
        return handler

    async def filtered(event: DomainEvent) -> None:
        if condition(event):
            await handler(event)

    filtered.__name__ = getattr(handler, "__name__", "listener")
    return filtered


def describe(wiring: Iterable[Wire] = WIRING) -> str:
    """The table as text (docs, ``--help`` or a look in a shell)."""
    return "\n".join(f"{w.pattern:<22} → {w.listener:<20} {w.why}" for w in wiring)


# -- the renderer's limits -------------------------------------------------------


def renderers(engine: Engine) -> None:
    """Register the Slack bot's check of forms with the engine, which cannot import it.

    Every blueprint a rep meets is shown by the bot: once registered, the engine's
    own save (``engine.blueprints.save``) refuses a form the bot could not show, as
    ``blueprint apply`` and ``config check``/``config apply`` already did beforehand.
    """
    engine.blueprints.use_form_fit(forms_fit.fits)


# -- the record pages (service/web.py) ------------------------------------------


def record_pages(
    engine: Engine, slack: SlackBot | None, *, public_url: str = "", locale: str = "en"
) -> RecordPages:
    """The record pages of the web server: the engine says what exists, Slack where to go."""

    async def exists(kind: str, record_id: int) -> bool:
        try:
            await (engine.deals.get(record_id) if kind == "deal" else engine.leads.get(record_id))
        except NotFound:
            return False
        return True

    def link() -> SlackLink:
        return slack_link(slack.identity if slack is not None else {})

    return RecordPages(exists, link, public_url, locale)


def slack_link(identity: Mapping[str, object]) -> SlackLink:
    """The app in its workspace when ``auth.test`` said which; else Slack itself.

    ``team_id`` and ``app_id`` give ``slack://app?team=…&id=…`` (the app's home);
    the workspace's address (``url``) is offered too, for a browser without the app.
    """
    team, app, url = (identity.get(k) for k in ("team_id", "app_id", "url"))
    workspace = str(url) if isinstance(url, str) and url.startswith("https://") else None
    if isinstance(team, str) and team and isinstance(app, str) and app:
        query = urlencode({"team": team, "id": app})
        there = (
            f"{workspace.rstrip('/')}/app_redirect?{urlencode({'app': app})}" if workspace else None
        )
        return SlackLink(f"slack://app?{query}", there)
    if isinstance(team, str) and team:
        return SlackLink(f"slack://open?{urlencode({'team': team})}", workspace)
    return SlackLink("slack://open", workspace)
