"""Messages the hub must refuse, generated with hypothesis, and the hub's own rule for "valid".

Each command's JSON schema (`model_json_schema()`) gives plausible bodies (hypothesis-jsonschema);
structured mutations break them (missing, extra, wrong-typed, out-of-range, bad phone, huge,
unicode, naive or reversed times, not an object); raw probes break the delivery itself (binary,
invalid UTF-8, wrong content type, no message id). Only probes `accepted()` rejects are kept, so
every probe is invalid by the same decoding and validation the hub's consumers apply.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace
from typing import Any

import pydantic
from faststream.message.utils import decode_message
from hypothesis import HealthCheck, Phase, assume, given, seed, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import utils as conjecture_utils
from hypothesis_jsonschema import _from_schema, from_schema

from schemas.v1 import (
    ArchiveWorkOrder,
    CheckIn,
    CompleteWorkOrder,
    CreateWorkOrder,
    DispatchWorkOrder,
    SendSms,
    VerifyCheckIn,
)

COMMANDS: dict[str, type[pydantic.BaseModel]] = {
    "workorder.create": CreateWorkOrder,
    "workorder.dispatch": DispatchWorkOrder,
    "workorder.check_in": CheckIn,
    "workorder.complete": CompleteWorkOrder,
    "workorder.archive": ArchiveWorkOrder,
    "workorder.verify_check_in": VerifyCheckIn,
    "sms.send": SendSms,
}
JSON = "application/json"
WRONG_CONTENT_TYPES = ("text/plain", "application/xml", "application/octet-stream", "text/html")
INVALID_UTF8 = (b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80", b"\xfe\xfe")
PHONE_KEYS = frozenset({"phone", "to"})
TIME_KEYS = frozenset({"appointment_start", "appointment_end", "at"})
ID_KEYS = frozenset({"order_id", "technician_id", "id", "sms_id"})
BAD_PHONES = (
    "8613800138000",
    "+0613800138000",
    "+86138",
    "+861380013800012345",
    "+86 138 0013 8000",
    "+86-138-0013-8000",
    "+８６１３８００１３８０００",
    "+8613800138000\n",
    "tel:+8613800138000",
    "+86138001380O0",
    "",
)


class _ManyWithMore:
    """`many(...).more()`/`.reject()` on top of hypothesis' newer `with many(...)` protocol.

    hypothesis-jsonschema 0.23.1 (the latest release) still calls `cu.many(...).more()`, which
    the installed hypothesis (6.170) no longer has: every object schema fails with
    AttributeError. This adapter is used only by hypothesis-jsonschema, only when needed.
    """

    def __init__(self, data: Any, **sizes: Any) -> None:
        self._many = conjecture_utils.many(data, **sizes)
        self._many.__enter__()
        self._elements = iter(self._many)

    def more(self) -> bool:
        if next(self._elements, False) is None:
            return True
        self._many.__exit__(None)
        return False

    def reject(self, why: str | None = None) -> None:
        self._many.reject(why)


if not hasattr(conjecture_utils.many, "more"):
    _from_schema.cu = SimpleNamespace(many=_ManyWithMore)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Probe:
    """One delivery to publish: body bytes and the properties that matter."""

    kind: str
    body: bytes
    content_type: str | None = JSON
    has_message_id: bool = True

    def phones(self) -> set[str]:
        """Phone-field values in the payload (what must never appear in error headers)."""
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return set()
        return {
            v for k, v in _leaves(data) if k in PHONE_KEYS and isinstance(v, str) and len(v) > 6
        }


def needs_message_id(consumer: str) -> bool:
    """Work-order consumers dedupe by message id; the SMS consumer dedupes by `sms_id`."""
    return consumer.startswith("workorder.")


def accepted(consumer: str, probe: Probe) -> bool:
    """Would the hub's consumer take this delivery: FastStream's decoding, then the model?"""
    if needs_message_id(consumer) and not probe.has_message_id:
        return False
    try:
        decoded = decode_message(SimpleNamespace(body=probe.body, content_type=probe.content_type))  # type: ignore[arg-type]
        COMMANDS[consumer].model_validate(decoded)
    except (ValueError, UnicodeDecodeError, RecursionError, TypeError):
        return False
    return True


STRUCTURED_KINDS: dict[str, tuple[str, ...]] = {
    "missing field": (),
    "extra field": (),
    "wrong type": (),
    "not an object": (),
    "huge string": (),
    "unicode id": (),
    "out of range": ("workorder.create", "workorder.check_in"),
    "bad phone": ("workorder.create", "workorder.dispatch", "sms.send"),
    "bad time": ("workorder.dispatch", "workorder.check_in"),
    "reversed window": ("workorder.dispatch",),
}
RAW_KINDS: dict[str, tuple[str, ...]] = {
    "binary body": (),
    "invalid utf-8": (),
    "wrong content-type": (),
    "deep nesting": (),
    "huge integer": (),
    "no message id": tuple(c for c in COMMANDS if c.startswith("workorder.")),
}


def kinds_for(consumer: str) -> list[str]:
    """The mutations that apply to this consumer's command (in a fixed order)."""
    return [k for k, only in (STRUCTURED_KINDS | RAW_KINDS).items() if not only or consumer in only]


def generate(consumer: str, count: int, *, seed_value: int) -> list[Probe]:
    """`count` invalid probes for `consumer`, spread evenly over its mutations; deterministic."""
    kinds = kinds_for(consumer)
    probes: list[Probe] = []
    for i, kind in enumerate(kinds):
        quota = count // len(kinds) + (1 if i < count % len(kinds) else 0)
        strategy = (
            structured(consumer, kind) if kind in STRUCTURED_KINDS else raw_probes(consumer, kind)
        )
        probes += _collect(strategy, quota, seed_value + i)
    return probes


