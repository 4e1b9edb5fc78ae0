"""One settings class: every knob of the hub, read from `HUB_*` variables or `.env`."""

from __future__ import annotations

import ipaddress
from datetime import time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.domain.appointment import AppointmentPolicy
from hub.domain.clock import ClockWindow
from hub.domain.notifications import SmsLimits
from hub.messaging.addresses import split_amqp_urls


class SmsProvider(StrEnum):
    LOG = "log"
    TWILIO = "twilio"


class EmailMode(StrEnum):
    LOG = "log"
    SMTP = "smtp"


class ReportLang(StrEnum):
    ZH = "zh"
    EN = "en"


class AcceptanceOverride(BaseModel):
    """Acceptance limits for one product (`HUB_ACCEPTANCE_BY_PRODUCT`, JSON by product name)."""

    model_config = ConfigDict(extra="forbid")

    down_ratio: float = Field(default=0.9, gt=0, le=1.5)
    up_ratio: float = Field(default=0.9, gt=0, le=1.5)
    max_loss_pct: float = Field(default=1.0, ge=0, le=100)
    max_rtt_avg_ms: float = Field(default=50.0, gt=0)
    max_jitter_ms: float = Field(default=30.0, ge=0)


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


class Settings(BaseSettings):
    """The hub's configuration (prefix `HUB_`, `.env` supported)."""

    model_config = SettingsConfigDict(
        env_prefix="HUB_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    amqp_url: Annotated[str, Field(pattern=r"^amqps?://")] = Field(
        default="amqp://guest:guest@127.0.0.1:5672/",
        description="RabbitMQ URL, or the URLs of a cluster's nodes separated by commas",
    )
    data_dir: Path = Path("./var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; default SQLite under data_dir"
    )
    public_base_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8000")
    web_host: str = "127.0.0.1"
    web_port: Annotated[int, Field(ge=1, le=65535)] = 8000
    forwarded_allow_ips: str | None = Field(
        default=None,
        description="Reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For "
        "is believed; unset: none, the peer address is the client",
    )
    body_max_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = Field(
        default=1024 * 1024,
        description="Largest request body for routes without a limit of their own",
    )
    standin_port: Annotated[int, Field(ge=0, le=65535)] = Field(
        default=8001,
        description="Loopback port of the embedded stand-ins' APIs (`hub up`); 0: a free port",
    )
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
    inventory_url: AnyHttpUrl | None = Field(
        default=None, description="Base URL of the resource inventory; embedded stand-in if unset"
    )
    inventory_seed: bool = Field(
        default=True,
        description="Seed the embedded inventory with the Shanghai demo data when it is empty",
    )
    # Identities (issue 8): who may call the hub's HTTP API.
    auth_user_store: bool = Field(
        default=True,
        description="Accept hub API tokens from the embedded user store (`hub users`)",
    )
    auth_user_store_on_network: bool = Field(
        default=False,
        description="Let the web listen beyond loopback with only the embedded user store "
        "(no identity provider): a conscious choice",
    )
    oidc_issuer: str | None = Field(default=None, description="Identity provider's issuer URL")
    oidc_jwks_url: str | None = Field(default=None, description="Its JWKS (signing keys) URL")
    oidc_audience: str | None = Field(default=None, description="The audience tokens must name")
    oidc_leeway_s: Annotated[int, Field(ge=0, le=600)] = 60
    oidc_role_claim: str = "roles"
    oidc_technician_claim: str = "technician_id"
    staff_session_ttl_h: Annotated[float, Field(gt=0, le=24 * 7)] = 8.0

    check_in_radius_m: Annotated[float, Field(gt=0)] = 500.0

    # Appointments (issue 10): booking rules and timers, in the zone of HUB_REPORT_TIMEZONE.
    working_hours_start: time = Field(
        default=time(8, 0), description="Local time a visit window may start from"
    )
    working_hours_end: time = Field(
        default=time(20, 0), description="Local time a visit window must end by"
    )
    reschedules_flag_at: Annotated[int, Field(ge=1, le=20)] = Field(
        default=3, description="This many reschedules of one booking flag it for the supervisor"
    )
    accept_within_min: Annotated[int, Field(ge=1, le=24 * 60)] = Field(
        default=30, description="Minutes a technician has to accept (接单) a dispatched order"
    )
    call_review_sample_pct: Annotated[int, Field(ge=0, le=100)] = Field(
        default=10, description="Share of passing booking calls a supervisor reviews (抽查)"
    )
    confirm_by: time = Field(
        default=time(9, 0), description="Local time on the day a visit should be confirmed by"
    )
    delivery_limit: Annotated[int, Field(ge=1, le=100)] = 5
    retry_delays_ms: list[Annotated[int, Field(gt=0)]] = [1000, 5000, 30000]
    transient_attempts: Annotated[int, Field(ge=1)] = 6
    prefetch_count: Annotated[int, Field(ge=1)] = 32
    db_pool_size: Annotated[
        int,
        Field(
            ge=1,
            le=100,
            description="PostgreSQL connections per process, opened as needed and kept",
        ),
    ] = 20
    relay_batch_size: Annotated[int, Field(ge=1)] = 200
    relay_lanes: Annotated[
        int,
        Field(ge=1, le=16, description="outbox batches in flight at once (PostgreSQL only)"),
    ] = 1
    relay_poll_interval_s: Annotated[float, Field(gt=0)] = 0.25
    timer_poll_interval_s: Annotated[float, Field(gt=0)] = 1.0
    graceful_timeout_s: Annotated[float, Field(gt=0)] = 30.0
    connect_timeout_s: Annotated[float, Field(gt=0)] = 30.0
    broker_attempt_timeout_s: Annotated[
        float,
        Field(
            gt=0,
            description="one connection attempt to one broker address (TCP and AMQP "
            "handshake), at start and on every reconnect, before the next address is tried",
        ),
    ] = 5.0
    broker_heartbeat_s: Annotated[
        int,
        Field(
            ge=0,
            description="AMQP heartbeat asked of each broker address without its own "
            "`heartbeat=`; a node that stops answering is noticed after about 3x this",
        ),
    ] = 10
    http_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    log_json: bool = False
    log_level: str = "INFO"

    # Delivery (issue 4): test acceptance, reports, e-mail, billing.
    acceptance_speed_ratio: Annotated[float, Field(gt=0, le=1.5)] = 0.9
    acceptance_max_loss_pct: Annotated[float, Field(ge=0, le=100)] = 1.0
    acceptance_max_rtt_avg_ms: Annotated[float, Field(gt=0)] = 50.0
    acceptance_max_jitter_ms: Annotated[float, Field(ge=0)] = 30.0
    acceptance_by_product: dict[str, AcceptanceOverride] = Field(default_factory=dict)
    screenshot_max_bytes: Annotated[int, Field(ge=1024, le=20_000_000)] = 5_000_000
    report_lang: ReportLang = ReportLang.ZH
    report_timezone: str = "Asia/Shanghai"
    report_workers: Annotated[int, Field(ge=1, le=8)] = 2
    report_render_timeout_s: Annotated[float, Field(gt=0, le=20)] = 20.0
    report_worker_memory_mb: Annotated[int, Field(ge=256)] = 2048
    # Issue 11: a render worker whose memory peaked past this is replaced after answering.
    report_worker_max_rss_mb: Annotated[int, Field(ge=128)] = 300
    email_mode: EmailMode = EmailMode.LOG
    smtp_host: str = "127.0.0.1"
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "delivery-hub@localhost"
    smtp_starttls: bool | None = Field(
        default=None, description="True/False forces STARTTLS on/off; unset: use it if offered"
    )
    billing_url: AnyHttpUrl | None = Field(
        default=None, description="Base URL of the billing system; embedded stand-in if unset"
    )

    # Signing (issue 4): links, one-time codes, reminders.
    signing_secret: SecretStr | None = Field(
        default=None,
        description="HMAC key for codes, CSRF and sessions; unset: a key file in data_dir",
    )
    signing_link_ttl_h: Annotated[float, Field(gt=0, le=24 * 30)] = 72.0
    signing_reminder_after_h: Annotated[float, Field(gt=0)] = 24.0
    signing_max_reminders: Annotated[int, Field(ge=0, le=5)] = 2
    signing_probe_limit_per_min: Annotated[int, Field(ge=1)] = 30

    # Input the field app reports (issue 8): how far its clock may be from the hub's.
    client_clock_past_h: Annotated[float, Field(gt=0, le=24 * 30)] = Field(
        default=48.0, description="A check-in or measurement may be this many hours old"
    )
    client_clock_future_s: Annotated[float, Field(ge=0, le=3600)] = Field(
        default=300.0, description="... and this many seconds ahead of the hub's clock"
    )
    screenshots_per_order: Annotated[int, Field(ge=1, le=200)] = 20
    results_per_order: Annotated[int, Field(ge=1, le=500)] = 50
    # SMS limits per day (in HUB_REPORT_TIMEZONE): per order, per phone number, for the hub.
    sms_limit_per_order_day: Annotated[int, Field(ge=0)] = 30
    sms_limit_per_phone_day: Annotated[int, Field(ge=0)] = 20
    sms_limit_per_day: Annotated[int, Field(ge=0)] = 20_000

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

    @model_validator(mode="after")
    def _oidc_is_complete(self) -> Settings:
        if self.oidc_issuer and not (self.oidc_jwks_url and self.oidc_audience):
            raise ValueError("HUB_OIDC_ISSUER needs HUB_OIDC_JWKS_URL and HUB_OIDC_AUDIENCE")
        return self

    @model_validator(mode="after")
    def _working_hours_are_ordered(self) -> Settings:
        if self.working_hours_end <= self.working_hours_start:
            raise ValueError("HUB_WORKING_HOURS_END must be after HUB_WORKING_HOURS_START")
        return self

    @field_validator("amqp_url")
    @classmethod
    def _broker_addresses_parse(cls, value: str) -> str:
        split_amqp_urls(value)
        return value

    @property
    def amqp_urls(self) -> tuple[str, ...]:
        """The broker addresses in the order to try them (`HUB_AMQP_URL`, comma-separated)."""
        return split_amqp_urls(self.amqp_url)

    @field_validator("report_timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    def unsafe_listen_reason(self, host: str) -> str | None:
        """Why the web must not listen on `host`, or None: beyond loopback it needs an identity
        provider, or an explicit choice to rely on the embedded user store."""
        if (
            is_loopback_host(host)
            or self.oidc_issuer
            or (self.auth_user_store and self.auth_user_store_on_network)
        ):
            return None
        return (
            f"refusing to listen on {host}: beyond loopback the hub needs an identity provider "
            "(HUB_OIDC_ISSUER, HUB_OIDC_JWKS_URL, HUB_OIDC_AUDIENCE) or "
            "HUB_AUTH_USER_STORE_ON_NETWORK=true to rely on `hub users` tokens"
        )

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies_are_addresses(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            if entry == "*":
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network") from None
        return ",".join(entries)

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'hub.sqlite3').resolve()}"

    @property
    def sms_limits(self) -> SmsLimits:
        """The daily SMS limits."""
        return SmsLimits(
            per_order=self.sms_limit_per_order_day,
            per_phone=self.sms_limit_per_phone_day,
            per_day=self.sms_limit_per_day,
        )

    @property
    def appointment_policy(self) -> AppointmentPolicy:
        """The booking rules and timers, in the report time zone."""
        return AppointmentPolicy(
            zone=ZoneInfo(self.report_timezone),
            opens=self.working_hours_start,
            closes=self.working_hours_end,
            flag_at=self.reschedules_flag_at,
            accept_within=timedelta(minutes=self.accept_within_min),
            confirm_by=self.confirm_by,
        )

    @property
    def clock_window(self) -> ClockWindow:
        """How far reported times may lie from the hub's clock."""
        return ClockWindow(
            past=timedelta(hours=self.client_clock_past_h),
            future=timedelta(seconds=self.client_clock_future_s),
        )

    @property
    def public_url(self) -> str:
        """The public base URL without a trailing slash."""
        return str(self.public_base_url).rstrip("/")


def load_settings(**overrides: Any) -> Settings:  # raw values: `Settings` validates them
    """Read settings, turning a validation failure into a message that names each setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(part) for part in err["loc"]) or "settings"
            name = f"HUB_{field.upper()}" if err["loc"] else field
            problems.append(f"{name}: {err['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or `localhost`; `0.0.0.0` and `::` listen everywhere."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
