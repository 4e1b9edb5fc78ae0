"""Accuracy and throughput of the booking-call compliance checker on the labelled corpus.

Accuracy: per rule, a finding of non-compliance (the rule fails) is a positive; precision and
recall against the corpus labels, on the held-out split by default (the rules were tuned on dev
only). "any rule" treats a call as positive when at least one rule fails. Speaker inference is
scored on the segments the platform sent without a label.

Throughput: check() over the split's transcripts (already loaded) for --seconds, against a raw
baseline measured in the same run: one compiled `re` alternation of the forbidden-phrase list
scanned over each call's joined text (the least a checker must do to read a transcript).

    .venv/bin/python bench/call_check.py [--split heldout|dev] [--seconds 5] [--errors RULE]
                                         [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hub.domain.call_check import RULES, CallVerdict, check  # noqa: E402
from hub.domain.call_check.phrases import FORBIDDEN  # noqa: E402
from tests.data.call_transcripts.corpus import LabelledCall, load  # noqa: E402


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def score(pairs: list[tuple[bool, bool]]) -> dict[str, Any]:
    """Counts and precision/recall of (expected_fail, predicted_fail) pairs."""
    tp = sum(1 for e, p in pairs if e and p)
    fp = sum(1 for e, p in pairs if not e and p)
    fn = sum(1 for e, p in pairs if e and not p)
    tn = len(pairs) - tp - fp - fn
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def accuracy(calls: list[LabelledCall], verdicts: list[CallVerdict]) -> dict[str, Any]:
    """Per-rule, any-rule and all-decisions scores, and speaker-inference accuracy."""
    per_rule = {
        rule: score(
            [
                (not c.expected[rule], not v.finding(rule).passed)
                for c, v in zip(calls, verdicts, strict=True)
            ]
        )
        for rule in RULES
    }
    any_rule = score(
        [(not all(c.expected.values()), not v.passed) for c, v in zip(calls, verdicts, strict=True)]
    )
    decisions = score(
        [
            (not c.expected[r], not v.finding(r).passed)
            for c, v in zip(calls, verdicts, strict=True)
            for r in RULES
        ]
    )
    inferred = [
        (truth, a.speaker)
        for c, v in zip(calls, verdicts, strict=True)
        for seg, truth, a in zip(c.transcript.segments, c.true_speakers, v.speakers, strict=True)
        if seg.speaker is None
    ]
    speakers = {"segments": len(inferred), "correct": sum(1 for t, s in inferred if t == s)}
    return {
        "rules": per_rule,
        "any_rule": any_rule,
        "all_decisions": decisions,
        "speakers": speakers,
    }


def _rate(work: Callable[[], None], seconds: float, per_round: int) -> float:
    work()  # warm caches (compiled patterns, numeral look-ups)
    rounds, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds or rounds == 0:
        work()
        rounds += 1
    return rounds * per_round / elapsed


def throughput(calls: list[LabelledCall], seconds: float) -> dict[str, float]:
    """Transcripts per second: the checker, and the raw regex baseline on the same texts."""
    texts = ["\n".join(s.text for s in c.transcript.segments) for c in calls]
    pattern = re.compile("|".join(f"(?:{p})" for p in FORBIDDEN))

    def checker() -> None:
        for c in calls:
            check(c.transcript, c.facts)

    def baseline() -> None:
        for text in texts:
            pattern.findall(text)

    ours = _rate(checker, seconds, len(calls))
    raw = _rate(baseline, seconds / 2, len(texts))
    return {"checker_per_s": ours, "baseline_per_s": raw, "ratio": ours / raw}


def hostile() -> dict[str, float]:
    """Milliseconds for transcripts built to make the checker work hardest, within its caps."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from hub.domain.call_check import BookingFacts, Segment, Transcript

    zone = ZoneInfo("Asia/Shanghai")
    facts = BookingFacts(
        booked_start=datetime(2026, 3, 5, 9, tzinfo=zone),
        booked_end=datetime(2026, 3, 5, 12, tzinfo=zone),
        call_time=datetime(2026, 3, 3, 10, tzinfo=zone),
        install_address="上海市静安区南京西路1266号恒隆广场32楼",
        company_name="上海恒信科技有限公司",
    )
    times = "明天下午两点到四点不行，后天上午九点吧？地址南京西路1266号对吗？"
    cases = {
        "1,000 segments of time talk (cut to 400)": [times] * 1000,
        "10 segments of 5,000 chars of ranges (cut to 2,000 each)": [
            "下周一下午三点半到五点，" * 420
        ]
        * 10,
        "1 segment of 100,000 unpunctuated chars": ["中国店信不知道" * 14_300],
    }
    out = {}
    for name, texts in cases.items():
        segments = tuple(Segment(None, i, i + 1.0, t) for i, t in enumerate(texts))
        started = time.perf_counter()
        check(Transcript("hostile", "WO-hostile", segments), facts)
        out[name] = 1000 * (time.perf_counter() - started)
    return out


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def render(
    console: Console,
    *,
    split: str,
    n: int,
    acc: dict[str, Any],
    speed: dict[str, float],
    worst: dict[str, float],
) -> None:
    table = Table(title=f"call_check on {split} ({n} calls): positive = rule fails")
    for column in ("rule", "fails (labelled)", "TP", "FP", "FN", "precision", "recall", "F1"):
        table.add_column(column, justify="left" if column == "rule" else "right")
    rows = [
        *acc["rules"].items(),
        ("any rule (call)", acc["any_rule"]),
        ("all decisions", acc["all_decisions"]),
    ]
    for name, s in rows:
        counts = [str(s["tp"] + s["fn"]), str(s["tp"]), str(s["fp"]), str(s["fn"])]
        table.add_row(name, *counts, _pct(s["precision"]), _pct(s["recall"]), _pct(s["f1"]))
    console.print(table)
    sp = acc["speakers"]
    console.print(
        f"speaker inference: {sp['correct']}/{sp['segments']} unlabelled segments right "
        f"({_pct(_ratio(sp['correct'], sp['segments']))})"
    )
    console.print(
        f"throughput: checker {speed['checker_per_s']:,.0f} transcripts/s; raw baseline (one re "
        f"pass over the forbidden list) {speed['baseline_per_s']:,.0f} transcripts/s; "
        f"ratio {speed['ratio']:.4f}"
    )
    for name, ms in worst.items():
        console.print(f"hostile transcript, {name}: {ms:,.0f} ms")


