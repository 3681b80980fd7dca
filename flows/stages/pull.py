"""Pull members' own systems into their inbox: each registered source fetched, stored and registered.

Each pull is written to a deterministic inbox key, `inbox/<member>/<dataset>/pull-<source_id>.csv|.jsonl`,
and registered as an ordinary submission with its content hash, so an unchanged source is the same
submission and nothing new is ingested. Validation then treats it like any uploaded file. The fetching
itself (HTTP, SQL, secrets, redaction) is `infra/sources.py`.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from infra.access.prefect_secrets import prefect_secret
from infra.hashing import sha256_file, sha256_stream
from infra.ledger import PullSource
from infra.readers.limits import limits_from_settings
from infra.resources import Resources
from infra.sources import CONTENT_TYPES, READ_TIMEOUT_S, SecretLookup, SourceError, fetch_http, fetch_sql, lookup_secret
from infra.storage import Storage
from infra.storage.keys import inbox_key
from schemas import get_contract
from schemas.outcomes import SubmissionStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PullOutcome:
    """What pulling one source did: a new submission waiting, the same content again, or an error."""

    source_id: str
    member_id: str
    dataset: str
    kind: str
    key: str | None = None
    submission_id: str | None = None
    is_new: bool = False
    error: str | None = None


def pull_key(source: PullSource, *, extension: str) -> str:
    """The inbox key a source's pulls are written to: one per source, so new content replaces old."""
    return inbox_key(source.member_id, source.dataset, f"pull-{source.source_id}{extension}")


def pull_sources(
    resources: Resources,
    *,
    secret: SecretLookup = prefect_secret,
    member_id: str | None = None,
    timeout_s: float = READ_TIMEOUT_S,
) -> list[PullOutcome]:
    """Pull every registered source (or one member's); a failing source is reported and the others go on."""
    outcomes = []
    for source in resources.ledger.list_sources(member_id=member_id):
        try:
            outcome = pull_source(resources, source, secret=secret, timeout_s=timeout_s)
        except SourceError as error:
            logger.warning("%s", error)
            outcome = PullOutcome(source.source_id, source.member_id, source.dataset, source.kind, error=str(error))
        outcomes.append(outcome)
    return outcomes


def pull_source(
    resources: Resources, source: PullSource, *, secret: SecretLookup, timeout_s: float = READ_TIMEOUT_S
) -> PullOutcome:
    """Fetch one source into the member's inbox and register it as a submission (or find it unchanged)."""
    limits = limits_from_settings(resources.settings)
    try:
        with tempfile.TemporaryDirectory(prefix="junkan-pull-") as workdir:
            if source.kind == "http":
                assert source.url is not None
                token = lookup_secret(secret, source.secret_block) if source.secret_block else None
                local = fetch_http(
                    source.url, token=token, workdir=Path(workdir), max_bytes=limits.max_file_bytes, timeout_s=timeout_s
                )
            else:
                assert source.secret_block is not None
                assert source.table_name is not None
                local = Path(workdir) / "pull.csv"
                fetch_sql(
                    lookup_secret(secret, source.secret_block),
                    table_name=source.table_name,
                    schema_name=source.schema_name,
                    contract=get_contract(source.dataset),
                    destination=local,
                    max_rows=limits.max_rows,
                    timeout_s=timeout_s,
                )
            key = pull_key(source, extension=local.suffix)
            sha256, size = sha256_file(local)
            if not _holds(resources.storage, key, sha256, size):
                # Rewriting unchanged content would make the nightly sweep see a "re-upload".
                resources.storage.put_file(key, local, content_type=CONTENT_TYPES[local.suffix])
    except SourceError as error:
        raise SourceError(error.message_en, error.message_ja, source_id=source.source_id) from None
    submission, created = resources.ledger.register_submission(
        member_id=source.member_id,
        dataset=source.dataset,
        key=key,
        sha256=sha256,
        size=size,
        source="http" if source.kind == "http" else "sql",
    )
    is_new = created and submission.status == SubmissionStatus.RECEIVED
    logger.info(
        "source %s (%s) for %s/%s: %s %s",
        source.source_id,
        source.kind,
        source.member_id,
        source.dataset,
        "new submission" if is_new else "unchanged, submission",
        submission.submission_id,
    )
    return PullOutcome(
        source.source_id, source.member_id, source.dataset, source.kind, key, submission.submission_id, is_new
    )


def _holds(storage: Storage, key: str, sha256: str, size: int) -> bool:
    """Whether storage already has exactly this content under key."""
    info = storage.stat(key)
    if info is None or info.size != size:
        return False
    with storage.open(key) as stream:
        return sha256_stream(stream)[0] == sha256
