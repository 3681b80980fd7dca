"""A pyiceberg transaction that works out its table's metadata once per staged state, not on every read.

pyiceberg 0.12 recomputes `Transaction.table_metadata` each time it is read: it replays every staged update and
deep-copies the whole metadata, snapshot history included, and one delete-and-append (`Warehouse.replace`) reads
it about 45 times. That was 60-70 % of the CPU of replacing a small slice, and it grows with the table's history
(apache/iceberg-python#2673). The cache is the one proposed upstream (#3302, #3784): keyed on the identity of
the table's metadata and of the staged updates, both rebound (never changed in place) when either changes.
"""

from __future__ import annotations

from pyiceberg.table import Transaction
from pyiceberg.table.metadata import TableMetadata
from pyiceberg.table.update import TableUpdate, update_table_metadata


class CachedTransaction(Transaction):
    """`Transaction` whose `table_metadata` is computed once for each (table metadata, staged updates)."""

    _computed: tuple[TableMetadata, tuple[TableUpdate, ...], TableMetadata] | None = None

    @property
    def table_metadata(self) -> TableMetadata:
        """The table's metadata with the staged updates applied (what the next step of the transaction sees)."""
        base, updates = self._table.metadata, self._updates
        computed = self._computed
        if computed is None or computed[0] is not base or computed[1] is not updates:
            computed = (base, updates, update_table_metadata(base, updates))
            self._computed = computed
        return computed[2]
