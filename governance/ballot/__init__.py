"""Ballots: one per member per proposal, changeable until close; roll-call or secret."""
