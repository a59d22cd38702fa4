"""Errors raised while tallying.

Exception tree (part of :mod:`governance.errors`)::

    GovernanceError
    └── TallyError                 base of every tally error
        ├── InvalidRules           the rules cannot be tallied (also an InvalidInput)
        ├── InvalidBallot          a ballot does not fit the rules (also an InvalidInput)
        └── UnsupportedMethod      the method is reserved but has no implementation yet

A tally never repairs or skips a bad ballot: it refuses the whole tally, because a result
computed from silently dropped ballots could not be verified by anyone else.
"""

from __future__ import annotations

from governance.errors import GovernanceError, InvalidInput


class TallyError(GovernanceError):
    code = "tally_error"


class InvalidRules(TallyError, InvalidInput):
    code = "invalid_tally_rules"


class InvalidBallot(TallyError, InvalidInput):
    code = "invalid_ballot"


class UnsupportedMethod(TallyError):
    code = "unsupported_tally_method"
