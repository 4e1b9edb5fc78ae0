"""The billing system (计费/起租): HTTP client and embedded stand-in."""
