"""Counting a closed proposal: the stored ballots and the frozen electorate become a tally's
inputs, and the :class:`TallyResult` becomes JSON kept on the proposal.

Two paths give the same result:

- :func:`count` reads the ballots as columns straight from SQL (one row of small integers per
  ballot; the JSON choices are decoded by the database) into
  :func:`governance.tally.tally_columns`: it counts a million ballots in seconds.
- :func:`tally_inputs` builds one :class:`Ballot` per stored ballot, for
  :func:`governance.tally.tally`; it is the plain reference the columnar path is tested against.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from operator import itemgetter
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import (
    ColumnElement,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from governance.ballot import choice as choices
from governance.ballot.model import RollCallBallot, SecretBallot
from governance.bylaws.document import parse_share
from governance.db import ExactDecimal
from governance.membership_class import MembershipClass
from governance.proposal.model import ElectorateEntry, Proposal, ProposalOption
from governance.tally import BallotColumns, tally, tally_columns
from governance.tally.errors import InvalidBallot
from governance.tally.exact import to_decimal, weight_to_units
from governance.tally.methods.ranked import rank_dtype
from governance.tally.types import (
    CONSENT_CODES,
    MAJORITY_CODES,
    MAX_SCORE,
    MIN_SCORE,
    Ballot,
    ClassWeight,
    Comparison,
    Method,
    Rules,
    TallyResult,
)

NO_CLASS = "-"


async def _rules(session: AsyncSession, proposal: Proposal, eligible: dict[str, Decimal]) -> Rules:
    """The tally rules: the proposal's frozen rules and the electorate's weight per class."""
    rules = proposal.rules
    caps = {c.slug: c.weight_cap for c in (await session.scalars(select(MembershipClass))).all()}
    frozen_caps: dict[str, str | None] = rules.get("class_caps", {})
    classes = tuple(
        ClassWeight(
            class_id=key,
            eligible_weight=weight,
            cap=_cap(frozen_caps.get(key, caps.get(key))),
        )
        for key, weight in sorted(eligible.items())
    ) or (ClassWeight(NO_CLASS, Decimal(0)),)
    options = tuple(
        (
            await session.scalars(
                select(ProposalOption.key)
                .where(ProposalOption.proposal_id == proposal.id)
                .order_by(ProposalOption.position)
            )
        ).all()
    )
    return Rules(
        method=Method(rules["method"]),
        classes=classes,
        quorum=parse_share(rules.get("quorum", "0"), "quorum"),
        threshold=parse_share(rules.get("threshold", "0.5"), "threshold"),
        comparison=Comparison(rules.get("comparison", "more_than")),
        options=options,
        max_choices=rules.get("max_choices"),
        seats=int(rules.get("seats", 1)),
    )


async def tally_inputs(session: AsyncSession, proposal: Proposal) -> tuple[list[Ballot], Rules]:
    """One :class:`Ballot` per stored ballot, and the rules (the reference path)."""
    method = Method(proposal.rules["method"])
    rules = proposal.rules
    electorate = list(
        (
            await session.scalars(
                select(ElectorateEntry).where(ElectorateEntry.proposal_id == proposal.id)
            )
        ).all()
    )
    eligible: dict[str, Decimal] = defaultdict(Decimal)
    for entry in electorate:
        eligible[entry.class_key] += entry.weight
    tally_rules = await _rules(session, proposal, eligible)
    ballots: list[Ballot] = []
    if rules.get("secret"):
        for sealed in (
            await session.scalars(
                select(SecretBallot).where(SecretBallot.proposal_id == proposal.id)
            )
        ).all():
            ballots.append(
                Ballot(
                    sealed.class_key,
                    sealed.weight,
                    choices.to_tally(method, sealed.choice),
                    ref=sealed.id,
                )
            )
    else:
        by_member = {entry.member_id: entry for entry in electorate}
        for row in (
            await session.scalars(
                select(RollCallBallot).where(RollCallBallot.proposal_id == proposal.id)
            )
        ).all():
            entry = by_member[row.voter_id]
            ballots.append(
                Ballot(
                    entry.class_key,
                    entry.weight,
                    choices.to_tally(method, row.choice),
                    ref=str(row.voter_id),
                )
            )
    return ballots, tally_rules


def _cap(raw: object) -> Fraction | None:
    if raw is None:
        return None
    return parse_share(str(raw), "cap")


async def count(session: AsyncSession, proposal: Proposal) -> TallyResult:
    """Tally the proposal's stored ballots under its frozen rules (the columnar path)."""
    columns, rules = await columnar_inputs(session, proposal)
    return tally_columns(columns, rules)


