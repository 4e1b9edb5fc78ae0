"""The call as the rules see it: labelled sentences, the booking facts, and how replies follow."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.domain.call_check.model import BookingFacts, Finding
from hub.domain.call_check.sentences import Sentence

_FILLER = re.compile(r"^(喂+|啊|诶|哎|等一下|稍等一下|稍等|稍等啊|你说|什么)[？?。！!，,\s]*$")


@dataclass(frozen=True, slots=True)
class Call:
    """Sentences with their (given or inferred) speakers, and what the hub knows."""

    sentences: list[Sentence]
    facts: BookingFacts

    def by(self, speaker: str) -> list[Sentence]:
        """The sentences one party said, in order."""
        return [s for s in self.sentences if s.speaker == speaker]

    def reply_to(self, sentence: Sentence) -> Sentence | None:
        """The other party's answer: the first sentence of their next turn that is not a
        filler (喂？/ 等一下 / 啊？), if that turn comes right after."""
        for later in self.sentences[sentence.index + 1 :]:
            if later.turn > sentence.turn + 1:
                return None
            if later.turn == sentence.turn + 1 and not _FILLER.match(later.norm):
                return later if later.speaker != sentence.speaker else None
        return None


def found(rule: str, passed: bool, quote: Sentence | None, explanation: str) -> Finding:
    """A finding quoting `quote` exactly as transcribed ('' when no sentence applies)."""
    return Finding(rule, passed, quote.text if quote is not None else "", explanation)


def first_clause(sentence: Sentence) -> str:
    """The normalised sentence up to its first comma or pause."""
    clauses = sentence.clauses
    return clauses[0] if clauses else ""


def search(pattern: str, text: str) -> re.Match[str] | None:
    """re.search with the pattern cache (phrase lists are compiled once, on first use)."""
    return re.search(pattern, text)
