"""Ranked decisions from the web pages, without JavaScript: the bylaws gain a Schulze kind and
an STV kind (two seats), members rank options with one "rank" select per option, the worker
closes, and the result page shows the winners, the rounds table and chart and the pairwise
tables. A member checks their receipt (the inclusion proof under the signed head), downloads
the audit export from the result page, and ``coopfed verify-tally`` confirms it against the key
the co-op's actor publishes ("Done when" of the ranked-decisions issue, on both databases). A
repeated rank, a gap, an unknown option or too many ranks is refused with 422 and stores
nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from httpx import AsyncClient
from sqlalchemy import func, select
from starlette.applications import Starlette

from coopfed.cli import main
from coopfed.context import AppContext
from governance.ballot.model import RollCallBallot, VoterRecord
from governance.bylaws.presets import WORKER_COOP
from governance.clock import ManualClock
from tests.helpers import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.integration.web import (
    adopt_bylaws,
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

VOTERS = ("bea@example.org", "cy@example.org", "dee@example.org")


def ranked_bylaws() -> dict[str, object]:
    kinds = dict(WORKER_COOP["kinds"])
    ordinary = {**kinds["ordinary"], "quorum": "0"}
    kinds["plan"] = {**ordinary, "label": "Plan choice", "method": "schulze"}
    kinds["board"] = {**ordinary, "label": "Board election", "method": "stv", "seats": 2}
    kinds["runoff"] = {
        **ordinary, "label": "Runoff", "method": "instant_runoff", "max_choices": 2,
    }
    return {**WORKER_COOP, "kinds": kinds}


async def _stored(ctx: AppContext) -> tuple[int, int]:
    async with ctx.session() as db:
        return (
            int(await db.scalar(select(func.count()).select_from(RollCallBallot)) or 0),
            int(await db.scalar(select(func.count()).select_from(VoterRecord)) or 0),
        )


async def _open(client: AsyncClient, ctx: AppContext, clock: ManualClock, kind: str,
                options: str) -> int:
    proposal_id = await propose(client, kind, f"A {kind}", options=options)
    await schedule(client, proposal_id)
    await step_worker(ctx, clock, timedelta(minutes=1))
    return proposal_id


def _ranks(*keys: str) -> dict[str, str]:
    return {f"rank_{key}": str(n) for n, key in enumerate(keys, start=1)}


async def _run(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock, kind: str,
    options: str, ballots: tuple[tuple[str, ...], ...], tmp_path: Path,
) -> str:
    """Open a ``kind`` proposal, let the admin and the three members vote, close; the page."""
    proposal_id = await _open(client, ctx, clock, kind, options)
    page = await client.get(f"/proposals/{proposal_id}")
    assert 'name="rank_o1"' in page.text
    assert "not ranked" in page.text
    # The selects work without JavaScript; the drag-and-drop script only enhances them.
    assert '<script src="/static/rank-sort.js" defer></script>' in page.text
    assert page.text.count("<script") == 1
    assert (await vote(client, proposal_id, _ranks(*ballots[0]))).status_code == 200
    receipts = {}
    for email, ranking in zip(VOTERS, ballots[1:], strict=True):
        async with browser(app, email) as member:
            answered = await vote(member, proposal_id, _ranks(*ranking))
            assert answered.status_code == 200, answered.text
            receipts[email] = receipt_of(answered.text)
    # A roll-call voter sees their ranking, and the form keeps it.
    again = await client.get(f"/proposals/{proposal_id}")
    labels = options.split("\n")
    shown = " &gt; ".join(labels[int(key[1:]) - 1] for key in ballots[0])
    assert f"Your current vote: ranks {shown}." in again.text
    first = again.text.split(f'name="rank_{ballots[0][0]}"')[1].split("</select>")[0]
    assert '<option value="1" selected>' in first
    await step_worker(ctx, clock, timedelta(days=8))
    async with browser(app, VOTERS[0]) as member:
        await _member_checks_receipt_and_recounts(
            member, proposal_id, receipts[VOTERS[0]], tmp_path
        )
    async with browser(app, ADMIN_EMAIL, ADMIN_PASSWORD) as admin:  # a fresh session
        return (await admin.get(f"/proposals/{proposal_id}")).text


async def _member_checks_receipt_and_recounts(
    member: AsyncClient, proposal_id: int, receipt: str, tmp_path: Path
) -> None:
    """After close: the receipt page proves the ballot is in the signed log; the audit export
    downloaded from the result page verifies with the key the co-op's actor publishes."""
    page = f"/proposals/{proposal_id}/receipt"
    checked = await post(member, page, {"receipt": receipt}, page=page)
    assert "This ballot is in the count." in checked.text
    assert "That root is the one the co-op signed when the vote closed" in checked.text
    assert "the signature verifies" in checked.text
    result_page = await member.get(f"/proposals/{proposal_id}")
    assert f'href="/proposals/{proposal_id}/audit.json"' in result_page.text
    export = await member.get(f"/proposals/{proposal_id}/audit.json")
    assert export.status_code == 200
    assert "attachment" in export.headers["content-disposition"]
    actor = await member.get("/actors/coop", headers={"Accept": "application/activity+json"})
    published = actor.json()["assertionMethod"][0]["publicKeyMultibase"]
    path = tmp_path / f"audit-{proposal_id}.json"
    path.write_bytes(export.content)
    verified = CliRunner().invoke(main, ["verify-tally", str(path), "--key", published])
    assert verified.exit_code == 0, verified.output
    assert verified.stdout.startswith(f"OK: proposal {proposal_id}, 4 log leaves")
    assert "given with --key" in verified.stdout


