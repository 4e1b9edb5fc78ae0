"""Delivery hub: the back-end half of digitized on-site delivery of enterprise telecom lines."""

__version__ = "0.1.0"
