"""Market data shipped with freeride for the embedded default."""
