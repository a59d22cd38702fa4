"""The legal forms an allocation policy can declare, and the rules each imposes.

A policy names its ``legal_form``; the form's rules apply on top of whatever the policy
states (a policy may be stricter, never looser). docs/allocation.md quotes the sources.

* ``fr_scop`` — French worker co-operative (SCOP), loi n° 78-763 du 19 juillet 1978, art. 33:
  15 % of the net surplus to the legal reserve, at least 25 % to the workers ("part
  travail"), split by pay, by time worked, equally or by a mix of these; interest on capital
  never above the workers' share nor above the sums put to the reserves.
* ``us_worker_coop`` — US worker co-operative taxed under Subchapter T (26 U.S.C. §§ 1381-1388):
  patronage dividends are paid on the basis of the business done with the co-op (for a
  worker co-op, the work: hours or pay), never per head (§ 1388(a)(1)); at least 20 % of each
  patronage dividend is paid in money for the retained part to be a *qualified* written
  notice of allocation (§ 1388(c)(1)).
* ``custom`` — no rules beyond the policy's own minimums.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction


class LegalForm(enum.StrEnum):
    CUSTOM = "custom"
    FR_SCOP = "fr_scop"
    US_WORKER_COOP = "us_worker_coop"


@dataclass(frozen=True)
class LegalRules:
    """What a legal form requires of every allocation (shares of the surplus)."""

    form: LegalForm
    source: str  # the citation shown in error messages (a proper name: not translated)
    min_legal_reserve: Fraction = Fraction(0)
    min_members: Fraction = Fraction(0)
    min_patronage_cash: Fraction = Fraction(0)
    interest_cap_members: bool = False  # total interest ≤ the members' share
    interest_cap_reserves: bool = False  # total interest ≤ legal + indivisible reserves
    work_basis_only: bool = False  # the members' share follows work done, never per head


RULES: dict[LegalForm, LegalRules] = {
    LegalForm.CUSTOM: LegalRules(LegalForm.CUSTOM, source="the policy"),
    LegalForm.FR_SCOP: LegalRules(
        LegalForm.FR_SCOP,
        source="loi n° 78-763, art. 33 (SCOP)",
        min_legal_reserve=Fraction(15, 100),
        min_members=Fraction(25, 100),
        interest_cap_members=True,
        interest_cap_reserves=True,
    ),
    LegalForm.US_WORKER_COOP: LegalRules(
        LegalForm.US_WORKER_COOP,
        source="26 U.S.C. § 1388 (Subchapter T)",
        min_patronage_cash=Fraction(20, 100),
        work_basis_only=True,
    ),
}


def rules_for(form: LegalForm) -> LegalRules:
    return RULES[form]
