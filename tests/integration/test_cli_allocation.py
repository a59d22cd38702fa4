"""``coopfed ledger allocation preview|propose`` in-process on the test's own database: the
figures from a CSV file, the preview printed (or as JSON), a draft proposal carrying them, and
refusals that exit 1 with their code and store nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coopfed.context import AppContext
from governance.member import Role
from governance.proposal.model import Proposal
from tests.integration.governance_support import coop_with_members
from tests.integration.test_cli import Cli
from tests.integration.test_cli_proposals import at
from tests.integration.web_support import add_member


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Cli:
    cli = Cli(tmp_path, database_url)

    async def coop(ctx: AppContext) -> None:
        await coop_with_members(ctx, 2)
        await add_member(ctx, "tess@example.org", name="Tess", role=Role.TREASURER)

    at(cli, datetime.now(UTC), coop)
    return cli


def figures(tmp_path: Path, text: str) -> str:
    path = tmp_path / "members.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def proposals(cli: Cli) -> int:
    async def count(ctx: AppContext) -> int:
        async with ctx.session() as db:
            return int(await db.scalar(select(func.count(Proposal.id))) or 0)

    return at(cli, datetime.now(UTC), count)


CSV = "member,hours,pay\n1,1600,30000\nm1@example.org,800,20000\ntess,1200,25000\n"
FIGURES = ("--year", "2025", "--surplus", "10000.00")


def test_preview_then_propose(cli: Cli, tmp_path: Path) -> None:
    shown = cli.invoke("ledger", "allocation", "preview", *FIGURES,
                       "--hours-file", figures(tmp_path, CSV))
    assert shown.exit_code == 0, shown.output
    assert "Legal reserve" in shown.output and "1500.00 EUR" in shown.output
    as_json = cli.invoke("ledger", "allocation", "preview", *FIGURES,
                         "--hours-file", figures(tmp_path, CSV), "--json")
    data = json.loads(as_json.output)
    assert data["totals"]["patronage"] == "4500.00" and len(data["rows"]) == 3
    assert proposals(cli) == 0

    made = cli.invoke("ledger", "allocation", "propose", *FIGURES,
                      "--hours-file", figures(tmp_path, CSV), "--by", "tess")
    assert made.exit_code == 0, made.output
    assert "drafted: Surplus allocation 2025 (10000.00 EUR, 3 members)" in made.output
    assert proposals(cli) == 1


@pytest.mark.parametrize(
    ("args", "text", "code"),
    [
        (("--year", "2025", "--surplus", "0"), CSV, "allocation_no_surplus"),
        (("--year", "2025", "--surplus", "1.234"), CSV, "allocation_too_many_decimals"),
        (FIGURES, "nobody,1,1\n", "allocation_unknown_member"),
        (FIGURES, "1,lots,1\n", "allocation_bad_amount"),
        (FIGURES, "1,0,0\n", "allocation_no_patrons"),
    ],
)
def test_refusals_exit_1_with_their_code(
    cli: Cli, tmp_path: Path, args: tuple[str, ...], text: str, code: str
) -> None:
    for command in ("preview", "propose"):
        done = cli.invoke(
            "ledger", "allocation", command, *args, "--hours-file", figures(tmp_path, text),
            *(("--by", "tess") if command == "propose" else ()),
        )
        assert done.exit_code == 1, done.output
        assert f"[{code}]" in done.output
    assert proposals(cli) == 0


def test_propose__by_a_member_who_is_not_a_treasurer_is_refused(cli: Cli, tmp_path: Path) -> None:
    done = cli.invoke("ledger", "allocation", "propose", *FIGURES,
                      "--hours-file", figures(tmp_path, CSV), "--by", "m1@example.org")
    assert done.exit_code == 1 and "[ledger_bookkeepers_only]" in done.output, done.output
    assert proposals(cli) == 0
