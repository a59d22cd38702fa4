"""Story, all through the web pages: a member proposes and schedules, the worker opens the vote,
members vote (one by proxy, one changing their mind), a secret admission runs alongside, the
worker closes both, and the result pages show the outcome and a chart, in English and French."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy import func, select
from starlette.applications import Starlette

from coopfed.context import AppContext
from governance import member as members
from governance.ballot.model import RollCallBallot, SecretBallot
from governance.clock import ManualClock
from governance.member import Status
from governance.proposal import service
from governance.proposal.model import ProposalStatus
from tests.helpers import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.integration.web import (
    browser,
    post,
    propose,
    receipt_of,
    schedule,
    set_up,
    step_worker,
    vote,
)
from tests.integration.web_support import add_member


async def _status(ctx: AppContext, proposal_id: int) -> ProposalStatus:
    async with ctx.session() as db:
        return (await service.get(db, proposal_id)).status


async def test_member_proposes_others_vote_worker_closes_and_result_shows_in_two_languages(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    await add_member(ctx, "bea@example.org", name="Bea")
    cy_member = await add_member(ctx, "cy@example.org", name="Cy")
    dee = await add_member(ctx, "dee@example.org", name="Dee")
    newcomer = await add_member(ctx, "new@example.org", name="Newcomer", status=Status.APPLICANT)

    async with (
        browser(app, ADMIN_EMAIL, ADMIN_PASSWORD) as ada,
        browser(app, "bea@example.org") as bea,
        browser(app, "cy@example.org") as cy,
        browser(app, "dee@example.org") as dee_web,
    ):
        # Bea picks a kind (the rules are explained), drafts, and schedules with the defaults.
        kinds = await bea.get("/proposals/new")
        assert kinds.status_code == 200
        assert "Bylaws amendment" in kinds.text
        assert "at least 2/3 of the yes and no votes" in kinds.text
        ordinary = await propose(
            bea, "ordinary", "Buy a coffee machine", body="We drink **a lot** of coffee."
        )
        draft = await bea.get(f"/proposals/{ordinary}")
        assert "The proposal is saved." in draft.text
        assert "<strong>a lot</strong>" in draft.text
        assert "more than 50%" in draft.text
        await schedule(bea, ordinary)
        assert await _status(ctx, ordinary) is ProposalStatus.SCHEDULED
        listing = await bea.get("/proposals")
        assert "Upcoming" in listing.text and "Buy a coffee machine" in listing.text

        # Ada proposes admitting the applicant (a secret ballot).
        admission = await propose(
            ada, "member_admission", "Admit Newcomer", subject_member_id=str(newcomer.id)
        )
        await schedule(ada, admission)

        # Dee cannot be there: a standing proxy to Cy.
        given = await post(dee_web, "/proxies", {"holder_id": str(cy_member.id)}, page="/proxies")
        assert given.status_code == 303, given.text
        assert "Cy" in (await dee_web.get("/proxies")).text

        # Voting is not open before the worker opens it.
        early = await vote(cy, ordinary, {"vote": "yes"})
        assert early.status_code == 409

        await step_worker(ctx, clock, timedelta(minutes=1))
        assert await _status(ctx, ordinary) is ProposalStatus.OPEN
        assert await _status(ctx, admission) is ProposalStatus.OPEN
        nav = await bea.get("/proposals")
        assert 'Notifications <strong aria-hidden="true">(2)</strong>' in nav.text
        assert "Not voted yet" in nav.text
        assert "left" in nav.text

        # Bea votes yes and keeps her receipt.
        cast = await vote(bea, ordinary, {"vote": "yes"})
        assert cast.status_code == 200, cast.text
        bea_receipt = receipt_of(cast.text)
        assert "Your current vote: yes." in cast.text
        again = await bea.get(f"/proposals/{ordinary}")
        assert bea_receipt not in again.text  # shown once
        assert "1 of 4 members has voted so far." in again.text
        assert 'id="result"' not in again.text  # no result before the close

        # Cy votes no, then changes to yes; then votes for Dee by proxy.
        assert (await vote(cy, ordinary, {"vote": "no"})).status_code == 200
        changed = await vote(cy, ordinary, {"vote": "yes"})
        assert "Your current vote: yes." in changed.text
        page = await cy.get(f"/proposals/{ordinary}")
        assert "Vote for" in page.text and "Dee, by proxy" in page.text
        by_proxy = await vote(cy, ordinary, {"vote": "yes", "on_behalf_of": str(dee.id)})
        assert "Your ballot for Dee is recorded." in by_proxy.text

        # Ada votes no, and comments.
        assert (await vote(ada, ordinary, {"vote": "no"})).status_code == 200
        commented = await post(
            ada,
            f"/proposals/{ordinary}/comments",
            {"body": "Tea is *cheaper*."},
            page=f"/proposals/{ordinary}",
        )
        assert commented.status_code == 303
        assert "<em>cheaper</em>" in (await bea.get(f"/proposals/{ordinary}")).text

        # The receipt check finds Bea's ballot.
        checked = await post(
            bea,
            f"/proposals/{ordinary}/receipt",
            {"receipt": bea_receipt},
            page=f"/proposals/{ordinary}/receipt",
        )
        assert "This ballot is in the count." in checked.text

        # Secret admission: three vote, Cy also for Dee; Bea changes her mind twice.
        for person in (ada, bea, cy):
            assert (await vote(person, admission, {"vote": "yes"})).status_code == 200
        assert (await vote(bea, admission, {"vote": "no"})).status_code == 200
        assert (await vote(bea, admission, {"vote": "yes"})).status_code == 200
        secret_proxy = await vote(cy, admission, {"vote": "yes", "on_behalf_of": str(dee.id)})
        assert secret_proxy.status_code == 200
        mine = await bea.get(f"/proposals/{admission}")
        assert "You have voted. The ballot is secret" in mine.text
        assert "Your current vote" not in mine.text

        # The worker closes both at their closing time (two days: the shortest period).
        await step_worker(ctx, clock, timedelta(hours=47))
        assert await _status(ctx, ordinary) is ProposalStatus.OPEN
        await step_worker(ctx, clock, timedelta(hours=1))
        assert await _status(ctx, ordinary) is ProposalStatus.PASSED
        assert await _status(ctx, admission) is ProposalStatus.PASSED

        result = await bea.get(f"/proposals/{ordinary}")
        assert "Outcome: passed" in result.text
        assert "<svg" in result.text and 'role="img"' in result.text
        assert "Turnout: 100%" in result.text
        assert "Threshold reached: 75% of the yes and no votes were yes" in result.text
        assert "<td>Dee</td><td>yes</td><td>Cy</td>" in result.text
        assert "The discussion is closed." in result.text

        secret = await bea.get(f"/proposals/{admission}")
        assert "Outcome: passed" in secret.text and "<svg" in secret.text
        assert "1 ballot was cast by proxy." in secret.text
        assert "Who voted what" not in secret.text

        # The author writes the outcome statement.
        stated = await post(
            bea,
            f"/proposals/{ordinary}/outcome",
            {"statement": "Ordered on *Monday*."},
            page=f"/proposals/{ordinary}",
        )
        assert stated.status_code == 303
        assert "<em>Monday</em>" in (await cy.get(f"/proposals/{ordinary}")).text

        # Bea reads it in French (her language setting).
        await post(bea, "/language", {"language": "fr", "next": "/"}, page="/")
        french = await bea.get(f"/proposals/{ordinary}")
        assert french.headers["content-language"] == "fr"
        assert "Résultat" in french.text
        assert "Décision\u00a0: adoptée" in french.text
        assert "<svg" in french.text and "Voix par réponse</title>" in french.text
        assert "Participation\u00a0: 100\u00a0%" in french.text
        french_secret = await bea.get(f"/proposals/{admission}", headers={"Accept-Language": "fr"})
        assert "1 bulletin a été déposé par procuration." in french_secret.text

        # Notifications: opened and result, for every voter; mark all read.
        notes = await bea.get("/notifications")
        assert "Buy a coffee machine" in notes.text
        read = await post(bea, "/notifications/read", {}, page="/notifications")
        assert read.status_code == 303

    async with ctx.session() as db:
        assert (await members.get(db, newcomer.id)).status is Status.MEMBER
        assert await db.scalar(select(func.count()).select_from(RollCallBallot)) == 4
        assert await db.scalar(select(func.count()).select_from(SecretBallot)) == 4
        cy_ballot = await db.scalar(select(RollCallBallot).where(RollCallBallot.voter_id == dee.id))
        assert cy_ballot is not None and cy_ballot.cast_by_id == cy_member.id
