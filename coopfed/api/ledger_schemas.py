"""Request and response models of the ledger API. Amounts are decimal strings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from coopfed.api.schemas import Strict
from governance.ledger.balance import AccountLine, BalanceSheet, HistoryLine
from governance.ledger.checkpoint import ConsistencyProof, InclusionProof
from governance.ledger.commodity import plain
from governance.ledger.model import Checkpoint, ShareOperation, Transaction
from governance.ledger.shares import Holding

Amounts = dict[str, str]


def amounts(values: dict[str, Decimal]) -> Amounts:
    return {code: plain(v) for code, v in values.items()}


class PostingIn(Strict):
    account: str = Field(max_length=200, examples=["Assets:Bank"])
    commodity: str = Field(max_length=24, examples=["EUR"])
    amount: str = Field(max_length=40, description="A decimal string", examples=["-12.50"])


class TransactionIn(Strict):
    date: str | None = Field(default=None, description="YYYY-MM-DD; default today")
    description: str = Field(max_length=500)
    postings: list[PostingIn] = Field(max_length=200)


class ReverseIn(Strict):
    description: str | None = Field(default=None, max_length=500)


class AccountIn(Strict):
    name: str = Field(max_length=200, examples=["Expenses:Travel"])
    description: str = Field(default="", max_length=200)


class AccountNameIn(Strict):
    name: str = Field(max_length=200)


class PartnerIn(Strict):
    partner: str = Field(max_length=200, description="The partner co-op's name or actor id")
    component: str = Field(max_length=40, description="Its part of the account names, e.g. Acme")


class SharesIn(Strict):
    member_id: int
    quantity: int
    cash_account: str = Field(default="Assets:Bank", max_length=200)


class TransferIn(Strict):
    from_member_id: int
    to_member_id: int
    quantity: int


class PeriodIn(Strict):
    end: str = Field(description="The period's last day, YYYY-MM-DD")


class AccountOut(BaseModel):
    id: int
    name: str
    type: str
    purpose: str
    depth: int
    member_id: int | None
    description: str
    open: bool
    balance: Amounts = Field(description="The account's own postings")
    total: Amounts = Field(description="The account and everything under it")

    @classmethod
    def of(cls, line: AccountLine) -> AccountOut:
        return cls(
            id=line.id,
            name=line.name,
            type=line.type.value,
            purpose=line.purpose.value,
            depth=line.depth,
            member_id=line.member_id,
            description=line.description,
            open=line.is_open,
            balance=amounts(line.own),
            total=amounts(line.total),
        )


class TrialBalanceOut(BaseModel):
    accounts: list[AccountOut]
    totals: Amounts = Field(description="Per commodity; all zero when the books balance")
    balanced: bool


class BalanceSheetOut(BaseModel):
    currency: str
    assets: str
    liabilities: str
    equity: str
    income: str
    expenses: str
    surplus: str = Field(
        description="Income less expenses not yet closed into retained earnings (the current "
        "year's result); assets = liabilities + equity + surplus"
    )
    retained_earnings: str = Field(
        description="Retained earnings not yet distributed (part of equity): the closed "
        "results less the allocations posted"
    )

    @classmethod
    def of(cls, sheet: BalanceSheet) -> BalanceSheetOut:
        return cls(
            currency=sheet.currency,
            assets=plain(sheet.assets),
            liabilities=plain(sheet.liabilities),
            equity=plain(sheet.equity),
            income=plain(sheet.income),
            expenses=plain(sheet.expenses),
            surplus=plain(sheet.surplus),
            retained_earnings=plain(sheet.retained),
        )


class PostingOut(BaseModel):
    account: str
    commodity: str
    amount: str


class TransactionOut(BaseModel):
    seq: int
    kind: str
    date: str
    description: str
    recorded_at: str
    recorded_by: int | None
    reverses: int | None
    leaf_hash: str
    data: dict[str, Any]
    postings: list[PostingOut]


class PeriodClosedOut(TransactionOut):
    """The seal (kind ``period_close``) with the closing entry posted just before it."""

    closing_entry: TransactionOut | None = Field(
        description="The closing entry (kind result_close) that moved every income and expense "
        "balance to Equity:RetainedEarnings; null when there was none to move"
    )


def transaction_out(tx: Transaction, postings: list[Any], reverses: int | None) -> TransactionOut:
    return TransactionOut(
        seq=tx.seq,
        kind=tx.kind.value,
        date=tx.date.isoformat(),
        description=tx.description,
        recorded_at=tx.recorded_at.isoformat(),
        recorded_by=tx.recorded_by_id,
        reverses=reverses,
        leaf_hash=tx.leaf_hash,
        data=dict(tx.data or {}),
        postings=[
            PostingOut(account=p.account, commodity=p.commodity, amount=plain(p.amount))
            for p in postings
        ],
    )


class ShareOperationOut(BaseModel):
    number: int
    kind: str
    member_id: int
    counterparty_id: int | None
    quantity: int
    unit_price: str
    currency: str
    transaction_seq: int
    recorded_at: str

    @classmethod
    def of(cls, op: ShareOperation, seq: int) -> ShareOperationOut:
        return cls(
            number=op.number,
            kind=op.kind.value,
            member_id=op.member_id,
            counterparty_id=op.counterparty_id,
            quantity=op.quantity,
            unit_price=plain(op.unit_price),
            currency=op.currency,
            transaction_seq=seq,
            recorded_at=op.recorded_at.isoformat(),
        )


class HoldingOut(BaseModel):
    member_id: int
    shares: int
    share_capital: str
    capital_account: str

    @classmethod
    def of(cls, h: Holding) -> HoldingOut:
        return cls(
            member_id=h.member_id,
            shares=h.shares,
            share_capital=plain(h.capital),
            capital_account=plain(h.capital_account),
        )


class HistoryOut(BaseModel):
    seq: int
    date: str
    description: str
    commodity: str
    amount: str
    running: str
    fiscal_year: int | None = Field(
        None, description="For a surplus allocation: the fiscal year whose surplus it distributes"
    )

    @classmethod
    def of(cls, line: HistoryLine) -> HistoryOut:
        return cls(
            seq=line.seq,
            date=line.day.isoformat(),
            description=line.description,
            commodity=line.commodity,
            amount=plain(line.amount),
            running=plain(line.running),
            fiscal_year=line.fiscal_year,
        )


class MemberBooksOut(BaseModel):
    holding: HoldingOut
    share_operations: list[ShareOperationOut]
    capital_account_history: list[HistoryOut]
    share_capital_history: list[HistoryOut]


class RegisterOut(BaseModel):
    holdings: list[HoldingOut]
    operations: list[ShareOperationOut]


class CheckpointOut(BaseModel):
    log: str
    size: int
    root: str
    time: str
    signature: str | None = Field(
        description="Ed25519 over the RFC 8785 JSON of log, size, "
        "root and time; base64url without padding"
    )
    key_id: str | None
    public_key_multibase: str | None

    @classmethod
    def of(cls, row: Checkpoint, log: str) -> CheckpointOut:
        return cls(
            log=log,
            size=row.size,
            root=row.root,
            time=row.signed_at.isoformat(),
            signature=row.signature,
            key_id=row.key_id,
            public_key_multibase=row.public_key_multibase,
        )


class InclusionOut(BaseModel):
    seq: int
    tree_size: int
    leaf_hash: str
    root: str
    path: list[str] = Field(description="RFC 9162 §2.1.3 audit path, hex")

    @classmethod
    def of(cls, p: InclusionProof) -> InclusionOut:
        return cls(
            seq=p.seq, tree_size=p.tree_size, leaf_hash=p.leaf_hash, root=p.root, path=p.path
        )


class ConsistencyOut(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    path: list[str] = Field(description="RFC 9162 §2.1.4 consistency proof, hex")

    @classmethod
    def of(cls, p: ConsistencyProof) -> ConsistencyOut:
        return cls(
            first=p.first,
            second=p.second,
            first_root=p.first_root,
            second_root=p.second_root,
            path=p.path,
        )


class VerifyOut(BaseModel):
    ok: bool
    size: int
    checkpoints: int
    signed_checkpoints: int
    totals: Amounts
    first_bad_transaction: int | None
    problem: str | None


class ExportOut(BaseModel):
    format: str
    media_type: str
    content: str = Field(description="The whole export as text")
