"""The pure signing rules: tokens, codes, resend limits, expiry, what may be signed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.signing import (
    CODE_TTL,
    CODES_PER_WINDOW,
    MAX_CODE_FAILURES,
    RESEND_WINDOW,
    AlreadySigned,
    Channel,
    CodeLocked,
    CodeRejected,
    LinkGone,
    LinkStatus,
    ReportChanged,
    ResendLimited,
    SigningLink,
    after_signing,
    code_matches,
    csrf_token,
    csrf_valid,
    issue_code,
    looks_like_token,
    new_code,
    new_token,
    reminder_due,
    require_live_code,
    require_open,
    require_signable,
    token_digest,
)

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
SECRET = b"k" * 32
SHA = "a" * 64


def link(**changes: object) -> SigningLink:
    base = SigningLink(
        link_id="0" * 32,
        order_id="WO-1",
        channel=Channel.REMOTE,
        report_version=2,
        report_sha256=SHA,
        issue_no=1,
        status=LinkStatus.ACTIVE,
        created_at=NOW,
        expires_at=NOW + timedelta(hours=72),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_tokens_have_256_random_bits_and_only_their_digest_is_kept() -> None:
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(len(t) == 43 and looks_like_token(t) for t in tokens)
    token = next(iter(tokens))
    assert token_digest(token) != token and len(token_digest(token)) == 64
    assert not looks_like_token("short") and not looks_like_token(token + "x")


def test_codes_are_six_digits() -> None:
    codes = [new_code() for _ in range(500)]
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(set(codes)) > 400


def test_a_new_code_matches_and_the_previous_one_stops_working() -> None:
    first = issue_code(link(), "111111", secret=SECRET, now=NOW)
    assert code_matches(first, "111111", secret=SECRET)
    second = issue_code(first, "222222", secret=SECRET, now=NOW + timedelta(minutes=1))
    assert code_matches(second, "222222", secret=SECRET)
    assert not code_matches(second, "111111", secret=SECRET)
    assert second.code_digest not in ("222222", None)


def test_the_same_code_on_another_link_or_number_has_another_digest() -> None:
    a = issue_code(link(), "123456", secret=SECRET, now=NOW)
    b = issue_code(link(link_id="1" * 32), "123456", secret=SECRET, now=NOW)
    assert a.code_digest != b.code_digest
    assert not code_matches(a, "123456", secret=b"other-secret")


def test_first_code_plus_three_resends_per_fifteen_minutes() -> None:
    current = link()
    for minute in range(CODES_PER_WINDOW):
        current = issue_code(current, "000000", secret=SECRET, now=NOW + timedelta(minutes=minute))
    with pytest.raises(ResendLimited) as refused:
        issue_code(current, "000000", secret=SECRET, now=NOW + timedelta(minutes=5))
    assert refused.value.retry_after == RESEND_WINDOW - timedelta(minutes=5)
    later = issue_code(current, "000000", secret=SECRET, now=NOW + RESEND_WINDOW)
    assert later.code_no == CODES_PER_WINDOW + 1


def test_a_code_expires_after_ten_minutes() -> None:
    current = issue_code(link(), "000000", secret=SECRET, now=NOW)
    require_live_code(current, NOW + CODE_TTL - timedelta(seconds=1))
    with pytest.raises(CodeRejected, match="expired"):
        require_live_code(current, NOW + CODE_TTL)


def test_no_code_requested_yet_is_refused_without_a_try() -> None:
    with pytest.raises(CodeRejected) as refused:
        require_live_code(link(), NOW)
    assert refused.value.remaining == MAX_CODE_FAILURES


def test_five_failures_lock_the_link_for_codes_and_resends() -> None:
    locked = issue_code(link(), "000000", secret=SECRET, now=NOW)
    locked = replace(locked, failed_attempts=MAX_CODE_FAILURES)
    with pytest.raises(CodeLocked):
        require_live_code(locked, NOW)
    with pytest.raises(CodeLocked):
        issue_code(locked, "000000", secret=SECRET, now=NOW)


def test_an_expired_or_revoked_link_is_gone() -> None:
    with pytest.raises(LinkGone, match="expired"):
        require_open(link(), NOW + timedelta(hours=72))
    with pytest.raises(LinkGone, match="revoked"):
        require_open(link(status=LinkStatus.REVOKED), NOW)
    require_open(link(status=LinkStatus.SIGNED), NOW)  # still open to download


def test_only_the_exact_version_viewed_and_still_latest_can_be_signed() -> None:
    current = link()
    require_signable(current, version=2, sha256=SHA, latest_version=2, latest_sha256=SHA)
    with pytest.raises(ReportChanged):
        require_signable(current, version=2, sha256="b" * 64, latest_version=2, latest_sha256=SHA)
    with pytest.raises(ReportChanged):
        require_signable(current, version=1, sha256=SHA, latest_version=2, latest_sha256=SHA)
    with pytest.raises(ReportChanged):
        require_signable(current, version=2, sha256=SHA, latest_version=3, latest_sha256="c" * 64)
    with pytest.raises(AlreadySigned):
        require_signable(
            link(status=LinkStatus.SIGNED),
            version=2,
            sha256=SHA,
            latest_version=2,
            latest_sha256=SHA,
        )


def test_a_signed_link_stays_open_for_downloads() -> None:
    assert after_signing(link(), NOW) == NOW + timedelta(days=30)


def test_reminders_are_capped_sent_once_each_and_only_for_waiting_links() -> None:
    waiting = link()
    assert reminder_due(waiting, 1, max_reminders=2, now=NOW)
    assert not reminder_due(replace(waiting, reminders_sent=1), 1, max_reminders=2, now=NOW)
    assert reminder_due(replace(waiting, reminders_sent=1), 2, max_reminders=2, now=NOW)
    assert not reminder_due(replace(waiting, reminders_sent=2), 3, max_reminders=2, now=NOW)
    assert not reminder_due(link(status=LinkStatus.SIGNED), 1, max_reminders=2, now=NOW)
    assert not reminder_due(waiting, 1, max_reminders=2, now=NOW + timedelta(hours=80))


def test_csrf_tokens_are_bound_to_the_session_and_the_link() -> None:
    token = csrf_token("session-a", "link-1", secret=SECRET)
    assert csrf_valid(token, "session-a", "link-1", secret=SECRET)
    assert not csrf_valid(token, "session-b", "link-1", secret=SECRET)
    assert not csrf_valid(token, "session-a", "link-2", secret=SECRET)
    assert not csrf_valid("", "session-a", "link-1", secret=SECRET)
