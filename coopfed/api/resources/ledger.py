"""The ledger: balances, transactions, the share register, reports, exports, and the signed
checkpoint with its proofs (public, so partner co-ops can audit).

Members read; treasurers and admins record. A refused write answers 422 with the invariant's
code and leaves the books unchanged; each accepted write is followed by a signed checkpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from coopfed.api.errors import ApiError
from coopfed.api.ledger_schemas import (
    AccountIn,
    AccountNameIn,
    AccountOut,
    BalanceSheetOut,
    CheckpointOut,
    ConsistencyOut,
    ExportOut,
    HistoryOut,
    HoldingOut,
    InclusionOut,
    MemberBooksOut,
    PartnerIn,
    PeriodClosedOut,
    PeriodIn,
    RegisterOut,
    ReverseIn,
    ShareOperationOut,
    SharesIn,
    TransactionIn,
    TransactionOut,
    TransferIn,
    TrialBalanceOut,
    VerifyOut,
    amounts,
    transaction_out,
)
from coopfed.api.operation import Access, Call, Handler, Operation
from coopfed.ledger_service import publish_checkpoint, verify_books
from governance import member as members
from governance.bylaws.document import LedgerRules
from governance.errors import NotFound
from governance.i18n import N_
from governance.ledger import (
    access,
    account,
    balance,
    books,
    checkpoint,
    export,
    journal,
    period,
    shares,
)
from governance.ledger import draft as drafts
from governance.ledger.errors import UnknownAccount
from governance.ledger.leaf import LOG_NAME
from governance.ledger.model import Purpose, ShareOperation, Transaction

MAX_PAGE = 500


def _query_int(call: Call, name: str, *, default: int | None = None) -> int | None:
    raw = call.request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise ApiError(422, "invalid_input", f"{name}: must be a whole number")
    return int(raw)


def _query_date(call: Call, name: str) -> date | None:
    raw = call.request.query_params.get(name)
    return None if not raw else drafts.parse_date(raw)


async def _signed(call: Call) -> None:
    """Commit the write, then sign a checkpoint covering it."""
    await call.db.commit()
    await publish_checkpoint(call.ctx, call.db)
    await call.db.commit()


async def _tx_out(call: Call, txs: list[Transaction]) -> list[TransactionOut]:
    lines = await journal.postings_of(call.db, [t.id for t in txs])
    reversed_ids = [t.reverses_id for t in txs if t.reverses_id is not None]
    seqs: dict[int, int] = {}
    if reversed_ids:
        rows = await call.db.execute(
            select(Transaction.id, Transaction.seq).where(Transaction.id.in_(reversed_ids))
        )
        seqs = {i: s for i, s in rows.all()}
    return [
        transaction_out(t, lines[t.id], seqs.get(t.reverses_id) if t.reverses_id else None)
        for t in txs
    ]


# --- reading -------------------------------------------------------------------------------


async def trial_balance(call: Call) -> TrialBalanceOut:
    access.require_reader(call.member)
    trial = await balance.trial_balance(call.db, until=_query_date(call, "until"))
    return TrialBalanceOut(
        accounts=[AccountOut.of(line) for line in trial.lines],
        totals=amounts(trial.totals),
        balanced=trial.balanced,
    )


async def trial_balance_report(call: Call) -> TrialBalanceOut:
    return await trial_balance(call)


async def balance_sheet(call: Call) -> BalanceSheetOut:
    access.require_reader(call.member)
    rules = await books.rules(call.db)
    sheet = await balance.balance_sheet(call.db, rules.currency, until=_query_date(call, "until"))
    return BalanceSheetOut.of(sheet)


async def list_transactions(call: Call) -> list[TransactionOut]:
    access.require_reader(call.member)
    limit = min(_query_int(call, "limit", default=50) or 50, MAX_PAGE)
    account_id = None
    name = call.request.query_params.get("account")
    if name:
        account_id = (await account.require(call.db, name)).id
    txs = await journal.page(
        call.db, before=_query_int(call, "before"), limit=limit, account_id=account_id
    )
    return await _tx_out(call, txs)


async def get_transaction(call: Call) -> TransactionOut:
    access.require_reader(call.member)
    tx = await journal.get(call.db, call.path_int("seq"))
    return (await _tx_out(call, [tx]))[0]


async def _ops_out(call: Call, ops: list[ShareOperation]) -> list[ShareOperationOut]:
    ids = [op.transaction_id for op in ops]
    seqs: dict[int, int] = {}
    if ids:
        rows = await call.db.execute(
            select(Transaction.id, Transaction.seq).where(Transaction.id.in_(ids))
        )
        seqs = {i: s for i, s in rows.all()}
    return [ShareOperationOut.of(op, seqs[op.transaction_id]) for op in ops]


async def share_register(call: Call) -> RegisterOut:
    """The register; with private member details, a member sees only their own part."""
    reader = access.require_reader(call.member)
    rules = await books.rules(call.db)
    everyone = not rules.private_member_details or access.is_bookkeeper(reader)
    held = await shares.holdings(call.db, rules.currency)
    ops = await shares.register(call.db, member_id=None if everyone else reader.id)
    return RegisterOut(
        holdings=[HoldingOut.of(h) for h in held if everyone or h.member_id == reader.id],
        operations=await _ops_out(call, ops),
    )


async def member_books(call: Call) -> MemberBooksOut:
    member_id = call.path_int("member_id")
    rules = await books.rules(call.db)
    access.require_member_visible(call.member, member_id, rules)
    await members.get(call.db, member_id)  # 404 for no such member
    histories = {}
    for purpose in (Purpose.CAPITAL_ACCOUNT, Purpose.SHARE_CAPITAL):
        try:
            found = await account.member_account(call.db, member_id, purpose)
            histories[purpose] = await balance.history(call.db, found.id)
        except UnknownAccount:  # no accounts yet: an empty history
            histories[purpose] = []
    return MemberBooksOut(
        holding=HoldingOut.of(await shares.holding(call.db, member_id, rules.currency)),
        share_operations=await _ops_out(call, await shares.register(call.db, member_id=member_id)),
        capital_account_history=[HistoryOut.of(x) for x in histories[Purpose.CAPITAL_ACCOUNT]],
        share_capital_history=[HistoryOut.of(x) for x in histories[Purpose.SHARE_CAPITAL]],
    )


async def latest_checkpoint(call: Call) -> CheckpointOut:
    found = await checkpoint.latest(call.db)
    if found is None:
        raise NotFound(N_("No checkpoint has been signed yet."), code="ledger_no_checkpoint")
    return CheckpointOut.of(found, LOG_NAME)


async def inclusion_proof(call: Call) -> InclusionOut:
    log = await call.ctx.ledger_tree.tree(call.db)
    proof = checkpoint.inclusion(log, call.path_int("seq"), _query_int(call, "tree_size"))
    return InclusionOut.of(proof)


async def consistency_proof(call: Call) -> ConsistencyOut:
    log = await call.ctx.ledger_tree.tree(call.db)
    first, second = _query_int(call, "from"), _query_int(call, "to", default=log.size)
    if first is None:
        raise ApiError(422, "invalid_input", "from: give the earlier log size")
    return ConsistencyOut.of(checkpoint.consistency(log, first, second or 0))


async def verify_ledger(call: Call) -> VerifyOut:
    access.require_reader(call.member)
    report = await verify_books(call.db)
    return VerifyOut(
        ok=report.ok,
        size=report.size,
        checkpoints=report.checkpoints,
        signed_checkpoints=report.signed_checkpoints,
        totals=amounts(report.totals),
        first_bad_transaction=report.problem.seq if report.problem else None,
        problem=report.problem.message if report.problem else None,
    )


async def export_books(call: Call) -> ExportOut:
    access.require_reader(call.member)
    fmt = call.request.query_params.get("format", "beancount")
    content = await export.render(call.db, fmt)
    return ExportOut(format=fmt, media_type=export.MEDIA_TYPES[fmt], content=content)


# --- recording (treasurers and admins) -----------------------------------------------------


async def record_transaction(call: Call) -> TransactionOut:
    keeper = access.require_bookkeeper(call.member)
    body: TransactionIn = call.body
    now = call.ctx.clock.now()
    draft = drafts.from_json(body.model_dump(), default_day=now.date())
    await books.ensure_open(call.db, now=now)
    tx = await journal.record(call.db, draft, by=keeper.id, now=now)
    await _signed(call)
    return (await _tx_out(call, [tx]))[0]


async def reverse_transaction(call: Call) -> TransactionOut:
    keeper = access.require_bookkeeper(call.member)
    body: ReverseIn = call.body
    tx = await journal.reverse(
        call.db,
        call.path_int("seq"),
        by=keeper.id,
        now=call.ctx.clock.now(),
        description=drafts.check_description(body.description) if body.description else None,
    )
    await _signed(call)
    return (await _tx_out(call, [tx]))[0]


async def open_account(call: Call) -> AccountOut:
    access.require_bookkeeper(call.member)
    body: AccountIn = call.body
    now = call.ctx.clock.now()
    await books.ensure_open(call.db, now=now)
    found = await account.open_account(call.db, body.name, description=body.description, now=now)
    await call.db.commit()
    return await _account_out(call, found.name)


async def close_account(call: Call) -> AccountOut:
    access.require_bookkeeper(call.member)
    body: AccountNameIn = call.body
    found = await account.close_account(call.db, body.name, now=call.ctx.clock.now())
    await call.db.commit()
    return await _account_out(call, found.name)


async def open_partner(call: Call) -> list[AccountOut]:
    access.require_bookkeeper(call.member)
    body: PartnerIn = call.body
    now = call.ctx.clock.now()
    await books.ensure_open(call.db, now=now)
    made = await account.ensure_partner_accounts(call.db, body.partner, body.component, now=now)
    await call.db.commit()
    return [await _account_out(call, a.name) for a in made]


async def _account_out(call: Call, name: str) -> AccountOut:
    trial = await balance.trial_balance(call.db)
    return next(AccountOut.of(line) for line in trial.lines if line.name == name)


ShareStep = Callable[[LedgerRules, int, datetime], Awaitable[ShareOperation]]
"""One share-register operation, given the books' rules, the bookkeeper's id and the time."""


async def _share_op(call: Call, step: ShareStep) -> ShareOperationOut:
    """Run one share-register operation as the calling bookkeeper, sign, and show it."""
    keeper = access.require_bookkeeper(call.member)
    now = call.ctx.clock.now()
    rules = await books.ensure_open(call.db, now=now)
    op = await step(rules, keeper.id, now)
    await _signed(call)
    return (await _ops_out(call, [op]))[0]


async def subscribe(call: Call) -> ShareOperationOut:
    body: SharesIn = call.body
    return await _share_op(
        call,
        lambda rules, by, now: shares.subscribe(
            call.db,
            body.member_id,
            body.quantity,
            rules,
            cash_account=body.cash_account,
            by=by,
            now=now,
        ),
    )


async def transfer(call: Call) -> ShareOperationOut:
    body: TransferIn = call.body
    return await _share_op(
        call,
        lambda rules, by, now: shares.transfer(
            call.db, body.from_member_id, body.to_member_id, body.quantity, rules, by=by, now=now
        ),
    )


async def redeem(call: Call) -> ShareOperationOut:
    body: SharesIn = call.body
    return await _share_op(
        call,
        lambda rules, by, now: shares.redeem(
            call.db,
            body.member_id,
            body.quantity,
            rules,
            cash_account=body.cash_account,
            by=by,
            now=now,
        ),
    )


async def close_period(call: Call) -> PeriodClosedOut:
    keeper = access.require_bookkeeper(call.member)
    body: PeriodIn = call.body
    end = drafts.parse_date(body.end)
    tx = await period.close(call.db, end, by=keeper.id, now=call.ctx.clock.now())
    closing = await period.result_of(call.db, end)
    await _signed(call)
    seal, *rest = await _tx_out(call, [tx] if closing is None else [tx, closing])
    return PeriodClosedOut(**seal.model_dump(), closing_entry=rest[0] if rest else None)


def _op(
    method: str,
    path: str,
    handler: Handler,
    summary: str,
    access_: Access = "member",
    **kwargs: Any,
) -> Operation:
    return Operation(method, "/ledger" + path, handler, summary, access_, "ledger", **kwargs)


operations = [
    _op(
        "GET",
        "/accounts",
        trial_balance,
        "The account tree with each account's balance and subtree total (?until=YYYY-MM-DD)",
        response=TrialBalanceOut,
        errors=(422,),
    ),
    _op(
        "POST",
        "/accounts",
        open_account,
        "Open an account (treasurers and admins)",
        body=AccountIn,
        response=AccountOut,
        status=201,
    ),
    _op(
        "POST",
        "/accounts/close",
        close_account,
        "Close an account; it must be at zero in every commodity (treasurers and admins)",
        body=AccountNameIn,
        response=AccountOut,
        errors=(409,),
    ),
    _op(
        "POST",
        "/partners",
        open_partner,
        "Open a partner co-op's receivable and payable accounts (treasurers and admins)",
        body=PartnerIn,
        response=list[AccountOut],
        status=201,
    ),
    _op(
        "GET",
        "/transactions",
        list_transactions,
        "Transactions newest first (?before=<seq>&limit=<n>&account=<name>)",
        response=list[TransactionOut],
        errors=(422,),
    ),
    _op(
        "POST",
        "/transactions",
        record_transaction,
        "Record a transaction; 422 with the invariant's code when refused (treasurers, admins)",
        body=TransactionIn,
        response=TransactionOut,
        status=201,
    ),
    _op(
        "GET",
        "/transactions/{seq:int}",
        get_transaction,
        "One transaction with its postings",
        response=TransactionOut,
        errors=(404,),
    ),
    _op(
        "POST",
        "/transactions/{seq:int}/reverse",
        reverse_transaction,
        "Record the reversal of a transaction (treasurers and admins)",
        body=ReverseIn,
        response=TransactionOut,
        status=201,
        errors=(404, 409),
    ),
    _op(
        "GET",
        "/shares",
        share_register,
        "The share register and holdings (only your own when the bylaws keep them private)",
        response=RegisterOut,
    ),
    _op(
        "POST",
        "/shares/subscribe",
        subscribe,
        "A member subscribes shares at the nominal price (treasurers and admins)",
        body=SharesIn,
        response=ShareOperationOut,
        status=201,
        errors=(404, 409),
    ),
    _op(
        "POST",
        "/shares/transfer",
        transfer,
        "Transfer shares between members, if the bylaws allow (treasurers and admins)",
        body=TransferIn,
        response=ShareOperationOut,
        status=201,
        errors=(404, 409),
    ),
    _op(
        "POST",
        "/shares/redeem",
        redeem,
        "Redeem a member's shares at nominal value (treasurers and admins)",
        body=SharesIn,
        response=ShareOperationOut,
        status=201,
        errors=(404, 409),
    ),
    _op(
        "GET",
        "/members/{member_id:int}",
        member_books,
        "A member's shares, share operations and capital account history (403 when private)",
        response=MemberBooksOut,
        errors=(404,),
    ),
    _op(
        "GET",
        "/reports/trial-balance",
        trial_balance_report,
        "Trial balance (?until=YYYY-MM-DD)",
        response=TrialBalanceOut,
        errors=(422,),
    ),
    _op(
        "GET",
        "/reports/balance-sheet",
        balance_sheet,
        "Balance sheet in the co-op's currency (?until=YYYY-MM-DD)",
        response=BalanceSheetOut,
        errors=(422,),
    ),
    _op(
        "POST",
        "/periods",
        close_period,
        "Close a period: move its result (income less expenses) to retained earnings with a "
        "closing entry, then seal every balance as of its last day into the log",
        body=PeriodIn,
        response=PeriodClosedOut,
        status=201,
    ),
    _op(
        "GET",
        "/export",
        export_books,
        "The books as CSV, JSON or Beancount text (?format=csv|json|beancount)",
        response=ExportOut,
        errors=(422,),
    ),
    _op(
        "GET",
        "/verify",
        verify_ledger,
        "Recompute every leaf, balance and checkpoint; names the first bad transaction",
        response=VerifyOut,
    ),
    _op(
        "GET",
        "/checkpoint",
        latest_checkpoint,
        "The latest signed checkpoint of the ledger's Merkle log",
        "public",
        response=CheckpointOut,
        errors=(404,),
    ),
    _op(
        "GET",
        "/proofs/inclusion/{seq:int}",
        inclusion_proof,
        "RFC 9162 inclusion proof of a transaction (?tree_size=<n>, default the whole log)",
        "public",
        response=InclusionOut,
        errors=(404, 422),
    ),
    _op(
        "GET",
        "/proofs/consistency",
        consistency_proof,
        "RFC 9162 consistency proof between two log sizes (?from=<m>&to=<n>)",
        "public",
        response=ConsistencyOut,
        errors=(422,),
    ),
]
