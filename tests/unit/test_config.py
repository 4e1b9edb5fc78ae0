"""Start-up fails with a message that names the bad setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import SettingsError, load_settings


def test_defaults_give_the_embedded_sqlite_database_under_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert (
        settings.resolved_database_url
        == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'hub.sqlite3'}"
    )
    assert settings.amqp_url == "amqp://guest:guest@127.0.0.1:5672/"


def test_malformed_amqp_url_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_AMQP_URL", "http://not-amqp")
    with pytest.raises(SettingsError, match="HUB_AMQP_URL"):
        load_settings()


def test_non_numeric_port_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_WEB_PORT", "eighty")
    with pytest.raises(SettingsError, match="HUB_WEB_PORT"):
        load_settings()


def test_twilio_without_credentials_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_SMS_PROVIDER", "twilio")
    with pytest.raises(SettingsError, match=r"HUB_TWILIO_ACCOUNT_SID.*HUB_TWILIO_AUTH_TOKEN"):
        load_settings()


def test_unknown_sms_provider_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_SMS_PROVIDER", "carrier-pigeon")
    with pytest.raises(SettingsError, match="HUB_SMS_PROVIDER"):
        load_settings()
