from pathlib import Path

import pytest

from config.settings import SETTINGS, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_work_out_of_the_box() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.database == "var/relais.db"
    assert (settings.smtp_host, settings.smtp_port, settings.http_port) == ("127.0.0.1", 2525, 3000)
    assert settings.locale == "fr" and settings.timezone == "Europe/Paris"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert not settings.slack_enabled


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RELAIS_SMTP_PORT", "abc"),
        ("RELAIS_HTTP_PORT", "70000"),
        ("RELAIS_LOCALE", "de"),
        ("RELAIS_TIMEZONE", "Mars/Olympus"),
        ("SLACK_API_URL", "ftp://x"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value}, env_file=None)


def test_secrets_are_never_echoed() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"SLACK_BOT_TOKEN": "xoxb-secret", "RELAIS_SMTP_PORT": "x"}, env_file=None)
    assert "xoxb-secret" not in str(refused.value)
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-secret"}, env_file=None)
    assert settings.redacted()["SLACK_BOT_TOKEN"] == "***"


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("RELAIS_LOCALE=en\nRELAIS_SMTP_PORT=2600\n")
    settings = load_settings({"RELAIS_SMTP_PORT": "2700"}, env_file=env)
    assert (settings.locale, settings.smtp_port) == ("en", 2700)


def test_every_setting_is_documented_in_docs() -> None:
    """The settings table lives in ``docs/settings.md`` (more checks: ``tests/test_docs.py``)."""
    settings_page = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in settings_page]
    assert missing == []
