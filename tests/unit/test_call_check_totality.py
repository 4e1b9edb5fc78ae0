"""Any transcript gives a verdict, never an exception, and long ones are cut at a documented cap."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.call_check import RULES, Segment, Transcript, check
from hub.domain.call_check.model import MAX_SEGMENT_CHARS, MAX_SEGMENTS, MAX_TOTAL_CHARS
from tests.unit.call_check_support import facts

# Text the rules look at (times, digits, dialect, punctuation) mixed with any unicode.
CALL_ALPHABET = (
    "明天后下午上中晚周星期礼拜一二两三四五六七八九十点半到至号月日:：-您好"
    "电信我是工号不知道对的地址路再见谢谢，。？！ 0123456789侬伐勿"
)
texts = st.one_of(st.text(max_size=200), st.text(alphabet=CALL_ALPHABET, max_size=200))
times = st.floats(allow_nan=True, allow_infinity=True)
segments = st.builds(
    Segment, st.sampled_from(["dispatcher", "customer", None]), times, times, texts
)


def _assert_whole(verdict_call: Transcript) -> None:
    verdict = check(verdict_call, facts())
    assert [f.rule for f in verdict.findings] == list(RULES)
    assert 0 <= verdict.score <= 100
    assert verdict.passed == all(f.passed for f in verdict.findings)
    said = [s.text for s in verdict_call.segments]
    assert all(f.quote == "" or any(f.quote in text for text in said) for f in verdict.findings)


@settings(max_examples=300, deadline=None)
@given(st.lists(segments, max_size=40))
def test_any_list_of_segments_gives_a_verdict(parts: list[Segment]) -> None:
    _assert_whole(Transcript("call-x", "WO-x", tuple(parts)))


def test_an_empty_call_fails_every_rule_that_needs_speech() -> None:
    verdict = check(Transcript("call-0", "WO-0", ()), facts())
    failed = {f.rule for f in verdict.findings if not f.passed}
    assert failed == set(RULES) - {"reschedule_reason", "no_forbidden_phrases"}


def test_a_call_longer_than_the_cap_is_checked_up_to_the_cap_and_says_so() -> None:
    many = tuple(
        Segment(None, i, i + 0.5, "明天下午两点到四点可以吗？") for i in range(MAX_SEGMENTS + 50)
    )
    verdict = check(Transcript("call-long", "WO-long", many), facts())
    assert len(verdict.speakers) == MAX_SEGMENTS
    assert any("truncated" in note for note in verdict.notes)


def test_a_huge_segment_is_cut_at_the_per_segment_cap() -> None:
    huge = "下周一下午三点半到" * MAX_SEGMENT_CHARS
    verdict = check(
        Transcript("call-huge", "WO-huge", (Segment(None, 0, math.inf, huge),)), facts()
    )
    assert f"truncated: segments cut to {MAX_SEGMENT_CHARS} characters per segment" in verdict.notes
    assert len(verdict.findings) == len(RULES)


def test_many_long_segments_are_cut_at_the_total_cap() -> None:
    long = "对的，地址是南京西路1266号。" * (MAX_SEGMENT_CHARS // 16)
    parts = tuple(Segment(None, i, i + 1, long) for i in range(2 * MAX_TOTAL_CHARS // len(long)))
    verdict = check(Transcript("call-many", "WO-many", parts), facts())
    assert f"truncated: only the first {MAX_TOTAL_CHARS} characters were checked" in verdict.notes
    assert len(verdict.speakers) < len(parts)
