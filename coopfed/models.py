"""Every module that defines tables, imported so ``Base.metadata`` holds the whole schema."""

from __future__ import annotations

from sqlalchemy import MetaData

import governance.audit
import governance.instance
import governance.invitation
import governance.member
import governance.membership_class
import governance.password_reset
import governance.signin  # noqa: F401
from governance.db import Base


def metadata() -> MetaData:
    return Base.metadata
