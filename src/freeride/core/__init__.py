"""Pure domain: plain data and rules, no I/O, no framework."""
