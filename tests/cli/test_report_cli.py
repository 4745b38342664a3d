"""``run.py report --png FILE``: the forecast chart Slack gets, written to a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from charts.forecast import HEIGHT, WIDTH
from cli.main import main
from tests.bot.test_forecast_chart import png_size


def test_report_writes_the_forecast_chart_in_either_language(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["deal", "new", "Poêle Dupont"]) == 0
    assert main(["deal", "update", "1", "--set", "amount=7500"]) == 0
    charts = {}
    for lang, said in (("fr", "graphique écrit dans"), ("en", "chart written to")):
        path = folder / f"forecast-{lang}.png"
        assert main(["report", "--png", str(path), "--lang", lang]) == 0
        assert said in capsys.readouterr().out
        charts[lang] = path.read_bytes()
        assert png_size(charts[lang]) == (WIDTH, HEIGHT)
    assert charts["fr"] != charts["en"]  # the labels differ


def test_report_into_a_folder_that_does_not_exist_is_one_line_not_a_traceback(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--png", str(folder / "no" / "such" / "x.png"), "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err