async def test_schulze_plan_and_stv_board__end_to_end_from_the_web(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock, tmp_path: Path
) -> None:
    await set_up(client, ctx)
    await adopt_bylaws(client, ctx, clock, ranked_bylaws())
    for n, email in enumerate(VOTERS):
        await add_member(ctx, email, name=f"Voter {n}")

    plan = await _run(
        app, client, ctx, clock, "plan", "Alpha\nBeta\nGamma",
        (("o1", "o2", "o3"), ("o2", "o1"), ("o1", "o3"), ("o3", "o1")), tmp_path,
    )
    assert "Outcome: passed" in plan
    assert "Chosen: Alpha." in plan
    assert 'id="pairwise"' in plan
    pairwise = plan.split('id="pairwise"')[1].split("</table>")[0]
    # Alpha's row: — against itself, 3 over Beta, 3 over Gamma: it beats both (blue cells).
    alpha = pairwise.split('<th scope="row">Alpha</th>')[1].split("</tr>")[0]
    assert re.fullmatch(
        r'<td>—</td>'
        r'(<td class="heat-win" style="background-color: rgba\(0, 114, 178, [0-9.]+\)">3 '
        r'<span class="visually-hidden">\(beats\)</span></td>){2}',
        alpha,
    ), alpha
    # The strongest paths, shaded the same way; Alpha's paths beat every other's.
    paths = plan.split('id="strongest-paths"')[1].split("</table>")[0]
    assert "Strongest paths (winning votes)" in paths
    assert paths.split('<th scope="row">Alpha</th>')[1].split("</tr>")[0].count("heat-win") == 2
    assert 'id="rounds-chart-title"' not in plan
    assert "First preferences per option" in plan
    assert 'id="result-chart-title"' in plan  # the SVG chart of first preferences
    assert "ranks Alpha &gt; Beta &gt; Gamma" in plan  # who voted what, roll-call

    async with browser(app, ADMIN_EMAIL, ADMIN_PASSWORD) as admin:
        board = await _run(
            app, admin, ctx, clock, "board", "Ana\nBen\nCleo\nDev",
            (("o1", "o2"), ("o1", "o2"), ("o1", "o2"), ("o3",)), tmp_path,
        )
    assert "Outcome: passed" in board
    assert "Chosen: Ana, Cleo." in board
    assert "Quota: 2 votes elect a candidate." in board
    stages = board.split('id="rounds"')[1].split("</table>")[0]
    assert "Stages of the count" in stages
    assert "Elected: Ana." in stages
    assert "Surplus of Ana transferred." in stages
    assert 'id="pairwise"' not in board
    # The stages as a stacked-bar chart too, with its legend and a description for readers.
    assert 'id="rounds-chart-title">Votes per option at each stage</title>' in board
    assert "Stage 1: Ana 3, Ben 0, Cleo 1, Dev 0, Non-transferable 0" in board


async def test_duplicated_rank_or_unknown_option__is_refused_with_422_and_stores_nothing(
    app: Starlette, client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    await adopt_bylaws(client, ctx, clock, ranked_bylaws())
    proposal_id = await _open(client, ctx, clock, "board", "Ana\nBen\nCleo")
    before = await _stored(ctx)
    twice = await vote(client, proposal_id, {"rank_o1": "1", "rank_o2": "1"})
    assert twice.status_code == 422
    assert "Rank 1 is given to more than one option: give each rank once." in twice.text
    unknown = await vote(client, proposal_id, {"rank_o1": "1", "rank_o9": "2"})
    assert unknown.status_code == 422
    assert "Unknown option(s): o9." in unknown.text
    garbled = await vote(client, proposal_id, {"rank_o1": "first"})
    assert garbled.status_code == 422
    gap = await vote(client, proposal_id, {"rank_o1": "1", "rank_o2": "3"})
    assert gap.status_code == 422
    assert "Ranks must run 1, 2, 3… without a gap: rank 2 is missing." in gap.text
    not_first = await vote(client, proposal_id, {"rank_o3": "2"})
    assert not_first.status_code == 422 and "rank 1 is missing" in not_first.text
    assert await _stored(ctx) == before
    # The audit export waits for the close.
    early = await client.get(f"/proposals/{proposal_id}/audit.json")
    assert early.status_code == 409
    # A ranking with options left out is a valid partial ballot.
    async with browser(app, ADMIN_EMAIL, ADMIN_PASSWORD) as admin:
        partial = await vote(admin, proposal_id, {"rank_o2": "1", "rank_o1": "", "rank_o3": ""})
        assert partial.status_code == 200, partial.text
    assert (await _stored(ctx))[0] == before[0] + 1
    async with ctx.session() as db:
        stored = await db.scalar(
            select(RollCallBallot.choice).where(RollCallBallot.proposal_id == proposal_id)
        )
    assert stored == {"ranking": ["o2"]}


async def test_more_ranks_than_the_bylaws_allow__is_refused_with_422_and_stores_nothing(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    await adopt_bylaws(client, ctx, clock, ranked_bylaws())
    proposal_id = await _open(client, ctx, clock, "runoff", "Ana\nBen\nCleo")
    page = await client.get(f"/proposals/{proposal_id}")
    select = page.text.split('name="rank_o1"')[1].split("</select>")[0]
    assert '<option value="2"' in select and '<option value="3"' not in select  # at most 2
    before = await _stored(ctx)
    three = await vote(client, proposal_id, {"rank_o1": "1", "rank_o2": "2", "rank_o3": "3"})
    assert three.status_code == 422
    assert "Rank at most 2 option(s)." in three.text
    assert await _stored(ctx) == before
    two = await vote(client, proposal_id, {"rank_o3": "1", "rank_o1": "2", "rank_o2": ""})
    assert two.status_code == 200, two.text
    assert (await _stored(ctx))[0] == before[0] + 1
