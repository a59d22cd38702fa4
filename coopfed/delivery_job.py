"""The worker job that drains the delivery queue (``federation.delivery.runner``).

Each round opens one safe HTTP client (connection pooling and keep-alive per host, sized by
``delivery_concurrency``), delivers everything due, and closes it. Several ``coopfed worker``
processes on PostgreSQL share the queue (claims use ``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

from coopfed.context import AppContext
from federation import discovery
from federation.delivery.claim import any_due
from federation.delivery.runner import DeliveryOptions, deliver_due
from federation.net import FetchLimits, SafeClient, create_safe_client

__all__ = ["DeliverActivities", "delivery_client", "delivery_options"]


def delivery_options(ctx: AppContext) -> DeliveryOptions:
    settings = ctx.settings
    return DeliveryOptions(
        concurrency=settings.delivery_concurrency,
        host_concurrency=min(settings.delivery_host_concurrency, settings.delivery_concurrency),
    )


def delivery_client(ctx: AppContext) -> SafeClient:
    """A safe client for deliveries: the instance's policy and allow-list, a pool as large
    as the concurrency."""
    settings = ctx.settings
    size = settings.delivery_concurrency
    return create_safe_client(
        user_agent=discovery.user_agent(settings.effective_base_url, discovery.software_version()),
        allow_list=settings.federation_allow_networks,
        host_policy=ctx.policy.may_federate,
        limits=FetchLimits(max_connections=size, max_keepalive_connections=size),
    )


class DeliverActivities:
    """Sign and POST every due delivery; retries, breaker and outcomes are the queue's."""

    name = "deliver-activities"

    async def run_once(self, ctx: AppContext) -> int:
        async with ctx.session() as db:
            await ctx.policy.ensure_fresh(db)
            due = await any_due(db, now=ctx.clock.now())
            await db.commit()
        if not due:
            return 0
        async with delivery_client(ctx) as client:
            return await deliver_due(
                ctx.sessions, client, clock=ctx.clock.now, options=delivery_options(ctx)
            )
