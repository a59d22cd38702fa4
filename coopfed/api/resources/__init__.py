"""API resources, one module each; ``ALL`` lists every operation."""

from coopfed.api.operation import Operation
from coopfed.api.resources import (
    allocations,
    audit,
    audit_export,
    ballots,
    bylaws,
    classes,
    deliveries,
    federation,
    instance,
    invitations,
    ledger,
    me,
    members,
    notifications,
    partners,
    proposals,
    proxies,
)

ALL: list[Operation] = [
    *instance.operations,
    *me.operations,
    *members.operations,
    *invitations.operations,
    *classes.operations,
    *audit.operations,
    *federation.operations,
    *deliveries.operations,
    *bylaws.operations,
    *proposals.operations,
    *ballots.operations,
    *audit_export.operations,
    *proxies.operations,
    *notifications.operations,
    *partners.operations,
    *ledger.operations,
    *allocations.operations,
]
