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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bank_dev  # noqa: E402
import bank_heldout  # noqa: E402
from scenario import ZONE, When, matching_booking, random_when, wrong_booking  # noqa: E402

SPLITS: dict[str, tuple[Any, int, int]] = {
    "dev": (bank_dev.BANK, 210, 20_261),
    "heldout": (bank_heldout.BANK, 140, 90_417),
}


@dataclass
class Utt:
    speaker: str
    text: str


@dataclass
class Draft:
    """A call being drawn: its utterances, labels and what makes it tricky."""

    bank: Any
    rng: random.Random
    today: date
    utts: list[Utt] = field(default_factory=list)
    expected: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    context_day: date | None = None

    def say(self, speaker: str, text: str) -> None:
        self.utts.append(Utt(speaker, text))

    def when(self, w: When) -> str:
        text = self.bank.render(w, self.today, self.rng, self.context_day)
        self.context_day = w.day
        return text


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


def _opening(d: Draft, name: str, staff: str, company: str) -> None:
    bank, rng = d.bank, d.rng
    if rng.random() < bank.P_PICKUP:
        d.say("customer", rng.choice(bank.PICKUPS))
    kind = rng.choices(["ok", "no_greeting", "no_company", "no_self_id", "none"], [76, 6, 6, 7, 5])[
        0
    ]
    d.expected["opening"] = kind == "ok"
    if kind != "ok":
        d.notes.append(f"opening: {kind}")
    text = bank.opening(rng, kind, name, staff)
    ask = bank.ask_company(rng, company)
    if rng.random() < 0.5:
        d.say("dispatcher", f"{text}{ask}")
    else:
        d.say("dispatcher", text)
        d.say("dispatcher", ask)
    d.say("customer", bank.company_yes(rng, company))


def _reschedule(d: Draft) -> None:
    bank, rng = d.bank, d.rng
    old = random_when(rng, d.today, same_day=False)
    kind = rng.choices(["dispatcher", "customer", "none"], [40, 25, 35])[0]
    d.expected["reschedule_reason"] = kind != "none"
    d.notes.append(f"reschedule, reason: {kind}")
    old_text = d.when(old)
    if kind == "dispatcher":
        d.say("dispatcher", bank.resched_with_reason(rng, old_text))
        d.say("customer", rng.choice(bank.OK_SHORT))
    elif kind == "customer":
        d.say("dispatcher", bank.resched_callback(rng, old_text))
        d.say("customer", bank.customer_reason(rng))
    else:
        d.say("dispatcher", bank.resched_no_reason(rng, old_text))
        d.say("customer", rng.choice(bank.OK_SHORT))


def _negotiate(d: Draft, call_time: datetime) -> tuple[When, When | None]:
    """The time talk; returns the agreed window and a proposal that was turned down."""
    bank, rng = d.bank, d.rng
    same_day = call_time.hour <= 12
    flow = rng.choices(
        ["direct", "counter", "customer_first", "correction", "double"], [40, 25, 20, 8, 7]
    )[0]
    d.notes.append(f"time: {flow}")
    agreed = random_when(rng, d.today, same_day=same_day)
    if flow == "direct":
        d.say("dispatcher", bank.propose(rng, d.when(agreed)))
        d.say("customer", rng.choice(bank.ACCEPT))
        return agreed, None
    if flow == "customer_first":
        d.say("dispatcher", bank.ask_when(rng))
        d.say("customer", bank.offer(rng, d.when(agreed)))
        d.say("dispatcher", bank.confirm(rng, d.when(agreed)))
        return agreed, None
    first = random_when(rng, d.today, same_day=same_day)
    if flow == "counter":
        agreed = _other_than(rng, first, d.today)
        d.say("dispatcher", bank.propose(rng, d.when(first)))
        d.say("customer", bank.reject_counter(rng, d.when(first), d.when(agreed)))
        d.say("dispatcher", bank.confirm(rng, d.when(agreed)))
        return agreed, first
    if flow == "correction":
        wrong = _other_than(rng, agreed, d.today)
        d.say("dispatcher", bank.propose(rng, d.when(agreed)))
        d.say("customer", rng.choice(bank.ACCEPT))
        d.say("dispatcher", bank.restate(rng, d.when(wrong)))
        d.say("customer", bank.correct_time(rng, d.when(agreed)))
        d.say("dispatcher", bank.apologise_confirm(rng, d.when(agreed)))
        return agreed, wrong
    full = _other_than(rng, first, d.today)
    agreed = _other_than(rng, full, d.today)
    d.say("dispatcher", bank.propose(rng, d.when(first)))
    d.say("customer", bank.reject_counter(rng, d.when(first), d.when(full)))
    d.say("dispatcher", bank.fully_booked(rng, d.when(full), d.when(agreed)))
    d.say("customer", rng.choice(bank.ACCEPT))
    return agreed, full


