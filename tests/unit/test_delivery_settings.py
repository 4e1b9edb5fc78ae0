"""Delivery settings: acceptance thresholds per product from the environment, render limits."""

from __future__ import annotations

import pytest

from hub.bootstrap import acceptance_policy
from hub.config import SettingsError, load_settings
from hub.reports.pool import MAX_RSS_MB


def test_defaults_ask_ninety_percent_of_the_bandwidth_and_one_percent_loss() -> None:
    limits = acceptance_policy(load_settings()).thresholds_for("数据专线", 200)
    assert (limits.min_down_mbps, limits.min_up_mbps, limits.max_loss_pct) == (180, 180, 1.0)


def test_a_product_override_is_read_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ACCEPTANCE_BY_PRODUCT", '{"互联网专线": {"up_ratio": 0.2}}')
    policy = acceptance_policy(load_settings())
    assert policy.thresholds_for("互联网专线", 1000).min_up_mbps == 200
    assert policy.thresholds_for("数据专线", 1000).min_up_mbps == 900


def test_a_render_time_limit_above_twenty_seconds_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_REPORT_RENDER_TIMEOUT_S", "60")
    with pytest.raises(SettingsError, match="HUB_REPORT_RENDER_TIMEOUT_S"):
        load_settings()


def test_an_unknown_report_language_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_REPORT_LANG", "fr")
    with pytest.raises(SettingsError, match="HUB_REPORT_LANG"):
        load_settings()


def test_render_workers_are_replaced_past_300_mb_unless_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().report_worker_max_rss_mb == MAX_RSS_MB == 300
    monkeypatch.setenv("HUB_REPORT_WORKER_MAX_RSS_MB", "250")
    assert load_settings().report_worker_max_rss_mb == 250
