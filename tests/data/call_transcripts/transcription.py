"""Utterances as the call platform sends them: dialect, ASR slips, cut segments, overlapping
interjections, times, and speaker labels on all, none or some segments."""

from __future__ import annotations

import random
from typing import Any

from dialogue import Draft


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
