"""Shared by methods whose ballot is one choice out of a fixed list (majority, consent)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from governance.tally.columns import BallotColumns
from governance.tally.errors import InvalidBallot
from governance.tally.exact import sum_by_key
from governance.tally.types import Ballot


def encode_codes(ballots: Sequence[Ballot], codes: Sequence[StrEnum]) -> NDArray[np.int8]:
    """Map each ballot's choice to its position in ``codes`` (the enum or its string value)."""
    position = {choice: code for code, choice in enumerate(codes)}
    try:
        return np.fromiter(
            (position[ballot.choice] for ballot in ballots),  # type: ignore[index]
            dtype=np.int8,
            count=len(ballots),
        )
    except (KeyError, TypeError):
        for index, ballot in enumerate(ballots):
            if not isinstance(ballot.choice, str) or ballot.choice not in position:
                allowed = ", ".join(codes)
                raise InvalidBallot(
                    f"Ballot {index}: the choice {ballot.choice!r} is not one of {allowed}."
                ) from None
        raise


def check_codes(columns: BallotColumns, codes: Sequence[StrEnum]) -> NDArray[np.integer]:
    """Return the choice codes, refusing a column that is not 1-D codes of ``codes``."""
    choices = columns.choices
    if choices.ndim != 1 or (len(choices) and not np.issubdtype(choices.dtype, np.integer)):
        raise InvalidBallot("This method's choices column is 1-D integer codes.")
    if len(choices) and (int(choices.min()) < 0 or int(choices.max()) >= len(codes)):
        raise InvalidBallot(f"A choice code is outside 0..{len(codes) - 1}.")
    return choices


def sums_by_class_and_code(
    columns: BallotColumns, codes: NDArray[np.integer], code_count: int, class_count: int
) -> list[list[int]]:
    """Exact weight units as ``result[class][code]``."""
    keys = columns.class_index * code_count + codes
    flat = sum_by_key(keys, columns.weight_units, class_count * code_count)
    return [flat[c * code_count : (c + 1) * code_count] for c in range(class_count)]
