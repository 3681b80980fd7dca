"""The partnership's shared/ folder is found beside the checkout, or beside the one a fresh clone came from."""

from __future__ import annotations

import subprocess
from pathlib import Path

from infra.shared_folder import shared_folder


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)  # noqa: S603, S607


def test_shared_beside_the_checkout(tmp_path: Path) -> None:
    (tmp_path / "shared" / "advisories").mkdir(parents=True)
    (tmp_path / "repo").mkdir()
    assert shared_folder("advisories", repository=tmp_path / "repo") == tmp_path / "shared" / "advisories"


def test_a_fresh_clone_elsewhere_looks_beside_the_checkout_it_came_from(tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "shared" / "advisories").mkdir(parents=True)
    origin = work / "main"
    origin.mkdir()
    _git("init", "-q", cwd=origin)
    _git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "--allow-empty", "-m", "x", cwd=origin)
    (tmp_path / "ci").mkdir()
    _git("clone", "-q", str(origin), "clone", cwd=tmp_path / "ci")
    clone = tmp_path / "ci" / "clone"
    assert shared_folder("advisories", repository=clone) == (work / "shared" / "advisories").resolve()
    # nothing anywhere: the folder beside the checkout, so the caller's "not found" names the expected place
    assert shared_folder("nowhere", repository=clone) == tmp_path / "ci" / "shared" / "nowhere"
