"""`make audit`: osv-scanner offline on a uv.lock, failing only on a vulnerable pin that has a fixed version.

Runs the real script, so the first run builds the pinned scanner from the Go module proxy (cached afterwards).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from infra.shared_folder import shared_folder

REPOSITORY = Path(__file__).resolve().parents[3]
AUDIT = REPOSITORY / "infra" / "devservers" / "scripts" / "audit.sh"

pytestmark = pytest.mark.skipif(
    not (shared_folder("advisories") / "osv-scanner" / "PyPI" / "all.zip").is_file(),
    reason="no advisory snapshot in shared/advisories beside the checkout",
)


def _lock(folder: Path, name: str, version: str) -> Path:
    """A minimal uv.lock pinning one package from PyPI."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "uv.lock"
    path.write_text(
        'version = 1\nrequires-python = ">=3.11"\n\n'
        f'[[package]]\nname = "{name}"\nversion = "{version}"\nsource = {{ registry = "https://pypi.org/simple" }}\n',
        encoding="utf-8",
    )
    return path


def _audit(lockfile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        ["bash", str(AUDIT), str(lockfile)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=1800,  # the first run builds osv-scanner
        check=False,
        cwd=REPOSITORY,
    )


def test_a_vulnerable_pin_with_a_fixed_version_fails_naming_the_advisory(tmp_path: Path) -> None:
    done = _audit(_lock(tmp_path / "vulnerable", "urllib3", "1.24.1"))
    assert done.returncode == 1, done.stdout + done.stderr
    # urllib3 1.24.1: CRLF injection (PYSEC-2019-133), fixed in 1.24.2 — written here from the advisory.
    assert "urllib3==1.24.1: PYSEC-2019-133: fixed in 1.24.2" in done.stdout
    assert "audit failed: 12 known vulnerabilities have a fixed version" in done.stdout


def test_the_snapshot_date_is_printed_so_nobody_takes_it_for_a_live_feed(tmp_path: Path) -> None:
    done = _audit(_lock(tmp_path / "vulnerable", "urllib3", "1.24.1"))
    assert "7080 advisories, newest published 2026-07-23" in done.stdout
    assert "not a live feed" in done.stdout


def test_an_advisory_without_a_fixed_version_is_listed_but_does_not_fail(tmp_path: Path) -> None:
    # coapthon 4.0.2 has one advisory (CVE-2018-12680) and no release that fixes it: nothing to upgrade to.
    done = _audit(_lock(tmp_path / "unfixable", "coapthon", "4.0.2"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "coapthon==4.0.2: PYSEC-2019-165: no fixed version yet" in done.stdout
    assert "audit passed" in done.stdout


def test_the_project_lock_passes() -> None:
    done = _audit(REPOSITORY / "uv.lock")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "audit passed" in done.stdout


def test_a_lock_not_named_uv_lock_is_refused_rather_than_scanned_as_nothing(tmp_path: Path) -> None:
    path = tmp_path / "deps.lock"
    path.write_text("", encoding="utf-8")
    done = _audit(path)
    assert done.returncode != 0
    assert "named uv.lock" in done.stderr
