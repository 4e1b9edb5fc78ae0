"""Without speaker labels, the checker tells dispatcher from customer by rules, with reasons."""

from __future__ import annotations

from hub.domain.call_check import Segment, check
from hub.domain.call_check.speakers import attribute
from tests.unit.call_check_support import call, facts, good_call


def test_an_unlabelled_call_gets_the_speakers_a_labelled_one_has() -> None:
    lines = good_call()
    speakers = attribute(list(call(lines, labelled=False).segments), facts())
    assert [a.speaker for a in speakers] == [
        "customer" if who == "c" else "dispatcher" for who, _ in lines
    ]


def test_each_label_decision_gives_its_reason() -> None:
    speakers = attribute(list(call(good_call(), labelled=False).segments), facts())
    assert speakers[0].reason == "answers the phone (喂 / 哪位)"
    assert speakers[1].reason == "greets with the standard opening"
    assert speakers[2].reason == "turns alternate"
    assert speakers[7].reason.startswith("uses the dispatcher's words (")


def test_labels_the_platform_sent_are_kept_even_against_the_cues() -> None:
    segments = [Segment("customer", 0, 3, "您好，这里是中国电信，我是小王，工号3021。")]
    [only] = attribute(segments, facts())
    assert (only.speaker, only.reason) == ("customer", "labelled by the call platform")


def test_asking_for_the_company_marks_the_dispatcher_and_owning_it_the_customer() -> None:
    segments = [
        Segment(None, 0, 2, "嗯。"),
        Segment(None, 3, 5, "请问是恒信科技吗？"),
        Segment(None, 6, 8, "对，我们是恒信科技。"),
    ]
    speakers = attribute(segments, facts())
    assert [a.speaker for a in speakers] == ["customer", "dispatcher", "customer"]
    assert speakers[1].reason == "asks whether this is the customer's company"
    assert speakers[2].reason == "names the company as their own"


def test_a_segment_starting_inside_the_previous_one_is_the_other_speaker() -> None:
    segments = [
        Segment(None, 0.0, 6.0, "您好，这里是中国电信，我是调度员小王，工号3021。"),
        Segment(None, 4.0, 4.5, "嗯嗯。"),
    ]
    speakers = attribute(segments, facts())
    assert [a.speaker for a in speakers] == ["dispatcher", "customer"]
    assert speakers[1].reason == "starts while the other speaker talks"


def test_a_call_without_any_cue_starts_with_the_caller_and_alternates() -> None:
    segments = [Segment(None, i, i + 0.5, text) for i, text in enumerate(["嗯。", "好。", "嗯。"])]
    assert [a.speaker for a in attribute(segments, facts())] == [
        "dispatcher",
        "customer",
        "dispatcher",
    ]


def test_inferred_speakers_are_noted_on_the_verdict() -> None:
    verdict = check(call(good_call(), labelled=False), facts())
    assert "speakers inferred by rules for 11 of 11 segments" in verdict.notes
    assert verdict.passed
