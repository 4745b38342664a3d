"""``run.py lead show``: the transition history says which transitions the scheduler made."""

from __future__ import annotations

import io
from pathlib import Path

from cli.context import Context
from cli.main import build_parser
from config.settings import load_settings
from tests.blueprint.test_lead_timers import later, setup


async def lead_show(tmp_path: Path, lead_id: int) -> str:
    settings = load_settings(
        {"RELAIS_DATABASE": str(tmp_path / "relais.db"), "RELAIS_LOCALE": "en"}, env_file=None
    )
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(settings, out=out, err=err)
    args = build_parser().parse_args(["lead", "show", str(lead_id)])
    try:
        code: int = await args.handler(args, ctx)
    finally:
        await ctx.close()
    assert code == 0, err.getvalue()
    return out.getvalue()


async def test_show_marks_the_automatic_transitions(tmp_path: Path) -> None:
    engine, alice, lead_id = await setup(tmp_path / "relais.db")
    try:
        await engine.blueprints.perform_lead(lead_id, "contacter", {}, alice)
        assert (await engine.blueprints.run_timers(later(days=22))).transitioned == 1
    finally:
        await engine.close()
    lines = (await lead_show(tmp_path, lead_id)).splitlines()
    assert lines[1] == "blueprint: Relances"
    by_hand, automatic = lines[2:]
    assert by_hand.endswith("Contacter: new → contacted by Alice")
    assert automatic.endswith("Abandonner: contacted → disqualified by automatic")
