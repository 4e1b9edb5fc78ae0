"""Wire contracts of the hub: pydantic commands (imperative) and events (past tense), versioned."""
