from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from infra.storage import Storage
from infra.storage.local import TEMP_PREFIX, LocalStorage

KEY = "inbox/city-kitakyushu/flows/2024.csv"


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "store")


def test_implements_the_storage_protocol(storage: LocalStorage, tmp_path: Path) -> None:
    assert isinstance(storage, Storage)
    assert storage.warehouse_uri == (tmp_path / "store" / "warehouse").as_uri()
    assert storage.url == (tmp_path / "store").as_uri()


def test_put_and_get_bytes_with_md5_etag(storage: LocalStorage) -> None:
    info = storage.put_bytes(KEY, b"hello")

    # md5("hello"), as S3 reports it for a single-part upload
    assert info.etag == "5d41402abc4b2a76b9719d911017c592"
    assert info.size == 5
    assert info.key == KEY
    assert info.last_modified.tzinfo is not None
    assert storage.get_bytes(KEY) == b"hello"
    assert storage.stat(KEY) == info


def test_put_file_streams_large_content(storage: LocalStorage, tmp_path: Path) -> None:
    content = bytes(range(256)) * (3 * 4096 + 7)  # ~3 MiB, several copy chunks
    source = tmp_path / "big.bin"
    source.write_bytes(content)

    info = storage.put_file(KEY, source)

    assert info.size == len(content)
    assert info.etag == hashlib.md5(content, usedforsecurity=False).hexdigest()
    target = tmp_path / "downloaded" / "big.bin"
    storage.download(KEY, target)
    assert target.read_bytes() == content
    with storage.open(KEY) as handle:
        assert handle.read(3) == bytes([0, 1, 2])


class _Exploding(io.RawIOBase):
    """A source that yields one chunk, then fails, like a dropped upload."""

    def __init__(self) -> None:
        self.sent = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.sent:
            raise ConnectionError("upload interrupted")
        self.sent = True
        return b"half-written"


def test_a_failed_write_leaves_the_old_object_and_no_partial_file(storage: LocalStorage) -> None:
    storage.put_bytes(KEY, b"old complete content")

    with pytest.raises(ConnectionError, match="interrupted"):
        storage._write(KEY, _Exploding())  # type: ignore[arg-type]

    assert storage.get_bytes(KEY) == b"old complete content"
    folder = storage.path(KEY).parent
    assert [path.name for path in folder.iterdir()] == ["2024.csv"]


def test_list_is_recursive_in_key_order_and_skips_partial_files(storage: LocalStorage) -> None:
    for key in ["reports/m/flows/b.json", "inbox/m-2/flows/z.csv", "inbox/m-1/targets/a.csv", "inbox/m-1/flows/b.csv"]:
        storage.put_bytes(key, key.encode())
    (storage.root / "inbox" / "m-1" / "flows" / f"{TEMP_PREFIX}abc").write_bytes(b"partial")

    assert [info.key for info in storage.list("inbox/")] == [
        "inbox/m-1/flows/b.csv",
        "inbox/m-1/targets/a.csv",
        "inbox/m-2/flows/z.csv",
    ]
    assert [info.key for info in storage.list("inbox/m-1")] == ["inbox/m-1/flows/b.csv", "inbox/m-1/targets/a.csv"]
    assert [info.key for info in storage.list("")][-1] == "reports/m/flows/b.json"
    assert list(storage.list("quarantine/")) == []


def test_stat_and_delete_of_missing_objects(storage: LocalStorage) -> None:
    assert storage.stat(KEY) is None
    storage.delete(KEY)  # not an error
    storage.put_bytes(KEY, b"x")
    storage.delete(KEY)
    assert storage.stat(KEY) is None
    with pytest.raises(FileNotFoundError, match="no object"):
        storage.open(KEY)


@pytest.mark.parametrize("key", ["../outside.txt", "/etc/passwd", "inbox/a\\..\\..\\b", "inbox\uff0f..\uff0fx"])
def test_unsafe_keys_never_touch_the_disk(storage: LocalStorage, tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="unsafe storage key"):
        storage.put_bytes(key, b"x")
    assert not (tmp_path / "outside.txt").exists()
    assert list(storage.root.rglob("*")) == []


def test_a_link_out_of_the_root_is_refused(storage: LocalStorage, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (storage.root / "inbox").mkdir()
    (storage.root / "inbox" / "link").symlink_to(outside, target_is_directory=True)

    with pytest.raises(ValueError, match="outside the storage root"):
        storage.put_bytes("inbox/link/x.csv", b"x")
    assert list(outside.iterdir()) == []
