"""Checking a submitted choice against the proposal's method and options.

Stored shapes (JSON)::

    majority, supermajority  {"vote": "yes" | "no" | "abstain"}
    consent                  {"vote": "agree" | "abstain" | "block"}   (+ a reason to block)
    approval                 {"approve": ["o1", "o3"]}                  (at most k; [] abstains)
    score                    {"scores": {"o1": 5, "o2": 0, ...}}        (0..5 per option)
    instant_runoff, schulze, stv
                             {"ranking": ["o2", "o1"]}                  (best first; may be
                                                                         partial; [] abstains)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from governance.errors import InvalidInput
from governance.i18n import N_
from governance.tally.types import (
    MAX_SCORE,
    MIN_SCORE,
    Choice,
    ConsentChoice,
    MajorityChoice,
    Method,
)

MAX_REASON = 5000
RANKED_METHODS = frozenset({Method.INSTANT_RUNOFF, Method.SCHULZE, Method.STV})


def _bad(template: str, **params: Any) -> InvalidInput:
    return InvalidInput(template, code="invalid_choice", **params)


def normalize(
    method: Method,
    raw: object,
    *,
    options: Sequence[str],
    max_choices: int | None,
    reason: str = "",
) -> tuple[dict[str, Any], str]:
    """The canonical stored form of a choice and its reason, or :class:`InvalidInput`."""
    if not isinstance(raw, dict):
        raise _bad(N_('The ballot must be an object, for example {"vote": "yes"}.'))
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise _bad(N_("The reason is too long (%(n)s characters at most)."), n=MAX_REASON)
    if method in (Method.MAJORITY, Method.SUPERMAJORITY):
        vote = raw.get("vote")
        if vote not in {c.value for c in MajorityChoice}:
            raise _bad(N_("Choose yes, no or abstain."))
        return {"vote": vote}, reason
    if method is Method.CONSENT:
        vote = raw.get("vote")
        if vote not in {c.value for c in ConsentChoice}:
            raise _bad(N_("Choose agree, abstain or block."))
        if vote == ConsentChoice.BLOCK and not reason:
            raise InvalidInput(
                N_("A block needs a reason: say what would have to change for you to agree."),
                code="block_needs_reason",
            )
        return {"vote": vote}, reason
    if method is Method.APPROVAL:
        chosen = raw.get("approve")
        if not isinstance(chosen, list) or not all(isinstance(o, str) for o in chosen):
            raise _bad(N_('List the options you approve, for example ["o1", "o3"].'))
        unknown = sorted(set(chosen) - set(options))
        if unknown:
            raise _bad(N_("Unknown option(s): %(options)s."), options=", ".join(unknown))
        if len(set(chosen)) != len(chosen):
            raise _bad(N_("Each option can be approved only once."))
        if max_choices is not None and len(chosen) > max_choices:
            raise _bad(N_("Approve at most %(k)s option(s)."), k=max_choices)
        return {"approve": sorted(chosen, key=options.index)}, reason
    if method is Method.SCORE:
        scores = raw.get("scores")
        if not isinstance(scores, dict):
            raise _bad(N_('Give a score to each option, for example {"o1": 4}.'))
        unknown = sorted(set(scores) - set(options))
        if unknown:
            raise _bad(N_("Unknown option(s): %(options)s."), options=", ".join(unknown))
        clean: dict[str, int] = {}
        for option in options:
            value = scores.get(option, MIN_SCORE)
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not (MIN_SCORE <= value <= MAX_SCORE)
            ):
                raise _bad(
                    N_("Scores are whole numbers from %(low)s to %(high)s."),
                    low=MIN_SCORE,
                    high=MAX_SCORE,
                )
            clean[option] = value
        return {"scores": clean}, reason
    if method in RANKED_METHODS:
        ranking = raw.get("ranking")
        if not isinstance(ranking, list) or not all(isinstance(o, str) for o in ranking):
            raise _bad(N_('Rank the options, most preferred first, for example ["o2", "o1"].'))
        unknown = sorted(set(ranking) - set(options))
        if unknown:
            raise _bad(N_("Unknown option(s): %(options)s."), options=", ".join(unknown))
        if len(set(ranking)) != len(ranking):
            raise _bad(N_("Each option can be ranked only once."))
        limit = len(options) if max_choices is None else min(max_choices, len(options))
        if len(ranking) > limit:
            raise _bad(N_("Rank at most %(k)s option(s)."), k=limit)
        return {"ranking": list(ranking)}, reason
    raise _bad(N_("This decision method does not take ballots yet."))


def to_tally(method: Method, stored: dict[str, Any]) -> Choice:
    """The tally's value for a stored choice."""
    if method in (Method.MAJORITY, Method.SUPERMAJORITY):
        return MajorityChoice(stored["vote"])
    if method is Method.CONSENT:
        return ConsentChoice(stored["vote"])
    if method is Method.APPROVAL:
        return frozenset(stored["approve"])
    if method is Method.SCORE:
        return dict(stored["scores"])
    if method in RANKED_METHODS:
        return tuple(stored["ranking"])
    raise _bad(N_("This decision method does not take ballots yet."))
