"""Small helpers shared by the bot's tests."""

from __future__ import annotations

from typing import Any

from bot.app import SlackBot
from tests.fakes.slack import Call, FakeSlack


async def answers(fake: FakeSlack, bot: SlackBot) -> list[Call]:
    """Every response_url post so far, once the bot has finished what it started, in the
    order the requests were sent (their hooks' numbers): requests sent together are
    answered in any order when their writes run side by side (PostgreSQL)."""
    await bot.runtime.settle()
    return sorted(fake.of("response_url"), key=_hook_number)


def _hook_number(call: Call) -> int:
    return int(str(call.params.get("hook", "0")).rsplit("-", 1)[-1])


async def last_answer(fake: FakeSlack, bot: SlackBot) -> Call:
    found = await answers(fake, bot)
    assert found, "the bot answered nothing"
    return found[-1]


def buttons(call: Call) -> dict[str, str]:
    """``{action_id: value}`` of every button (and overflow) the message shows."""
    found: dict[str, str] = {}
    for block in call.params.get("blocks") or []:
        elements = list(block.get("elements") or [])
        if "accessory" in block:
            elements.append(block["accessory"])
        for element in elements:
            if element.get("type") == "button":
                found[element["action_id"]] = element.get("value", "")
            elif element.get("type") == "overflow":
                for option in element["options"]:
                    found[f"{element['action_id']}:{option['text']['text']}"] = option["value"]
    return found


def button_named(call: Call, label: str) -> tuple[str, str]:
    for block in call.params.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("type") == "button" and element["text"]["text"] == label:
                return element["action_id"], element.get("value", "")
    raise AssertionError(f"no button {label!r} in {call.text()}")


def view_of(call: Call) -> dict[str, Any]:
    view: dict[str, Any] = call.params["view"]
    return view


def input_block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def errors_of(body: str) -> dict[str, str]:
    """The ``response_action: errors`` a submission was answered with."""
    import json

    answer = json.loads(body)
    assert answer["response_action"] == "errors", answer
    errors: dict[str, str] = answer["errors"]
    return errors


def opened_view(fake: FakeSlack) -> dict[str, Any]:
    """The modal the last ``views.open`` showed, as the fake Slack holds it (with its id)."""
    sent = view_of(fake.of("views.open")[-1])
    for view in reversed(fake.views.values()):
        if {k: v for k, v in view.items() if k not in ("id", "hash")} == sent:
            return view
    raise AssertionError("the last views.open opened nothing")


async def open_in_one_call(
    fake: FakeSlack, opened: int, updated: int, callback_id: str
) -> dict[str, Any]:
    """The form a click opened: exactly one ``views.open``, of the form itself, no update."""
    assert len(fake.of("views.open")) == opened + 1
    assert len(fake.of("views.update")) == updated  # no loading modal filled afterwards
    view = opened_view(fake)
    assert view["callback_id"] == callback_id
    return view


def shown_view(fake: FakeSlack) -> dict[str, Any]:
    """The modal on screen: the last one opened, as its last update left it."""
    opened = fake.of("views.open")[-1]
    view_id = next(
        (c.params["view_id"] for c in reversed(fake.of("views.update"))),
        None,
    )
    if view_id is None:
        return view_of(opened)
    return fake.views[view_id]
