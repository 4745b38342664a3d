"""``config/apply.py`` only translates: the models become the engine's set-up records.

Plain unit tests, no database: the work itself is tested through
``apply_config`` (tests/config/test_apply*.py) and ``Engine.setup.apply``
(tests/engine/test_setup.py).
"""

from __future__ import annotations

from pathlib import Path

from config.apply import ApplyRefused, crm_setup
from config.loader import load_config
from config.models import RelaisConfig, UserConfig
from engine.crm.pipelines import StageSpec
from engine.crm.users import UserDraft
from tests.config.helpers import copy_shipped


def test_a_file_absent_is_a_part_left_out() -> None:
    config = RelaisConfig(users=(UserConfig(name="Rep", email="rep@example.com"),))
    setup = crm_setup(config)
    assert setup.pipelines is None
    assert setup.projects is None
    assert setup.users == (UserDraft("Rep", "rep@example.com"),)


def test_the_shipped_files_translate_field_for_field(tmp_path: Path) -> None:
    config = load_config(copy_shipped(tmp_path / "config"))
    setup = crm_setup(config)
    assert config.pipelines is not None and setup.pipelines is not None
    for wanted, given in zip(setup.pipelines, config.pipelines, strict=True):
        assert (wanted.key, wanted.name, wanted.currency, wanted.default) == (
            given.key,
            given.name,
            given.currency,
            given.default,
        )
        assert [s.key for s in wanted.stages] == [s.key for s in given.stages]
        assert all(isinstance(s, StageSpec) for s in wanted.stages)
    outcomes = {s.outcome for p in setup.pipelines for s in p.stages}
    assert outcomes == {None, "won", "lost"}  # "none" in the file is no outcome


def test_a_refusal_names_the_file_and_the_path() -> None:
    refused = ApplyRefused([("pipelines.yaml", "pipelines[1].stages", "why")])
    assert refused.lines(Path("/etc/relais")) == [
        "/etc/relais/pipelines.yaml: pipelines[1].stages: why"
    ]
