"""The fake Slack's Block Kit checker: each limit real Slack enforces is caught.

Pure checks first (one payload, one broken limit each), then the fake itself:
it answers an invalid payload as Slack does and remembers it, so the test
that sent it fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.block_limits import (
    errors_problems,
    message_problems,
    options_problems,
    submission_answer_problems,
    view_problems,
)
from tests.fakes.slack import TOKEN, FakeSlack


def section(text: str = "ok", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def option(text: str = "A", value: str = "a") -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def input_of(element: dict[str, Any], block_id: str = "b") -> dict[str, Any]:
    label = {"type": "plain_text", "text": "L"}
    return {"type": "input", "block_id": block_id, "label": label, "element": element}


def modal(*blocks: dict[str, Any], **extra: Any) -> dict[str, Any]:
    title = {"type": "plain_text", "text": "Title"}
    return {"type": "modal", "callback_id": "c", "title": title, "blocks": list(blocks), **extra}


def checkboxes(count: int) -> dict[str, Any]:
    options = [option(f"Item {n}", str(n)) for n in range(count)]
    return {"type": "checkboxes", "action_id": "value", "options": options}


def select(count: int, kind: str = "static_select") -> dict[str, Any]:
    options = [option(f"Option {n}", f"#{n}") for n in range(count)]
    return {"type": kind, "action_id": "value", "options": options}


def test_a_valid_message_and_modal_pass() -> None:
    assert message_problems({"text": "hi", "blocks": [section()] * 50}) == []
    assert view_problems(modal(input_of(checkboxes(10)), input_of(select(100), "s"))) == []
    assert view_problems({"type": "home", "blocks": [section()] * 100}) == []


def msg(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"text": "x", "blocks": list(blocks)}


def button(action_id: str = "a") -> dict[str, Any]:
    text = {"type": "plain_text", "text": "B"}
    return {
        "type": "actions",
        "elements": [{"type": "button", "action_id": action_id, "text": text}],
    }


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def number(decimal: bool | None, **values: str) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "number_input", **values}
    if decimal is not None:
        element["is_decimal_allowed"] = decimal
    return input_of(element)


def overflow(count: int) -> dict[str, Any]:
    options = [option(value=str(n)) for n in range(count)]
    return section(accessory={"type": "overflow", "action_id": "o", "options": options})


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (msg(*[section()] * 51), "51 blocks in a message"),
        (msg(section("x" * 3001)), "3000"),
        (msg(header("h" * 151)), "150"),
        (msg(section(block_id="b" * 256)), "block_id"),
        (msg(section(block_id="a"), section(block_id="a")), "used twice"),
        (msg({"type": "bogus"}), "unknown block type"),
        (msg(button("a" * 256)), "action_id"),
        (msg(overflow(6)), "options"),
    ],
)
def test_each_message_limit_is_caught(payload: dict[str, Any], expected: str) -> None:
    problems = message_problems(payload)
    assert any(expected in p for p in problems), problems


def modal_with(element: dict[str, Any]) -> dict[str, Any]:
    return modal(input_of(element))


def text(value: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": value}


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (modal(*[section()] * 101), "101 blocks"),
        ({"type": "home", "blocks": [section()] * 101}, "101 blocks"),
        (modal(section(), title=text("T" * 25)), "title"),
        (modal(section(), submit=text("S" * 25)), "submit"),
        (modal(section(), close=text("C" * 25)), "close"),
        (modal(section(), private_metadata="m" * 3001), "private_metadata"),
        (modal(section(), callback_id="c" * 256), "callback_id"),
        (modal_with(checkboxes(11)), "11 options (at most 10)"),
        (modal_with({**checkboxes(11), "type": "radio_buttons"}), "11 options (at most 10)"),
        (modal_with(select(101)), "101 options (at most 100)"),
        (modal_with(select(101, "multi_static_select")), "101 options (at most 100)"),
        (modal_with({**select(1), "options": [option("t" * 76)]}), "at most 75"),
        (modal_with({**select(1), "options": [option("t", "v" * 151)]}), "at most 150"),
        (modal_with({**select(2), "initial_option": option("Other", "#9")}), "not one of"),
        (modal_with({**select(1), "type": "external_select"}), "takes no options"),
        (modal(number(False, initial_value="12.5")), "not an integer"),
        (modal(number(False, min_value="0.5")), "min_value"),
        (modal(number(True, initial_value="1E+3")), "not a decimal"),
        (modal(number(None, initial_value="1")), "is_decimal_allowed"),
        (modal_with({"type": "mystery_input"}), "unknown element type"),
        (modal_with({"type": "datepicker", "initial_date": "12/06/2025"}), "initial_date"),
    ],
)
def test_each_view_limit_is_caught(view: dict[str, Any], expected: str) -> None:
    problems = view_problems(view)
    assert any(expected in p for p in problems), problems


def test_errors_must_name_input_blocks_of_the_view() -> None:
    view = modal(section(block_id="intro"), input_of({"type": "plain_text_input"}, "f_a"))
    assert errors_problems(view, {"f_a": "wrong"}) == []
    assert errors_problems(view, {"f_gone": "wrong"}) == [
        "errors['f_gone']: not an input block_id of the view"
    ]
    assert errors_problems(view, {"intro": "wrong"})  # a section is not an input
    answer = {"response_action": "errors", "errors": {"nope": "x"}}
    assert submission_answer_problems(view, answer)
    bad_update = {"response_action": "update", "view": modal(*[section()] * 101)}
    assert submission_answer_problems(view, bad_update)
    assert submission_answer_problems(view, None) == []


def test_an_external_selects_options_answer_is_checked() -> None:
    assert options_problems({"options": [option()]}) == []
    assert options_problems({"options": [option(value=str(n)) for n in range(101)]})
    assert options_problems({"options": [option("t" * 76)]})
    assert options_problems({}) == ["options answer: neither options nor option_groups"]


async def test_the_fake_refuses_like_slack_and_fails_the_test_that_sent_it() -> None:
    fake = FakeSlack()
    await fake.start()
    client = AsyncWebClient(token=TOKEN, base_url=fake.api_url)
    try:
        response = await client.api_call(
            "chat.postMessage", json={"channel": "C1", "text": "x", "blocks": [section()] * 51}
        )
    except Exception as exc:  # slack_sdk raises SlackApiError on ok: false
        response = exc.response  # type: ignore[attr-defined]
    assert response["error"] == "invalid_blocks"
    assert fake.of("chat.postMessage!invalid") and not fake.of("chat.postMessage")
    with pytest.raises(AssertionError, match="51 blocks in a message"):
        await fake.stop()
    assert fake.violations == []  # reported once
