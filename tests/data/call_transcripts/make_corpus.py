"""Generate the labelled booking-call corpus: dev.jsonl from bank_dev, heldout.jsonl from
bank_heldout (separately written phrase banks and time renderers; the rules were tuned on dev
only).

The structure of a call (who speaks when, what goes wrong) is drawn here, and the expected
label of each rule follows from that draw, never from the checker. The wording comes from the
split's bank.

    python tests/data/call_transcripts/make_corpus.py          # (re)write both files
    python tests/data/call_transcripts/make_corpus.py --check  # the files are what this gives
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bank_dev  # noqa: E402
import bank_heldout  # noqa: E402
from dialogue import Draft, address, closing, manners, negotiate, opening, reschedule  # noqa: E402
from scenario import ZONE, matching_booking, wrong_booking  # noqa: E402
from transcription import transcribe  # noqa: E402

Booked = tuple[datetime, datetime]
SPLITS: dict[str, tuple[Any, int, int]] = {
    "dev": (bank_dev.BANK, 210, 20_261),
    "heldout": (bank_heldout.BANK, 140, 90_417),
}


def _call_time(rng: random.Random) -> datetime:
    kind = rng.choices(["any", "month_end", "year_end", "weekend"], weights=[60, 15, 12, 13])[0]
    if kind == "year_end":
        day = date(2026, 12, rng.randint(22, 31))
    elif kind == "month_end":
        month = rng.randint(1, 11)
        day = date(2026, month + 1, 1) - timedelta(days=rng.randint(1, 3))
    else:
        day = date(2026, 1, 5) + timedelta(days=rng.randint(0, 340))
        if kind == "weekend":
            day += timedelta(days=(4 - day.weekday()) % 7 + rng.choice([0, 1, 2]))
    return datetime.combine(day, time(rng.randint(9, 16), rng.choice([0, 10, 25, 40, 55])), ZONE)


def _play(d: Draft, call_time: datetime, company: str, spoken: str, resched: bool) -> Booked:
    """Every part of the call in order; returns the window the dispatcher booked."""
    rng = d.rng
    opening(d, rng.choice(d.bank.NAMES), str(rng.randint(1000, 9999)), company)
    if resched:
        reschedule(d)
    else:
        d.expected["reschedule_reason"] = True
    agreed, turned_down = negotiate(d, call_time)
    ok = rng.random() < 0.78
    booked = matching_booking(rng, agreed) if ok else wrong_booking(rng, agreed, turned_down)
    d.expected["window_matches"] = ok
    if not ok:
        d.notes.append("wrong window booked")
    parts = [lambda: address(d, spoken), lambda: manners(d)]
    rng.shuffle(parts)
    for part in parts:
        part()
    closing(d)
    return booked


def draw(bank: Any, rng: random.Random, number: int, split: str) -> dict[str, Any]:
    """One labelled call."""
    call_time = _call_time(rng)
    d = Draft(bank, rng, call_time.date())
    company = rng.choice(bank.COMPANIES)
    full_address, spoken = rng.choice(bank.ADDRESSES)
    is_reschedule = rng.random() < 0.28
    booked = _play(d, call_time, company, spoken, is_reschedule)
    segments, speakers_shown = transcribe(d)
    return {
        "id": f"{split}-{number:04d}",
        "transcript": {
            "call_id": f"{split}-call-{number:04d}",
            "order_id": f"WO{call_time:%Y%m%d}{number:04d}",
            "segments": segments,
        },
        "facts": {
            "booked_start": booked[0].isoformat(),
            "booked_end": booked[1].isoformat(),
            "call_time": call_time.isoformat(),
            "timezone": "Asia/Shanghai",
            "install_address": full_address,
            "company_name": company,
            "is_reschedule": is_reschedule,
        },
        "expected": {rule: d.expected[rule] for rule in RULE_ORDER},
        "true_speakers": speakers_shown,
        "note": "; ".join(d.notes) or "plain call",
    }


RULE_ORDER = (
    "opening",
    "window_matches",
    "address_confirmed",
    "reschedule_reason",
    "no_forbidden_phrases",
    "closing",
)


def lines(split: str) -> list[str]:
    bank, count, seed = SPLITS[split]
    rng = random.Random(seed)
    return [json.dumps(draw(bank, rng, n, split), ensure_ascii=False) for n in range(1, count + 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the files differ")
    args = parser.parse_args()
    status = 0
    for split in SPLITS:
        path = HERE / f"{split}.jsonl"
        text = "\n".join(lines(split)) + "\n"
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"{path.name} differs from what make_corpus.py generates", file=sys.stderr)
                status = 1
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.name}: {text.count(chr(10))} calls")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
