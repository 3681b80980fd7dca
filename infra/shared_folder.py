"""Folders of the partnership's `shared/` beside the checkout: real datasets, the advisory snapshot.

Standard library only, so shell scripts can ask too: `python3 -m infra.shared_folder advisories` prints the folder.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]


def shared_folder(*parts: str, repository: Path = REPOSITORY) -> Path:
    """`shared/<parts>` beside the repository, else beside the checkout it was cloned from, else the first.

    A clone elsewhere (CI's fresh checkout in a temporary folder) has no `shared/` beside itself; it looks
    beside the local checkout git's `origin` points at.
    """
    relative = Path("shared", *parts)
    beside = repository.parent / relative
    if beside.is_dir():
        return beside
    origin = _cloned_from(repository)
    if origin is not None and (origin.parent / relative).is_dir():
        return origin.parent / relative
    return beside


def _cloned_from(repository: Path) -> Path | None:
    """The local checkout this one was cloned from (git's `origin`), if it is a folder on this machine."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments, git from PATH
            ["git", "-C", str(repository), "remote", "get-url", "origin"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    url = done.stdout.strip()
    if done.returncode != 0 or not url or "://" in url or not Path(url).is_dir():
        return None
    return Path(url).resolve()


if __name__ == "__main__":
    sys.stdout.write(f"{shared_folder(*sys.argv[1:])}\n")
