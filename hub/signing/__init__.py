"""Signing the delivery report: links by SMS, one-time codes, the signature, the audit trail.

The rules are pure (`hub.domain.signing`); this package applies them in units of work, sends
texts through the outbox (`SendSms`), calls the report service to render the signed PDF and
publishes `ReportSigned` in the transaction that records the signature.
"""
