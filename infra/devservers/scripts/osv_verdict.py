"""The audit's two questions osv-scanner does not answer itself (standard library only; used by audit.sh).

usage: python3 osv_verdict.py snapshot ADVISORY_ZIP  (how many advisories, and the newest publication date)
       python3 osv_verdict.py verdict SCAN_JSON      (list the findings; exit 1 when one has a fixed version)
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path


def snapshot(zip_path: Path) -> str:
    """The snapshot's size and date: the newest `published` date of its advisories.

    Not the newest `modified`: upstream has a few advisories with a `modified` date years ahead (typos), and
    an advisory cannot be published after the snapshot was taken.
    """
    newest = ""
    count = 0
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            if not name.endswith(".json"):
                continue
            advisory = json.loads(archive.read(name))
            count += 1
            newest = max(newest, str(advisory.get("published", "")))
    if not count:
        msg = f"{zip_path} holds no advisories"
        raise ValueError(msg)
    return f"{count} advisories, newest published {newest[:10]}"


def _canonical(name: str) -> str:
    """A PyPI project name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def fixed_versions(vulnerability: dict[str, object], package: str) -> list[str]:
    """The versions an advisory names as fixing it for one package (none: nothing to upgrade to)."""
    fixed: list[str] = []
    affected = vulnerability.get("affected", [])
    for entry in affected if isinstance(affected, list) else []:
        if _canonical(str(entry.get("package", {}).get("name", ""))) != _canonical(package):
            continue
        for version_range in entry.get("ranges", []):
            if version_range.get("type") == "GIT":  # commits, not versions a lock can pin
                continue
            fixed += [event["fixed"] for event in version_range.get("events", []) if "fixed" in event]
    return fixed


def verdict(scan_path: Path) -> int:
    """Print every finding; 1 when a vulnerable pin has a fixed version to upgrade to, else 0."""
    scan = json.loads(scan_path.read_text(encoding="utf-8") or "{}")
    fixable = unfixable = 0
    for result in scan.get("results") or []:
        for found in result.get("packages") or []:
            package = found["package"]
            for vulnerability in found.get("vulnerabilities") or []:
                fixed = fixed_versions(vulnerability, package["name"])
                if fixed:
                    fixable += 1
                    status = f"fixed in {', '.join(fixed)}"
                else:
                    unfixable += 1
                    status = "no fixed version yet (reported, not failing)"
                where = f"{package['name']}=={package['version']}"
                sys.stdout.write(f"  {where}: {vulnerability['id']}: {status}\n")
    if fixable:
        sys.stdout.write(
            f"audit failed: {fixable} known vulnerabilities have a fixed version; upgrade those packages "
            "(uv lock --upgrade-package NAME)\n"
        )
        return 1
    sys.stdout.write(f"audit passed: no known vulnerability with a fixed version ({unfixable} without one)\n")
    return 0


if __name__ == "__main__":
    match sys.argv[1:]:
        case ["snapshot", path]:
            sys.stdout.write(snapshot(Path(path)) + "\n")
        case ["verdict", path]:
            sys.exit(verdict(Path(path)))
        case _:
            sys.exit(__doc__)
