"""The `hub` command line: processes (`up`, `worker`, `web`), the demo, and ops commands."""
