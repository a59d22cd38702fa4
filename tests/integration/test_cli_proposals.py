"""``coopfed proposal …``: list, show and close-due, driven in-process with ``CliRunner`` on
the test's own database (SQLite, or PostgreSQL with ``COOPFED_TEST_DATABASE_URL``).

The commands read the real clock, so proposals are built in the past: a context whose
``ManualClock`` stands hours or days ago drafts, schedules and opens them, and votes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from coopfed.cli import PROPOSAL_STATUSES
from coopfed.context import AppContext, build_context
from governance import member as members
from governance.ballot import cast as ballots
from governance.clock import ManualClock
from governance.member import Member, Status
from governance.notification import Notification, NotificationKind
from governance.proposal import lifecycle, service
from governance.proposal.model import Proposal, ProposalStatus
from governance.proposal.service import STATUS_FILTERS
from tests.integration.governance_support import coop_with_members
from tests.integration.test_cli import Cli
from tests.integration.web_support import add_member

T = TypeVar("T")
HOUR = timedelta(hours=1)


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Cli:
    return Cli(tmp_path, database_url)


def at(cli: Cli, when: datetime, work: Callable[[AppContext], Coroutine[Any, Any, T]]) -> T:
    """Run ``work`` on the commands' database with the clock standing at ``when``."""

    async def run() -> T:
        ctx = build_context(cli.settings, clock=ManualClock(when))
        try:
            return await work(ctx)
        finally:
            await ctx.dispose()

    return asyncio.run(run())


def now() -> datetime:
    return datetime.now(UTC)


def make_coop(cli: Cli, count: int = 3) -> list[Member]:
    async def work(ctx: AppContext) -> list[Member]:
        return await coop_with_members(ctx, count)

    return at(cli, now() - timedelta(days=10), work)


def make_proposal(
    cli: Cli,
    author: Member,
    *,
    created: datetime,
    opens: datetime | None = None,
    hours: int = 72,
    votes: dict[int, str] | None = None,
    open_it: bool = True,
    **draft: Any,
) -> int:
    """Draft at ``created``; schedule to open at ``opens`` for ``hours`` (and, with ``open_it``,
    open it then if that is in the past); then cast ``votes`` (member id → yes/no/abstain)."""

    async def work(ctx: AppContext) -> int:
        async with ctx.session() as db:
            who = await members.get(db, author.id)
            fields = {"kind": "ordinary", "title": "Buy a coffee machine", **draft}
            made = await service.create(db, who, service.Draft(**fields), now=created)
            if opens is not None:
                await service.schedule(
                    db, made, who, opens_at=opens, closes_at=opens + hours * HOUR, now=created
                )
                if open_it and opens <= now():
                    await lifecycle.open_due(db, now=opens)
            await db.commit()
        for voter_id, choice in (votes or {}).items():
            async with ctx.session() as db:
                voter = await members.get(db, voter_id)
                await ballots.cast(db, made.id, voter, {"vote": choice}, now=opens or created)
                await db.commit()
        return made.id

    return at(cli, created, work)


def stored(cli: Cli, proposal_id: int) -> Proposal:
    async def work(ctx: AppContext) -> Proposal:
        async with ctx.session() as db:
            return await service.get(db, proposal_id)

    return cli.db(work)


def test_status_choices__are_the_api_filters() -> None:
    assert set(PROPOSAL_STATUSES) == set(STATUS_FILTERS)


# --- list ----------------------------------------------------------------------------------


def test_list__without_proposals(cli: Cli) -> None:
    assert cli.ok("proposal", "list").strip() == "No proposals."


def test_list__shows_newest_first_and_filters_by_status(cli: Cli) -> None:
    ada, bea, _ = make_coop(cli)
    day_ago = now() - timedelta(days=1)
    drafted = make_proposal(cli, ada, created=day_ago, title="Just an idea")
    opened = make_proposal(cli, bea, created=day_ago, opens=day_ago, title="Four-day week")
    header, *rows = cli.ok("proposal", "list").strip().splitlines()
    assert header.split() == ["id", "status", "kind", "closes", "(UTC)", "title"]
    assert [row.split()[:3] for row in rows] == [
        [str(opened), "open", "ordinary"], [str(drafted), "draft", "ordinary"],
    ]
    closes = (day_ago + 72 * HOUR).strftime("%Y-%m-%d %H:%M")
    assert closes in rows[0] and rows[0].endswith("Four-day week")
    only = cli.ok("proposal", "list", "--status", "draft").strip().splitlines()
    assert len(only) == 2 and only[1].endswith("Just an idea")
    assert cli.ok("proposal", "list", "--status", "closed").strip() == "No proposals."


def test_list__unknown_status_is_a_usage_error(cli: Cli) -> None:
    result = cli.invoke("proposal", "list", "--status", "secret")
    assert result.exit_code == 2 and "--status" in result.stderr


# --- show ----------------------------------------------------------------------------------


