"""Frames between the pool and a render worker: 4-byte big-endian length, then a pickle."""

from __future__ import annotations

import pickle
import struct
from typing import Any, BinaryIO

HEADER = struct.Struct(">I")


def encode(value: Any) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(payload)) + payload


def read_frame(stream: BinaryIO) -> Any:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        raise EOFError
    (size,) = HEADER.unpack(header)
    return pickle.loads(stream.read(size))  # only ever from the pool, our own process


def write_frame(stream: BinaryIO, value: Any) -> None:
    stream.write(encode(value))
    stream.flush()