def huge_probe(consumer: str, megabytes: int = 10) -> Probe:
    """A plausible body with one text field of `megabytes` MB."""
    body = {"order_id": "R8-HUGE", "note": "长" * (megabytes * 1024 * 1024 // 3)}
    return Probe("huge payload", json.dumps(body, ensure_ascii=False).encode())


def _collect(strategy: st.SearchStrategy[Probe], count: int, seed_value: int) -> list[Probe]:
    found: list[Probe] = []

    @seed(seed_value)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(probe: Probe) -> None:
        found.append(probe)

    collect()
    return found[:count]


@cache
def _bases(consumer: str) -> st.SearchStrategy[dict[str, Any]]:
    return from_schema(COMMANDS[consumer].model_json_schema())


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, Any]]:
    """(key, value) of every value below `data`, depth first."""
    out: list[tuple[Any, Any]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            out.append((key, value))
            out.extend(_leaves(value, (*path, key)))
    return out


def _paths(data: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            out.append((*path, key))
            out.extend(_paths(value, (*path, key)))
    return out


def _dict_paths(data: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [path] if isinstance(data, dict) else []
    if isinstance(data, dict):
        for key, value in data.items():
            out.extend(_dict_paths(value, (*path, key)))
    return out


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _set(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    _get(data, path[:-1])[path[-1]] = value


WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
OUT_OF_RANGE = st.one_of(
    st.integers(max_value=0),
    st.integers(min_value=400_001),
    st.floats(min_value=180.0001, allow_infinity=True, allow_nan=False),
    st.floats(max_value=-180.0001, allow_infinity=True, allow_nan=False),
    st.just(float("nan")),
)
UNICODE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80
).filter(lambda s: not s.isascii())


@st.composite
def structured(draw: st.DrawFn, consumer: str, kind: str) -> Probe:
    body: Any = copy.deepcopy(draw(_bases(consumer)))
    paths = _paths(body)
    leaves = [p for p in paths if not isinstance(_get(body, p), dict)]
    match kind:
        case "missing field" if paths:
            path = draw(st.sampled_from(paths))
            del _get(body, path[:-1])[path[-1]]
        case "extra field":
            where = draw(st.sampled_from(_dict_paths(body)))
            _get(body, where)[draw(st.text(min_size=1, max_size=30))] = draw(WRONG_VALUES)
        case "out of range" if numbers := [p for p in leaves if _is_number(_get(body, p))]:
            _set(body, draw(st.sampled_from(numbers)), draw(OUT_OF_RANGE))
        case "bad phone" if phones := [p for p in leaves if p[-1] in PHONE_KEYS]:
            _set(body, draw(st.sampled_from(phones)), draw(st.sampled_from(BAD_PHONES)))
        case "huge string" if texts := [p for p in leaves if isinstance(_get(body, p), str)]:
            size = draw(st.integers(min_value=2_001, max_value=300_000))
            _set(body, draw(st.sampled_from(texts)), draw(st.sampled_from("x长😀")) * size)
        case "unicode id" if ids := [p for p in leaves if p[-1] in ID_KEYS]:
            _set(body, draw(st.sampled_from(ids)), draw(UNICODE))
        case "bad time" if times := [p for p in leaves if p[-1] in TIME_KEYS]:
            bad = draw(
                st.sampled_from(
                    ("2026-01-01T10:00:00", "2026-13-01T10:00:00Z", "yesterday", "1700000000x", "")
                )
            )
            _set(body, draw(st.sampled_from(times)), bad)
        case "reversed window" if "appointment_start" in body and "appointment_end" in body:
            body["appointment_end"] = body["appointment_start"]
        case "not an object":
            body = draw(st.sampled_from(([body], json.dumps(body), 42, None, True, [])))
        case _:
            if leaves:
                _set(body, draw(st.sampled_from(leaves)), draw(WRONG_VALUES))
            else:
                body = draw(WRONG_VALUES)
    probe = Probe(kind, json.dumps(body, ensure_ascii=False).encode())
    assume(not accepted(consumer, probe))
    return probe


@st.composite
def raw_probes(draw: st.DrawFn, consumer: str, kind: str) -> Probe:
    valid = json.dumps(draw(_bases(consumer)), ensure_ascii=False).encode()
    match kind:
        case "binary body":
            probe = Probe(kind, draw(st.binary(max_size=4096)), draw(st.sampled_from((JSON, None))))
        case "invalid utf-8":
            at = draw(st.integers(min_value=0, max_value=len(valid)))
            bad = draw(st.sampled_from(INVALID_UTF8))
            probe = Probe(kind, valid[:at] + bad + valid[at:])
        case "wrong content-type":
            probe = Probe(kind, valid, draw(st.sampled_from(WRONG_CONTENT_TYPES)))
        case "no message id":
            probe = Probe(kind, valid, has_message_id=False)
        case "huge integer":
            digits = draw(st.integers(min_value=4_301, max_value=100_000))
            key = draw(st.sampled_from(("bandwidth_mbps", "order_id", "lat", "x")))
            probe = Probe(kind, b'{"%s": 1' % key.encode() + b"0" * digits + b"}")
        case _:
            depth = draw(st.integers(min_value=1_000, max_value=50_000))
            probe = Probe(kind, b"[" * depth + b"]" * depth)
    assume(not accepted(consumer, probe))
    return probe


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
