"""The visit page's words: every step has its words, and no step's key hides another text."""

from __future__ import annotations

from hub.domain.visit_link import Progress
from hub.web.visit_text import TEXT


def test_each_language_has_the_same_words_and_every_step() -> None:
    assert set(TEXT["zh"]) == set(TEXT["en"])
    for words in TEXT.values():
        assert all(step in words for step in Progress)
        # a step's key is a plain string: a text keyed the same would silently replace it
        steps = {str(step) for step in Progress}
        plain = [key for key in words if not isinstance(key, Progress)]
        assert steps.isdisjoint(plain), steps & set(plain)
