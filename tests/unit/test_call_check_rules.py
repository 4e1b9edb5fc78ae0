"""Each compliance rule passes on a compliant call, fails on a faulty one, quoting its sentence."""

from __future__ import annotations

from hub.domain.call_check import RULES, check
from tests.unit.call_check_support import CLOSING, OPENING, call, facts, good_call


def _replace(lines: list[tuple[str, str]], old: str, new: str) -> list[tuple[str, str]]:
    assert any(text == old for _, text in lines), old
    return [(who, new if text == old else text) for who, text in lines]


def test_a_compliant_call_passes_every_rule_with_full_score() -> None:
    verdict = check(call(good_call()), facts())
    assert [f.rule for f in verdict.findings] == list(RULES)
    assert all(f.passed for f in verdict.findings), verdict.findings
    assert (verdict.score, verdict.passed) == (100, True)


def test_opening_quotes_the_greeting_that_names_company_and_person() -> None:
    finding = check(call(good_call()), facts()).finding("opening")
    assert finding.quote == "您好，这里是中国电信政企调度，我是调度员小王，工号3021。"


def test_opening_without_a_person_fails_and_says_what_is_missing() -> None:
    lines = _replace(good_call(), OPENING, "您好，我这边是中国电信的。请问是恒信科技吗？")
    finding = check(call(lines), facts()).finding("opening")
    assert not finding.passed
    assert finding.quote == "您好，我这边是中国电信的。"
    assert "who is calling" in finding.explanation


def test_opening_tolerates_one_misheard_character_in_the_company() -> None:
    lines = _replace(good_call(), OPENING, OPENING.replace("中国电信", "中国店信"))
    assert check(call(lines), facts()).finding("opening").passed


def test_window_matches_quotes_the_agreed_time_when_booked_as_agreed() -> None:
    finding = check(call(good_call()), facts()).finding("window_matches")
    assert finding.passed
    assert finding.quote == "好的，那就给您约后天上午九点到十二点。"


def test_booking_the_time_the_customer_turned_down_fails_window_matches() -> None:
    verdict = check(call(good_call()), facts(start=(4, 14), end=(4, 16)))
    finding = verdict.finding("window_matches")
    assert not finding.passed
    assert finding.quote == "好的，那就给您约后天上午九点到十二点。"
    assert "2026-03-04 14:00–16:00" in finding.explanation
    # window_matches weighs 30 of the 90 that apply to a first booking (no reschedule_reason)
    assert verdict.score == round(100 * 60 / 90) and not verdict.passed


def test_a_call_where_no_time_is_agreed_fails_window_matches_without_a_quote() -> None:
    lines = [("d", OPENING), ("c", "对。"), ("d", CLOSING)]
    finding = check(call(lines), facts()).finding("window_matches")
    assert (finding.passed, finding.quote) == (False, "")
    assert "no time is agreed" in finding.explanation


def test_the_customers_correction_of_a_misheard_time_wins() -> None:
    lines = [
        ("d", OPENING),
        ("c", "是的。"),
        ("d", "给您约周四上午可以吗？"),
        ("c", "可以。"),
        ("d", "好的，那我登记周五上午。"),
        ("c", "不对，是周四上午。"),
        ("d", "不好意思，周四上午，我改过来。"),
    ]
    finding = check(call(lines), facts()).finding("window_matches")
    assert finding.passed
    assert finding.quote == "不好意思，周四上午，我改过来。"


def test_address_confirmed_quotes_the_read_out_address() -> None:
    finding = check(call(good_call()), facts()).finding("address_confirmed")
    assert finding.passed
    assert finding.quote == "跟您确认一下安装地址，是南京西路1266号恒隆广场32楼对吗？"


def test_a_corrected_address_fails_and_quotes_the_correction() -> None:
    lines = _replace(good_call(), "对的。", "不对，我们已经搬到淮海中路300号了。")
    finding = check(call(lines), facts()).finding("address_confirmed")
    assert not finding.passed
    assert finding.quote == "不对，我们已经搬到淮海中路300号了。"


def test_an_address_never_mentioned_fails() -> None:
    lines = [line for line in good_call() if "地址" not in line[1] and line[1] != "对的。"]
    finding = check(call(lines), facts()).finding("address_confirmed")
    assert (finding.passed, finding.quote) == (False, "")


def test_an_address_read_out_but_not_answered_fails_quoting_it() -> None:
    lines = _replace(good_call(), "对的。", "师傅要带梯子吗？")
    finding = check(call(lines), facts()).finding("address_confirmed")
    assert not finding.passed
    assert finding.quote == "跟您确认一下安装地址，是南京西路1266号恒隆广场32楼对吗？"


def test_reschedule_reason_does_not_apply_to_a_first_booking() -> None:
    verdict = check(call(good_call()), facts())
    finding = verdict.finding("reschedule_reason")
    assert finding.passed and "not a reschedule" in finding.explanation


def _reschedule(announcement: str) -> list[tuple[str, str]]:
    lines = good_call()
    at = lines.index(("c", "对，是的。")) + 1
    return [*lines[:at], ("d", announcement), ("c", "好的。"), *lines[at:]]


def test_a_reschedule_with_a_reason_passes_quoting_the_reason() -> None:
    said = "您原来约的周三上午，因为光箱资源要重新调配，需要改一下时间。"
    finding = check(call(_reschedule(said)), facts(reschedule=True)).finding("reschedule_reason")
    assert (finding.passed, finding.quote) == (True, said)


def test_a_reschedule_without_a_reason_fails_quoting_the_change() -> None:
    said = "您原来约的周三上午需要改一下时间。"
    verdict = check(call(_reschedule(said)), facts(reschedule=True))
    finding = verdict.finding("reschedule_reason")
    assert (finding.passed, finding.quote) == (False, said)
    assert verdict.score == 90  # reschedule_reason weighs 10 of 100 on a reschedule call


def test_a_rude_dispatcher_fails_no_forbidden_phrases_quoting_the_sentence() -> None:
    lines = [*good_call()[:-2], ("c", "师傅几点到？"), ("d", "这个我也不知道，你自己看着办。")]
    finding = check(call(lines), facts()).finding("no_forbidden_phrases")
    assert not finding.passed
    assert finding.quote == "这个我也不知道，你自己看着办。"
    assert "不知道" in finding.explanation


def test_polite_lead_ins_and_the_customers_words_are_not_forbidden() -> None:
    lines = [
        *good_call()[:-2],
        ("d", "不知道您那边还有什么问题吗？如果您那天没办法安排人，提前说一声。"),
        ("c", "我也不知道，你们自己看着办吧。"),
        ("d", CLOSING),
    ]
    assert check(call(lines), facts()).finding("no_forbidden_phrases").passed


def test_dialect_spellings_of_forbidden_phrases_are_caught() -> None:
    lines = [*good_call()[:-2], ("d", "伊个我勿晓得。"), ("d", CLOSING)]
    finding = check(call(lines), facts()).finding("no_forbidden_phrases")
    assert (finding.passed, finding.quote) == (False, "伊个我勿晓得。")


def test_closing_quotes_the_goodbye() -> None:
    finding = check(call(good_call()), facts()).finding("closing")
    assert (finding.passed, finding.quote) == (True, CLOSING)


def test_thanks_earlier_in_the_call_is_no_closing() -> None:
    lines = [*good_call()[:-2], ("d", "好的，谢谢您确认。"), ("c", "嗯。"), ("d", "行，那先这样。")]
    finding = check(call(lines), facts()).finding("closing")
    assert (finding.passed, finding.quote) == (False, "行，那先这样。")
