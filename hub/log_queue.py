"""Log records leave the event loop through a queue; one thread renders, redacts and writes them.

On the loop a record costs a queue put: the message string is frozen (its arguments may change
later) and the structlog context is copied, nothing is rendered. The listener thread renders
each line, traceback included, masks secrets in the finished text (`hub.log_redaction`) and
writes it. `flush` waits until every queued line is written; the listener is stopped at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import queue
import threading
import time
from logging.handlers import QueueHandler, QueueListener
from typing import TextIO

import structlog

from hub.log_redaction import redact

CONTEXT_ATTR = "hub_context"


class SnapshotQueueHandler(QueueHandler):
    """A queue handler that formats nothing on the caller's thread."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        if isinstance(record.msg, str) and record.args:
            with contextlib.suppress(Exception):  # a broken format: the formatter reports it
                record.msg, record.args = record.getMessage(), None
        # exc_info stays: the listener renders the traceback. The context is copied here
        # because context variables do not cross to the listener thread.
        setattr(record, CONTEXT_ATTR, structlog.contextvars.get_contextvars())
        return record


class RedactingStreamHandler(logging.StreamHandler[TextIO]):
    """Writes each finished line (message, fields and traceback) with secrets masked."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _YieldingListener(QueueListener):
    """Gives the GIL back after each line, so the event loop never waits on a burst of logs."""

    def handle(self, record: logging.LogRecord) -> None:
        super().handle(record)
        time.sleep(0)  # lets a waiting event-loop thread take the GIL now


class LogQueue:
    """The queue, its handler for the root logger and the listener thread writing to `stream`."""

    def __init__(self, stream: TextIO, formatter: logging.Formatter) -> None:
        self.queue: queue.Queue[logging.LogRecord] = queue.Queue()
        self.handler = SnapshotQueueHandler(self.queue)
        self.output = RedactingStreamHandler(stream)
        self.output.setFormatter(formatter)
        self._listener = _YieldingListener(self.queue, self.output)
        self._lock = threading.Lock()
        self._running = False

    def start(self) -> None:
        with self._lock:
            if not self._running:
                self._listener.start()
                self._running = True

    def flush(self) -> None:
        """Wait until every record queued so far is written."""
        if self._running:
            self.queue.join()
        self.output.flush()

    def stop(self) -> None:
        """Write what is queued, then end the listener thread."""
        with self._lock:
            if self._running:
                self._listener.stop()  # enqueues a sentinel and joins: queued lines are written
                self._running = False
        self.output.flush()


class _Installed:
    """The process's one log queue (a holder, so functions can swap it without `global`)."""

    current: LogQueue | None = None


def install(log_queue: LogQueue) -> None:
    """Make `log_queue` the process's log output (stopping the one before), started."""
    before = _Installed.current
    if before is not None and before is not log_queue:
        before.stop()
    _Installed.current = log_queue
    log_queue.start()


def flush() -> None:
    """Wait until every log line so far is written (tests read their captured stream after)."""
    if _Installed.current is not None:
        _Installed.current.flush()


def shutdown() -> None:
    """Write the queued lines and stop the listener; the root logger loses the queue handler."""
    current, _Installed.current = _Installed.current, None
    if current is None:
        return
    current.stop()
    root = logging.getLogger()
    if current.handler in root.handlers:
        root.removeHandler(current.handler)


atexit.register(shutdown)
