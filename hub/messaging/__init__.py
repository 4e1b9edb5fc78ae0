"""The messaging core: topology, outbox and relay, inbox, failure policy, timers."""
