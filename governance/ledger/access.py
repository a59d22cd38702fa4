"""Who may do what with the books: members read, treasurers and admins record.

A member's own shares and capital account are always theirs to read; other members' are
readable too unless the bylaws keep member details private (then only bookkeepers see them).
"""

from __future__ import annotations

from governance.bylaws.document import LedgerRules
from governance.errors import Forbidden
from governance.i18n import N_
from governance.ledger.errors import NotBookkeeper, PrivateDetails
from governance.member import Member, Role, Status

BOOKKEEPERS = (Role.ADMIN, Role.TREASURER)


def is_bookkeeper(member: Member | None) -> bool:
    return member is not None and member.role in BOOKKEEPERS and member.status is Status.MEMBER


def require_bookkeeper(member: Member | None) -> Member:
    if member is None or not is_bookkeeper(member):
        raise NotBookkeeper()
    return member


def require_reader(member: Member | None) -> Member:
    """An admitted member: the books are for members."""
    if member is None or member.status is not Status.MEMBER:
        raise Forbidden(N_("Only admitted members may read the books."), code="not_admitted")
    return member


def may_see_member(viewer: Member, member_id: int, rules: LedgerRules) -> bool:
    return viewer.id == member_id or not rules.private_member_details or is_bookkeeper(viewer)


def require_member_visible(viewer: Member | None, member_id: int, rules: LedgerRules) -> Member:
    reader = require_reader(viewer)
    if not may_see_member(reader, member_id, rules):
        raise PrivateDetails()
    return reader
