"""Every runtime dependency is imported by junkan's own packages: none is declared and never used."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
PACKAGES = ("flows", "transforms", "expectations", "schemas", "infra")
# Distribution name -> the module it is imported as, where the two differ.
MODULES = {
    "great-expectations": "great_expectations",
    "pydantic-settings": "pydantic_settings",
    "prefect-dask": "prefect_dask",
    "argon2-cffi": "argon2",
    "asgi-csrf": "asgi_csrf",
}


def _distribution(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()


def test_every_runtime_dependency_is_imported_by_our_code() -> None:
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [_distribution(one) for one in project["dependencies"]]
    declared += [_distribution(one) for extra in project["optional-dependencies"].values() for one in extra]
    source = "\n".join(
        path.read_text(encoding="utf-8") for package in PACKAGES for path in (REPOSITORY / package).rglob("*.py")
    )
    unused = [
        name
        for name in declared
        if not re.search(rf"^\s*(import|from) {MODULES.get(name, name)}\b", source, flags=re.MULTILINE)
    ]
    assert unused == [], f"declared in pyproject.toml but never imported: {unused}"
