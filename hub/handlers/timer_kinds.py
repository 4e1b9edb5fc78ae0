"""The kinds of durable timers the handlers schedule (a timer is found again by kind + order)."""

from __future__ import annotations

CHECK_IN_DEADLINE = "check_in_deadline"
"""Fires `VerifyCheckIn` at the end of the booked window."""

RESOURCE_CHANGE_WATCHDOG = "resource_change_watchdog"
"""Resumes a fiber swap or box change an HTTP request left unfinished."""

SIGNING_REMINDER = "signing_reminder"
"""Reminds a customer who has not signed the report yet."""

REPORT_RENDER = "report_render"
"""Renders the next report version a few seconds after the last test result (debounce)."""

ACCEPTANCE_DEADLINE = "acceptance_deadline"
"""Fires `VerifyAcceptance` when a dispatched order should have been accepted (接单)."""

CONFIRMATION_REMINDER = "confirmation_reminder"
"""Fires `RemindConfirmation` on the day of the visit if the technician has not confirmed."""
