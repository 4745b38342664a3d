"""Who owns a lead or deal created from mail: the route's rule (fixed, round robin, by domain)."""

from __future__ import annotations

from engine.crm.users import find_user_row
from engine.mail.prospect import Prospect
from engine.mail.routes import Route
from engine.store.db import Tx


def pick_owner(tx: Tx, route: Route, prospect: Prospect) -> int | None:
    rule = route.owner
    if rule.mode == "fixed":
        return _user_id(tx, rule.user)
    if rule.mode == "round_robin":
        return _round_robin(tx, route.address, rule.users)
    if rule.mode == "by_domain":
        domain = prospect.email.domain if prospect.email else ""
        for suffix, user in rule.domains:
            if domain == suffix or domain.endswith("." + suffix):
                return _user_id(tx, user)
        return _user_id(tx, rule.fallback)
    return None


def _user_id(tx: Tx, ref: str | None) -> int | None:
    if not ref:
        return None
    row = find_user_row(tx.conn, ref)
    return int(row["id"]) if row is not None and row["active"] else None


def _round_robin(tx: Tx, key: str, users: tuple[str, ...]) -> int | None:
    if users:
        candidates = [uid for uid in (_user_id(tx, u) for u in users) if uid is not None]
    else:
        rows = tx.all("SELECT id FROM users WHERE active = 1 AND role = 'rep' ORDER BY id")
        candidates = [row["id"] for row in rows]
    if not candidates:
        return None
    counter = tx.scalar("SELECT counter FROM mail_route_state WHERE route = ?", (key,)) or 0
    tx.execute(
        "INSERT INTO mail_route_state (route, counter) VALUES (?, ?)"
        " ON CONFLICT (route) DO UPDATE SET counter = excluded.counter",
        (key, counter + 1),
    )
    return candidates[counter % len(candidates)]
