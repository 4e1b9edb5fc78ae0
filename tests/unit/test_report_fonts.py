"""The reports' cut face holds every character the report templates and labels print."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.reports import fonts

REPORTS = Path(fonts.__file__).resolve().parent


def test_every_character_of_the_templates_and_labels_is_in_the_cut_face() -> None:
    kept = set(fonts.characters())
    sources = [*REPORTS.glob("templates/*.j2"), REPORTS / "i18n.py", REPORTS / "html.py"]
    printed = {ch for path in sources for ch in path.read_text() if ord(ch) > 0x7F}
    missing = sorted(ch for ch in printed if ord(ch) not in kept)
    assert missing == [], f"add these to hub/reports/fonts.py (and bump VERSION): {missing}"


def test_the_cut_keeps_all_of_gb2312_and_the_punctuation_reports_use() -> None:
    kept = set(fonts.characters())
    hanzi = [c for c in kept if 0x4E00 <= c <= 0x9FFF]
    assert len(hanzi) == 6763  # GB 2312's two levels
    assert {ord(c) for c in "·≤≥（）：、。—…％℃①→✓"} <= kept
    assert ord("喆") not in kept  # rare names fall back to the whole face


def test_the_cache_lives_under_xdg_cache_home_and_names_its_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert fonts.fonts_dir() == tmp_path / "delivery-hub" / f"report-fonts-v{fonts.VERSION}"
    assert not fonts.built() and fonts.use_report_fonts() is False
