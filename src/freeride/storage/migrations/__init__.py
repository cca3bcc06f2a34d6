"""Alembic scripts for the storage schema; ``freeride.storage.migrate`` runs them."""
