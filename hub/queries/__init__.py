"""Query services: what the web reads, one per area, through `UnitOfWorkFactory.read()`.

They hold no rules (those are in `hub.domain`) and take no write lock.
"""