def _other_than(rng: random.Random, when: When, today: date) -> When:
    """A window clearly apart from `when`: another day, or the other half of the same day."""
    if when.kind in ("period", "point", "range") and rng.random() < 0.4:
        morning = when.window()[0].hour < 12
        if morning:
            return (
                When(when.day, "period", period="下午")
                if rng.random() < 0.5
                else When(when.day, "point", start=time(rng.choice([14, 15, 16])))
            )
        return (
            When(when.day, "period", period="上午")
            if rng.random() < 0.5
            else When(when.day, "point", start=time(rng.choice([9, 10])))
        )
    return random_when(rng, today, not_day=when.day, same_day=False)


def _address(d: Draft, spoken: str) -> None:
    bank, rng = d.bank, d.rng
    kind = rng.choices(
        ["read", "customer_states", "not_asked", "corrected", "unanswered"], [62, 10, 12, 8, 8]
    )[0]
    d.expected["address_confirmed"] = kind in ("read", "customer_states")
    if kind != "read":
        d.notes.append(f"address: {kind}")
    if kind == "not_asked":
        return
    if kind == "customer_states":
        d.say("dispatcher", rng.choice(bank.ADDRESS_ASK))
        d.say("customer", bank.customer_address(rng, spoken))
        d.say("dispatcher", rng.choice(bank.NOTED))
        return
    d.say("dispatcher", bank.address_read(rng, spoken))
    if kind == "read":
        d.say("customer", rng.choice(bank.ADDRESS_YES))
    elif kind == "corrected":
        d.say("customer", bank.address_correction(rng, rng.choice(bank.OTHER_ADDRESSES)))
        d.say("dispatcher", rng.choice(bank.AFTER_CORRECTION))
    else:
        question, answer = rng.choice(bank.OFF_TOPIC)
        d.say("customer", question)
        d.say("dispatcher", answer)


def _manners(d: Draft) -> None:
    bank, rng = d.bank, d.rng
    rude = rng.random() < 0.15
    d.expected["no_forbidden_phrases"] = not rude
    if rude:
        question, answer = rng.choice(bank.RUDE_EXCHANGES)
        d.say("customer", question)
        d.say("dispatcher", answer)
        d.notes.append("forbidden phrase")
    if rng.random() < 0.3:
        d.say("dispatcher", rng.choice(bank.POLITE_NEAR_MISSES))
        d.say("customer", rng.choice(bank.OK_SHORT))
        d.notes.append("polite near-miss of a forbidden phrase")
    if rng.random() < 0.15:
        d.say("customer", rng.choice(bank.CUSTOMER_BLUNT))
        d.say("dispatcher", rng.choice(bank.NOTED))
        d.notes.append("customer speaks bluntly")


def _closing(d: Draft) -> None:
    bank, rng = d.bank, d.rng
    kind = rng.choices(["ok", "abrupt", "customer_only", "thanks_early"], [78, 8, 7, 7])[0]
    d.expected["closing"] = kind == "ok"
    if kind != "ok":
        d.notes.append(f"closing: {kind}")
    for speaker, text in bank.closing(rng, kind):
        d.say(speaker, text)


