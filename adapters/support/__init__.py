"""The customer-support / work-order system (客保): HTTP client and embedded stand-in."""
