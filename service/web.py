"""The one web server: /healthz, /metrics, record links, and the Slack endpoint once mounted.

``/healthz`` answers for two kinds of question. A *check* says whether a part
is up (the database answers, the SMTP listener serves): one failing check
makes the answer ``fail`` with HTTP 503. A *probe* says whether a part keeps
up (the oldest mail waiting to be processed is younger than its threshold):
a probe that reports makes the answer ``degraded``, still HTTP 200 — the
service works but lags, and restarting it would not help — with the probe's
figures under ``degraded``. Probes also refresh their gauges before each
``/metrics`` answer, so the metrics show the figures of that moment.

A record's link (``<RELAIS_PUBLIC_URL>deals/42``, ``…/leads/7``) is what Slack
unfurls, and what a person may open in a browser. The browser is not
authenticated, so the page says nothing of the record but its reference
(``D-42``) and where to see it: Slack, with a link that opens it, in French or
English as the browser's ``Accept-Language`` asks. An unknown record is a 404;
an id that is not a number of at most nine digits matches no route (a 404 too).
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web

from engine.api import LOCALES, text
from service import instance
from telemetry.metrics import Metrics

Check = Callable[[], Awaitable[bool]]
Probe = Callable[[], Awaitable[Mapping[str, float] | None]]  # figures when degraded
Exists = Callable[[str, int], Awaitable[bool]]  # ("deal" | "lead", id) → is there such a record
KINDS = {"deals": ("deal", "D"), "leads": ("lead", "L")}
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class SlackLink:
    """Where a record's page sends the reader: a link that opens Slack, and the workspace."""

    opens: str  # slack://app?team=…&id=…, slack://open?team=…, or slack://open
    workspace: str | None = None  # https://example.slack.com/… when known


@dataclass(frozen=True, slots=True)
class RecordPages:
    """What the record pages need: whether a record exists, and the way to Slack now."""

    exists: Exists
    slack: Callable[[], SlackLink]
    public_url: str = ""  # its path, if any, prefixes the pages' paths
    locale: str = "en"  # the language when the browser asks for none Relais speaks


def build_web_app(
    checks: dict[str, Check],
    metrics: Metrics,
    probes: dict[str, Probe] | None = None,
    pages: RecordPages | None = None,
) -> web.Application:
    """The aiohttp application serving ``/healthz``, ``/metrics`` and the record pages."""
    app = web.Application()
    probing = probes if probes is not None else {}

    async def healthz(request: web.Request) -> web.Response:
        parts = {name: await _safe(check) for name, check in checks.items()}
        for name, ok in parts.items():
            metrics.up.labels(component=name).set(1 if ok else 0)
        failing = [name for name, ok in parts.items() if not ok]
        degraded = await _lagging(probing)
        body = {
            "status": "fail" if failing else "degraded" if degraded else "ok",
            "instance": instance.name(),
            "components": parts,
            "failing": failing,
            "degraded": degraded,
        }
        return web.json_response(body, status=503 if failing else 200)

    async def metrics_view(request: web.Request) -> web.Response:
        await _lagging(probing)  # refreshes the probes' gauges
        await metrics.refresh()  # and those read from the engine (service/metrics_feed.py)
        return web.Response(body=metrics.render(), content_type="text/plain", charset="utf-8")

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_view)
    if pages is not None:
        add_record_pages(app, pages)
    return app


def add_record_pages(app: web.Application, pages: RecordPages) -> None:
    """``/deals/{id}`` and ``/leads/{id}`` (under RELAIS_PUBLIC_URL's path, if it has one)."""

    async def record(request: web.Request) -> web.Response:
        kind, letter = KINDS[request.match_info["kind"]]
        record_id = int(request.match_info["id"])
        locale = chosen_locale(request.headers.get("Accept-Language", ""), pages.locale)
        if not await pages.exists(kind, record_id):
            body = _page(locale, text(locale, "web.not_found_title"), text(locale, "web.not_found"))
            return _html(body, 404)
        ref = f"{letter}-{record_id}"
        return _html(_record_page(locale, ref, pages.slack()), 200)

    route = r"/{kind:deals|leads}/{id:\d{1,9}}"
    prefix = (urlsplit(pages.public_url).path if pages.public_url else "").rstrip("/")
    for base in dict.fromkeys((prefix, "")):  # a proxy may or may not strip the path
        app.router.add_get(base + route, record)
        app.router.add_get(base + route + "/", record)


def chosen_locale(accept_language: str, default: str) -> str:
    """The language the browser prefers among Relais' own (``fr-FR;q=0.8, en`` → ``en``)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().split("-")[0].lower()
        if language in LOCALES and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else default


def _record_page(locale: str, ref: str, slack: SlackLink) -> str:
    """The reference, the sentence saying it lives in Slack, and the links there."""
    sentence = html.escape(text(locale, "web.record_in_slack", ref=ref))
    opens = html.escape(slack.opens, quote=True)
    links = f'<p><a href="{opens}">{html.escape(text(locale, "web.open_slack"))}</a></p>'
    if slack.workspace:
        there = html.escape(slack.workspace, quote=True)
        label = html.escape(text(locale, "web.open_workspace"))
        links += f'<p><a href="{there}">{label}</a></p>'
    return _page(locale, ref, sentence + links, escaped=True)


def _page(locale: str, title: str, body: str, *, escaped: bool = False) -> str:
    content = body if escaped else f"<p>{html.escape(body)}</p>"
    return (
        f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · Relais</title></head>"
        f'<body style="font-family: sans-serif; max-width: 36em; margin: 3em auto">'
        f"<h1>{html.escape(title)}</h1>{content}</body></html>"
    )


def _html(body: str, status: int) -> web.Response:
    return web.Response(
        text=body, status=status, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS
    )


async def _safe(check: Check) -> bool:
    try:
        return await check()
    except Exception:
        return False


async def _lagging(probes: dict[str, Probe]) -> dict[str, Mapping[str, float]]:
    """The probes that report, with their figures (a probe that fails reports nothing)."""
    found: dict[str, Mapping[str, float]] = {}
    for name, probe in probes.items():
        try:
            figures = await probe()
        except Exception:
            continue  # the checks say when the database itself is down
        if figures is not None:
            found[name] = figures
    return found
