"""Simulated outside parties (dispatcher, technicians) that drive orders over the AMQP contracts."""
