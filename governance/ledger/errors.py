"""The ledger's refusals: one code per invariant, each an ``N_``-marked message.

Every refusal is raised before anything is written, so a refused transaction leaves the books
unchanged.
"""

from __future__ import annotations

from typing import Any

from governance.errors import Conflict, Forbidden, InvalidInput
from governance.i18n import N_


class Unbalanced(InvalidInput):
    code = "ledger_unbalanced"

    def __init__(self, commodity: str, total: str) -> None:
        super().__init__(
            N_("The postings in %(commodity)s sum to %(total)s; a transaction must sum to zero."),
            commodity=commodity,
            total=total,
        )


class SinglePosting(InvalidInput):
    code = "ledger_single_posting"

    def __init__(self) -> None:
        super().__init__(N_("A transaction needs at least two postings."))


class UnknownAccount(InvalidInput):
    code = "ledger_unknown_account"

    def __init__(self, account: str) -> None:
        super().__init__(N_("There is no account named '%(account)s'."), account=account)


class RootAccount(InvalidInput):
    code = "ledger_root_account"

    def __init__(self, account: str) -> None:
        super().__init__(
            N_("'%(account)s' is a root of the tree; post to an account under it."),
            account=account,
        )


class ClosedAccount(InvalidInput):
    code = "ledger_closed_account"

    def __init__(self, account: str) -> None:
        super().__init__(
            N_("The account '%(account)s' is closed; nothing can be posted to it."),
            account=account,
        )


class UndeclaredCommodity(InvalidInput):
    code = "ledger_undeclared_commodity"

    def __init__(self, commodity: str) -> None:
        super().__init__(
            N_("The commodity '%(commodity)s' is not declared in these books."),
            commodity=commodity,
        )


class TooManyDecimals(InvalidInput):
    code = "ledger_too_many_decimals"

    def __init__(self, amount: str, commodity: str, precision: int) -> None:
        super().__init__(
            N_("%(amount)s has too many decimals: %(commodity)s allows %(precision)s."),
            amount=amount,
            commodity=commodity,
            precision=precision,
        )


class NegativeHoldings(InvalidInput):
    code = "ledger_negative_holdings"

    def __init__(self, account: str, balance: str) -> None:
        super().__init__(
            N_(
                "This would leave %(account)s holding %(balance)s shares; holdings cannot be "
                "below zero."
            ),
            account=account,
            balance=balance,
        )


class NonZeroBalance(InvalidInput):
    code = "ledger_account_not_zero"

    def __init__(self, account: str, balance: str) -> None:
        super().__init__(
            N_(
                "The account '%(account)s' still holds %(balance)s; only an account at zero "
                "can be closed."
            ),
            account=account,
            balance=balance,
        )


class PeriodClosed(InvalidInput):
    code = "ledger_period_closed"

    def __init__(self, day: str, end: str) -> None:
        super().__init__(
            N_("%(day)s falls in a closed period (closed up to %(end)s); date it later."),
            day=day,
            end=end,
        )


class BadAmount(InvalidInput):
    code = "ledger_bad_amount"

    def __init__(self, amount: Any) -> None:
        super().__init__(
            N_("'%(amount)s' is not an amount; write a decimal number such as 12.50."),
            amount=str(amount),
        )


class AlreadyReversed(Conflict):
    code = "ledger_already_reversed"

    def __init__(self, seq: int) -> None:
        super().__init__(N_("Transaction %(seq)s has already been reversed."), seq=seq)


class NotBookkeeper(Forbidden):
    code = "ledger_bookkeepers_only"

    def __init__(self) -> None:
        super().__init__(N_("Only a treasurer or an admin may record in the books."))


class PrivateDetails(Forbidden):
    code = "ledger_private"

    def __init__(self) -> None:
        super().__init__(
            N_("The bylaws keep each member's shares and capital private to that member.")
        )
