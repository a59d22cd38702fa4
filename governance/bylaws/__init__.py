"""The co-op's bylaws: a versioned document defining proposal kinds and their rules."""

from governance.bylaws.document import (
    Bylaws,
    Effect,
    ProposalKind,
    parse_bylaws,
)

__all__ = ["Bylaws", "Effect", "ProposalKind", "parse_bylaws"]
