"""Handlers: `(message, uow)` functions that load state, call the domain, and record outcomes."""
