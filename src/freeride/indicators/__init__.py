"""Indicators: incremental (one value per new bar, O(1)) and vectorised forms (pure)."""