async def columnar_inputs(session: AsyncSession, proposal: Proposal) -> tuple[BallotColumns, Rules]:
    """The stored ballots as :class:`BallotColumns`, and the rules (the fast path)."""
    eligible, groups = await _electorate(session, proposal)
    rules = await _rules(session, proposal, eligible)
    return await _ballot_columns(session, proposal, rules, groups), rules


async def count_per_ballot(session: AsyncSession, proposal: Proposal) -> TallyResult:
    """The same tally through :func:`tally_inputs` (slower; for checks and small votes)."""
    ballots, rules = await tally_inputs(session, proposal)
    return tally(ballots, rules)


# --- the columnar path ---------------------------------------------------------------------
#
# Every ballot's voter class and weight become one small integer, its *group*: the position of
# its (class, weight) pair among the few distinct pairs, found by a CASE in SQL. Weights are
# compared as stored (text on SQLite, NUMERIC on PostgreSQL), so no Decimal is built per row.
# Majority and consent choices become a code by another CASE, packed with the group into one
# integer per ballot. Approval choices come back as stored text, decoded once per distinct text;
# scores come back as one integer column per option. Anything unexpected (a voter outside the
# electorate, an unknown choice or option) stops the count with InvalidBallot.

Group = tuple[str, Any]  # class key, weight as the database stores it


def _raw_weight(session: AsyncSession) -> Any:
    return ExactDecimal().load_dialect_impl(session.get_bind().dialect)


async def _electorate(
    session: AsyncSession, proposal: Proposal
) -> tuple[dict[str, Decimal], list[Group]]:
    """Eligible weight per class, and the electorate's distinct (class, stored weight) pairs."""
    weight = type_coerce(ElectorateEntry.weight, _raw_weight(session))
    rows = await (await session.connection()).execute(
        select(ElectorateEntry.class_key, weight, func.count())
        .where(ElectorateEntry.proposal_id == proposal.id)
        .group_by(ElectorateEntry.class_key, weight)
    )
    eligible: dict[str, Decimal] = defaultdict(Decimal)
    groups: list[Group] = []
    for class_key, raw, members in rows:
        eligible[class_key] += Decimal(raw).normalize() * members
        groups.append((class_key, raw))
    return eligible, groups


def _group_of(
    session: AsyncSession, class_key: Any, weight: Any, groups: Sequence[Group]
) -> ColumnElement[int]:
    raw = _raw_weight(session)
    stored = type_coerce(weight, raw)
    if not groups:
        return literal(-1)
    return case(
        *(
            (and_(class_key == key, stored == literal(value, raw)), index)
            for index, (key, value) in enumerate(groups)
        ),
        else_=-1,
    )


def _code_of(vote: ColumnElement[str], codes: Sequence[str]) -> ColumnElement[int]:
    """The choice's position in ``codes``, or ``len(codes)`` for anything else."""
    return case(*((vote == code, index) for index, code in enumerate(codes)), else_=len(codes))


