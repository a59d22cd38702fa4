from decimal import Decimal

import numpy as np

from governance.tally import (
    Ballot,
    BallotColumns,
    ConsentChoice,
    Method,
    Outcome,
    Rules,
    tally,
    tally_columns,
)
from tests.unit.governance.tally.builders import consent_ballots, members


def consent_rules(eligible: int = 10, quorum: str = "0.5") -> Rules:
    return Rules(Method.CONSENT, members(eligible=eligible), quorum=Decimal(quorum))


def test_consent__no_block_passes() -> None:
    result = tally(consent_ballots(agree=4, abstain=2), consent_rules())

    assert result.outcome is Outcome.PASSED
    assert result.threshold_reached is None
    assert result.blocks == ()
    assert dict(result.totals) == {"agree": 4, "abstain": 2, "block": 0}


def test_consent__one_block_rejects_however_many_agree() -> None:
    ballots = [
        *consent_ballots(agree=8),
        Ballot("member", Decimal(1), ConsentChoice.BLOCK, ref="ballot-17"),
    ]

    result = tally(ballots, consent_rules())

    assert result.outcome is Outcome.REJECTED
    assert result.blocks == ("ballot-17",)
    assert result.totals["block"] == 1


def test_consent__a_block_with_no_quorum_is_no_quorum() -> None:
    result = tally(consent_ballots(agree=2, block=1), consent_rules(quorum="0.5"))

    assert result.quorum_reached is False
    assert result.outcome is Outcome.NO_QUORUM
    assert len(result.blocks) == 1


def test_consent__blocks_count_for_quorum() -> None:
    result = tally(consent_ballots(agree=4, block=1), consent_rules(quorum="0.5"))

    assert result.quorum_reached is True
    assert result.outcome is Outcome.REJECTED


def test_consent__only_abstentions_passes() -> None:
    result = tally(consent_ballots(abstain=5), consent_rules(quorum="0.5"))

    assert result.outcome is Outcome.PASSED


def test_consent__a_zero_weight_block_still_blocks() -> None:
    ballots = [*consent_ballots(agree=6), Ballot("member", Decimal(0), ConsentChoice.BLOCK)]

    assert tally(ballots, consent_rules()).outcome is Outcome.REJECTED


def test_consent__block_refs_are_sorted_and_echoed_from_columns() -> None:
    columns = BallotColumns(
        class_index=np.zeros(4, dtype=np.intp),
        weight_units=np.full(4, 1_000_000, dtype=np.int64),
        choices=np.array([2, 0, 2, 1], dtype=np.int8),
        refs=("z", "a", "m", "b"),
    )

    result = tally_columns(columns, consent_rules(quorum="0"))

    assert result.blocks == ("m", "z")
