"""Yahoo Finance's chart endpoint: no key, best effort, last in the chain."""
