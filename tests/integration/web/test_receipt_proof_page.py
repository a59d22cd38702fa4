"""The receipt page shows the inclusion proof of the member's ballot, checked by the server,
without JavaScript; it says what cannot be checked before close, and after close that the
signed log head verifies. The data for the in-browser check is on the page."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from httpx import AsyncClient

from coopfed.context import AppContext
from governance import merkle
from governance.clock import ManualClock
from tests.integration.web import post, propose, receipt_of, schedule, set_up, step_worker, vote


def proof_data(html: str) -> dict[str, object]:
    found = re.search(
        r'<script type="application/json" id="inclusion-proof-data">(.*?)</script>', html, re.S
    )
    assert found, "no proof data on the page"
    data: dict[str, object] = json.loads(found.group(1))
    return data


async def test_receipt_page__shows_the_checked_proof_before_and_after_close(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    proposal_id = await propose(client, "ordinary", "Buy a kettle")
    await schedule(client, proposal_id)
    await step_worker(ctx, clock, timedelta(minutes=1))
    cast = await vote(client, proposal_id, {"vote": "yes"})
    receipt = receipt_of(cast.text)
    page = f"/proposals/{proposal_id}/receipt"

    before = await post(client, page, {"receipt": receipt}, page=page)
    assert before.status_code == 200
    assert "This ballot is in the count." in before.text
    assert "Checked by the server: your ballot is leaf 1 of 1" in before.text
    assert "the log is not signed yet" in before.text
    assert "What cannot be checked yet" in before.text
    assert '<script src="/static/receipt-proof.js" defer></script>' in before.text
    data = proof_data(before.text)
    assert data["signed_head"] is None and data["proof_verified"] is True
    leaf = data["leaf"]
    assert isinstance(leaf, dict)
    assert data["leaf_hash"] == merkle.object_leaf_hash(leaf).hex() == data["root"]

    await step_worker(ctx, clock, timedelta(hours=49))
    after = await post(client, page, {"receipt": receipt}, page=page)
    assert "That root is the one the co-op signed when the vote closed" in after.text
    assert "the signature verifies" in after.text
    signed = proof_data(after.text)["signed_head"]
    assert isinstance(signed, dict) and signed["root"] == data["root"]
    script = await client.get("/static/receipt-proof.js")
    assert script.status_code == 200 and "crypto.subtle" in script.text


async def test_receipt_page__in_french(
    client: AsyncClient, ctx: AppContext, clock: ManualClock
) -> None:
    await set_up(client, ctx)
    proposal_id = await propose(client, "ordinary", "Buy a kettle")
    await schedule(client, proposal_id)
    await step_worker(ctx, clock, timedelta(minutes=1))
    receipt = receipt_of((await vote(client, proposal_id, {"vote": "yes"})).text)
    page = f"/proposals/{proposal_id}/receipt"
    french = await post(client, "/language", {"language": "fr", "next": page}, page=page)
    assert french.status_code in (200, 303)
    checked = await post(client, page, {"receipt": receipt}, page=page)
    assert "Vérifié par le serveur" in checked.text
    assert "Vérifié dans votre navigateur" in checked.text  # the script's message, translated
