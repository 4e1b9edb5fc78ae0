"""The billing stand-in's own tables: started subscriptions (起租) and the ledger of calls."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from adapters.embedded_standin import ledger_table
from adapters.standin_storage import UtcDateTime, standin_metadata

metadata = standin_metadata()

billing_accounts = Table(
    "billing_accounts",
    metadata,
    Column("reference", String(64), primary_key=True),
    Column("order_id", String(64), nullable=False, index=True),
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("product", String(200), nullable=False),
    Column("bandwidth_mbps", Integer, nullable=False),
    Column("report_sha256", String(64), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
)

standin_ledger = ledger_table(metadata)
