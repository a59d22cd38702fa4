"""Which remote hosts this instance federates with: the block list and allow-list mode.

An admin blocks hosts (``block``), or switches the instance to allow-list mode and lists the
hosts it federates with (``allow``). A rule on ``example.org`` also covers its subdomains
(``a.example.org``); a block always wins over an allow. IP literals match only themselves.

``FederationPolicy`` keeps the rules in memory so that ``may_federate(host)`` answers
synchronously: the inbox asks it before any other work, and the safe HTTP client calls it
(as its ``host_policy``) before every hop. The cache is reloaded

- after a change made through this object commits: the change is applied to the rules in
  memory at once (an ``after_commit`` hook on the session; a rollback cancels it), and the
  next ``ensure_fresh`` reads them all again,
- and, for changes made by another process (``coopfed federation block`` on the command line,
  another web process on PostgreSQL), when ``ensure_fresh`` finds that the stored version
  (``federation_config.updated_at``, bumped by every change) moved; it looks at most once
  per ``check_interval`` seconds.

Every change is recorded in the audit log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from federation.models import FederationConfig, FederationMode, HostPolicy, HostRule
from federation.net.addresses import ip_literal, normalize_host
from governance import audit
from governance.errors import InvalidInput, NotFound
from governance.i18n import N_

__all__ = [
    "CONFIG_ID",
    "FederationPolicy",
    "InvalidHost",
    "PolicyNotLoaded",
    "PolicySnapshot",
    "RuleNotFound",
    "host_candidates",
    "host_of_url",
    "list_rules",
    "load_config",
    "normalize_rule_host",
    "rules_by_kind",
]

CONFIG_ID: Final = 1
_MAX_HOST: Final = 253


class InvalidHost(InvalidInput):
    """The text given as a host is not a host name or an IP address."""

    code = "invalid_host"


class RuleNotFound(NotFound):
    """There is no such rule to remove."""

    code = "rule_not_found"


class PolicyNotLoaded(RuntimeError):
    """``may_federate`` was asked before the rules were ever loaded (a wiring bug: call
    ``ensure_fresh`` or ``reload`` first)."""


def normalize_rule_host(text: str) -> str:
    """The host an admin means: ``Peer.Example.``, ``https://peer.example/x``,
    ``peer.example:8443`` and ``*.peer.example`` all give ``peer.example``.

    Ports are dropped (a rule covers the whole host); international names become punycode.
    Raises ``InvalidHost`` for anything that is not a host name or an IP address.
    """
    raw = text.strip()
    if "://" in raw:
        try:
            raw = urlsplit(raw).hostname or ""
        except ValueError:
            raw = ""
    else:
        raw = raw.split("/", 1)[0]
        if raw.startswith("["):
            raw = raw[1:].split("]", 1)[0]
        elif raw.count(":") == 1:
            raw = raw.split(":", 1)[0]
    raw = raw.removeprefix("*.")
    host = normalize_host(raw)
    if ip_literal(host) is not None:
        return str(ip_literal(host))
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        host = ""
    labels = host.split(".")
    if (
        not host
        or len(host) > _MAX_HOST
        or any(not label or len(label) > 63 for label in labels)
        or any(not (c.isalnum() or c in "-_") for label in labels for c in label)
        or any(label.startswith("-") or label.endswith("-") for label in labels)
    ):
        raise InvalidHost(N_("'%(host)s' is not a host name or an IP address."), host=text.strip())
    return host


def host_candidates(host: str) -> tuple[str, ...]:
    """The host and each parent domain (``a.b.example`` → itself, ``b.example``, ``example``);
    an IP literal only itself."""
    if ip_literal(host) is not None:
        return (host,)
    labels = host.split(".")
    return tuple(".".join(labels[i:]) for i in range(len(labels)))


def host_of_url(url: str) -> str | None:
    """The host of an http(s) URL in the form rules use, or None if it has none."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    host = normalize_host(host)
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return host


@dataclass(frozen=True, slots=True)
class PolicySnapshot:
    """The rules as loaded at one moment."""

    mode: FederationMode
    require_signed_fetch: bool
    blocked: frozenset[str]
    allowed: frozenset[str]
    version: datetime | None

    def is_blocked(self, host: str) -> bool:
        return any(candidate in self.blocked for candidate in host_candidates(host))

    def is_allowed(self, host: str) -> bool:
        return any(candidate in self.allowed for candidate in host_candidates(host))

    def may_federate(self, host: str) -> bool:
        """Whether this instance talks to ``host`` (lower-case, no port, punycode)."""
        host = normalize_host(host)
        if not host or self.is_blocked(host):
            return False
        if self.mode is FederationMode.ALLOWLIST:
            return self.is_allowed(host)
        return True


EMPTY: Final = PolicySnapshot(FederationMode.OPEN, False, frozenset(), frozenset(), None)


async def load_config(session: AsyncSession) -> FederationConfig | None:
    """The stored switches, or None if no admin ever changed them (open, unsigned fetch)."""
    return await session.get(FederationConfig, CONFIG_ID)


