"""Persistence: tables, engine, and the unit of work (the only door to the database)."""
