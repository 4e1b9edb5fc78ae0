"""Signatures: one row per order, ever; its primary key is the exactly-once guard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from hub.db.signing.rows import SigningRows
from hub.db.tables import signatures
from hub.ports.records import SignatureRecord


class SignatureRows(SigningRows):
    """Claim the order's one signature slot, finish or release the claim, look signatures up."""

    async def claim_signature(
        self, record: SignatureRecord, *, claim_id: str, until: datetime | None
    ) -> str:
        """Take the order's one signature slot: "claimed", or "signed"/"busy" if taken."""
        values = {
            "order_id": record.order_id,
            "status": "pending",
            "claim_id": claim_id,
            "claimed_until": until,
            "channel": record.channel,
            "link_id": record.link_id,
            "report_version": record.report_version,
            "report_sha256": record.report_sha256,
            "signer_name": record.signer_name,
            "created_at": self._now,
        }
        inserted = await self._conn.execute(
            self._db.insert_ignoring_conflicts(signatures).values(**values)
        )
        if inserted.rowcount == 1:
            return "claimed"
        taken_over = await self._conn.execute(  # a claim whose holder died or gave up
            update(signatures)
            .where(signatures.c.order_id == record.order_id, signatures.c.status == "pending")
            .where(signatures.c.claimed_until < self._now)
            .values({k: v for k, v in values.items() if k not in ("order_id", "created_at")})
        )
        if taken_over.rowcount == 1:
            return "claimed"
        existing = await self.signature(record.order_id)
        return "signed" if existing is not None and existing.status == "signed" else "busy"

    async def release_signature(self, order_id: str, claim_id: str) -> None:
        await self._conn.execute(
            delete(signatures).where(
                signatures.c.order_id == order_id,
                signatures.c.claim_id == claim_id,
                signatures.c.status == "pending",
            )
        )

    async def finish_signature(
        self,
        order_id: str,
        claim_id: str,
        *,
        signed_sha256: str,
        signed_path: str,
        signed_at: datetime | None = None,
    ) -> bool:
        """Turn our claim into the signature; False if the claim was lost meanwhile."""
        result = await self._conn.execute(
            update(signatures)
            .where(
                signatures.c.order_id == order_id,
                signatures.c.claim_id == claim_id,
                signatures.c.status == "pending",
            )
            .values(
                status="signed",
                claimed_until=None,
                signed_sha256=signed_sha256,
                signed_path=signed_path,
                signed_at=signed_at or self._now,
            )
        )
        return result.rowcount == 1

    async def signature(self, order_id: str) -> SignatureRecord | None:
        query = select(signatures).where(signatures.c.order_id == order_id)
        row = (await self._conn.execute(query)).mappings().first()
        return _to_signature(row) if row else None

    async def signature_by_hash(self, signed_sha256: str) -> SignatureRecord | None:
        query = select(signatures).where(
            signatures.c.signed_sha256 == signed_sha256, signatures.c.status == "signed"
        )
        row = (await self._conn.execute(query)).mappings().first()
        return _to_signature(row) if row else None


def _to_signature(row: Any) -> SignatureRecord:
    return SignatureRecord(
        order_id=row["order_id"],
        status=row["status"],
        channel=row["channel"],
        report_version=row["report_version"],
        report_sha256=row["report_sha256"],
        signed_sha256=row["signed_sha256"],
        signed_path=row["signed_path"],
        signer_name=row["signer_name"],
        signed_at=row["signed_at"],
        link_id=row["link_id"],
        claim_id=row["claim_id"],
    )