async def _ballot_columns(
    session: AsyncSession, proposal: Proposal, rules: Rules, electorate_groups: Sequence[Group]
) -> BallotColumns:
    if proposal.rules.get("secret"):
        table: Any = SecretBallot
        raw = _raw_weight(session)
        groups: list[Group] = [
            (key, value)
            for key, value in await session.execute(
                select(SecretBallot.class_key, type_coerce(SecretBallot.weight, raw))
                .where(SecretBallot.proposal_id == proposal.id)
                .distinct()
            )
        ]
        group = _group_of(session, SecretBallot.class_key, SecretBallot.weight, groups)
        ref: Any = SecretBallot.id
        base = select().select_from(SecretBallot).where(SecretBallot.proposal_id == proposal.id)
    else:
        table, groups = RollCallBallot, list(electorate_groups)
        group = _group_of(session, ElectorateEntry.class_key, ElectorateEntry.weight, groups)
        ref = RollCallBallot.voter_id
        base = (
            select()
            .select_from(RollCallBallot)
            .outerjoin(
                ElectorateEntry,
                and_(
                    ElectorateEntry.proposal_id == RollCallBallot.proposal_id,
                    ElectorateEntry.member_id == RollCallBallot.voter_id,
                ),
            )
            .where(RollCallBallot.proposal_id == proposal.id)
        )
    choice = table.choice
    position = {item.class_id: index for index, item in enumerate(rules.classes)}
    group_class = np.array([position.get(key, -1) for key, _ in groups] or [0], dtype=np.intp)
    group_units = np.array(
        [weight_to_units(Decimal(value)) for _, value in groups] or [0], dtype=np.int64
    )

    def columns(
        ballot_group: NDArray[np.int64],
        matrix: NDArray[Any],
        refs: tuple[str, ...] | None = None,
    ) -> BallotColumns:
        if len(ballot_group) and int(ballot_group.min()) < 0:
            raise InvalidBallot("A ballot's voter is not in the proposal's electorate.")
        class_index = group_class[ballot_group]
        if len(class_index) and int(class_index.min()) < 0:
            raise InvalidBallot("A ballot's class is not in the proposal's electorate.")
        return BallotColumns(class_index, group_units[ballot_group], matrix, refs)

    # Core rows, not ORM results: a million ORM-processed rows cost seconds more.
    connection = await session.connection()
    method = rules.method
    if method in (Method.MAJORITY, Method.SUPERMAJORITY, Method.CONSENT):
        codes = MAJORITY_CODES if method is not Method.CONSENT else CONSENT_CODES
        width = len(codes) + 1
        packed_expr = group * width + _code_of(choice["vote"].as_string(), codes)
        if method is Method.CONSENT:  # blocks are reported by reference
            rows = (await connection.execute(base.add_columns(packed_expr, ref))).all()
            packed = np.array([row[0] for row in rows], dtype=np.int64)
            refs: tuple[str, ...] | None = tuple(str(row[1]) for row in rows)
        else:
            found = (await connection.execute(base.add_columns(packed_expr))).scalars().all()
            packed = np.array(found, dtype=np.int64)
            refs = None
        ballot_group, code = np.divmod(packed, width)
        if len(code) and int(code.max()) >= len(codes):
            raise InvalidBallot("A stored ballot holds a choice this method does not know.")
        return columns(ballot_group, code.astype(np.int8), refs)
    if method is Method.APPROVAL:
        # The stored JSON text as it is (no JSON function per row): few distinct texts exist,
        # each is decoded once.
        rows = (await connection.execute(base.add_columns(group, cast(choice, Text)))).all()
        ballot_group = np.array([row[0] for row in rows], dtype=np.int64)
        patterns: dict[str | None, int] = {}
        for row in rows:
            patterns.setdefault(row[1], len(patterns))
        pattern_matrix = np.zeros((max(len(patterns), 1), len(rules.options)), dtype=np.bool_)
        option_index = {key: column for column, key in enumerate(rules.options)}
        for text, index in patterns.items():
            pattern_matrix[index, _approved(text, option_index)] = True
        chosen = np.fromiter((patterns[row[1]] for row in rows), dtype=np.intp, count=len(rows))
        return columns(ballot_group, pattern_matrix[chosen])
    if method is Method.SCORE:
        score_columns = [_score_of(choice[("scores", key)].as_string()) for key in rules.options]
        rows = (await connection.execute(base.add_columns(group, *score_columns))).all()
        values = np.array([tuple(row) for row in rows], dtype=np.int64)
        values = values.reshape(len(rows), len(rules.options) + 1)
        matrix = values[:, 1:]
        if matrix.size and (int(matrix.min()) < MIN_SCORE or int(matrix.max()) > MAX_SCORE):
            raise InvalidBallot(f"A stored score is not a whole number {MIN_SCORE}..{MAX_SCORE}.")
        return columns(np.ascontiguousarray(values[:, 0]), matrix.astype(np.int8))
    if method in choices.RANKED_METHODS:
        rows = (await connection.execute(base.add_columns(group, cast(choice, Text)))).all()
        # map + itemgetter run in C (np.array on SQLAlchemy rows probes each one slowly).
        ballot_group = np.fromiter(map(itemgetter(0), rows), dtype=np.int64, count=len(rows))
        return columns(ballot_group, ranked_choices(list(map(itemgetter(1), rows)), rules))
    raise InvalidBallot(f"The {method} method cannot be counted from stored ballots yet.")


