"""One settings class: every knob of the hub, read from `HUB_*` variables or `.env`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SmsProvider(StrEnum):
    LOG = "log"
    TWILIO = "twilio"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


class Settings(BaseSettings):
    """The hub's configuration (prefix `HUB_`, `.env` supported)."""

    model_config = SettingsConfigDict(
        env_prefix="HUB_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    amqp_url: Annotated[str, Field(pattern=r"^amqps?://")] = "amqp://guest:guest@127.0.0.1:5672/"
    data_dir: Path = Path("./var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; default SQLite under data_dir"
    )
    public_base_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8000")
    web_host: str = "127.0.0.1"
    web_port: Annotated[int, Field(ge=1, le=65535)] = 8000
    queue_prefix: Annotated[str, Field(pattern=r"^[a-z0-9_.-]*$")] = "hub."

    sms_provider: SmsProvider = SmsProvider.LOG
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    twilio_base_url: AnyHttpUrl | None = Field(
        default=None, description="Override Twilio's API host (a local fake in tests)"
    )

    support_system_url: AnyHttpUrl | None = Field(
        default=None, description="Base URL of the work-order system; embedded stand-in if unset"
    )
    field_app_token: SecretStr | None = Field(
        default=None, description="Bearer token the field-app gateway presents; open if unset"
    )

    check_in_radius_m: Annotated[float, Field(gt=0)] = 500.0
    delivery_limit: Annotated[int, Field(ge=1, le=100)] = 5
    retry_delays_ms: list[Annotated[int, Field(gt=0)]] = [1000, 5000, 30000]
    transient_attempts: Annotated[int, Field(ge=1)] = 6
    prefetch_count: Annotated[int, Field(ge=1)] = 32
    relay_batch_size: Annotated[int, Field(ge=1)] = 200
    relay_poll_interval_s: Annotated[float, Field(gt=0)] = 0.25
    timer_poll_interval_s: Annotated[float, Field(gt=0)] = 1.0
    graceful_timeout_s: Annotated[float, Field(gt=0)] = 30.0
    connect_timeout_s: Annotated[float, Field(gt=0)] = 30.0
    http_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    log_json: bool = False
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _twilio_needs_credentials(self) -> Settings:
        if self.sms_provider is SmsProvider.TWILIO:
            missing = [
                f"HUB_{name.upper()}"
                for name in ("twilio_account_sid", "twilio_auth_token", "twilio_from_number")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"sms_provider=twilio needs {', '.join(missing)}")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'hub.sqlite3').resolve()}"

    @property
    def public_url(self) -> str:
        """The public base URL without a trailing slash."""
        return str(self.public_base_url).rstrip("/")


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning a validation failure into a message that names each setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(part) for part in err["loc"]) or "settings"
            name = f"HUB_{field.upper()}" if err["loc"] else field
            problems.append(f"{name}: {err['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
