"""Pure domain code: state machines and rules, no I/O."""
