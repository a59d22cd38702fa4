"""The bylaws presets and surplus allocation: the worker co-op starts from the documented
fr_scop policy and has an allocation kind; the multi-stakeholder preset ships no policy."""

from __future__ import annotations

from governance.bylaws.document import Effect, parse_bylaws
from governance.bylaws.presets import preset
from governance.ledger.allocation import parse_policy
from governance.ledger.allocation import preset as allocation_preset


def test_worker_coop__defaults_to_the_fr_scop_policy_and_can_propose_allocations() -> None:
    bylaws = preset("worker_coop")
    assert bylaws.ledger.allocation == allocation_preset("fr_scop")
    assert parse_policy(bylaws.ledger.allocation).legal_form.value == "fr_scop"
    kind = bylaws.kind("surplus_allocation")
    assert kind.effect is Effect.ALLOCATE_SURPLUS and not kind.secret
    assert parse_bylaws(bylaws.to_json()) == bylaws


def test_multi_stakeholder__has_the_kind_but_no_policy() -> None:
    bylaws = preset("multi_stakeholder")
    assert bylaws.ledger.allocation == {}
    assert bylaws.kind("surplus_allocation").effect is Effect.ALLOCATE_SURPLUS


def test_presets__are_fresh_copies() -> None:
    first = preset("worker_coop")
    first.ledger.allocation["legal_reserve"] = "0.2"
    assert preset("worker_coop").ledger.allocation["legal_reserve"] == "0.15"
