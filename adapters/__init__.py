"""One package per external system: the real client and an embedded stand-in."""
