"""Fakes, builders and clocks for tests and demos."""