async def list_rules(session: AsyncSession, rule: HostRule | None = None) -> list[HostPolicy]:
    """Every host rule (or only blocks / only allows), by host."""
    query = select(HostPolicy).order_by(HostPolicy.host)
    if rule is not None:
        query = query.where(HostPolicy.rule == rule)
    return list((await session.scalars(query)).all())


async def _stored_version(session: AsyncSession) -> datetime | None:
    # A column query, not session.get: it must read the database, not the identity map.
    version: datetime | None = await session.scalar(
        select(FederationConfig.updated_at).where(FederationConfig.id == CONFIG_ID)
    )
    return version


async def _load(session: AsyncSession) -> PolicySnapshot:
    config = (
        await session.execute(
            select(
                FederationConfig.mode,
                FederationConfig.require_signed_fetch,
                FederationConfig.updated_at,
            ).where(FederationConfig.id == CONFIG_ID)
        )
    ).first()
    rows = (await session.execute(select(HostPolicy.host, HostPolicy.rule))).all()
    return PolicySnapshot(
        mode=config.mode if config else FederationMode.OPEN,
        require_signed_fetch=config.require_signed_fetch if config else False,
        blocked=frozenset(host for host, rule in rows if rule is HostRule.BLOCK),
        allowed=frozenset(host for host, rule in rows if rule is HostRule.ALLOW),
        version=config.updated_at if config else None,
    )


