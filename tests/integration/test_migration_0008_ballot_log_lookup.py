"""Revision 0008 fills the receipt digest and owner of the leaves logged before it."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from coopfed.migrate import upgrade


async def test_upgrade_to_0008__copies_receipt_and_owner_of_existing_leaves(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade(engine, "0004")
        leaves = [
            {"kind": "roll_call", "voter": 3, "receipt": "ab" * 32},
            {"kind": "secret", "slot": "s1", "receipt": "cd" * 32},
        ]
        async with engine.begin() as conn:
            for position, leaf in enumerate(leaves):
                await conn.execute(
                    text(
                        "INSERT INTO ballot_log_entries (proposal_id, position, leaf_hash, leaf) "
                        "VALUES (1, :position, :hash, :leaf)"
                    ),
                    {"position": position, "hash": "0" * 64, "leaf": json.dumps(leaf)},
                )
        await upgrade(engine, "0008")
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT position, receipt_digest, owner FROM ballot_log_entries "
                        "ORDER BY position"
                    )
                )
            ).all()
        assert [tuple(row) for row in rows] == [(0, "ab" * 32, "voter:3"), (1, "cd" * 32, "slot:s1")]
    finally:
        await engine.dispose()
