"""The ledger API: treasurers record, members read; every invariant is a 422 with its code and
the books unchanged; the share register and its privacy; signed checkpoints and RFC 9162 proofs
that check out; exports."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient, Response

from coopfed.context import AppContext
from coopfed.ledger_service import check_ed25519
from governance import member as members
from governance import merkle
from governance.ballot.head import b64url_decode
from governance.bylaws import presets
from governance.bylaws import store as bylaws_store
from governance.member import Role
from tests.integration.api.conftest import API, Caller, assert_error, make_member, make_token
from tests.unit.governance.ledger.conftest import snapshot

L = f"{API}/ledger"


@pytest.fixture
async def treasurer(ctx: AppContext, admin: Caller) -> Caller:
    found = await make_member(ctx, username="tess", display_name="Tess Treasurer")
    async with ctx.session() as db:
        found = await members.set_role(
            db, await members.get(db, found.id), Role.TREASURER, by=admin.id, now=ctx.clock.now()
        )
        await db.commit()
    return Caller(found, await make_token(ctx, found))


def tx(*postings: tuple[str, str, Any], description: str = "Invoice") -> dict[str, Any]:
    return {
        "date": "2026-11-20",
        "description": description,
        "postings": [{"account": a, "commodity": c, "amount": amt} for a, c, amt in postings],
    }


SALE = tx(("Assets:Bank", "EUR", "250.00"), ("Income:Sales", "EUR", "-250.00"))


async def post(client: AsyncClient, who: Caller, path: str, body: Any) -> Response:
    return await client.post(f"{L}{path}", json=body, headers=who.headers)


async def test_treasurer_records__members_read_balances_and_transactions(
    client: AsyncClient, treasurer: Caller, member: Caller
) -> None:
    made = await post(client, treasurer, "/transactions", SALE)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["seq"], body["kind"], body["recorded_by"]) == (0, "entry", treasurer.id)
    assert body["postings"][0] == {"account": "Assets:Bank", "commodity": "EUR", "amount": "250"}
    accounts = (await client.get(f"{L}/accounts", headers=member.headers)).json()
    by_name = {a["name"]: a for a in accounts["accounts"]}
    assert by_name["Assets"]["total"] == {"EUR": "250"}
    assert accounts["balanced"] is True
    listed = (await client.get(f"{L}/transactions", headers=member.headers)).json()
    assert [t["seq"] for t in listed] == [0]
    sheet = (await client.get(f"{L}/reports/balance-sheet", headers=member.headers)).json()
    assert (sheet["assets"], sheet["income"], sheet["surplus"]) == ("250", "250", "250")
    one = await client.get(f"{L}/transactions/0", headers=member.headers)
    assert one.json()["description"] == "Invoice"
    assert_error(await client.get(f"{L}/transactions/9", headers=member.headers), 404)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (tx(("Assets:Bank", "EUR", "10"), ("Income:Sales", "EUR", "-9")), "ledger_unbalanced"),
        (tx(("Assets:Bank", "EUR", "10")), "ledger_single_posting"),
        (
            tx(("Assets:Vault", "EUR", "10"), ("Income:Sales", "EUR", "-10")),
            "ledger_unknown_account",
        ),
        (
            tx(("Assets:Bank", "JPY", "10"), ("Income:Sales", "JPY", "-10")),
            "ledger_undeclared_commodity",
        ),
        (
            tx(("Assets:Bank", "EUR", "0.001"), ("Income:Sales", "EUR", "-0.001")),
            "ledger_too_many_decimals",
        ),
        (
            tx(
                ("Equity:ShareRegister:Issued", "SHARES", "2"),
                ("Equity:ShareRegister:M{id}", "SHARES", "-2"),
            ),
            "ledger_negative_holdings",
        ),
        (tx(("Assets:Bank", "EUR", "ten"), ("Income:Sales", "EUR", "-10")), "ledger_bad_amount"),
        (tx(("Assets:Bank", "EUR", 10.5), ("Income:Sales", "EUR", "-10.5")), "invalid_input"),
        (tx(("Assets", "EUR", "1"), ("Income:Sales", "EUR", "-1")), "ledger_root_account"),
    ],
    ids=[
        "unbalanced",
        "single",
        "unknown-account",
        "undeclared",
        "decimals",
        "holdings",
        "not-a-number",
        "float",
        "root",
    ],
)
async def test_record__each_invariant_is_422_with_its_code_and_changes_nothing(
    client: AsyncClient,
    ctx: AppContext,
    treasurer: Caller,
    member: Caller,
    body: dict[str, Any],
    code: str,
) -> None:
    # The member gets their accounts with a first subscription.
    sub = await post(
        client, treasurer, "/shares/subscribe", {"member_id": member.id, "quantity": 1}
    )
    assert sub.status_code == 201, sub.text
    for p in body["postings"]:
        p["account"] = p["account"].format(id=member.id)
    before = await snapshot(ctx)
    assert_error(await post(client, treasurer, "/transactions", body), 422, code)
    assert await snapshot(ctx) == before


async def test_record__by_an_ordinary_member_is_403(
    client: AsyncClient, ctx: AppContext, member: Caller
) -> None:
    before = await snapshot(ctx)
    assert_error(await post(client, member, "/transactions", SALE), 403, "ledger_bookkeepers_only")
    assert await snapshot(ctx) == before


async def test_reverse__once_only(client: AsyncClient, treasurer: Caller) -> None:
    await post(client, treasurer, "/transactions", SALE)
    undo = await post(client, treasurer, "/transactions/0/reverse", {})
    assert undo.status_code == 201
    assert (undo.json()["reverses"], undo.json()["postings"][0]["amount"]) == (0, "-250")
    assert_error(
        await post(client, treasurer, "/transactions/0/reverse", {}), 409, "ledger_already_reversed"
    )


async def test_accounts__open_close_and_refuse_closing_with_a_balance(
    client: AsyncClient, treasurer: Caller
) -> None:
    opened = await post(client, treasurer, "/accounts", {"name": "Expenses:Travel"})
    assert opened.status_code == 201 and opened.json()["open"] is True
    await post(
        client,
        treasurer,
        "/transactions",
        tx(("Expenses:Travel", "EUR", "40"), ("Assets:Bank", "EUR", "-40")),
    )
    assert_error(
        await post(client, treasurer, "/accounts/close", {"name": "Expenses:Travel"}),
        422,
        "ledger_account_not_zero",
    )
    partner = await post(
        client, treasurer, "/partners", {"partner": "Acme Co-op", "component": "Acme"}
    )
    assert [a["name"] for a in partner.json()] == [
        "Assets:Receivable:Partners:Acme",
        "Liabilities:Payable:Partners:Acme",
    ]


async def test_share_register__subscribe_transfer_redeem_and_member_books(
    client: AsyncClient, ctx: AppContext, admin: Caller, treasurer: Caller, member: Caller
) -> None:
    async with ctx.session() as db:  # transfers allowed, details public
        rules = presets.preset("worker_coop")
        raw = rules.to_json()
        raw["ledger"]["transfers_allowed"] = True
        await bylaws_store.install_at_setup(
            db, presets.parse_bylaws(raw), by=None, now=ctx.clock.now()
        )
        await db.commit()
    other = await make_member(ctx, username="cy")
    assert (
        await post(client, treasurer, "/shares/subscribe", {"member_id": member.id, "quantity": 4})
    ).status_code == 201
    moved = await post(
        client,
        treasurer,
        "/shares/transfer",
        {"from_member_id": member.id, "to_member_id": other.id, "quantity": 1},
    )
    assert moved.status_code == 201, moved.text
    redeemed = await post(
        client, treasurer, "/shares/redeem", {"member_id": member.id, "quantity": 1}
    )
    assert redeemed.json()["number"] == 3
    assert_error(
        await post(client, treasurer, "/shares/redeem", {"member_id": member.id, "quantity": 5}),
        422,
        "ledger_negative_holdings",
    )
    register = (await client.get(f"{L}/shares", headers=member.headers)).json()
    assert [o["kind"] for o in register["operations"]] == ["subscribe", "transfer", "redeem"]
    mine = (await client.get(f"{L}/members/{member.id}", headers=member.headers)).json()
    assert (mine["holding"]["shares"], mine["holding"]["share_capital"]) == (2, "200")
    assert [h["running"] for h in mine["share_capital_history"]] == ["-400", "-300", "-200"]
    # Public details: another member may read them.
    seen = await client.get(f"{L}/members/{other.id}", headers=member.headers)
    assert seen.status_code == 200


async def test_private_details__another_members_books_are_403(
    client: AsyncClient, ctx: AppContext, treasurer: Caller, member: Caller
) -> None:
    async with ctx.session() as db:
        await bylaws_store.install_at_setup(
            db, presets.preset("multi_stakeholder"), by=None, now=ctx.clock.now()
        )
        await db.commit()
    other = await make_member(ctx, username="cy")
    await post(client, treasurer, "/shares/subscribe", {"member_id": other.id, "quantity": 2})
    assert_error(
        await client.get(f"{L}/members/{other.id}", headers=member.headers), 403, "ledger_private"
    )
    assert (await client.get(f"{L}/members/{member.id}", headers=member.headers)).status_code == 200
    assert (
        await client.get(f"{L}/members/{other.id}", headers=treasurer.headers)
    ).status_code == 200
    register = (await client.get(f"{L}/shares", headers=member.headers)).json()
    assert register["operations"] == [] and register["holdings"] == []


async def test_checkpoint_and_proofs__verify_against_the_signed_root(
    client: AsyncClient, treasurer: Caller
) -> None:
    assert_error(await client.get(f"{L}/checkpoint"), 404, "ledger_no_checkpoint")
    for n in range(5):
        made = await post(
            client,
            treasurer,
            "/transactions",
            tx(("Assets:Bank", "EUR", f"{n + 1}"), ("Income:Sales", "EUR", f"-{n + 1}")),
        )
        assert made.status_code == 201
    leaf3 = (await client.get(f"{L}/transactions/3", headers=treasurer.headers)).json()
    cp = (await client.get(f"{L}/checkpoint")).json()  # public: partners read it unsigned in
    assert cp["size"] == 5 and cp["signature"]
    signed = merkle.canonical_leaf({k: cp[k] for k in ("log", "size", "root", "time")})
    assert check_ed25519(cp["public_key_multibase"], signed, b64url_decode(cp["signature"]))
    proof = (await client.get(f"{L}/proofs/inclusion/3")).json()
    assert proof["leaf_hash"] == leaf3["leaf_hash"] and proof["root"] == cp["root"]
    assert merkle.verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        3,
        5,
        [bytes.fromhex(h) for h in proof["path"]],
        bytes.fromhex(cp["root"]),
    )
    old = (await client.get(f"{L}/proofs/inclusion/0?tree_size=2")).json()
    consistency = (await client.get(f"{L}/proofs/consistency?from=2&to=5")).json()
    assert merkle.verify_consistency(
        2,
        5,
        bytes.fromhex(old["root"]),
        bytes.fromhex(cp["root"]),
        [bytes.fromhex(h) for h in consistency["path"]],
    )
    assert_error(await client.get(f"{L}/proofs/inclusion/7"), 404, "ledger_no_transaction")
    assert_error(
        await client.get(f"{L}/proofs/consistency?from=4&to=9"), 422, "ledger_bad_tree_size"
    )
    assert_error(await client.get(f"{L}/proofs/consistency?from=x"), 422, "invalid_input")


async def test_export_and_verify(client: AsyncClient, treasurer: Caller, member: Caller) -> None:
    await post(client, treasurer, "/transactions", SALE)
    for fmt in ("csv", "json", "beancount"):
        out = (await client.get(f"{L}/export?format={fmt}", headers=member.headers)).json()
        assert out["format"] == fmt and "Assets:Bank" in out["content"]
    assert_error(
        await client.get(f"{L}/export?format=xls", headers=member.headers), 422, "ledger_bad_format"
    )
    report = (await client.get(f"{L}/verify", headers=member.headers)).json()
    assert report["ok"] is True and report["size"] == 1 and report["signed_checkpoints"] == 1


async def test_period_close__then_entries_dated_inside_are_refused(
    client: AsyncClient, treasurer: Caller
) -> None:
    await post(client, treasurer, "/transactions", SALE)
    closed = await post(client, treasurer, "/periods", {"end": "2026-11-21"})
    assert closed.status_code == 201 and closed.json()["kind"] == "period_close"
    assert_error(await post(client, treasurer, "/transactions", SALE), 422, "ledger_period_closed")