def test_show__an_open_proposal_with_its_rules_times_and_turnout(cli: Cli) -> None:
    ada, bea, _ = make_coop(cli)
    opens = now() - 2 * HOUR
    pid = make_proposal(cli, bea, created=opens - HOUR, opens=opens,
                        votes={ada.id: "yes", bea.id: "no"})
    out = cli.ok("proposal", "show", str(pid))
    lines = {}
    for line in out.strip().splitlines()[1:]:
        label, _, value = line.strip().partition(" ")
        lines[label] = value.strip()
    assert out.startswith(f"Proposal {pid}: Buy a coffee machine")
    assert lines["status"] == "open"
    assert lines["kind"] == "ordinary (Ordinary decision)"
    assert lines["author"] == f"{bea.username} (id {bea.id})"
    assert lines["opens"] == f"{opens:%Y-%m-%d %H:%M} UTC"
    assert lines["closes"] == f"{opens + 72 * HOUR:%Y-%m-%d %H:%M} UTC"
    assert lines["closed"] == "-"
    assert (lines["method"], lines["quorum"], lines["threshold"]) == (
        "majority", "0.5", "more_than 0.5")
    assert (lines["ballots"], lines["voters"], lines["proxies"]) == (
        "roll-call", "every member", "up to 1 per holder")
    assert lines["turnout"] == "2 of 3 voters (0.666666666667)"
    assert "result" not in lines  # hidden until close


def test_show__a_closed_proposal_with_its_result(cli: Cli) -> None:
    ada, bea, cleo = make_coop(cli)
    opens = now() - 4 * 24 * HOUR
    pid = make_proposal(cli, ada, created=opens, opens=opens, kind="choice",
                        title="Which laptop?", options=("Frame", "Think"))

    async def vote_and_close(ctx: AppContext) -> None:
        for who, pick in ((ada, ["o1"]), (bea, ["o2"]), (cleo, ["o2"])):
            async with ctx.session() as db:
                voter = await members.get(db, who.id)
                await ballots.cast(db, pid, voter, {"approve": pick}, now=opens + HOUR)
                await db.commit()

    at(cli, opens + HOUR, vote_and_close)
    assert "Closed proposal" in cli.ok("proposal", "close-due")
    out = cli.ok("proposal", "show", str(pid))
    assert "  status     passed" in out
    assert "  options    o1 Frame; o2 Think" in out
    assert "  result     passed: o1 1, o2 2" in out
    assert "  counted    3 ballots, weighted turnout 1, quorum reached" in out
    assert "  winners    o2" in out


def test_show__unknown_proposal_is_refused(cli: Cli) -> None:
    assert "There is no proposal with id 42." in cli.fails("proposal", "show", "42")


def test_show__id_must_be_a_number(cli: Cli) -> None:
    assert cli.invoke("proposal", "show", "first").exit_code == 2


# --- close-due -----------------------------------------------------------------------------


def test_close_due__with_nothing_due(cli: Cli) -> None:
    make_coop(cli)
    assert cli.ok("proposal", "close-due").strip() == "Nothing was due."


def test_close_due__opens_reminds_and_closes_what_is_due_then_nothing(cli: Cli) -> None:
    ada, bea, _ = make_coop(cli)
    long_ago = now() - 5 * 24 * HOUR
    # Open since three days, closed an hour ago: two of three said yes.
    to_close = make_proposal(cli, bea, created=long_ago, opens=now() - 73 * HOUR, hours=72,
                             title="Closes now", votes={ada.id: "yes", bea.id: "yes"})
    # Still running.
    running = make_proposal(cli, bea, created=long_ago, opens=now() - HOUR, hours=72,
                            title="Runs on")
    # Due to open 25 hours ago (made last: opening the others would have opened it), so
    # closing within a day: the reminders are due too.
    to_open = make_proposal(cli, ada, created=long_ago, opens=now() - 25 * HOUR, hours=48,
                            open_it=False, title="Opens now")
    assert stored(cli, to_open).status is ProposalStatus.SCHEDULED
    out = cli.ok("proposal", "close-due").strip().splitlines()
    assert out[0] == f"Opened proposal {to_open}: Opens now"
    assert out[1] == "Sent 3 closing reminder(s)."  # none for the one already past its close
    assert out[2] == f"Closed proposal {to_close}: Closes now (passed)"
    assert len(out) == 3
    assert stored(cli, to_open).status is ProposalStatus.OPEN
    assert stored(cli, to_close).status is ProposalStatus.PASSED
    assert stored(cli, running).status is ProposalStatus.OPEN

    async def reminders(ctx: AppContext) -> int:
        async with ctx.session() as db:
            return int(await db.scalar(
                select(func.count(Notification.id)).where(
                    Notification.kind == NotificationKind.CLOSING_SOON)
            ) or 0)

    assert cli.db(reminders) == 3
    assert cli.ok("proposal", "close-due").strip() == "Nothing was due."


def test_close_due__an_admission_admits_the_applicant(cli: Cli) -> None:
    ada, bea, cleo = make_coop(cli)

    async def applicant(ctx: AppContext) -> Member:
        return await add_member(ctx, "new@example.org", status=Status.APPLICANT, name="New")

    newcomer = at(cli, now() - 5 * 24 * HOUR, applicant)
    pid = make_proposal(cli, ada, created=now() - 4 * 24 * HOUR, opens=now() - 3 * 24 * HOUR,
                        hours=48, kind="member_admission", title="Admit New",
                        subject_member_id=newcomer.id,
                        votes={ada.id: "yes", bea.id: "yes", cleo.id: "no"})
    assert cli.ok("proposal", "close-due").strip() == f"Closed proposal {pid}: Admit New (passed)"
    assert cli.member("new@example.org").status is Status.MEMBER
    shown = cli.ok("proposal", "show", str(pid))
    assert "  ballots    secret" in shown and "  result     passed: yes 2, no 1" in shown