def _errors(calls: list[LabelledCall], verdicts: list[CallVerdict], rule: str) -> None:
    for c, v in zip(calls, verdicts, strict=True):
        f = v.finding(rule)
        if f.passed != c.expected[rule]:
            print(f"--- {c.id} expected passed={c.expected[rule]} got {f.passed}: {f.explanation}")
            print(f"    quote: {f.quote}  | note: {c.note}")
            for seg, a in zip(c.transcript.segments, v.speakers, strict=True):
                print(f"    {a.speaker[:4]}{'*' if seg.speaker is None else ' '} {seg.text}")


def main() -> int:
    parser = argparse.ArgumentParser(description="Accuracy and throughput of call_check")
    parser.add_argument("--split", choices=("heldout", "dev"), default="heldout")
    parser.add_argument("--seconds", type=float, default=5.0, help="time spent timing the checker")
    parser.add_argument(
        "--errors", metavar="RULE", help="print the calls where RULE is wrong (dev)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    calls = load(args.split)
    verdicts = [check(c.transcript, c.facts) for c in calls]
    if args.errors:
        _errors(calls, verdicts, args.errors)
        return 0
    acc = accuracy(calls, verdicts)
    speed = throughput(calls, args.seconds)
    worst = hostile()
    if args.json:
        report = {"split": args.split, "calls": len(calls), **acc}
        print(json.dumps({**report, "throughput": speed, "hostile_ms": worst}, indent=2))
    else:
        console = Console(width=110)
        render(console, split=args.split, n=len(calls), acc=acc, speed=speed, worst=worst)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
