"""API resources, one module each; ``ALL`` lists every operation."""

from coopfed.api.operation import Operation
from coopfed.api.resources import audit, classes, instance, invitations, me, members

ALL: list[Operation] = [
    *instance.operations,
    *me.operations,
    *members.operations,
    *invitations.operations,
    *classes.operations,
    *audit.operations,
]
