"""Bounded history for the tables runs rewrite: a core or draft table keeps its newest snapshots only.

Every commit writes a table's whole metadata again, its list of snapshots included, and reads it back: replacing a
slice of `core.flows` took 18 ms of CPU with 29 snapshots, 47 ms with 209 and 122 ms with 809 (854 ms before
`CachedTransaction`), and a one-row submit makes about eight such commits of two snapshots each, so a warm
`submit` slowed down with every file a home had taken. Nothing reads a core or draft table's past: public tables
keep their releases as tags, and a release expires their other snapshots itself (`staging.tag_and_expire`). Once a
table holds more than `TRIM_ABOVE` snapshots, all but the newest `KEEP` (and any a tag or branch holds) are expired
in one metadata-only commit, every few dozen writes. No file is deleted: a reader still on an old snapshot reads on.
"""

from __future__ import annotations

import logging
from typing import Final

import sqlalchemy as sa
from pyiceberg.exceptions import CommitFailedException
from pyiceberg.table import Table
from pyiceberg.table.update.snapshot import ExpireSnapshots

from infra.warehouse.transactions import CachedTransaction

logger = logging.getLogger(__name__)

KEEP: Final = 10
TRIM_ABOVE: Final = 50
TRIMMED_NAMESPACES: Final = ("core.", "draft.")


def trim_history(table: Table, name: str) -> int:
    """Expire all but the newest `KEEP` snapshots of a core or draft table past `TRIM_ABOVE`; how many were expired."""
    metadata = table.metadata
    if not name.startswith(TRIMMED_NAMESPACES) or len(metadata.snapshots) <= TRIM_ABOVE:
        return 0
    newest = sorted(metadata.snapshots, key=lambda snapshot: (snapshot.timestamp_ms, snapshot.sequence_number or 0))
    kept = {snapshot.snapshot_id for snapshot in newest[-KEEP:]} | {ref.snapshot_id for ref in metadata.refs.values()}
    old = [snapshot.snapshot_id for snapshot in metadata.snapshots if snapshot.snapshot_id not in kept]
    try:
        with CachedTransaction(table) as transaction:
            ExpireSnapshots(transaction).by_ids(old).commit()
    except (CommitFailedException, sa.exc.OperationalError) as error:  # another writer first: a later write trims
        logger.info("%s: history not trimmed this time (%s)", name, error)
        return 0
    logger.info("%s: expired %d old snapshots (kept the newest %d)", name, len(old), KEEP)
    return len(old)
