"""Proposals: drafting, scheduling, opening and closing on time, tallying and enacting."""
