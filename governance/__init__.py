"""The co-op's domain: members, membership classes, bylaws, proposals, ballots, tallies, ledger.

This package imports neither ``federation`` nor ``coopfed``, and no web or HTTP library. It
exposes services (async functions taking a session and plain values), domain events (frozen
dataclasses) and ports (Protocols it needs from outside, such as a clock).
"""
