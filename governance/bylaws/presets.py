"""Starting bylaws, chosen at setup. Each is a plain JSON document the co-op then amends.

* ``worker_coop``: one member, one vote; ordinary decisions by simple majority with a quorum
  of half the members; bylaws changes by two-thirds; admissions by majority; budgets by
  majority; proxies allowed (one per holder), ballots secret for admissions.
  Its surplus allocation policy is the ``fr_scop`` preset (legal reserve 15 %, 45 % to the
  workers by hours and pay, the rest to the development fund): a documented default the co-op
  changes by amending its bylaws (``us_worker_coop`` or a custom policy).
* ``multi_stakeholder``: voting colleges (SCIC-style) — workers, users and supporters with
  caps on each college's share of all weight (50 %, 30 %, 20 %); two-thirds for bylaws
  changes; supporters do not vote on admissions. It ships no allocation policy (a SCIC's
  rules differ from a SCOP's): the co-op adds one by amending its bylaws before allocating.

Both have a ``surplus_allocation`` kind (majority, not secret) whose passing posts the
proposed allocation to the books.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from governance import membership_class
from governance.bylaws import store
from governance.bylaws.document import Bylaws, parse_bylaws
from governance.errors import InvalidInput
from governance.i18n import N_
from governance.ledger.allocation.presets import preset as allocation_preset
from governance.membership_class import MembershipClass

DAY = 24


def _kind(label: str, **rules: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "label": label,
        "method": "majority",
        "quorum": "0.5",
        "threshold": "0.5",
        "comparison": "more_than",
        "notice_hours": 0,
        "min_voting_hours": 2 * DAY,
        "max_voting_hours": 14 * DAY,
        "eligible_classes": [],
        "secret": False,
        "proxies_allowed": True,
        "max_proxies_per_holder": 1,
        "effect": "record",
        "max_choices": None,
    }
    base.update(rules)
    return base


WORKER_COOP: dict[str, Any] = {
    "title": "Bylaws of a worker co-operative",
    "preset": "worker_coop",
    "text": (
        "Each member has one vote. Ordinary decisions pass by a simple majority of the votes "
        "cast, with at least half of the members voting. The bylaws change only by two thirds "
        "of the votes cast, with at least two thirds of the members voting."
    ),
    "kinds": {
        "ordinary": _kind("Ordinary decision"),
        "budget": _kind("Budget", min_voting_hours=3 * DAY),
        "member_admission": _kind("Member admission", secret=True, effect="admit_member"),
        "bylaws_amendment": _kind(
            "Bylaws amendment",
            quorum="2/3",
            threshold="2/3",
            comparison="at_least",
            notice_hours=7 * DAY,
            min_voting_hours=7 * DAY,
            max_voting_hours=21 * DAY,
            effect="amend_bylaws",
        ),
        "choice": _kind(
            "Choice among options (approval)", method="approval", max_choices=1, quorum="0.25"
        ),
        "surplus_allocation": _kind("Surplus allocation", effect="allocate_surplus"),
    },
    "ledger": {
        "currency": "EUR",
        "share_price": "100",
        "min_subscription": 1,
        "transfers_allowed": False,
        "private_member_details": False,
        "allocation": allocation_preset("fr_scop"),
    },
}

MULTI_STAKEHOLDER: dict[str, Any] = {
    "title": "Bylaws of a multi-stakeholder co-operative",
    "preset": "multi_stakeholder",
    "text": (
        "Members vote in colleges: workers, users and supporters. Whatever their numbers, "
        "workers weigh at most 50 %, users at most 30 % and supporters at most 20 % of the "
        "votes. Ordinary decisions pass by a simple majority, bylaws changes by two thirds."
    ),
    "kinds": {
        "ordinary": _kind("Ordinary decision", quorum="0.25"),
        "budget": _kind("Budget", quorum="0.25", min_voting_hours=3 * DAY),
        "member_admission": _kind(
            "Member admission",
            secret=True,
            effect="admit_member",
            eligible_classes=["worker", "user"],
            quorum="0.25",
        ),
        "bylaws_amendment": _kind(
            "Bylaws amendment",
            quorum="0.5",
            threshold="2/3",
            comparison="at_least",
            notice_hours=7 * DAY,
            min_voting_hours=7 * DAY,
            max_voting_hours=21 * DAY,
            effect="amend_bylaws",
        ),
        "consent": _kind("Consent decision", method="consent", quorum="0.25"),
        "surplus_allocation": _kind(
            "Surplus allocation", quorum="0.25", effect="allocate_surplus"
        ),
    },
    "ledger": {
        "currency": "EUR",
        "share_price": "50",
        "min_subscription": 1,
        "transfers_allowed": True,
        "private_member_details": True,
        "allocation": {},
    },
}

# The membership classes a preset creates at setup: slug, name, weight, cap.
PRESET_CLASSES: dict[str, list[tuple[str, str, str, str | None]]] = {
    "worker_coop": [("worker", "Worker member", "1", None)],
    "multi_stakeholder": [
        ("worker", "Workers' college", "1", "0.5"),
        ("user", "Users' college", "1", "0.3"),
        ("supporter", "Supporters' college", "1", "0.2"),
    ],
}

PRESETS: dict[str, dict[str, Any]] = {
    "worker_coop": WORKER_COOP,
    "multi_stakeholder": MULTI_STAKEHOLDER,
}

PRESET_LABELS = {
    "worker_coop": N_("Worker co-op: one member, one vote"),
    "multi_stakeholder": N_("Multi-stakeholder co-op with voting colleges"),
}


def preset(name: str) -> Bylaws:
    raw = PRESETS.get(name)
    if raw is None:
        raise InvalidInput(
            N_("Unknown bylaws preset '%(preset)s'."), code="unknown_preset", preset=name
        )
    return parse_bylaws(raw)


async def apply_preset(
    session: AsyncSession, name: str, *, by: int | None, now: datetime
) -> list[MembershipClass]:
    """Install a preset's bylaws as version 1 and create its membership classes."""
    bylaws = preset(name)
    await store.install_at_setup(session, bylaws, by=by, now=now)
    created = []
    for slug, label, weight, cap in PRESET_CLASSES[name]:
        fields = membership_class.ClassFields.parse(
            slug=slug, name=label, vote_weight=weight, weight_cap=cap
        )
        created.append(await membership_class.create(session, fields, by=by, now=now))
    return created
