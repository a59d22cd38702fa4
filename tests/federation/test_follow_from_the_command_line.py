"""An admin follows and unfollows a partner co-op with ``coopfed federation …`` on the
instance's own data directory while it runs (SQLite), against a live partner."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner, Result

from coopfed.cli import main
from federation.follow.model import FollowState
from tests.federation.conftest import Network, Node
from tests.federation.stories import followers_of, following_of, settle


def coopfed(node: Node, *args: str) -> Result:
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("COOPFED_")}
    env.update(
        COOPFED_BASE_URL=node.url,
        COOPFED_FEDERATION_ALLOW_NETWORKS="127.0.0.0/8",
    )
    return CliRunner().invoke(
        main, [*args, "--data-dir", str(node.settings.data_dir)], env=env, catch_exceptions=False
    )


def test_follow_and_unfollow_from_the_command_line(network: Network) -> None:
    a, b, _c = network.nodes
    assert not b.settings.database_url  # B is on SQLite: the CLI shares its file

    followed = coopfed(b, "federation", "follow", a.handle)
    assert followed.exit_code == 0, followed.output
    assert "queued" in followed.stdout
    # The command ran on the real clock; the instances' clock catches up with it.
    b.clock.set(max(b.clock.now(), datetime.now(UTC)) + timedelta(minutes=1))
    settle(b, a)
    assert following_of(b)[0].state is FollowState.ACCEPTED
    assert [f.actor_uri for f in followers_of(a)] == [b.actor]
    listed = coopfed(b, "federation", "following")
    assert "accepted" in listed.stdout and a.handle in listed.stdout

    twice = coopfed(b, "federation", "follow", a.actor)
    assert twice.exit_code == 1 and "already follows" in twice.stderr

    unfollowed = coopfed(b, "federation", "unfollow", a.handle)
    assert unfollowed.exit_code == 0, unfollowed.output
    b.clock.set(max(b.clock.now(), datetime.now(UTC)) + timedelta(minutes=1))
    settle(b, a)
    assert following_of(b) == [] and followers_of(a) == []
