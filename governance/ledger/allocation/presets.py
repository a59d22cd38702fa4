"""Starting allocation policies for common legal forms, as the raw mappings the bylaws store.

:func:`preset` returns a fresh copy, so an instance can edit it (shares, basis, interest) and
store it under ``ledger.allocation``; :func:`parse_policy` still enforces the legal form's rules
on the edited mapping. docs/allocation.md explains the figures and their sources.

* ``fr_scop`` — French SCOP (loi n° 78-763, art. 33): 15 % to the legal reserve, 45 % to the
  workers ("part travail", at least 25 % by law) by half hours worked and half pay, the
  remainder (40 % when no interest is paid) to the indivisible development fund ("fonds de
  développement"); interest on capital is off (rate 0) and, when a co-op sets a rate, capped
  at the workers' share and at the reserves as the law requires.
* ``us_worker_coop`` — US worker co-op under Subchapter T: 10 % kept as an unallocated
  (indivisible) collective reserve, the remainder paid as patronage dividends by hours worked,
  20 % of each in cash (the minimum of 26 U.S.C. § 1388(c)) and 80 % credited to the member's
  internal capital account; no interest on capital.
"""

from __future__ import annotations

import copy
from typing import Any

from governance.i18n import N_
from governance.ledger.allocation.errors import PRESET_UNKNOWN, InvalidPolicy

FR_SCOP: dict[str, Any] = {
    "legal_form": "fr_scop",
    "legal_reserve": "0.15",
    "indivisible_reserve": "remainder",
    "members": {"share": "0.45", "basis": {"hours": "0.5", "pay": "0.5"}, "cash": "1"},
    "interest": {
        "rate": "0",
        "cash": "1",
        "caps": {"members_share": True, "reserves": True, "surplus_share": None},
    },
    "minimums": {"legal_reserve": "0.15", "members": "0.25", "patronage_cash": "0"},
}

US_WORKER_COOP: dict[str, Any] = {
    "legal_form": "us_worker_coop",
    "legal_reserve": "0",
    "indivisible_reserve": "0.1",
    "members": {"share": "remainder", "basis": "hours", "cash": "0.2"},
    "interest": {
        "rate": "0",
        "cash": "1",
        "caps": {"members_share": False, "reserves": False, "surplus_share": None},
    },
    "minimums": {"legal_reserve": "0", "members": "0", "patronage_cash": "0.2"},
}

PRESETS: dict[str, dict[str, Any]] = {"fr_scop": FR_SCOP, "us_worker_coop": US_WORKER_COOP}

PRESET_LABELS = {
    "fr_scop": N_("French SCOP: legal reserve of 15 percent, at least 25 percent to the workers"),
    "us_worker_coop": N_("US worker co-op: patronage by hours, at least 20 percent paid in cash"),
}


def preset(name: str) -> dict[str, Any]:
    """A fresh, editable copy of a preset's ``ledger.allocation`` mapping."""
    found = PRESETS.get(name)
    if found is None:
        raise InvalidPolicy(
            N_("Unknown allocation preset '%(preset)s' (known: %(known)s)."),
            code=PRESET_UNKNOWN,
            preset=name,
            known=", ".join(sorted(PRESETS)),
        )
    return copy.deepcopy(found)
