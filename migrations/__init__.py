"""Alembic environment and revisions for coopfed's schema (one logical change per revision)."""

from pathlib import Path

LOCATION = str(Path(__file__).resolve().parent)
