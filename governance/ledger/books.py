"""The instance's books as a whole: its rules from the bylaws, and opening them on first use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from governance.bylaws import store as bylaws_store
from governance.bylaws.document import LedgerRules
from governance.ledger import account


async def rules(session: AsyncSession) -> LedgerRules:
    """The current bylaws' ledger rules (the defaults before any bylaws are chosen)."""
    found = await bylaws_store.current_version(session)
    return found.bylaws.ledger if found is not None else LedgerRules()


async def ensure_open(session: AsyncSession, *, now: datetime) -> LedgerRules:
    """Declare the commodities and open the default chart if not done yet; return the rules."""
    current = await rules(session)
    await account.ensure_chart(session, current.currency, now=now)
    return current