# Ranked ballots come back as their stored JSON text, ``{"ranking": ["o2", "o1"]}``, and are
# decoded all at once, without a Python loop per ballot: the texts are joined into one string
# in which every quoted option key becomes one character (code point 256 + its position), the
# JSON punctuation and the "ranking" name are deleted, and the string is split back into one
# short text per ballot. NumPy reads those as a fixed-width Unicode array, i.e. a
# (ballots, options) matrix of code points. Anything else in a stored text (an unknown option,
# a number, another field) leaves characters below 256 and stops the count.

SEPARATOR = "\x1e"  # cannot occur unescaped in JSON text
_PUNCTUATION = str.maketrans("", "", "{}[],: \t\r\n")
_CODE_BASE = 0x100
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.-]+")


def ranked_choices(texts: list[Any], rules: Rules) -> NDArray[Any]:
    """The ``choices`` column of a ranked method from stored ranked choices as JSON texts
    (``{"ranking": [...]}``): the rank matrix (instant-runoff, Schulze) or the positions
    padded with -1 (STV). ``coopfed verify-tally`` decodes the signed leaves with it too."""
    if None in texts:
        raise InvalidBallot("A stored ranked ballot holds no ranking.")
    if plain_option_keys(rules.options):
        order = _order_matrix(SEPARATOR.join(texts), len(texts), rules.options)
    else:
        order = _order_matrix_slowly(texts, rules.options)
    return _choices_of(order, rules)


def ranked_choices_joined(joined: str, count: int, rules: Rules) -> NDArray[Any]:
    """The same from ``count`` JSON texts already joined by :data:`SEPARATOR` (option keys
    must be plain, see :func:`plain_option_keys`)."""
    return _choices_of(_order_matrix(joined, count, rules.options), rules)


def plain_option_keys(options: Sequence[str]) -> bool:
    """Whether every key is letters, digits, ``_.-`` (as the service makes them: o1, o2 …)."""
    return all(_PLAIN_KEY.fullmatch(key) for key in options)


def _choices_of(order: NDArray[np.int64], rules: Rules) -> NDArray[Any]:
    if rules.method is Method.STV:
        return order.astype(np.int16)
    return _rank_matrix(order, len(rules.options))


def _order_matrix(joined: str, count: int, options: Sequence[str]) -> NDArray[np.int64]:
    """``(ballots, options)``: the option position at each rank, -1 past the ranking's end."""
    n, width = len(options), max(len(options), 1)
    if joined.count('"ranking"') != count:
        raise InvalidBallot('A stored ranked ballot is not {"ranking": [...]}.')
    # Punctuation first, while the text is still ASCII (much faster); quotes stay, so keys
    # remain delimited.
    joined = joined.translate(_PUNCTUATION).replace('"ranking"', "")
    for position, key in enumerate(options):
        joined = joined.replace(f'"{key}"', chr(_CODE_BASE + position))
    rows = joined.split(SEPARATOR) if count else []
    if len(rows) != count:
        raise InvalidBallot("The stored ranked ballots could not be told apart.")
    if rows and max(map(len, rows)) > n:
        raise InvalidBallot("A stored ranked ballot ranks more options than there are.")
    codes = np.array(rows, dtype=f"<U{width}").view(np.uint32).reshape(len(rows), width)
    order = codes.astype(np.int64) - _CODE_BASE
    filled = codes != 0
    if bool(((order < 0) & filled).any()) or bool((order >= n).any()):
        raise InvalidBallot("A stored ranked ballot names an option this proposal does not have.")
    order[~filled] = -1
    return order


