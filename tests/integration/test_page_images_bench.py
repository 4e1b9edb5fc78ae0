"""bench/page_images.py: both reports are drawn and both encoders measured (a bench that stops
working is found here, not when it is needed); its pages take the encoder they should."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from page_images import measure, report_pdfs

pytestmark = pytest.mark.integration


async def test_each_encoder_is_measured_on_a_page_with_and_without_pictures(
    tmp_path: Path,
) -> None:
    result = measure(await report_pdfs(tmp_path), 1, tmp_path)

    assert result["text"]["pictures"] == [False] * result["text"]["pages"]
    assert result["pictures"]["pictures"][0] is True  # the screenshot is on the first page
    for kind in ("text", "pictures", "signature"):
        assert min(result[kind]["ms"].values()) > 0
    # A page of text and tables: no row filter is smaller too; a picture keeps Pillow's filter.
    assert result["text"]["kb"]["hub"] < result["text"]["kb"]["pillow"]
    assert result["pictures"]["kb"]["hub"] == result["pictures"]["kb"]["pillow"]
