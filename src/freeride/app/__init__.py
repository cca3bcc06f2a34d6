"""Composition root: builds every component from Settings and runs their lifecycle."""
