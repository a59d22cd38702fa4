"""``coopfed verify-tally FILE_OR_URL``: check a proposal's audit export without trusting the
server (see :mod:`coopfed.verify_tally` for the checks)."""

from __future__ import annotations

import click
import httpx

from coopfed import verify_tally
from coopfed.verify_tally_report import result_lines


@click.command("verify-tally")
@click.argument("source", metavar="FILE_OR_URL")
@click.option("--token", help="An API bearer token, to fetch the export from a URL.")
@click.option(
    "--key",
    metavar="MULTIBASE",
    help="Check the signature with this Ed25519 publicKeyMultibase (as the instance's co-op "
    "actor publishes it) instead of fetching it.",
)
@click.option(
    "--instance",
    metavar="URL",
    help="The instance's base URL, to fetch its published key (default for a URL: the "
    "export's instance; a FILE without --key or --instance is checked only against the key "
    "it carries).",
)
def verify_tally_command(
    source: str, token: str | None, key: str | None, instance: str | None
) -> None:
    """Check a proposal's audit export: rebuild the ballot log's Merkle tree, verify the signed
    head with the instance's published Ed25519 key, check the counted ballots and recount the
    tally. Prints the result with its rounds or pairwise tables, or exits 1 naming the first
    discrepancy."""
    is_url = source.startswith(("http://", "https://"))
    try:
        document = verify_tally.load(source, token=token)
    except (OSError, ValueError, httpx.HTTPError) as exc:
        raise click.ClickException(f"cannot read {source}: {exc}") from None
    trusted: verify_tally.TrustedKey | None = None
    if key is not None:
        trusted = verify_tally.TrustedKey(key, "given with --key")
    elif instance is not None or is_url:
        try:
            base = instance if instance is not None else verify_tally.instance_of(source)
            trusted = verify_tally.published_key(base)
        except (ValueError, httpx.HTTPError) as exc:
            raise click.ClickException(
                f"cannot fetch the instance's published key: {exc}"
            ) from None
    try:
        done = verify_tally.verify(document, key=trusted)
    except verify_tally.Discrepancy as exc:
        raise click.ClickException(f"verification failed: {exc}") from None
    click.echo(
        f"OK: proposal {done.proposal_id}, {done.size} log leaves, root {done.root}, "
        f"{done.counted} ballots counted, outcome {done.outcome}; signature valid."
    )
    click.echo(f"Signature checked with the key {done.key.source}: {done.key.multibase}")
    if not done.key.independent:
        click.echo(
            "Warning: that key comes from the export itself; pass --instance URL or --key to "
            "check it against the key the instance publishes.",
            err=True,
        )
    for line in result_lines(done.result):
        click.echo(line)
