"""What a whole table is built from, as one digest: a stage whose outputs say they were built from it skips.

Whole tables are rebuilt after every run whose files feed them (`schemas.datasets`), though most runs change
none of what a given one reads: no flows file changes an obligation, yet each one's run judged every member's
obligations and solved the compliance counts' protection again (0.1 s of a one-row `submit`; a linear program
over every member on a large partnership). A fingerprint digests the snapshots of the Iceberg tables a stage
reads, the ledger rows it reads (as the frames it reads them into), the day and settings it judges by, and
junkan's own code. `Warehouse.replace(built_from=…)` keeps it in each output's snapshot, so any changed input, new
code, or an output written since by anything else, rebuilds the table.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from infra.resources import Resources

# The packages whose code builds tables: a change to any of them rebuilds every fingerprinted table once.
PACKAGES = ("schemas", "transforms", "expectations", "infra", "flows")


@functools.cache
def code_digest() -> str:
    """A SHA-256 of junkan's source files (4 ms; the warm worker computes it before it forks)."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(
    resources: Resources,
    *,
    stage: str,
    tables: Sequence[str],
    frames: Mapping[str, pl.DataFrame],
    values: Mapping[str, object],
) -> str:
    """The digest of what `stage` builds from: `tables`' current snapshots, `frames` (ledger rows) and `values`.

    A table's snapshot changes with every commit to it, so a rewrite with the same rows only rebuilds once more.
    """
    digest = hashlib.sha256(f"{stage}\0{code_digest()}\0".encode())
    snapshots = {table: resources.warehouse.snapshot_id(table) for table in tables}
    digest.update(json.dumps({"snapshots": snapshots, "values": values}, sort_keys=True, default=str).encode())
    for name, frame in sorted(frames.items()):
        digest.update(f"\0{name}\0".encode())
        digest.update(frame.write_ipc(None).getvalue())
    return digest.hexdigest()


def built_from(resources: Resources, outputs: Sequence[str], fingerprint: str) -> bool:
    """Whether every one of `outputs` was last written from inputs of this fingerprint (so it holds what they make)."""
    return all(resources.warehouse.built_from(table) == fingerprint for table in outputs)


def rows(resources: Resources, table: str) -> int:
    """Rows of a table, from its current snapshot's summary (nothing is read)."""
    snapshot = resources.warehouse.table(table).current_snapshot()
    if snapshot is None or snapshot.summary is None:
        return 0
    return int(snapshot.summary.get("total-records") or 0)
