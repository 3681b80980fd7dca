"""The README's way to move a warehouse: its paths are absolute, so tables are copied into a new catalog."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from infra.warehouse import Warehouse
from schemas.tables import TABLES
from tests.bi_sample import INDICATOR, publish_sample


def open_at(root: Path) -> Warehouse:
    return Warehouse.open(catalog_url=f"sqlite:///{root / 'junkan.db'}", warehouse_uri=(root / "warehouse").as_uri())


def test_a_moved_folder_breaks_the_old_catalog_and_the_copy_reads_everything(tmp_path: Path) -> None:
    old_root, new_root = tmp_path / "old", tmp_path / "new"
    old_root.mkdir()
    new_root.mkdir()
    old = open_at(old_root)
    publish_sample(old)
    before = {name: old.read(name) for name in TABLES}
    location = old.table("mart.indicators").metadata_location
    assert location.startswith(f"file://{old_root}/warehouse/mart/indicators/metadata/")  # absolute

    new = open_at(new_root)
    new.ensure_tables()
    for name in TABLES:  # the README's step 3
        new.replace(name, old.read(name), match={})
    old.close()

    shutil.move(old_root, tmp_path / "elsewhere")  # the old place is gone
    moved = open_at(tmp_path / "elsewhere")
    with pytest.raises(FileNotFoundError):
        moved.read("mart.indicators")  # its catalog and metadata still name the old folder
    moved.close()

    for name, frame in before.items():
        assert_frame_equal(new.read(name), frame)
    expected = pl.DataFrame([INDICATOR], schema=TABLES["mart.indicators"])
    assert_frame_equal(new.read("mart.indicators"), expected)
    assert new.table("core.flows").metadata_location.startswith(f"file://{new_root}/warehouse/")
    new.close()
