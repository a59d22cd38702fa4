"""The books: the account tree with balances and a chart, my shares and capital account, the
share register, exports, and (for treasurers and admins) recording transactions and share
operations. Everything goes through the services of ``governance.ledger``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coopfed.ledger_service import publish_checkpoint
from coopfed.web.chart import Bar, bar_chart
from coopfed.web.errors import http_status
from coopfed.web.forms import posted
from coopfed.web.pages.proposals import LazyText, formats, page, require_admitted
from coopfed.web.templating import redirect
from coopfed.web.viewer import ctx_of, db_of
from governance import member as members
from governance.errors import GovernanceError, InvalidInput, NotFound
from governance.i18n import N_
from governance.ledger import (
    access,
    account,
    balance,
    books,
    checkpoint,
    commodity,
    export,
    journal,
    period,
    shares,
)
from governance.ledger import draft as drafts
from governance.ledger.errors import UnknownAccount
from governance.ledger.model import Purpose
from governance.member import Member, Status

POSTING_ROWS = 4
CHART_ROOTS = (
    ("Assets", N_("Assets"), 1),
    ("Liabilities", N_("Liabilities"), -1),
    ("Equity", N_("Equity"), -1),
    ("Income", N_("Income"), -1),
    ("Expenses", N_("Expenses"), 1),
)
SHARE_ACTIONS = ("subscribe", "redeem", "transfer")


@dataclass(frozen=True)
class BooksChart:
    """The balance-sheet chart, drawn when the page renders so that its labels are translated."""

    bars: tuple[tuple[str, Decimal, str], ...]  # msgid, value, value as shown

    def __html__(self) -> str:
        drawn = [Bar(str(LazyText(label)), value, shown) for label, value, shown in self.bars]
        return str(bar_chart(str(LazyText(N_("Balance sheet"))), drawn, chart_id="books-chart"))


async def _books_page(
    request: Request,
    me: Member,
    *,
    form: Mapping[str, str] | None = None,
    error: str | None = None,
    params: Mapping[str, object] | None = None,
    status: int = 200,
) -> Response:
    db = db_of(request)
    rules = await books.rules(db)
    trial = await balance.trial_balance(db)
    sheet = await balance.balance_sheet(db, rules.currency)
    fmt = await formats(request)
    roots = {line.name: line for line in trial.lines if line.depth == 0}
    # Liabilities, equity and income are credits: their signs flip so every bar reads positive
    # (adding 0 turns a flipped zero, -0, into 0).
    shown = {
        name: sign * roots[name].total.get(rules.currency, Decimal(0)) + 0
        for name, _label, sign in CHART_ROOTS
        if name in roots
    }
    bars = tuple(
        (label, max(Decimal(0), shown[name]), f"{fmt.number(shown[name])} {rules.currency}")
        for name, label, _sign in CHART_ROOTS
        if name in shown
    )
    recent = await journal.page(db, limit=20)
    lines = await journal.postings_of(db, [t.id for t in recent])
    return await page(
        request,
        "ledger/books.html",
        {
            "rules": rules,
            "trial": trial,
            "sheet": sheet,
            "chart": BooksChart(bars) if bars else Markup(""),
            "recent": recent,
            "lines": lines,
            "latest": await checkpoint.latest(db),
            "keeper": access.is_bookkeeper(me),
            "names": {m.id: m.display_name for m in await members.list_all(db)},
            "accounts": [line for line in trial.lines if line.is_open and line.depth > 0],
            "shipped_description": account.shipped_description,
            "commodities": await commodity.list_all(db),
            "rows": range(POSTING_ROWS),
            "today": ctx_of(request).clock.now().date().isoformat(),
            "form": form or {},
            "error": error,
            "params": dict(params or {}),
        },
        status=status,
    )


async def books_view(request: Request) -> Response:
    me = await require_admitted(request)
    return await _books_page(request, me)


def _draft_from(form: Mapping[str, str], today: str) -> drafts.Draft:
    postings = []
    for n in range(POSTING_ROWS):
        name, amount = form.get(f"account_{n}", "").strip(), form.get(f"amount_{n}", "").strip()
        if not name and not amount:
            continue
        postings.append((name, form.get(f"commodity_{n}", "").strip(), amount))
    return drafts.make(form.get("date", "").strip() or today, form.get("description", ""), postings)


async def record(request: Request) -> Response:
    me = await require_admitted(request)
    _who, form = await posted(request)
    db = db_of(request)
    ctx = ctx_of(request)
    try:
        keeper = access.require_bookkeeper(me)
        now = ctx.clock.now()
        await books.ensure_open(db, now=now)
        await journal.record(
            db, _draft_from(form.values, now.date().isoformat()), by=keeper.id, now=now
        )
        await db.commit()
    except GovernanceError as exc:
        await db.rollback()
        return await _books_page(
            request,
            me,
            form=form.values,
            error=exc.template,
            params=exc.params,
            status=http_status(exc),
        )
    await publish_checkpoint(ctx, db)
    await db.commit()
    return redirect(request, "/ledger", notice="ledger_recorded")


async def reverse(request: Request) -> Response:
    me = await require_admitted(request)
    await posted(request)
    db = db_of(request)
    ctx = ctx_of(request)
    try:
        keeper = access.require_bookkeeper(me)
        await journal.reverse(
            db, int(request.path_params["seq"]), by=keeper.id, now=ctx.clock.now()
        )
        await db.commit()
    except GovernanceError as exc:
        await db.rollback()
        return await _books_page(
            request, me, error=exc.template, params=exc.params, status=http_status(exc)
        )
    await publish_checkpoint(ctx, db)
    await db.commit()
    return redirect(request, "/ledger", notice="ledger_reversed")


async def close_period(request: Request) -> Response:
    """Close a period: its result to retained earnings, then every balance sealed."""
    me = await require_admitted(request)
    _who, form = await posted(request)
    db = db_of(request)
    ctx = ctx_of(request)
    try:
        keeper = access.require_bookkeeper(me)
        end = drafts.parse_date(form.values.get("end", ""))
        await period.close(db, end, by=keeper.id, now=ctx.clock.now())
        await db.commit()
    except GovernanceError as exc:
        await db.rollback()
        return await _books_page(
            request, me, error=exc.template, params=exc.params, status=http_status(exc)
        )
    await publish_checkpoint(ctx, db)
    await db.commit()
    return redirect(request, "/ledger", notice="ledger_period_closed")


async def export_file(request: Request) -> Response:
    me = await require_admitted(request)
    access.require_reader(me)
    fmt = request.path_params["fmt"]
    if fmt not in export.FORMATS:
        raise NotFound(
            N_("Unknown export format '%(format)s'; choose csv, json or beancount."), format=fmt
        )
    content = await export.render(db_of(request), fmt)
    return Response(
        content,
        media_type=export.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="books.{fmt}"'},
    )


async def _member_page(request: Request, me: Member, member_id: int) -> Response:
    db = db_of(request)
    rules = await books.rules(db)
    access.require_member_visible(me, member_id, rules)
    subject = await members.get(db, member_id)
    histories = {}
    for purpose in (Purpose.CAPITAL_ACCOUNT, Purpose.SHARE_CAPITAL):
        try:
            found = await account.member_account(db, member_id, purpose)
            histories[purpose.value] = await balance.history(db, found.id)
        except UnknownAccount:
            histories[purpose.value] = []
    everyone = {m.id: m.display_name for m in await members.list_all(db)}
    return await page(
        request,
        "ledger/member.html",
        {
            "subject": subject,
            "mine": subject.id == me.id,
            "rules": rules,
            "holding": await shares.holding(db, member_id, rules.currency),
            "operations": await shares.register(db, member_id=member_id),
            "capital_history": histories[Purpose.CAPITAL_ACCOUNT.value],
            "share_history": histories[Purpose.SHARE_CAPITAL.value],
            "names": everyone,
        },
    )


async def my_books(request: Request) -> Response:
    me = await require_admitted(request)
    return await _member_page(request, me, me.id)


async def member_books(request: Request) -> Response:
    me = await require_admitted(request)
    return await _member_page(request, me, int(request.path_params["member_id"]))


async def _register_page(
    request: Request,
    me: Member,
    *,
    form: Mapping[str, str] | None = None,
    error: str | None = None,
    params: Mapping[str, object] | None = None,
    status: int = 200,
) -> Response:
    db = db_of(request)
    rules = await books.rules(db)
    everyone = not rules.private_member_details or access.is_bookkeeper(me)
    people = await members.list_all(db)
    return await page(
        request,
        "ledger/shares.html",
        {
            "rules": rules,
            "everyone": everyone,
            "holdings": [
                h
                for h in await shares.holdings(db, rules.currency)
                if everyone or h.member_id == me.id
            ],
            "operations": await shares.register(db, member_id=None if everyone else me.id),
            "names": {m.id: m.display_name for m in people},
            "admitted": [m for m in people if m.status is Status.MEMBER],
            "keeper": access.is_bookkeeper(me),
            "form": form or {},
            "error": error,
            "params": dict(params or {}),
        },
        status=status,
    )


async def register_view(request: Request) -> Response:
    me = await require_admitted(request)
    return await _register_page(request, me)


def _whole(raw: str) -> int:
    if not raw.strip().isdigit():
        raise InvalidInput(
            N_("A number of shares is a whole number from 1 to %(max)s."),
            code="ledger_bad_quantity",
            max=shares.MAX_QUANTITY,
        )
    return int(raw.strip())


def _member_id(raw: str) -> int:
    if not raw.strip().isdigit():
        raise InvalidInput(N_("Choose a member."), code="ledger_no_member")
    return int(raw.strip())


async def share_operation(request: Request) -> Response:
    me = await require_admitted(request)
    _who, form = await posted(request)
    db = db_of(request)
    ctx = ctx_of(request)
    action = form.stripped("action")
    try:
        keeper = access.require_bookkeeper(me)
        now = ctx.clock.now()
        rules = await books.ensure_open(db, now=now)
        quantity = _whole(form.get("quantity"))
        if action == "subscribe":
            await shares.subscribe(
                db, _member_id(form.get("member_id")), quantity, rules, by=keeper.id, now=now
            )
        elif action == "redeem":
            await shares.redeem(
                db, _member_id(form.get("member_id")), quantity, rules, by=keeper.id, now=now
            )
        elif action == "transfer":
            await shares.transfer(
                db,
                _member_id(form.get("member_id")),
                _member_id(form.get("to_member_id")),
                quantity,
                rules,
                by=keeper.id,
                now=now,
            )
        else:
            raise InvalidInput(N_("Choose an operation."), code="ledger_no_operation")
        await db.commit()
    except GovernanceError as exc:
        await db.rollback()
        return await _register_page(
            request,
            me,
            form=form.values,
            error=exc.template,
            params=exc.params,
            status=http_status(exc),
        )
    await publish_checkpoint(ctx, db)
    await db.commit()
    return redirect(request, "/ledger/shares", notice="share_recorded")


routes = [
    Route("/ledger", books_view, methods=["GET"]),
    Route("/ledger/transactions", record, methods=["POST"]),
    Route("/ledger/transactions/{seq:int}/reverse", reverse, methods=["POST"]),
    Route("/ledger/periods", close_period, methods=["POST"]),
    Route("/ledger/export/{fmt}", export_file, methods=["GET"]),
    Route("/ledger/me", my_books, methods=["GET"]),
    Route("/ledger/members/{member_id:int}", member_books, methods=["GET"]),
    Route("/ledger/shares", register_view, methods=["GET"]),
    Route("/ledger/shares", share_operation, methods=["POST"]),
]
