"""The reports' cut face holds every character the report templates and labels print."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.reports import fonts


def test_every_character_of_the_templates_and_labels_is_in_the_cut_face() -> None:
    assert {ord("签"), ord("：")} <= fonts.printed()  # the templates and labels were read
    missing = sorted(chr(c) for c in fonts.printed() - set(fonts.characters()))
    assert missing == [], f"add these to hub/reports/fonts.py (and bump VERSION): {missing}"


def test_the_cut_keeps_all_of_gb2312_and_the_punctuation_reports_use() -> None:
    kept = set(fonts.characters())
    hanzi = [c for c in kept if 0x4E00 <= c <= 0x9FFF]
    assert len(hanzi) == 6763  # GB 2312's two levels
    assert {ord(c) for c in "·≤≥（）：、。—…％℃①→✓"} <= kept
    assert ord("喆") not in kept  # rare names fall back to the whole face


def test_the_glyph_order_puts_what_every_report_prints_before_the_hanzi_of_names() -> None:
    order = {point: place for place, point in enumerate(fonts.by_use())}
    assert set(order) == set(fonts.characters())
    level_1 = [ord(bytes((0xB0, 0xA1 + n)).decode("gb2312")) for n in range(94)]  # 啊 阿 埃 …
    level_2 = ord(bytes((0xD8, 0xA1)).decode("gb2312"))  # 亍, the first of the rarer hanzi
    labels = {ord(ch) for ch in "，。：（）≤≥—浏览器签字" + "Mbps 0123456789"}
    unprinted = [c for c in level_1 if c not in fonts.printed()]
    assert max(order[c] for c in labels) < min(order[c] for c in unprinted)
    assert max(order[c] for c in level_1) < order[level_2]


def test_the_cache_lives_under_xdg_cache_home_and_names_its_version_and_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = fonts.fonts_dir()
    assert folder.parent == tmp_path / "delivery-hub"
    assert folder.name.startswith(f"report-fonts-v{fonts.VERSION}-")
    assert not fonts.built() and fonts.use_report_fonts() is False
    assert folder.name.endswith(fonts.order_digest(fonts.by_use()))
    moved = [0x4E00, *(c for c in fonts.by_use() if c != 0x4E00)]  # a template now prints 一
    assert fonts.order_digest(moved) != fonts.order_digest(fonts.by_use())
