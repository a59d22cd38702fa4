"""The share register: subscriptions, transfers and redemptions at the bylaws' nominal price.

Each operation gets the next number of the register and is posted to the books in the same
database transaction:

* subscribe N: holdings ``Equity:ShareRegister:M<id>`` +N SHARES against
  ``Equity:ShareRegister:Issued``; the cash account receives N × price, credited to the
  member's share capital ``Equity:ShareCapital:M<id>``;
* transfer N from A to B (only when the bylaws allow transfers): holdings and share capital
  move from A to B; the price is settled between the two members, outside the co-op's books;
* redeem N: the reverse of a subscription, paid from the cash account (or owed to the member
  when the cash account is their payable account) at nominal value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from governance import member as members
from governance.bylaws.document import LedgerRules
from governance.errors import Conflict, InvalidInput
from governance.i18n import N_
from governance.ledger import account as accounts
from governance.ledger import balance, journal
from governance.ledger.commodity import SHARES
from governance.ledger.draft import Draft, PostingDraft
from governance.ledger.model import Account, Purpose, ShareOperation, ShareOpKind, TxKind
from governance.member import Status

MAX_QUANTITY = 1_000_000
CASH_ACCOUNT = "Assets:Bank"
ISSUED = "Equity:ShareRegister:Issued"


def check_quantity(quantity: object) -> int:
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not (0 < quantity <= MAX_QUANTITY)
    ):
        raise InvalidInput(
            N_("A number of shares is a whole number from 1 to %(max)s."),
            code="ledger_bad_quantity",
            max=MAX_QUANTITY,
        )
    return quantity


async def _admitted(session: AsyncSession, member_id: int) -> members.Member:
    found = await members.get(session, member_id)
    if found.status is not Status.MEMBER:
        raise Conflict(
            N_("%(name)s is not an admitted member; only members hold shares."),
            code="ledger_not_a_member",
            name=found.display_name,
        )
    return found


async def _next_number(session: AsyncSession) -> int:
    last = await session.scalar(select(func.max(ShareOperation.number)))
    return 1 if last is None else last + 1


async def _post(
    session: AsyncSession,
    kind: ShareOpKind,
    member_id: int,
    quantity: int,
    rules: LedgerRules,
    postings: list[PostingDraft],
    description: str,
    *,
    counterparty_id: int | None,
    by: int | None,
    now: datetime,
    day: date | None,
) -> ShareOperation:
    number = await _next_number(session)  # under the head lock taken by the caller
    tx_kind = {
        ShareOpKind.SUBSCRIBE: TxKind.SHARE_SUBSCRIPTION,
        ShareOpKind.TRANSFER: TxKind.SHARE_TRANSFER,
        ShareOpKind.REDEEM: TxKind.SHARE_REDEMPTION,
    }[kind]
    tx = await journal.record(
        session,
        Draft(day or now.date(), description, tuple(postings)),
        by=by,
        now=now,
        kind=tx_kind,
        data={
            "share_operation": number,
            "member": member_id,
            "counterparty": counterparty_id,
            "quantity": quantity,
            "unit_price": format(rules.share_price, "f"),
        },
    )
    op = ShareOperation(
        number=number,
        kind=kind,
        member_id=member_id,
        counterparty_id=counterparty_id,
        quantity=quantity,
        unit_price=rules.share_price,
        currency=rules.currency,
        transaction_id=tx.id,
        recorded_at=now,
    )
    session.add(op)
    await session.flush()
    return op


async def subscribe(
    session: AsyncSession,
    member_id: int,
    quantity: int,
    rules: LedgerRules,
    *,
    cash_account: str = CASH_ACCOUNT,
    by: int | None,
    now: datetime,
    day: date | None = None,
) -> ShareOperation:
    """``member_id`` subscribes ``quantity`` shares at the nominal price, paid into cash."""
    quantity = check_quantity(quantity)
    await journal.lock_head(session)
    holder = await _admitted(session, member_id)
    await accounts.ensure_chart(session, rules.currency, now=now)
    own = await accounts.ensure_member_accounts(session, member_id, now=now)
    value = rules.share_price * quantity
    return await _post(
        session,
        ShareOpKind.SUBSCRIBE,
        member_id,
        quantity,
        rules,
        [
            PostingDraft(own[Purpose.SHARE_HOLDINGS].name, SHARES, Decimal(quantity)),
            PostingDraft(ISSUED, SHARES, Decimal(-quantity)),
            PostingDraft(cash_account, rules.currency, value),
            PostingDraft(own[Purpose.SHARE_CAPITAL].name, rules.currency, -value),
        ],
        f"{holder.display_name} subscribes {quantity} share(s)",
        counterparty_id=None,
        by=by,
        now=now,
        day=day,
    )


async def transfer(
    session: AsyncSession,
    from_id: int,
    to_id: int,
    quantity: int,
    rules: LedgerRules,
    *,
    by: int | None,
    now: datetime,
    day: date | None = None,
) -> ShareOperation:
    """Move ``quantity`` shares (and their share capital) from one member to another."""
    quantity = check_quantity(quantity)
    if not rules.transfers_allowed:
        raise InvalidInput(
            N_("The bylaws do not allow shares to be transferred between members."),
            code="ledger_transfers_not_allowed",
        )
    if from_id == to_id:
        raise InvalidInput(
            N_("A transfer needs two different members."), code="ledger_bad_transfer"
        )
    await journal.lock_head(session)
    giver = await members.get(session, from_id)
    taker = await _admitted(session, to_id)
    await accounts.ensure_chart(session, rules.currency, now=now)
    source = await accounts.ensure_member_accounts(session, from_id, now=now)
    target = await accounts.ensure_member_accounts(session, to_id, now=now)
    value = rules.share_price * quantity
    return await _post(
        session,
        ShareOpKind.TRANSFER,
        from_id,
        quantity,
        rules,
        [
            PostingDraft(source[Purpose.SHARE_HOLDINGS].name, SHARES, Decimal(-quantity)),
            PostingDraft(target[Purpose.SHARE_HOLDINGS].name, SHARES, Decimal(quantity)),
            PostingDraft(source[Purpose.SHARE_CAPITAL].name, rules.currency, value),
            PostingDraft(target[Purpose.SHARE_CAPITAL].name, rules.currency, -value),
        ],
        f"{giver.display_name} transfers {quantity} share(s) to {taker.display_name}",
        counterparty_id=to_id,
        by=by,
        now=now,
        day=day,
    )


async def redeem(
    session: AsyncSession,
    member_id: int,
    quantity: int,
    rules: LedgerRules,
    *,
    cash_account: str = CASH_ACCOUNT,
    by: int | None,
    now: datetime,
    day: date | None = None,
) -> ShareOperation:
    """Buy back ``quantity`` shares at nominal value (a member leaving, or reducing)."""
    quantity = check_quantity(quantity)
    await journal.lock_head(session)
    holder = await members.get(session, member_id)
    await accounts.ensure_chart(session, rules.currency, now=now)
    own = await accounts.ensure_member_accounts(session, member_id, now=now)
    value = rules.share_price * quantity
    return await _post(
        session,
        ShareOpKind.REDEEM,
        member_id,
        quantity,
        rules,
        [
            PostingDraft(own[Purpose.SHARE_HOLDINGS].name, SHARES, Decimal(-quantity)),
            PostingDraft(ISSUED, SHARES, Decimal(quantity)),
            PostingDraft(own[Purpose.SHARE_CAPITAL].name, rules.currency, value),
            PostingDraft(cash_account, rules.currency, -value),
        ],
        f"{holder.display_name}'s {quantity} share(s) redeemed at nominal value",
        counterparty_id=None,
        by=by,
        now=now,
        day=day,
    )


@dataclass(frozen=True)
class Holding:
    member_id: int
    shares: int
    capital: Decimal  # share capital, in the co-op's currency (positive)
    capital_account: Decimal  # internal capital account (positive: owed to the member)


async def holding(session: AsyncSession, member_id: int, currency: str) -> Holding:
    """A member's shares, share capital and capital account balance (zero if none yet)."""
    values: dict[Purpose, Decimal] = {}
    for purpose, code in (
        (Purpose.SHARE_HOLDINGS, SHARES),
        (Purpose.SHARE_CAPITAL, currency),
        (Purpose.CAPITAL_ACCOUNT, currency),
    ):
        found = await session.scalar(
            select(Account.id).where(Account.member_id == member_id, Account.purpose == purpose)
        )
        values[purpose] = (
            Decimal(0) if found is None else await balance.of_account_in(session, found, code)
        )
    return Holding(
        member_id=member_id,
        shares=int(values[Purpose.SHARE_HOLDINGS]),
        capital=-values[Purpose.SHARE_CAPITAL],
        capital_account=-values[Purpose.CAPITAL_ACCOUNT],
    )


async def register(session: AsyncSession, *, member_id: int | None = None) -> list[ShareOperation]:
    """The register in order (optionally only operations a member took part in)."""
    query = select(ShareOperation).order_by(ShareOperation.number)
    if member_id is not None:
        query = query.where(
            (ShareOperation.member_id == member_id) | (ShareOperation.counterparty_id == member_id)
        )
    return list((await session.scalars(query)).all())


async def holdings(session: AsyncSession, currency: str) -> list[Holding]:
    """Every member who has a share account, with their holding, by member id."""
    ids = (
        await session.scalars(
            select(Account.member_id)
            .where(Account.purpose == Purpose.SHARE_HOLDINGS)
            .order_by(Account.member_id)
        )
    ).all()
    return [await holding(session, i, currency) for i in ids if i is not None]
