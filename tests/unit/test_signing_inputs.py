"""Untrusted inputs of signing: the drawn signature, tokens in log lines, probe counting."""

from __future__ import annotations

import base64
import io
import logging

import httpx
import pytest
import structlog
from PIL import Image, ImageDraw

from hub.domain.signing import InvalidSignature
from hub.logging import configure as configure_logging
from hub.logging import shutdown as shutdown_logging
from hub.signing.images import signature_png
from hub.signing.probes import ProbeLimiter
from hub.signing.redaction import SigningTokenFilter, redact_paths

TOKEN = "Q" * 43


def data_url(image: Image.Image, fmt: str = "PNG") -> str:
    out = io.BytesIO()
    image.save(out, format=fmt)
    return f"data:image/png;base64,{base64.b64encode(out.getvalue()).decode()}"


def drawn(size: tuple[int, int] = (600, 200)) -> Image.Image:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).line((20, 150, 300, 40, 580, 120), fill="black", width=4)
    return image


def test_a_drawn_signature_is_accepted_and_re_encoded_as_png() -> None:
    png = signature_png(data_url(drawn()))
    assert png.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(png)).size == (600, 200)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "data:image/png;base64,",
        "data:image/png;base64,not base64!",
        "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
        "data:image/png;base64," + base64.b64encode(b"<script>alert(1)</script>").decode(),
        data_url(Image.new("RGBA", (600, 200), (0, 0, 0, 0))),  # transparent: nothing drawn
        data_url(Image.new("RGB", (600, 200), "white")),  # one flat colour
        data_url(drawn((10, 10))),  # too small to be a signature
        data_url(drawn()).replace("image/png", "image/gif"),
    ],
)
def test_an_empty_or_non_image_signature_is_refused(bad: str) -> None:
    with pytest.raises(InvalidSignature):
        signature_png(bad)


def test_a_jpeg_posing_as_png_is_refused() -> None:
    with pytest.raises(InvalidSignature):
        signature_png(data_url(drawn().convert("RGB"), fmt="JPEG"))


def test_a_huge_image_is_refused_before_it_is_decoded() -> None:
    with pytest.raises(InvalidSignature, match="size"):
        signature_png(data_url(Image.new("1", (20_000, 100))))


def test_tokens_in_paths_are_redacted_from_log_lines() -> None:
    assert redact_paths(f"GET /s/{TOKEN}/report?lang=en") == "GET /s/<token>/report?lang=en"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "h11",
        1,
        '%s - "%s %s"',
        ("1.2.3.4", "GET", f"/s/{TOKEN}"),
        None,
    )
    SigningTokenFilter().filter(record)
    assert TOKEN not in record.getMessage()


async def test_no_log_line_of_the_hub_or_its_libraries_carries_a_signing_token() -> None:
    """The simulated customers' HTTP client logs whole URLs (as `httpx.URL`, not a string)."""
    out = io.StringIO()
    configure_logging(level=logging.INFO, stream=out)
    client_logger = logging.getLogger("httpx")
    earlier_level = client_logger.level
    client_logger.setLevel(logging.INFO)  # another test may have quietened the test clients
    try:
        url = f"http://127.0.0.1:8000/s/{TOKEN}/sign"
        transport = httpx.MockTransport(lambda request: httpx.Response(200))
        async with httpx.AsyncClient(transport=transport) as client:
            assert (await client.post(url)).status_code == 200
        structlog.get_logger().info("customer opened the link", url=url)
        logging.getLogger("hub.web").info("link %s opened", url)
    finally:
        client_logger.setLevel(earlier_level)
        shutdown_logging()  # writes every queued line
        structlog.reset_defaults()
        logging.getLogger().handlers = []
    lines = out.getvalue()
    assert "HTTP Request: POST http://127.0.0.1:8000/s/<token>/sign" in lines
    assert lines.count("/s/<token>/sign") == 3
    assert TOKEN not in lines


def test_probe_limit_counts_misses_per_ip_per_minute() -> None:
    now = [0.0]
    limiter = ProbeLimiter(3, clock=lambda: now[0])
    for _ in range(3):
        assert not limiter.blocked("1.1.1.1")
        limiter.miss("1.1.1.1")
    assert limiter.blocked("1.1.1.1") and not limiter.blocked("2.2.2.2")
    assert 0 < limiter.retry_after("1.1.1.1") <= 60
    now[0] = 60.0
    assert not limiter.blocked("1.1.1.1")
