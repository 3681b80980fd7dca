from __future__ import annotations

from pathlib import Path

import pytest

from infra.resources import build_resources
from infra.settings import Settings
from infra.storage.local import LocalStorage


def test_local_resources_live_under_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    resources = build_resources(Settings(home=home))
    try:
        assert isinstance(resources.storage, LocalStorage)
        assert resources.storage.root == home.resolve()
        assert resources.storage.warehouse_uri == (home.resolve() / "warehouse").as_uri()
        assert (home / "junkan.db").is_file()
        assert resources.warehouse.table("mart.indicators").schema().column_names[0] == "period"
        assert resources.ledger.list_members() == []
    finally:
        resources.close()


def test_unknown_storage_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must start with file:// or s3://"):
        build_resources(Settings(home=tmp_path, storage_url="ftp://example.org/x"))


def test_s3_url_needs_a_bare_bucket(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"must be s3://<bucket>"):
        build_resources(Settings(home=tmp_path, storage_url="s3://bucket/some/path"))
