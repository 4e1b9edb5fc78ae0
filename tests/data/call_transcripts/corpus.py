"""Load the labelled call corpus (dev.jsonl / heldout.jsonl) into the checker's types."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from hub.domain.call_check import BookingFacts, Segment, Transcript

HERE = Path(__file__).resolve().parent
SPLITS = ("dev", "heldout")


@dataclass(frozen=True)
class LabelledCall:
    """One corpus line: the call, the booking, the expected outcome of each rule."""

    id: str
    transcript: Transcript
    facts: BookingFacts
    expected: dict[str, bool]
    true_speakers: list[str]
    note: str


def _call(row: dict[str, Any]) -> LabelledCall:
    t, f = row["transcript"], row["facts"]
    segments = tuple(
        Segment(s["speaker"], float(s["start_s"]), float(s["end_s"]), s["text"])
        for s in t["segments"]
    )
    facts = BookingFacts(
        booked_start=datetime.fromisoformat(f["booked_start"]),
        booked_end=datetime.fromisoformat(f["booked_end"]),
        call_time=datetime.fromisoformat(f["call_time"]),
        install_address=f["install_address"],
        company_name=f["company_name"],
        is_reschedule=bool(f["is_reschedule"]),
        timezone=f["timezone"],
    )
    return LabelledCall(
        row["id"],
        Transcript(t["call_id"], t["order_id"], segments),
        facts,
        dict(row["expected"]),
        list(row["true_speakers"]),
        row["note"],
    )


def load(split: str) -> list[LabelledCall]:
    """Every call of one split, in file order."""
    lines = (HERE / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    return [_call(json.loads(line)) for line in lines if line.strip()]
