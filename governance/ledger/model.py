"""The ledger's tables.

Transactions and postings are append-only: the code has no update or delete path for them, and
a correction is a new transaction whose ``reverses_id`` names the one it cancels. ``seq`` is the
transaction's index in the Merkle log and ``leaf_hash`` its RFC 9162 leaf hash (hex).

``ledger_heads`` holds one row: every write locks it first, so ledger writes are serialised on
PostgreSQL (a row lock) as they are on SQLite (``BEGIN IMMEDIATE``); a check such as "holdings
not below zero" therefore always sees the writes committed before it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from governance.db import Base, ExactDecimal, UTCDateTime


class AccountType(enum.StrEnum):
    """The five roots of the tree; their names start every account name."""

    ASSETS = "Assets"
    LIABILITIES = "Liabilities"
    EQUITY = "Equity"
    INCOME = "Income"  # revenue
    EXPENSES = "Expenses"


class Purpose(enum.StrEnum):
    """What an account is for, so services find it without parsing names."""

    GROUP = "group"  # a node of the tree that groups others
    BANK = "bank"
    RECEIVABLE = "receivable"
    PAYABLE = "payable"
    SHARE_CAPITAL = "share_capital"  # per member, in the co-op's currency
    CAPITAL_ACCOUNT = "capital_account"  # per member, internal capital account
    SHARE_HOLDINGS = "share_holdings"  # per member, in SHARES; never below zero
    SHARES_ISSUED = "shares_issued"  # counterpart of every holding, in SHARES
    LEGAL_RESERVE = "legal_reserve"
    INDIVISIBLE_RESERVE = "indivisible_reserve"
    RETAINED = "retained"
    OPENING = "opening"
    REVENUE = "revenue"
    EXPENSE = "expense"
    OTHER = "other"


class TxKind(enum.StrEnum):
    ENTRY = "entry"
    REVERSAL = "reversal"
    SHARE_SUBSCRIPTION = "share_subscription"
    SHARE_TRANSFER = "share_transfer"
    SHARE_REDEMPTION = "share_redemption"
    PERIOD_CLOSE = "period_close"
    RESULT_CLOSE = "result_close"  # the period's revenue and expenses moved to retained earnings
    ALLOCATION = "allocation"


class ShareOpKind(enum.StrEnum):
    SUBSCRIBE = "subscribe"
    TRANSFER = "transfer"
    REDEEM = "redeem"


def _enum(kind: type[enum.StrEnum], length: int = 24) -> Enum:
    return Enum(
        kind,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Commodity(Base):
    __tablename__ = "ledger_commodities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    precision: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120), default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Account(Base):
    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)  # Equity:ShareCapital:M12
    type: Mapped[AccountType] = mapped_column(_enum(AccountType, 16))
    purpose: Mapped[Purpose] = mapped_column(_enum(Purpose))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_accounts.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    partner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Transaction(Base):
    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)  # index of its leaf in the log
    kind: Mapped[TxKind] = mapped_column(_enum(TxKind))
    date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), nullable=True
    )
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT"), nullable=True, unique=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    leaf_hash: Mapped[str] = mapped_column(String(64))  # hex


class Posting(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (
        UniqueConstraint("transaction_id", "position"),
        Index("ix_ledger_postings_account_commodity", "account_id", "commodity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT")
    )
    position: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="RESTRICT"))
    commodity: Mapped[str] = mapped_column(
        ForeignKey("ledger_commodities.code", ondelete="RESTRICT")
    )
    amount: Mapped[Decimal] = mapped_column(ExactDecimal)


class Head(Base):
    """The one row every ledger write locks first; ``size`` is the number of leaves."""

    __tablename__ = "ledger_heads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer, default=0)


class Checkpoint(Base):
    """A signed statement of the log: ``{"log", "size", "root", "time"}``."""

    __tablename__ = "ledger_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer, index=True)
    root: Mapped[str] = mapped_column(String(64))  # hex
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signature: Mapped[str | None] = mapped_column(Text, nullable=True)  # base64url, no padding
    key_id: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    public_key_multibase: Mapped[str | None] = mapped_column(String(128), nullable=True)


class ShareOperation(Base):
    """One numbered operation of the share register, posted as ``transaction_id``."""

    __tablename__ = "ledger_share_operations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[ShareOpKind] = mapped_column(_enum(ShareOpKind, 16))
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), index=True
    )
    counterparty_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), nullable=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(ExactDecimal)
    currency: Mapped[str] = mapped_column(String(24))
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT"), unique=True
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
