"""The compiled price book is cached: a 10,000-rule pricing.yaml is parsed once per version."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bench.price_book import price_book
from config import cpq_reading
from config.cpq_cache import cache_folder, load_cpq_cached
from config.cpq_schema import CpqConfigError
from config.settings import load_settings


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every YAML parse of a CPQ file, by path."""
    seen: list[Path] = []
    read = cpq_reading.read_yaml

    def counting(path: Path) -> object:
        seen.append(path)
        return read(path)

    monkeypatch.setattr(cpq_reading, "read_yaml", counting)
    return seen


def test_a_10000_rule_book_is_parsed_once_then_read_from_the_cache(
    tmp_path: Path, parses: list[Path]
) -> None:
    folder, cache = tmp_path / "config", tmp_path / "cache"
    folder.mkdir()
    (folder / "pricing.yaml").write_text(price_book(10_000), encoding="utf-8")

    first = load_cpq_cached(folder, cache)
    second = load_cpq_cached(folder, cache)  # as the next run.py command would
    third = load_cpq_cached(folder, cache)

    assert len(parses) == 1
    for code in ("P00000", "P01999"):
        rules = first.book.prices.for_product(code)
        assert len(rules) == 5
        assert second.book.prices.for_product(code) == rules == third.book.prices.for_product(code)
    assert second.settings == first.settings
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert [stat.S_IMODE(p.stat().st_mode) for p in cache.iterdir()] == [0o600]


def test_the_cache_is_invalidated_when_the_file_changes(tmp_path: Path, parses: list[Path]) -> None:
    folder, cache = tmp_path / "config", tmp_path / "cache"
    folder.mkdir()
    pricing = folder / "pricing.yaml"
    pricing.write_text(price_book(30, products=10), encoding="utf-8")
    before = load_cpq_cached(folder, cache)
    pricing.write_text(price_book(40, products=10), encoding="utf-8")
    after = load_cpq_cached(folder, cache)
    again = load_cpq_cached(folder, cache)

    assert len(parses) == 2
    assert len(after.book.prices.for_product("P00000")) == 4
    assert len(again.book.prices.for_product("P00000")) == 4
    assert len(before.book.prices.for_product("P00000")) == 3
    assert len(list(cache.iterdir())) == 1  # one entry per pricing.yaml, rewritten


def test_an_invalid_file_is_never_cached_and_a_damaged_entry_is_a_miss(
    tmp_path: Path, parses: list[Path]
) -> None:
    folder, cache = tmp_path / "config", tmp_path / "cache"
    folder.mkdir()
    pricing = folder / "pricing.yaml"
    pricing.write_text("price_rules: [{id: x}]\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(CpqConfigError):
            load_cpq_cached(folder, cache)
    assert len(parses) == 2

    pricing.write_text(price_book(3, products=3), encoding="utf-8")
    load_cpq_cached(folder, cache)
    for entry in cache.iterdir():
        entry.write_bytes(b"not a pickle")
    load_cpq_cached(folder, cache)
    assert len(parses) == 4


def test_the_cache_folder_follows_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RELAIS_CACHE_DIR", raising=False)
    sqlite = load_settings({"RELAIS_DATABASE": str(tmp_path / "var" / "r.db")}, env_file=None)
    assert cache_folder(sqlite) == tmp_path / "var" / "cache"
    monkeypatch.setenv("RELAIS_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert cache_folder(sqlite) == tmp_path / "elsewhere"
    monkeypatch.setenv("RELAIS_CACHE_DIR", "off")
    assert cache_folder(sqlite) is None
    assert os.environ["RELAIS_CACHE_DIR"] == "off"


def test_the_cache_reads_the_file_the_schema_names() -> None:
    from config import cpq_cache, cpq_schema

    assert cpq_cache.PRICING_FILE == cpq_schema.PRICING_FILE
