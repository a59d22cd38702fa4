"""The decision methods, one module each, all speaking :class:`~.base.TallyMethod`."""

from governance.tally.methods.approval import ApprovalMethod
from governance.tally.methods.base import TallyMethod
from governance.tally.methods.consent import ConsentMethod
from governance.tally.methods.majority import MajorityMethod
from governance.tally.methods.score import ScoreMethod

__all__ = ["ApprovalMethod", "ConsentMethod", "MajorityMethod", "ScoreMethod", "TallyMethod"]
