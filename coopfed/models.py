"""Every module that defines tables, imported so ``Base.metadata`` holds the whole schema."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from governance.db import Base

TABLE_MODULES = (
    "governance.audit",
    "governance.ballot.head",
    "governance.ballot.log",
    "governance.ballot.model",
    "governance.bylaws.store",
    "governance.comment",
    "governance.instance",
    "governance.invitation",
    "governance.ledger.model",
    "governance.member",
    "governance.membership_class",
    "governance.notification",
    "governance.password_reset",
    "governance.proposal.model",
    "governance.proxy",
    "governance.signin",
    "federation.delivery.model",
    "federation.feed.model",
    "federation.follow.model",
    "federation.keys",
    "federation.models",
    "coopfed.auth.api_token",
    "coopfed.auth.web_session",
)


def metadata() -> MetaData:
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return Base.metadata
