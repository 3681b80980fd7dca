"""One session per call, or one transaction for a block of calls (`batch`): what every ledger query runs in."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def now() -> datetime:
    """The time in UTC, as the ledger stores it."""
    return datetime.now(UTC)


def new_id(prefix: str, at: datetime) -> str:
    """Ids sort by time, so 'older' has the same meaning for ids and timestamps."""
    return f"{prefix}{at.astimezone(UTC):%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex[:12]}"


class SessionScope:
    """The ledger's sessions over one SQLAlchemy engine; the repositories' queries run inside them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._open = threading.local()  # the session of a `batch()` block, per thread

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make every ledger call of this thread inside the block one transaction, committed at its end.

        Thousands of outcomes then cost one commit; if anything fails, none of them is recorded.
        """
        if getattr(self._open, "session", None) is not None:
            yield  # already inside a batch: the outer one commits
            return
        with self._sessions.begin() as session:
            self._open.session = session
            try:
                yield
            finally:
                self._open.session = None

    @contextmanager
    def _session(self) -> Iterator[Session]:
        session: Session | None = getattr(self._open, "session", None)
        if session is not None:
            yield session
            session.flush()
            return
        with self._sessions.begin() as session:
            yield session


IN_CHUNK = 5_000  # ids per IN (...) list: far below SQLite's bound variables, and one round trip per chunk


def chunks(values: Sequence[str]) -> list[Sequence[str]]:
    """`values` cut into IN lists of at most IN_CHUNK."""
    return [values[start : start + IN_CHUNK] for start in range(0, len(values), IN_CHUNK)]
