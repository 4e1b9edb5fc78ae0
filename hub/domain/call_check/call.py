"""The call as the rules see it: labelled sentences, the booking facts, and how replies follow."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.domain.call_check.model import BookingFacts, Finding
from hub.domain.call_check.sentences import Sentence


@dataclass(frozen=True, slots=True)
class Call:
    """Sentences with their (given or inferred) speakers, and what the hub knows."""

    sentences: list[Sentence]
    facts: BookingFacts

    def by(self, speaker: str) -> list[Sentence]:
        """The sentences one party said, in order."""
        return [s for s in self.sentences if s.speaker == speaker]

    def reply_to(self, sentence: Sentence) -> Sentence | None:
        """The first sentence of the other party's next turn, if it comes right after."""
        for later in self.sentences[sentence.index + 1 :]:
            if later.turn > sentence.turn + 1:
                return None
            if later.turn == sentence.turn + 1 and later.speaker != sentence.speaker:
                return later
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
