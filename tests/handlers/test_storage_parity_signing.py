"""The fake signing store behaves as `hub.db.signing`: the same case on both (see conftest)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from hub.domain.signing import MAX_CODE_FAILURES, Channel, LinkStatus, SigningLink
from hub.errors import ConcurrencyConflict
from hub.ports import AuditEntry, SignatureRecord
from tests.handlers.conftest import Storage

CLAIM = timedelta(minutes=2)


def link(storage: Storage, *, issue_no: int = 1, link_id: str = "L1") -> SigningLink:
    now = storage.clock()
    return SigningLink(
        link_id=link_id,
        order_id="WO-1",
        channel=Channel.REMOTE,
        report_version=1,
        report_sha256="a" * 64,
        issue_no=issue_no,
        status=LinkStatus.ACTIVE,
        created_at=now,
        expires_at=now + timedelta(hours=72),
        to_masked="+86*******000",
    )


def pending(signer: str = "张伟") -> SignatureRecord:
    return SignatureRecord("WO-1", "pending", "remote", 1, "a" * 64, None, None, signer, None, "L1")


async def test_a_link_issue_number_is_taken_once(storage: Storage) -> None:
    async with storage.uow() as uow:
        await uow.signing.add_link(link(storage), token_sha256="t1")
        with pytest.raises(ConcurrencyConflict):
            await uow.signing.add_link(link(storage, link_id="L2"), token_sha256="t2")


async def test_links_are_found_by_token_and_listed_by_issue(storage: Storage) -> None:
    async with storage.uow() as uow:
        await uow.signing.add_link(link(storage, issue_no=2, link_id="L2"), token_sha256="t2")
        await uow.signing.add_link(link(storage), token_sha256="t1")
        await uow.signing.add_token("L1", "t1b")
        await uow.signing.revoke(["L1"])
        await uow.commit()
    async with storage.uow.read() as uow:
        found = await uow.signing.link_by_token("t1b")
        assert found is not None and (found.link_id, found.status) == ("L1", LinkStatus.REVOKED)
        listed = await uow.signing.links_for("WO-1", channel=Channel.REMOTE)
        assert [lk.issue_no for lk in listed] == [1, 2]
        assert await uow.signing.links_for("WO-1", channel=Channel.ON_SITE) == []


async def test_code_tries_are_counted_up_to_the_limit_and_reset_by_the_right_code(
    storage: Storage,
) -> None:
    async with storage.uow() as uow:
        await uow.signing.add_link(link(storage), token_sha256="t1")
        tries = [await uow.signing.claim_code_try("L1") for _ in range(MAX_CODE_FAILURES + 1)]
        assert tries == [True] * MAX_CODE_FAILURES + [False]
        await uow.signing.code_verified("L1")
        after = await uow.signing.link("L1")
        assert after is not None and after.failed_attempts == 0
        assert await uow.signing.claim_code_try("unknown") is False


async def test_a_saved_code_is_read_back(storage: Storage) -> None:
    now = storage.clock()
    coded = replace(
        link(storage), code_no=1, code_digest="d" * 64, code_expires_at=now, code_sends=(now,)
    )
    async with storage.uow() as uow:
        await uow.signing.add_link(link(storage), token_sha256="t1")
        await uow.signing.save_code(coded)
        back = await uow.signing.link("L1")
    assert back is not None
    assert (back.code_no, back.code_digest, back.code_sends) == (1, "d" * 64, (now,))


async def test_a_session_is_valid_for_its_link_until_it_expires(storage: Storage) -> None:
    now = storage.clock()
    async with storage.uow() as uow:
        await uow.signing.add_session("s1", "L1", expires_at=now + timedelta(minutes=30))
        await uow.commit()
    async with storage.uow.read() as uow:
        assert await uow.signing.session_valid("s1", "L1") is True
        assert await uow.signing.session_valid("s1", "L2") is False
    storage.clock.advance(timedelta(minutes=30))
    async with storage.uow.read() as uow:
        assert await uow.signing.session_valid("s1", "L1") is False


async def test_an_order_is_claimed_for_signing_by_one_and_signed_once(storage: Storage) -> None:
    until = storage.clock() + CLAIM
    async with storage.uow() as uow:
        store = uow.signing
        assert await store.claim_signature(pending(), claim_id="c1", until=until) == "claimed"
        assert await store.claim_signature(pending(), claim_id="c2", until=until) == "busy"
        assert not await store.finish_signature(
            "WO-1", "c2", signed_sha256="b" * 64, signed_path="p"
        )
        assert await store.finish_signature("WO-1", "c1", signed_sha256="b" * 64, signed_path="p")
        assert await store.claim_signature(pending(), claim_id="c3", until=until) == "signed"
        signed = await store.signature_by_hash("b" * 64)
    assert signed is not None
    assert (signed.status, signed.signer_name, signed.signed_at) == (
        "signed",
        "张伟",
        until - CLAIM,
    )


async def test_a_claim_whose_holder_died_is_taken_over(storage: Storage) -> None:
    async with storage.uow() as uow:
        until = uow.now + CLAIM
        await uow.signing.claim_signature(pending(), claim_id="c1", until=until)
        await uow.commit()
    storage.clock.advance(CLAIM + timedelta(seconds=1))
    async with storage.uow() as uow:
        later = uow.now + CLAIM
        assert await uow.signing.claim_signature(pending("李四"), claim_id="c2", until=later) == (
            "claimed"
        )
        assert not await uow.signing.finish_signature(
            "WO-1", "c1", signed_sha256="b" * 64, signed_path="p"
        )
        taken = await uow.signing.signature("WO-1")
    assert taken is not None and taken.signer_name == "李四"


async def test_a_released_claim_frees_the_order_only_for_its_holder(storage: Storage) -> None:
    async with storage.uow() as uow:
        until = uow.now + CLAIM
        await uow.signing.claim_signature(pending(), claim_id="c1", until=until)
        await uow.signing.release_signature("WO-1", "c2")
        assert await uow.signing.signature("WO-1") is not None
        await uow.signing.release_signature("WO-1", "c1")
        assert await uow.signing.signature("WO-1") is None


async def test_the_audit_trail_keeps_its_order(storage: Storage) -> None:
    now = storage.clock()
    async with storage.uow() as uow:
        for kind in ("sms_sent", "otp_sent", "signed"):
            await uow.signing.audit("WO-1", AuditEntry(kind, now, "1.2.3.4", "ua", {"k": kind}))
        await uow.signing.audit("WO-2", AuditEntry("sms_sent", now, None, None, {}))
        await uow.commit()
    async with storage.uow.read() as uow:
        trail = await uow.signing.audit_trail("WO-1")
    assert [(e.kind, e.details) for e in trail] == [
        ("sms_sent", {"k": "sms_sent"}),
        ("otp_sent", {"k": "otp_sent"}),
        ("signed", {"k": "signed"}),
    ]