def draw(bank: Any, rng: random.Random, number: int, split: str) -> dict[str, Any]:
    """One labelled call."""
    call_time = _call_time(rng)
    d = Draft(bank, rng, call_time.date())
    company = rng.choice(bank.COMPANIES)
    full_address, spoken = rng.choice(bank.ADDRESSES)
    reschedule = rng.random() < 0.28
    _opening(d, rng.choice(bank.NAMES), str(rng.randint(1000, 9999)), company)
    if reschedule:
        _reschedule(d)
    else:
        d.expected["reschedule_reason"] = True
    agreed, turned_down = _negotiate(d, call_time)
    ok = rng.random() < 0.78
    booked = matching_booking(rng, agreed) if ok else wrong_booking(rng, agreed, turned_down)
    d.expected["window_matches"] = ok
    if not ok:
        d.notes.append("wrong window booked")
    parts = [lambda: _address(d, spoken), lambda: _manners(d)]
    rng.shuffle(parts)
    for part in parts:
        part()
    _closing(d)
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
            "is_reschedule": reschedule,
        },
        "expected": {rule: d.expected[rule] for rule in RULE_ORDER},
        "true_speakers": speakers_shown,
        "note": "; ".join(d.notes) or "plain call",
    }


def transcribe(d: Draft) -> tuple[list[dict[str, Any]], list[str]]:
    """Utterances as the call platform sends them: dialect, ASR slips, cuts, overlaps, labels."""
    bank, rng = d.bank, d.rng
    dialect = rng.random() < 0.25
    noisy = rng.random() < 0.25
    interrupted = rng.random() < 0.2
    labels = rng.choices(["all", "none", "some"], [55, 35, 10])[0]
    d.notes += [n for n, on in (("dialect", dialect), ("ASR slips", noisy)) if on]
    if interrupted:
        d.notes.append("interruptions")
    if labels != "all":
        d.notes.append(f"speaker labels: {labels}")
    pieces: list[tuple[str, str, bool]] = []  # speaker, text, starts inside the previous piece
    for utt in d.utts:
        text = bank.dialect(rng, utt.text) if dialect and utt.speaker == "customer" else utt.text
        text = bank.asr(rng, text) if noisy else text
        cut = _cut(text) if rng.random() < 0.12 else None
        for part in cut or [text]:
            pieces.append((utt.speaker, part, False))
        if interrupted and utt.speaker == "dispatcher" and rng.random() < 0.3:
            pieces.append(("customer", rng.choice(bank.INTERJECTIONS), True))
    return _timed(rng, pieces, labels), [p[0] for p in pieces]


def _cut(text: str) -> list[str] | None:
    """A long utterance split at a sentence end into two segments of the same speaker."""
    marks = [i for i, ch in enumerate(text[:-1]) if ch in "。？！?!" and i > 3]
    return [text[: marks[0] + 1], text[marks[0] + 1 :]] if marks else None


def _timed(
    rng: random.Random, pieces: list[tuple[str, str, bool]], labels: str
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    clock = rng.uniform(0.3, 1.5)
    for speaker, text, overlap in pieces:
        length = round(0.4 + len(text) / rng.uniform(3.8, 5.2), 2)
        if overlap and out:
            start = round(out[-1]["start_s"] + 0.6 * (out[-1]["end_s"] - out[-1]["start_s"]), 2)
        else:
            start = round(clock + rng.uniform(0.15, 1.1), 2)
        end = round(start + length, 2)
        clock = max(clock, end)
        shown = {"all": True, "none": False}.get(labels, rng.random() < 0.5)
        out.append(
            {"speaker": speaker if shown else None, "start_s": start, "end_s": end, "text": text}
        )
    return out


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
