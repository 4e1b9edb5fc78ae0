"""SMS platforms: the `log` provider (default) and Twilio."""
