"""A transcript as bounded sentences: exact text for quoting, normalised text for the rules."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from hub.domain.call_check.model import (
    MAX_SEGMENT_CHARS,
    MAX_SEGMENTS,
    MAX_SENTENCES,
    MAX_TOTAL_CHARS,
    Segment,
    Speaker,
)
from hub.domain.call_check.phrases import DIALECT

_SENTENCE = re.compile(r"[^。！？!?；;…\n]+[。！？!?；;…]*")
_CLAUSE_SPLIT = re.compile(r"[，,、\s]+")
_SPACES = re.compile(r"\s+")
_DIALECT = re.compile("|".join(sorted(map(re.escape, DIALECT), key=len, reverse=True)))


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of one segment; `turn` counts changes of speaker."""

    index: int
    segment: int
    turn: int
    speaker: Speaker | None
    text: str
    norm: str

    @property
    def clauses(self) -> list[str]:
        """The normalised sentence cut at commas and pauses."""
        return [c for c in _CLAUSE_SPLIT.split(self.norm) if c]

    @property
    def compact(self) -> str:
        """The normalised sentence without any whitespace (for address matching)."""
        return _SPACES.sub("", self.norm)


def contains_word(text: str, word: str) -> bool:
    """`word` is in `text`; Chinese words of 4+ characters may have one character misheard
    (中国店信), as speech recognisers swap homophones."""
    if word in text:
        return True
    size = len(word)
    if size < 4 or not all("\u4e00" <= ch <= "\u9fff" for ch in word):
        return False
    if sum(ch in text for ch in set(word)) < len(set(word)) - 1:
        return False  # cheap test first: one misheard character leaves the others in place
    return any(
        sum(a != b for a, b in zip(text[i : i + size], word, strict=True)) <= 1
        for i in range(len(text) - size + 1)
    )


def normalise(text: str) -> str:
    """NFKC (full-width digits and colons), lower case, dialect spellings to Mandarin."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return _DIALECT.sub(lambda m: DIALECT[m.group(0)], folded)


def bounded(segments: Iterable[Segment]) -> tuple[list[Segment], list[str]]:
    """At most MAX_SEGMENTS segments and MAX_TOTAL_CHARS characters; notes say what was cut."""
    kept: list[Segment] = []
    notes: list[str] = []
    total = 0
    for seg in segments:
        if len(kept) == MAX_SEGMENTS:
            notes.append(f"truncated: only the first {MAX_SEGMENTS} segments were checked")
            break
        text = seg.text[:MAX_SEGMENT_CHARS]
        if len(text) < len(seg.text) and not any("per segment" in n for n in notes):
            notes.append(f"truncated: segments cut to {MAX_SEGMENT_CHARS} characters per segment")
        if total + len(text) > MAX_TOTAL_CHARS:
            text = text[: MAX_TOTAL_CHARS - total]
            notes.append(f"truncated: only the first {MAX_TOTAL_CHARS} characters were checked")
            kept.append(Segment(seg.speaker, seg.start_s, seg.end_s, text))
            break
        total += len(text)
        same = len(text) == len(seg.text)
        kept.append(seg if same else Segment(seg.speaker, seg.start_s, seg.end_s, text))
    return kept, notes


def split(segments: list[Segment]) -> list[Sentence]:
    """The sentences of labelled segments, in order, at most MAX_SENTENCES of them."""
    out: list[Sentence] = []
    turn = -1
    previous: Speaker | str | None = "start"
    for seg_no, seg in enumerate(segments):
        if seg.speaker != previous or seg.speaker is None:
            turn += 1
            previous = seg.speaker
        for match in _SENTENCE.finditer(seg.text):
            text = match.group(0).strip()
            if not text:
                continue
            if len(out) == MAX_SENTENCES:
                return out
            out.append(Sentence(len(out), seg_no, turn, seg.speaker, text, normalise(text)))
    return out
