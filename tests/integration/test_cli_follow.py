"""``coopfed federation follow|unfollow|followers|following|approve|reject`` in-process."""

from __future__ import annotations

from coopfed.context import AppContext
from federation.actor import LocalUrls
from federation.follow import service as follows
from federation.follow.model import Follower
from tests.integration.test_cli import Cli, cli  # noqa: F401 (the fixture)

PARTNER = "https://partner.example/actors/coop"


def waiting_request(cli: Cli) -> int:  # noqa: F811
    async def work(ctx: AppContext) -> int:
        async with ctx.session() as db:
            row: Follower = await follows.follow_received(
                db,
                local_actor="coop",
                actor=PARTNER,
                follow_id="https://partner.example/follows/1",
                inbox=f"{PARTNER}/inbox",
                shared_inbox=None,
                auto_accept=False,
                urls=LocalUrls.of(ctx.settings.effective_base_url),
                now=ctx.clock.now(),
            )
            await db.commit()
            return row.id

    return cli.db(work)


def test_followers_approve_and_reject(cli: Cli) -> None:  # noqa: F811
    cli.ok("init")
    assert "No followers." in cli.ok("federation", "followers")
    assert "This co-op follows no other co-op." in cli.ok("federation", "following")
    follower_id = waiting_request(cli)
    listed = cli.ok("federation", "followers", "--pending")
    assert PARTNER in listed and "pending" in listed
    assert f"Approved {PARTNER}" in cli.ok("federation", "approve", str(follower_id))
    assert "accepted" in cli.ok("federation", "followers")
    assert "not pending" in cli.fails("federation", "reject", str(follower_id))
    assert "no follower with id 999" in cli.fails("federation", "approve", "999")


def test_follow_refusals(cli: Cli) -> None:  # noqa: F811
    cli.ok("init")
    assert "cannot follow itself" in cli.fails("federation", "follow", "@coop@localhost:8000")
    assert "neither a handle" in cli.fails("federation", "follow", "not-a-handle")
    assert "does not follow" in cli.fails("federation", "unfollow", "@coop@partner.example")


def test_announce(cli: Cli) -> None:  # noqa: F811
    cli.ok("init")
    waiting_request(cli)
    assert "queued for 0 inbox(es)" in cli.ok("federation", "announce", "Assembly on *Friday*")
    assert "Write the announcement" in cli.fails("federation", "announce", "   ")
