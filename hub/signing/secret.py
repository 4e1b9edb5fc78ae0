"""The server secret that keys code HMACs, CSRF tokens and session binding."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import structlog

from hub.config import Settings

log = structlog.get_logger(__name__)

KEY_FILE = "signing.key"


def signing_secret(settings: Settings) -> bytes:
    """`HUB_SIGNING_SECRET`, or a random key kept in the data dir (shared by local processes)."""
    if settings.signing_secret is not None:
        return settings.signing_secret.get_secret_value().encode()
    path = Path(settings.data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
            log.warning("HUB_SIGNING_SECRET unset; generated a key file in the data dir")
    return path.read_text().strip().encode()
