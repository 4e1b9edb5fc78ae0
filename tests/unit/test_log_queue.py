"""Log lines are rendered and written by one thread off the event loop, and none is lost."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from hub.log_queue import SnapshotQueueHandler
from hub.logging import configure, flush, shutdown

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def out() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    configure(level=logging.INFO, stream=buffer)
    yield buffer
    shutdown()
    structlog.reset_defaults()


class RenderedOn:
    """A log field that notes which thread rendered it."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    def __repr__(self) -> str:
        self.threads.append(threading.current_thread().name)
        return "<rendered>"


def test_events_are_rendered_on_the_log_thread_not_the_callers(out: io.StringIO) -> None:
    field = RenderedOn()
    root = logging.getLogger()
    pytest_handlers = [h for h in root.handlers if not isinstance(h, SnapshotQueueHandler)]
    for handler in pytest_handlers:  # pytest's log capture renders on the caller's thread
        root.removeHandler(handler)
    try:
        structlog.get_logger("hub.test").info("order opened", detail=field)
        flush()
    finally:
        for handler in pytest_handlers:
            root.addHandler(handler)
    assert "order opened" in out.getvalue() and "<rendered>" in out.getvalue()
    assert field.threads and threading.current_thread().name not in field.threads


def test_a_traceback_is_rendered_plain_without_locals(out: io.StringIO) -> None:
    try:
        password = "s3cr3t-local-value"
        raise ValueError(f"bad input ({len(password)})")
    except ValueError:
        structlog.get_logger("hub.test").exception("step failed")
        logging.getLogger("library").exception("library step failed")
    flush()
    text = out.getvalue()
    assert text.count("Traceback (most recent call last)") == 2
    assert text.count("ValueError: bad input (18)") == 2
    assert "s3cr3t-local-value" not in text  # no locals shown


def test_a_message_shows_its_arguments_as_they_were_when_logged(out: io.StringIO) -> None:
    items = ["first"]
    logging.getLogger("library").warning("items: %s", items)
    items.append("changed later")
    flush()
    assert "items: ['first']" in out.getvalue()


def test_the_request_context_reaches_library_lines_too(out: io.StringIO) -> None:
    with structlog.contextvars.bound_contextvars(request_id="req-42"):
        logging.getLogger("uvicorn.error").error("peer went away")
    flush()
    [line] = [line for line in out.getvalue().splitlines() if "peer went away" in line]
    assert "request_id=req-42" in line


def test_shutdown_writes_every_queued_line(out: io.StringIO) -> None:
    for n in range(2000):
        logging.getLogger("library").info("line %d", n)
    shutdown()
    assert out.getvalue().count("line ") == 2000


def test_a_process_that_exits_right_after_logging_loses_no_line() -> None:
    script = (
        "import logging, structlog\n"
        "from hub.logging import configure\n"
        "configure()\n"
        "for n in range(500):\n"
        "    structlog.get_logger('hub').info('event', n=n)\n"
        "    logging.getLogger('lib').info('lib line %d', n)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stderr.count("event ") == 500 and ran.stderr.count("lib line ") == 500
