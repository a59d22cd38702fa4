"""The durable delivery queue: one row per (activity, recipient inbox), claimed by workers,
signed, POSTed, retried with backoff, and a circuit breaker per remote host."""
