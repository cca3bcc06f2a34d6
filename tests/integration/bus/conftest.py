"""The Redis bus tests reuse the contract suite's Redis helpers (a unique prefix per test) and
the storage tests' PostgreSQL helpers."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "contract"))
sys.path.insert(0, str(Path(__file__).parents[1] / "storage"))
