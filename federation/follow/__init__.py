"""Follows between co-ops: remote actors following a local one, and the other way round."""
