"""A surplus allocation from proposal to books.

* :mod:`~governance.ledger.surplus.inputs` (pure): the figures a proposal freezes — fiscal
  year, surplus, commodity and precision, each member's hours, pay and capital, and the
  policy — with their JSON form.
* :mod:`~governance.ledger.surplus.service`: reading the policy from the bylaws, capital from
  the books, previewing, proposing (treasurers and admins) and enacting on pass.

The arithmetic is :mod:`governance.ledger.allocation`; docs/allocation.md explains it.
"""