def _order_matrix_slowly(texts: list[Any], options: Sequence[str]) -> NDArray[np.int64]:
    """The same, decoding each text (option keys the service never makes, e.g. with quotes)."""
    position = {key: index for index, key in enumerate(options)}
    order = np.full((len(texts), max(len(options), 1)), -1, dtype=np.int64)
    for row, text in enumerate(texts):
        stored = json.loads(text)
        ranking = stored.get("ranking") if isinstance(stored, dict) else None
        if not isinstance(ranking, list) or len(ranking) > len(options):
            raise InvalidBallot("A stored ranked ballot is not a ranking of the options.")
        for rank, key in enumerate(ranking):
            if key not in position:
                raise InvalidBallot(
                    "A stored ranked ballot names an option this proposal does not have."
                )
            order[row, rank] = position[key]
    return order


def _rank_matrix(order: NDArray[np.int64], options: int) -> NDArray[Any]:
    """The rank matrix of instant-runoff and Schulze (see governance.tally.methods.ranked)."""
    matrix = np.zeros((len(order), options), dtype=rank_dtype(options))
    rows, positions = np.nonzero(order >= 0)
    matrix[rows, order[rows, positions]] = positions + 1
    if not np.array_equal(np.count_nonzero(matrix, axis=1), np.count_nonzero(order >= 0, axis=1)):
        raise InvalidBallot("A stored ranked ballot ranks an option twice.")
    return matrix


def _approved(text: str | None, option_index: dict[str, int]) -> list[int]:
    try:
        stored = json.loads(text) if text is not None else None
    except ValueError:
        stored = None
    approved = stored.get("approve") if isinstance(stored, dict) else None
    if (
        not isinstance(approved, list)
        or not all(isinstance(key, str) for key in approved)
        or len(set(approved)) != len(approved)
    ):
        raise InvalidBallot("A stored approval ballot is not a list of distinct options.")
    unknown = [key for key in approved if key not in option_index]
    if unknown:
        raise InvalidBallot(f"A stored approval ballot names unknown options: {unknown}.")
    return [option_index[key] for key in approved]


def _score_of(text: ColumnElement[str]) -> ColumnElement[int]:
    """0..5 for a stored score, 0 for a missing option, -1 for anything else."""
    return case(
        (text.is_(None), MIN_SCORE),
        *((text == str(n), n) for n in range(MIN_SCORE, MAX_SCORE + 1)),
        else_=-1,
    )


def _detail_to_json(value: object) -> Any:
    """A method's detail as JSON: numbers as decimal strings, ``None`` as null (not the
    string "None"), true/false as such, lists and mappings item by item."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Fraction):
        return str(to_decimal(value))
    if isinstance(value, Decimal | int):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): _detail_to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_detail_to_json(item) for item in value]
    raise TypeError(f"a result detail cannot be a {type(value).__name__}")


def result_to_json(result: TallyResult, *, secret: bool) -> dict[str, Any]:
    """The stored and published form of a result; numbers as decimal strings, and a
    detail with no value (e.g. no yes share when nobody voted yes or no) as null."""
    return {
        "method": result.method.value,
        "outcome": result.outcome.value,
        "totals": {key: str(value) for key, value in result.totals.items()},
        "eligible_weight": str(result.eligible_weight),
        "cast_weight": str(result.cast_weight),
        "turnout": str(result.turnout),
        "quorum_reached": result.quorum_reached,
        "threshold_reached": result.threshold_reached,
        "ballot_count": result.ballot_count,
        "class_factors": {key: str(value) for key, value in result.class_factors.items()},
        "winners": list(result.winners),
        "tied": list(result.tied),
        "ranking": [list(group) for group in result.ranking],
        # Who blocked is public on a roll-call vote; on a secret one only how many.
        "blocks": len(result.blocks) if secret else list(result.blocks),
        "details": {key: _detail_to_json(value) for key, value in result.details.items()},
    }
