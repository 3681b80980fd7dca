"""The ledger and Iceberg catalog test modules, run again against a real PostgreSQL.

They default to SQLite; `JUNKAN_TEST_DATABASE_URL` points their `database_url` fixture at PostgreSQL
(each test then gets a fresh database). Running them in a child pytest keeps one set of tests for both.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.servers_left import TOKEN_VARIABLE

REPO = Path(__file__).resolve().parents[2]
MODULES = [
    "tests/unit/infra/test_ledger.py",
    "tests/unit/infra/test_ledger_joining.py",
    "tests/unit/infra/test_ledger_logins.py",
    "tests/unit/infra/test_warehouse.py",
]


@pytest.mark.parametrize("module", MODULES)
def test_module_passes_on_postgresql(module: str, postgres_url: str) -> None:
    # A token of its own: the child session must judge only servers it started, not this session's own.
    token = f"{os.environ.get(TOKEN_VARIABLE, 'run')}-child-{uuid.uuid4().hex[:8]}"
    environment = {**os.environ, "JUNKAN_TEST_DATABASE_URL": postgres_url, TOKEN_VARIABLE: token}
    done = subprocess.run(  # noqa: S603 - our own test module
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", module],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert done.returncode == 0, f"{module} on PostgreSQL:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
    assert " passed" in summary
    assert "skipped" not in summary