class FederationPolicy:
    """The instance's federation rules: changes (each audited) and a synchronous, cached
    ``may_federate``. One per instance (it lives on the app context); not thread-safe."""

    def __init__(
        self, *, check_interval: float = 5.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._snapshot: PolicySnapshot | None = None
        self._stale = True
        self._checked_at = 0.0
        self._check_interval = check_interval
        self._monotonic = monotonic

    # --- reading -----------------------------------------------------------------------

    @property
    def snapshot(self) -> PolicySnapshot:
        """The rules in memory; ``PolicyNotLoaded`` if they never were loaded."""
        if self._snapshot is None:
            raise PolicyNotLoaded(
                "the federation policy was never loaded; call ensure_fresh(session) first"
            )
        return self._snapshot

    def may_federate(self, host: str) -> bool:
        """Whether ``host`` may be talked to, from the rules in memory (no I/O)."""
        return self.snapshot.may_federate(host)

    @property
    def loaded(self) -> bool:
        return self._snapshot is not None

    def due(self) -> bool:
        """Whether ``ensure_fresh`` would touch the database now."""
        return (
            self._stale
            or self._snapshot is None
            or self._monotonic() - self._checked_at >= self._check_interval
        )

    async def ensure_fresh(self, session: AsyncSession) -> PolicySnapshot:
        """Reload when a local change committed, when never loaded, or (checked at most once
        per ``check_interval``) when another process changed the rules."""
        if not self.due():
            return self.snapshot
        if not self._stale and self._snapshot is not None:
            version = await _stored_version(session)
            self._checked_at = self._monotonic()
            if version == self._snapshot.version:
                return self._snapshot
        return await self.reload(session)

    async def reload(self, session: AsyncSession) -> PolicySnapshot:
        """Read every rule now."""
        self._stale = False
        snapshot = await _load(session)
        self._snapshot = snapshot
        self._checked_at = self._monotonic()
        return snapshot

    def invalidate(self) -> None:
        """Reload on the next ``ensure_fresh``."""
        self._stale = True

    # --- changing ----------------------------------------------------------------------

    async def block(
        self, session: AsyncSession, host: str, *, note: str = "", by: int | None, now: datetime
    ) -> HostPolicy:
        """Block ``host`` (and its subdomains); replaces an allow rule on the same host."""
        return await self._put(session, host, HostRule.BLOCK, note=note, by=by, now=now)

    async def allow(
        self, session: AsyncSession, host: str, *, note: str = "", by: int | None, now: datetime
    ) -> HostPolicy:
        """List ``host`` (and its subdomains) as allowed in allow-list mode; replaces a block."""
        return await self._put(session, host, HostRule.ALLOW, note=note, by=by, now=now)

    async def unblock(
        self, session: AsyncSession, host: str, *, by: int | None, now: datetime
    ) -> str:
        """Remove the block on ``host``; ``RuleNotFound`` if it is not blocked."""
        return await self._remove(session, host, HostRule.BLOCK, by=by, now=now)

    async def disallow(
        self, session: AsyncSession, host: str, *, by: int | None, now: datetime
    ) -> str:
        """Remove ``host`` from the allow list; ``RuleNotFound`` if it is not listed."""
        return await self._remove(session, host, HostRule.ALLOW, by=by, now=now)

    async def set_mode(
        self, session: AsyncSession, mode: FederationMode, *, by: int | None, now: datetime
    ) -> FederationConfig:
        """``open`` (every host not blocked) or ``allowlist`` (only allowed hosts)."""
        config = await self._config_for_change(session, now)
        before = config.mode
        config.mode = FederationMode(mode)
        self._on_commit(session, lambda snap: replace(snap, mode=FederationMode(mode)))
        await audit.record(
            session,
            now=now,
            action="federation.mode",
            actor_id=by,
            target=config.mode.value,
            details={"before": before.value},
        )
        return config

    async def set_require_signed_fetch(
        self, session: AsyncSession, required: bool, *, by: int | None, now: datetime
    ) -> FederationConfig:
        """Whether GETs of non-public objects must carry an HTTP signature."""
        config = await self._config_for_change(session, now)
        config.require_signed_fetch = required
        self._on_commit(session, lambda snap: replace(snap, require_signed_fetch=required))
        await audit.record(
            session,
            now=now,
            action="federation.signed_fetch",
            actor_id=by,
            target="on" if required else "off",
        )
        return config

    async def set_auto_accept_follows(
        self, session: AsyncSession, accept: bool, *, by: int | None, now: datetime
    ) -> FederationConfig:
        """Whether follow requests from remote co-ops are accepted at once (else they wait
        for an admin to approve or reject them)."""
        config = await self._config_for_change(session, now)
        config.auto_accept_follows = accept
        await audit.record(
            session,
            now=now,
            action="federation.auto_accept_follows",
            actor_id=by,
            target="on" if accept else "off",
        )
        return config

    async def _put(
        self,
        session: AsyncSession,
        host: str,
        rule: HostRule,
        *,
        note: str,
        by: int | None,
        now: datetime,
    ) -> HostPolicy:
        normalized = normalize_rule_host(host)
        note = note.strip()[:500]
        row = await session.get(HostPolicy, normalized)
        before = row.rule.value if row is not None else None
        if row is None:
            row = HostPolicy(host=normalized, rule=rule, note=note, created_at=now, created_by=by)
            session.add(row)
        else:
            row.rule, row.note, row.created_at, row.created_by = rule, note, now, by
        await self._config_for_change(session, now)
        self._on_commit(session, lambda snap: _with_rule(snap, normalized, rule))
        await audit.record(
            session,
            now=now,
            action=f"federation.{rule.value}",
            actor_id=by,
            target=normalized,
            details={"note": note, **({"before": before} if before else {})},
        )
        return row

    async def _remove(
        self, session: AsyncSession, host: str, rule: HostRule, *, by: int | None, now: datetime
    ) -> str:
        normalized = normalize_rule_host(host)
        row = await session.get(HostPolicy, normalized)
        if row is None or row.rule is not rule:
            message = (
                N_("%(host)s is not on the block list.")
                if rule is HostRule.BLOCK
                else N_("%(host)s is not on the allow list.")
            )
            raise RuleNotFound(message, host=normalized)
        await session.delete(row)
        await self._config_for_change(session, now)
        self._on_commit(session, lambda snap: _with_rule(snap, normalized, None))
        action = "federation.unblock" if rule is HostRule.BLOCK else "federation.disallow"
        await audit.record(session, now=now, action=action, actor_id=by, target=normalized)
        return normalized

    async def _config_for_change(self, session: AsyncSession, now: datetime) -> FederationConfig:
        """The config row, created if need be, with its version bumped."""
        config = await load_config(session)
        if config is None:
            config = FederationConfig(
                id=CONFIG_ID,
                mode=FederationMode.OPEN,
                require_signed_fetch=False,
                auto_accept_follows=True,
                updated_at=now,
            )
            session.add(config)
        # Strictly increasing, so other processes see a change even when the clock stands
        # still (tests) or two changes fall in the same microsecond.
        previous = config.updated_at
        config.updated_at = now if previous is None or now > previous else _after(previous)
        await session.flush()
        return config

    def _on_commit(
        self, session: AsyncSession, change: Callable[[PolicySnapshot], PolicySnapshot]
    ) -> None:
        """Apply ``change`` to the rules in memory when ``session`` commits (so that
        ``may_federate``, which is synchronous, obeys at once), and reload at the next
        ``ensure_fresh``; forget it if the session rolls back first."""
        settled = False

        def committed(_session: Session) -> None:
            nonlocal settled
            if settled:
                return
            settled = True
            if self._snapshot is not None:
                self._snapshot = change(self._snapshot)
            self.invalidate()

        def rolled_back(_session: Session) -> None:
            nonlocal settled
            settled = True

        event.listen(session.sync_session, "after_commit", committed, once=True)
        event.listen(session.sync_session, "after_rollback", rolled_back, once=True)


def _with_rule(snapshot: PolicySnapshot, host: str, rule: HostRule | None) -> PolicySnapshot:
    """``snapshot`` with ``host``'s rule set to ``rule`` (None: removed)."""
    blocked, allowed = snapshot.blocked - {host}, snapshot.allowed - {host}
    if rule is HostRule.BLOCK:
        blocked |= {host}
    elif rule is HostRule.ALLOW:
        allowed |= {host}
    return replace(snapshot, blocked=blocked, allowed=allowed)


def _after(moment: datetime) -> datetime:
    return moment + timedelta(microseconds=1)


def rules_by_kind(rows: Iterable[HostPolicy]) -> tuple[list[HostPolicy], list[HostPolicy]]:
    """(blocked, allowed) from a list of rules."""
    rows = list(rows)
    return (
        [r for r in rows if r.rule is HostRule.BLOCK],
        [r for r in rows if r.rule is HostRule.ALLOW],
    )
